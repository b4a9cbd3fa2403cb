// S1, S2, S3: which sockets carry the overlapped attribute.
//   S1  WSASocket with WSA_FLAG_OVERLAPPED: overlapped send, receive and ioctl work
//   S2  socket(): the same, without any flag
//   S3  WSASocket without WSA_FLAG_OVERLAPPED: a call given a WSAOVERLAPPED
//       never pends; it runs synchronously to the end or fails
//   ARG-15, S18: on such a socket in non-blocking mode, a receive with no
//       data fails at once with WSAEWOULDBLOCK, and nothing is indicated
//
// The S1 and S2 cases share their bodies; each is declared once per
// creation and names that creation's statement in every check, so a
// failure names exactly the statement of the creation that broke it.
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/fixtures/case_dimensions.h"
#include "suite/fixtures/worker.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

// ---- S1, S2: the overlapped attribute is there ---------------------------

class CreationCase : public CallCase {
 protected:
  // No data queued: the receive pends, and the data sent afterwards is
  // indicated through the chosen mechanism and lands in the buffer.
  void PendingReceiveIndicated(const char* statement) {
    Operation& op = observer.NewOperation(pair.a);
    char* buf = LongLivedBuffer(256);
    Initiate(op, buf, 256, &LongLived<DWORD>(), &LongLived<DWORD>());
    ObserveCall("recv", op.call_ret, op.call_error);
    WSAC_ASSERT_EQ(statement, op.outcome, Outcome::Pending)
        << "an overlapped receive with no data queued must be accepted and wait for data: " << observer.Describe(op);

    const std::vector<char> data = CounterPattern(0, 80);
    pair.SendFromPeer(data);
    std::optional<Indication> ind = observer.Wait(op);
    ObserveIndication("indication", ind);
    WSAC_ASSERT_TRUE(statement, ind.has_value()) << "pending receive never indicated: " << observer.Describe(op);
    WSAC_EXPECT_EQ(statement, ind->error, 0u);
    WSAC_EXPECT_TRUE(statement, ReceivedCount(pair.stream(), ind->bytes, data.size()));
    WSAC_EXPECT_EQ(statement, FirstMismatch(buf, ind->bytes, 0), -1) << "received bytes differ from what was sent";
  }

  // An overlapped send is accepted (immediate or pending), indicated, and the
  // peer receives its bytes.
  void SendIndicated(const char* statement) {
    const std::vector<char> data = CounterPattern(0, 300, 3);
    char* buf = LongLivedBuffer(data.size());
    std::memcpy(buf, data.data(), data.size());
    Operation& op = observer.NewOperation(pair.a);
    int ret = Initiate(op, buf, static_cast<ULONG>(data.size()), &LongLived<DWORD>(0xDEAD), nullptr);
    ObserveCall("send", ret, op.call_error);
    Observe("send.outcome", OutcomeName(op.outcome));
    WSAC_ASSERT_NE(statement, op.outcome, Outcome::Failed) << "overlapped send refused: " << observer.Describe(op);

    std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
    ObserveIndication("indication", ind);
    WSAC_ASSERT_TRUE(statement, ind.has_value()) << "overlapped send never indicated: " << observer.Describe(op);
    WSAC_EXPECT_EQ(statement, ind->error, 0u);
    WSAC_EXPECT_EQ(statement, ind->bytes, data.size());
    std::vector<char> got = pair.ReceiveOnPeer(data.size());
    WSAC_EXPECT_EQ(statement, FirstMismatch(got, 0, 3), -1) << "the peer received other bytes than were sent";
  }
};

