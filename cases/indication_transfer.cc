// S14, S16: what the return value of an overlapped WSARecv, WSARecvFrom,
// WSASend or WSASendTo promises about its completion indication, for every
// completion mechanism, both overlapped creations and both blocking modes.
//   0                             the indication already happened (S14)
//   SOCKET_ERROR + WSA_IO_PENDING a later indication reports completion (S16)
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "suite/fixtures/pair_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

// ---- the operation dimension (PairCase has none) ---------------------------

enum class Call { WSARecv, WSARecvFrom, WSASend, WSASendTo };
[[maybe_unused]] const char* CallName(Call c) {
  switch (c) {
    case Call::WSARecv: return "WSARecv";
    case Call::WSARecvFrom: return "WSARecvFrom";
    case Call::WSASend: return "WSASend";
    case Call::WSASendTo: return "WSASendTo";
  }
  return "?";
}
[[maybe_unused]] const std::vector<Call> kReceives{Call::WSARecv, Call::WSARecvFrom};
[[maybe_unused]] const std::vector<Call> kSends{Call::WSASend, Call::WSASendTo};

struct CallParam {
  CaseParam base;
  Call call = Call::WSARecv;
  std::string name;
};
[[maybe_unused]] void PrintTo(const CallParam& param, std::ostream* os) { *os << param.name; }
[[maybe_unused]] std::string CallParamName(const ::testing::TestParamInfo<CallParam>& info) { return info.param.name; }

[[maybe_unused]] std::vector<CallParam> WithCalls(const std::vector<CaseParam>& bases, const std::vector<Call>& calls) {
  std::vector<CallParam> out;
  for (const CaseParam& base : bases)
    for (Call call : calls) out.push_back({base, call, base.name + CallName(call)});
  return out;
}

// The creation/mode combinations other than the default (WSASocket,
// blocking), which the per-mechanism instantiation already covers.
[[maybe_unused]] std::vector<CaseParam> OtherCreationsAndModes(std::vector<SocketKind> kinds) {
  std::vector<CaseParam> out;
  for (const CaseParam& c :
       Cross({.kinds = kinds, .creations = OverlappedCreations(), .nonblocking = BothModes()}))
    if (c.creation != Creation::WSASocketOverlapped || c.nonblocking) out.push_back(c);
  return out;
}

// lpFrom / lpFromlen are written at completion, possibly after the case has
// failed and returned: they live as long as the process, like Operations.
struct FromSlot {
  sockaddr_storage addr{};
  INT len = sizeof(sockaddr_storage);
};
[[maybe_unused]] FromSlot& NewFromSlot() {
  static std::mutex m;
  static std::deque<FromSlot> pool;
  std::lock_guard lock(m);
  return pool.emplace_back();
}
// Receive buffers of operations that may still be pending when a case ends.
[[maybe_unused]] char* LongLivedBuffer(size_t len) {
  static std::mutex m;
  static std::deque<std::vector<char>> pool;
  std::lock_guard lock(m);
  return pool.emplace_back(len, '\0').data();
}

// A stream receive completes with whatever part of the sent data has
// arrived (S17), possibly less than was sent or queued; a datagram comes
// whole. Checks the count a receive reported against the bytes sent.
[[maybe_unused]] ::testing::AssertionResult ReceivedCount(bool stream, DWORD got, size_t sent) {
  if (stream ? got >= 1 && got <= sent : got == sent) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "received " << got << " bytes of " << sent << " sent ("
                                       << (stream ? "stream: 1.." : "datagram: exactly ") << sent << " expected)";
}

class CallCase : public ::testing::TestWithParam<CallParam> {
 protected:
  CallCase()
      : p(ActiveProvider()),
        observer(p, GetParam().base.mechanism),
        pair(ConnectedPair::Open(p, GetParam().base.kind,
                                 PairOptions{GetParam().base.creation, GetParam().base.nonblocking})) {
    observer.Attach(pair.a);
  }
  Call call() const { return GetParam().call; }

