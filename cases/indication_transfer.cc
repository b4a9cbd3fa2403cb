// S14, S16: what the return value of an overlapped WSARecv, WSARecvFrom,
// WSASend or WSASendTo promises about its completion indication, for every
// completion mechanism, both overlapped creations and both blocking modes.
//   0                             the indication already happened (S14)
//   SOCKET_ERROR + WSA_IO_PENDING a later indication reports completion (S16)
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "suite/fixtures/call_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

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
// ARG-2 with it: the call that pends leaves *lpNumberOfBytesSent as it was.
WSAC_CASE_P(PendingSendIndication, IndicatedAfterPeerDrains, "S16", "ARG-2") {
  int zero = 0;
  ASSERT_EQ(p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero), 0)
      << "setsockopt(SO_SNDBUF, 0) failed with " << p.WSAGetLastError();
  constexpr size_t kChunk = 1 << 20;
  constexpr int kMaxChunks = 64;
  // Sends read this buffer until indicated, so it outlives a failing case.
  char* chunk = LongLivedBuffer(kChunk);
  const std::vector<char> pattern = CounterPattern(0, kChunk);
  std::memcpy(chunk, pattern.data(), kChunk);

  constexpr DWORD kUnwritten = 0xC0FFEE;
  Operation* pending = nullptr;
  DWORD pending_bytes = 0;
  size_t sent_before = 0;
  for (int i = 0; i < kMaxChunks && pending == nullptr; ++i) {
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = kUnwritten;
    int ret = Initiate(op, chunk, kChunk, &bytes, nullptr);
    pending_bytes = bytes;
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
  Observe("send.bytes_after_call", static_cast<std::int64_t>(pending_bytes));
  EXPECT_EQ(pending_bytes, kUnwritten) << "a send that pends must leave *lpNumberOfBytesSent as it was";
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