class CreationIoctlCase : public PairCase {
 protected:
  // An overlapped ioctl (FIONREAD) is accepted, indicated, and reports the
  // bytes queued. Whether it pends is S27's business (ioctl_deferral.cc);
  // here either is accepted as long as the indication follows.
  void IoctlIndicated(const char* statement) {
    const std::vector<char> data = CounterPattern(0, 40);
    pair.SendFromPeer(data);
    pair.WaitUntilQueued(pair.a, data.size());

    Operation& op = observer.NewOperation(pair.a);
    u_long& queued = LongLived<u_long>(0xDEADBEEF);
    int ret = p.WSAIoctl(pair.a, static_cast<DWORD>(FIONREAD), nullptr, 0, &queued, sizeof queued,
                         &LongLived<DWORD>(), &op.ov, observer.routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    ObserveCall("ioctl", ret, op.call_error);
    WSAC_ASSERT_NE(statement, op.outcome, Outcome::Failed)
        << "overlapped WSAIoctl(FIONREAD) refused: " << observer.Describe(op);
    std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
    ObserveIndication("indication", ind);
    Observe("fionread", static_cast<std::int64_t>(queued));
    WSAC_ASSERT_TRUE(statement, ind.has_value()) << "overlapped ioctl never indicated: " << observer.Describe(op);
    WSAC_EXPECT_EQ(statement, ind->error, 0u);
    WSAC_EXPECT_EQ(statement, queued, data.size()) << "FIONREAD through an overlapped WSAIoctl";
  }
};

std::vector<CallParam> TransferParams(Creation creation, const std::vector<Call>& calls) {
  return CrossCalls({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .creations = {creation}}, calls);
}
std::vector<CaseParam> IoctlParams(Creation creation) {
  return Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .creations = {creation}});
}

// Sockets from WSASocketW(..., WSA_FLAG_OVERLAPPED).
class FlaggedReceive : public CreationCase {};
class FlaggedSend : public CreationCase {};
class FlaggedIoctl : public CreationIoctlCase {};
// S1: a pending receive on a WSA_FLAG_OVERLAPPED socket is indicated with the data.
WSAC_CASE_P(FlaggedReceive, PendingReceiveIndicated, "S1") { PendingReceiveIndicated("S1"); }
// S1: an overlapped send on a WSA_FLAG_OVERLAPPED socket is indicated and delivered.
WSAC_CASE_P(FlaggedSend, SendIndicated, "S1") { SendIndicated("S1"); }
// S1: an overlapped WSAIoctl on a WSA_FLAG_OVERLAPPED socket is indicated with its result.
WSAC_CASE_P(FlaggedIoctl, IoctlIndicated, "S1") { IoctlIndicated("S1"); }
INSTANTIATE_TEST_SUITE_P(Creation, FlaggedReceive, ValuesIn(TransferParams(Creation::WSASocketOverlapped, kReceives)),
                         CallParamName);
INSTANTIATE_TEST_SUITE_P(Creation, FlaggedSend, ValuesIn(TransferParams(Creation::WSASocketOverlapped, kSends)),
                         CallParamName);
INSTANTIATE_TEST_SUITE_P(Creation, FlaggedIoctl, ValuesIn(IoctlParams(Creation::WSASocketOverlapped)), ParamName);

// Sockets from socket().
class SocketFunctionReceive : public CreationCase {};
class SocketFunctionSend : public CreationCase {};
class SocketFunctionIoctl : public CreationIoctlCase {};
// S2: a pending receive on a socket() socket is indicated with the data.
WSAC_CASE_P(SocketFunctionReceive, PendingReceiveIndicated, "S2") { PendingReceiveIndicated("S2"); }
// S2: an overlapped send on a socket() socket is indicated and delivered.
WSAC_CASE_P(SocketFunctionSend, SendIndicated, "S2") { SendIndicated("S2"); }
// S2: an overlapped WSAIoctl on a socket() socket is indicated with its result.
WSAC_CASE_P(SocketFunctionIoctl, IoctlIndicated, "S2") { IoctlIndicated("S2"); }
INSTANTIATE_TEST_SUITE_P(Creation, SocketFunctionReceive, ValuesIn(TransferParams(Creation::SocketFunction, kReceives)),
                         CallParamName);