  // This case's call on the side under test, with op and the observer's
  // routine; a send goes to the peer, a receive's *flags is its input too.
  int Initiate(Operation& op, char* buf, ULONG len, DWORD* bytes, DWORD* flags) {
    WSABUF wsabuf{len, buf};
    int ret = SOCKET_ERROR;
    switch (call()) {
      case Call::WSARecv: ret = p.WSARecv(pair.a, &wsabuf, 1, bytes, flags, &op.ov, observer.routine()); break;
      case Call::WSARecvFrom: {
        FromSlot& from = NewFromSlot();
        ret = p.WSARecvFrom(pair.a, &wsabuf, 1, bytes, flags, reinterpret_cast<sockaddr*>(&from.addr), &from.len,
                            &op.ov, observer.routine());
        break;
      }
      case Call::WSASend: ret = p.WSASend(pair.a, &wsabuf, 1, bytes, 0, &op.ov, observer.routine()); break;
      case Call::WSASendTo:
        ret = p.WSASendTo(pair.a, &wsabuf, 1, bytes, 0, reinterpret_cast<const sockaddr*>(&pair.b_addr),
                          pair.addr_len, &op.ov, observer.routine());
        break;
    }
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return ret;
  }

  Provider& p;
  CompletionObserver observer;
  ConnectedPair pair;
};

[[maybe_unused]] std::vector<CallParam> PerMechanism(std::vector<SocketKind> kinds, const std::vector<Call>& calls) {
  return WithCalls(Cross({.kinds = kinds, .mechanisms = AllMechanisms()}), calls);
}
[[maybe_unused]] std::vector<CallParam> PerCreationAndMode(std::vector<SocketKind> kinds, const std::vector<Call>& calls) {
  return WithCalls(OtherCreationsAndModes(std::move(kinds)), calls);
}

// ---- receives -------------------------------------------------------------

class ReceiveIndication : public CallCase {};

// S14 (with S8): data already queued, so the receive may complete at once.
// If it does, its indication is already there when the call returns; a
// provider may still choose to pend, and then a later indication must come.
WSAC_CASE_P(ReceiveIndication, ImmediateCompletionAlreadyIndicated, "S14", "S8") {
  const std::vector<char> data = CounterPattern(0, 64);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());

  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0xDEAD, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", op.call_ret, op.call_error);
  ASSERT_TRUE(op.outcome != Outcome::Failed) << CallName(call()) << " failed: " << observer.Describe(op);
  Report("S14", std::string("receive with data queued: ") + OutcomeName(op.outcome));

  std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << (ret == 0 ? "returned 0 but no indication had happened yet: "
                                            : "pended but no indication came: ")
                               << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  EXPECT_TRUE(ReceivedCount(pair.stream(), ind->bytes, data.size()));
  if (ret == 0) {
    Observe("recv.bytes", bytes);
    EXPECT_EQ(bytes, ind->bytes) << "immediate success must report the byte count";
  }
  EXPECT_EQ(FirstMismatch(buf, ind->bytes, 0), -1) << "received bytes differ from what was sent";
}