INSTANTIATE_TEST_SUITE_P(Creation, SocketFunctionSend, ValuesIn(TransferParams(Creation::SocketFunction, kSends)),
                         CallParamName);
INSTANTIATE_TEST_SUITE_P(Creation, SocketFunctionIoctl, ValuesIn(IoctlParams(Creation::SocketFunction)), ParamName);

// ---- S3: without the attribute nothing pends ------------------------------
//
// The Port mechanism is left out: a handle without the overlapped attribute
// cannot be associated with a completion port.

std::vector<CallParam> NonOverlappedParams(const std::vector<bool>& modes, const std::vector<Call>& calls) {
  return CrossCalls({.kinds = AllKinds(),
                     .mechanisms = NonPortMechanisms(),
                     .creations = {Creation::WSASocketNonOverlapped},
                     .nonblocking = modes},
                    calls);
}

// One socket kind and mechanism of NonOverlappedReceive: its own pair,
// observer and worker.
struct Lane {
  Lane(Provider& p, SocketKind kind, Mechanism mechanism)
      : name(std::string(KindName(kind)) + MechanismName(mechanism)),
        observer(p, mechanism),
        pair(ConnectedPair::Open(p, kind, PairOptions{Creation::WSASocketNonOverlapped, true})),
        op(observer.NewOperation(pair.a)) {}
  std::string name;  // e.g. "Tcp4Event"
  CompletionObserver observer;
  ConnectedPair pair;
  Operation& op;
  char* buf = LongLivedBuffer(128);
  DWORD* bytes = &LongLived<DWORD>(0xDEAD);
  DWORD* flags = &LongLived<DWORD>();
  bool returned = false;
  bool released = false;  // the case sent the data the call was waiting for
  bool indicated = false;
  std::unique_ptr<WorkerCall> worker;  // last, so it is gone before what it uses
};

// Every socket kind and mechanism runs as a lane of one case, all calls at
// once under one watchdog: a provider that waits where ARG-15 says it must
// fail at once costs that watchdog once per call, not once per kind and
// mechanism. Each lane still has its own pair, observer and verdict.
class NonOverlappedReceive : public ::testing::TestWithParam<Call> {};

// S3, ARG-15, S18: non-blocking, no data: the call runs synchronously, so it
// fails at once with WSAEWOULDBLOCK (ARG-15) instead of pending (S3), and
// nothing is indicated, not even once data arrives (S18): a call that
// secretly pended would complete then, and would take the data.
//
// A call still inside the provider after ReturnWatchdog() is released by the
// data it waits for, and judged by how it then ended. (SO_RCVTIMEO cannot
// end such a wait: it has no effect on a socket without the overlapped
// attribute, per the setsockopt page, and none under Wine either.)
WSAC_CASE_P(NonOverlappedReceive, NoDataFailsWithoutPending, "S3", "S18", "ARG-15") {
  Provider& p = ActiveProvider();
  const Call call = GetParam();
  const std::vector<char> data = CounterPattern(0, 24);
  std::vector<std::unique_ptr<Lane>> lanes;
  for (SocketKind kind : AllKinds())
    for (Mechanism mechanism : NonPortMechanisms()) {
      try {
        lanes.push_back(std::make_unique<Lane>(p, kind, mechanism));
      } catch (const NotSupported& e) {
        Observe(std::string(KindName(kind)) + MechanismName(mechanism), e.what());
      }
    }
  if (lanes.empty()) throw NotSupported("no socket kind could be opened");

  for (auto& lane : lanes) {
    Lane& l = *lane;
    // What follows the call is watched where it was made: a routine is
    // queued to that thread. Whether a call that completed synchronously
    // also gives an indication is not specified; it is taken, and recorded.
    l.worker = std::make_unique<WorkerCall>(
        p, [&p, &l, call] { InitiateCall(p, l.observer, l.pair, call, l.op, l.buf, 128, l.bytes, l.flags); },
        [&l] {
          if (l.op.outcome == Outcome::Failed) l.indicated = l.observer.IndicatedWithin(l.op);
          if (l.op.outcome == Outcome::Immediate) l.indicated = l.observer.TakeImmediate(l.op).has_value();
        });
    l.worker->ReleaseWith([&l] {
      if (l.pair.a != INVALID_SOCKET) l.pair.CloseA();
    });
  }
  Deadline watchdog(ReturnWatchdog());
  for (auto& lane : lanes)
    lane->returned = lane->worker->Returned(std::chrono::milliseconds(watchdog.RemainingMs()));
  // Data arrives after the call: a call still waiting gets what it waits
  // for; one that secretly pended would complete now, and the quiet watch
  // would see it.
  for (auto& lane : lanes) {
    lane->released = !lane->returned;
    if (lane->released) Observe(lane->name + ".call", "released by the peer's data");
    lane->pair.SendFromPeer(data);
  }
  for (auto& lane : lanes)
    if (lane->released) lane->returned = lane->worker->Returned(IndicationTimeout());
  for (auto& lane : lanes)
    if (lane->returned) lane->worker->LetCollect();
  for (auto& lane : lanes)
    if (lane->returned && !lane->worker->Finished(QuietWindow() + IndicationTimeout()))
      throw SetupFailed(lane->name + ": the worker did not finish its quiet watch");

  for (auto& lane : lanes) {
    const std::string& name = lane->name;
    Operation& op = lane->op;
    ObserveCall(name + ".recv", op.call_ret, op.call_error);
    Observe(name + ".recv.outcome", OutcomeName(op.outcome));
    if (!lane->returned) {
      WSAC_ADD_FAILURE("ARG-15") << name << ": the receive still waited after the peer sent data; socket closed";
      NotExercised("S18", name + ": the call never returned");
      continue;
    }
    WSAC_EXPECT_NE("S3", op.outcome, Outcome::Pending)
        << name << ": pended on a socket without the overlapped attribute: " << lane->observer.Describe(op);
    if (op.outcome == Outcome::Pending) continue;
    WSAC_EXPECT_EQ("ARG-15", op.call_error, WSAEWOULDBLOCK)
        << name
        << (lane->released ? ": the synchronous receive waited until the case sent data: "
                           : ": a synchronous receive on a non-blocking socket without data: ")
        << lane->observer.Describe(op);
    Observe(name + ".indicated", lane->indicated ? "yes" : "no");
    if (op.outcome != Outcome::Failed) {
      NotExercised("S18", name + ": the call did not fail: it completed synchronously with the data");
      continue;
    }
    WSAC_EXPECT_FALSE("S18", lane->indicated) << name << ": a failed call was indicated: "
                                              << lane->observer.Describe(op);
    // The data must all be there for the next receives: an operation started
    // in secret would have taken some. Plain receives, since a stream may
    // hand it out in pieces.
    u_long queued = 0;
    if (!lane->pair.QueuedWithin(lane->pair.a, data.size(), &queued)) {
      WSAC_ADD_FAILURE("S18") << name << ": only " << queued << " of the " << data.size()
                              << " bytes sent after the failed call are queued";
      continue;
    }
    std::vector<char> again(data.size(), '\0');
    size_t got = 0;
    do {
      WSABUF wsabuf{static_cast<ULONG>(again.size() - got), again.data() + got};
      DWORD n = 0, got_flags = 0;
      if (p.WSARecv(lane->pair.a, &wsabuf, 1, &n, &got_flags, nullptr, nullptr) != 0 || n == 0)
        throw SetupFailed(name + ": plain receive of the queued data failed with " +
                          std::to_string(p.WSAGetLastError()));
      got += n;
    } while (lane->pair.stream() && got < data.size());
    Observe(name + ".plain_recv.total", static_cast<std::int64_t>(got));
    WSAC_EXPECT_EQ("S18", got, data.size())
        << name << ": data sent after the failed call did not all reach the next receive";
    WSAC_EXPECT_EQ("S18", FirstMismatch(again.data(), got, 0), -1) << name;
  }
}
INSTANTIATE_TEST_SUITE_P(Creation, NonOverlappedReceive, ValuesIn(kReceives),
                         [](const ::testing::TestParamInfo<Call>& info) { return std::string(CallName(info.param)); });