// S16: no data yet, so the receive must pend; nothing is indicated before
// data arrives, and the data's arrival is indicated later.
WSAC_CASE_P(ReceiveIndication, PendingCompletionIndicatedLater, "S16") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Pending) << "a receive with no data queued must pend: " << observer.Describe(op);
  EXPECT_FALSE(observer.IndicatedWithin(op)) << "indicated before any data arrived: " << observer.Describe(op);

  const std::vector<char> data = CounterPattern(0, 100);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << "no indication after data arrived: " << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  EXPECT_TRUE(ReceivedCount(pair.stream(), ind->bytes, data.size()));
  EXPECT_EQ(FirstMismatch(buf, ind->bytes, 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Transfer, ReceiveIndication, ValuesIn(PerMechanism(AllKinds(), kReceives)), CallParamName);
INSTANTIATE_TEST_SUITE_P(Modes, ReceiveIndication,
                         ValuesIn(PerCreationAndMode({SocketKind::Tcp4, SocketKind::Udp4}, kReceives)), CallParamName);

// ---- sends ----------------------------------------------------------------

class SendIndication : public CallCase {};

// S14: a small send with buffer space available may complete at once; if it
// does, the indication is there when the call returns. Pending is permitted.
WSAC_CASE_P(SendIndication, ImmediateCompletionAlreadyIndicated, "S14") {
  const std::vector<char> data = CounterPattern(0, 512);
  Operation& op = observer.NewOperation(pair.a);
  DWORD bytes = 0xDEAD;
  int ret = Initiate(op, const_cast<char*>(data.data()), static_cast<ULONG>(data.size()), &bytes, nullptr);
  ObserveCall("send", ret, op.call_error);
  ASSERT_TRUE(op.outcome != Outcome::Failed) << CallName(call()) << " failed: " << observer.Describe(op);
  Report("S14", std::string("small send: ") + OutcomeName(op.outcome));

  std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << (ret == 0 ? "returned 0 but no indication had happened yet: "
                                            : "pended but no indication came: ")
                               << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  EXPECT_EQ(ind->bytes, data.size());
  if (ret == 0) {
    Observe("send.bytes", bytes);
    EXPECT_EQ(bytes, data.size());
  }
  std::vector<char> got = pair.ReceiveOnPeer(data.size());
  EXPECT_EQ(FirstMismatch(got, 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Transfer, SendIndication, ValuesIn(PerMechanism(AllKinds(), kSends)), CallParamName);
INSTANTIATE_TEST_SUITE_P(Modes, SendIndication,
                         ValuesIn(PerCreationAndMode({SocketKind::Tcp4, SocketKind::Udp4}, kSends)), CallParamName);

// Flow control makes only stream sends pend; datagrams are sent or dropped.
class PendingSendIndication : public CallCase {};

// S16: with SO_SNDBUF 0 and a peer that does not read, sends eventually
// pend; a pending send is indicated only after the peer drains, with its
// full byte count.
WSAC_CASE_P(PendingSendIndication, IndicatedAfterPeerDrains, "S16") {
  int zero = 0;
  ASSERT_EQ(p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero), 0)
      << "setsockopt(SO_SNDBUF, 0) failed with " << p.WSAGetLastError();
  constexpr size_t kChunk = 1 << 20;
  constexpr int kMaxChunks = 64;
  // Sends read this buffer until indicated, so it outlives a failing case.
  char* chunk = LongLivedBuffer(kChunk);
  const std::vector<char> pattern = CounterPattern(0, kChunk);
  std::memcpy(chunk, pattern.data(), kChunk);

  Operation* pending = nullptr;
  size_t sent_before = 0;
  for (int i = 0; i < kMaxChunks && pending == nullptr; ++i) {
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0;
    int ret = Initiate(op, chunk, kChunk, &bytes, nullptr);
    if (op.outcome == Outcome::Failed) FAIL() << CallName(call()) << " failed: " << observer.Describe(op);
    if (ret == 0) {
      std::optional<Indication> ind = observer.TakeImmediate(op);
      ASSERT_TRUE(ind.has_value()) << "returned 0 but no indication had happened yet: " << observer.Describe(op);
      sent_before += ind->bytes;
    } else {
      pending = &op;
    }
  }
  Observe("bytes_before_pending", static_cast<std::int64_t>(sent_before));
  if (pending == nullptr) throw NotSupported("64 MiB of sends to a peer that does not read all completed at once");
  ObserveCall("send", pending->call_ret, pending->call_error);
  EXPECT_FALSE(observer.IndicatedWithin(*pending)) << "send indicated while the peer was not reading";

  // The peer drains everything sent so far, which lets the pending send finish.
  (void)pair.ReceiveOnPeer(sent_before + kChunk);
  std::optional<Indication> ind = observer.Wait(*pending);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << "pending send never indicated: " << observer.Describe(*pending);
  EXPECT_EQ(ind->error, 0u);
  EXPECT_EQ(ind->bytes, kChunk);
}

INSTANTIATE_TEST_SUITE_P(Transfer, PendingSendIndication, ValuesIn(PerMechanism(StreamKinds(), kSends)),
                         CallParamName);
INSTANTIATE_TEST_SUITE_P(Modes, PendingSendIndication, ValuesIn(PerCreationAndMode({SocketKind::Tcp4}, kSends)),
                         CallParamName);

}  // namespace
}  // namespace wsac