class NonOverlappedDataPresent : public CallCase {};

// S3: with data queued, blocking or not, the call does not pend. If it
// completes (0), it has run to the end: the byte count is in
// *lpNumberOfBytesRecvd and the data in the buffer when it returns.
WSAC_CASE_P(NonOverlappedDataPresent, ReceiveCompletesSynchronously, "S3") {
  const std::vector<char> data = CounterPattern(0, 60, 5);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());

  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(128);
  DWORD& bytes = LongLived<DWORD>(0xDEAD);
  int ret = Initiate(op, buf, 128, &bytes, &LongLived<DWORD>());
  ObserveCall("recv", ret, op.call_error);
  Observe("bytes", static_cast<std::int64_t>(bytes));
  Observe("Internal", static_cast<std::int64_t>(op.ov.Internal));
  WSAC_ASSERT_NE("S3", op.outcome, Outcome::Pending)
      << "pended on a socket without the overlapped attribute: " << observer.Describe(op);
  // Whether a synchronous socket also signals hEvent or queues the routine
  // is not specified; recorded for the reader.
  ObserveIndication("indication", observer.TakeImmediate(op));
  if (ret != 0) return;  // failing is the other outcome S3 permits
  WSAC_EXPECT_TRUE("S3", ReceivedCount(pair.stream(), bytes, data.size()));
  WSAC_EXPECT_EQ("S3", FirstMismatch(buf, bytes, 0, 5), -1) << "received bytes differ from what was sent";
}
INSTANTIATE_TEST_SUITE_P(Creation, NonOverlappedDataPresent, ValuesIn(NonOverlappedParams(BothModes(), {Call::WSARecv})),
                         CallParamName);

class NonOverlappedSend : public CallCase {};

// S3: a small send given a WSAOVERLAPPED does not pend. If it completes (0),
// it has run to the end: its byte count is stored and the peer receives it.
WSAC_CASE_P(NonOverlappedSend, SendCompletesSynchronously, "S3") {
  const std::vector<char> data = CounterPattern(0, 200, 7);
  char* buf = LongLivedBuffer(data.size());
  std::memcpy(buf, data.data(), data.size());
  Operation& op = observer.NewOperation(pair.a);
  DWORD& bytes = LongLived<DWORD>(0xDEAD);
  int ret = Initiate(op, buf, static_cast<ULONG>(data.size()), &bytes, nullptr);
  ObserveCall("send", ret, op.call_error);
  Observe("bytes", static_cast<std::int64_t>(bytes));
  WSAC_ASSERT_NE("S3", op.outcome, Outcome::Pending)
      << "pended on a socket without the overlapped attribute: " << observer.Describe(op);
  ObserveIndication("indication", observer.TakeImmediate(op));
  if (ret != 0) return;  // failing is the other outcome S3 permits
  WSAC_EXPECT_EQ("S3", bytes, data.size()) << "the byte count of a send that ran to the end";
  std::vector<char> got = pair.ReceiveOnPeer(data.size());
  WSAC_EXPECT_EQ("S3", FirstMismatch(got, 0, 7), -1) << "the peer received other bytes than were sent";
}
INSTANTIATE_TEST_SUITE_P(Creation, NonOverlappedSend, ValuesIn(NonOverlappedParams({false}, kSends)), CallParamName);

}  // namespace
}  // namespace wsac
