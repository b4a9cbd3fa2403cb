// S4, S5, S6, S13: overlapped I/O and the blocking mode.
//   S4   an overlapped socket starts blocking; FIONBIO switches it as usual
//   S5   overlapped I/O leaves the mode as it was
//   S6   overlapped calls behave the same in both modes: never block, never
//        WSAEWOULDBLOCK because of the mode
//   S13  overlapped send and receive calls return at once
//   WIN-10, WIN-12 (MAY): which of the permitted outcomes a call took
//
// The mode is probed with a plain receive whose wait the provider itself
// reports (blocking_probe.h). "Returns at once" means the call returned on
// its worker before the case gave it what it would wait for; a call still
// inside the provider after ReturnWatchdog() is released by the case (the
// peer sends or drains), and the verdict is read from how it then ended.
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "suite/fixtures/blocking_probe.h"
#include "suite/fixtures/call_case.h"
#include "suite/fixtures/worker.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

// ---- S4: the mode a socket starts in, and FIONBIO -------------------------

class StartsBlocking : public PairCase {};

// S4: a freshly created overlapped socket is blocking: a plain receive with
// no data waits for it.
WSAC_CASE_P(StartsBlocking, PlainReceiveBlocks, "S4") {
  WSAC_EXPECT_EQ("S4", ProbeBlockingMode(p, pair, "fresh"), BlockingMode::Blocks)
      << "a new overlapped socket must start in blocking mode";
}

// S4: FIONBIO 1 makes the plain receive fail with WSAEWOULDBLOCK; FIONBIO 0
// makes it wait again.
WSAC_CASE_P(StartsBlocking, FionbioSwitchesMode, "S4") {
  u_long on = 1;
  int ret = p.ioctlsocket(pair.a, FIONBIO, &on);
  WSAC_ASSERT_EQ("S4", ret, 0) << "FIONBIO 1 on an overlapped socket failed with " << p.WSAGetLastError();
  WSAC_EXPECT_EQ("S4", ProbeBlockingMode(p, pair, "after_fionbio_1"), BlockingMode::WouldBlock)
      << "FIONBIO 1 must make the socket non-blocking";
  u_long off = 0;
  ret = p.ioctlsocket(pair.a, FIONBIO, &off);
  WSAC_ASSERT_EQ("S4", ret, 0) << "FIONBIO 0 on an overlapped socket failed with " << p.WSAGetLastError();
  WSAC_EXPECT_EQ("S4", ProbeBlockingMode(p, pair, "after_fionbio_0"), BlockingMode::Blocks)
      << "FIONBIO 0 must make the socket blocking again";
}

INSTANTIATE_TEST_SUITE_P(Mode, StartsBlocking,
                         ValuesIn(Cross({.kinds = AllKinds(), .creations = OverlappedCreations()})), ParamName);

// ---- S5: overlapped I/O leaves the mode alone -------------------------------

class ModeAfterOverlappedIo : public PairCase {
 protected:
  // One overlapped receive and one overlapped send through the observer,
  // each to its indication, leaving nothing queued on either side. They are
  // what S5 is about, not what it checks: a failure here is BROKEN.
  void OverlappedRoundTrip() {
    Operation& recv = observer.NewOperation(pair.a);
    char* buf = LongLivedBuffer(128);
    DWORD& bytes = LongLived<DWORD>();
    DWORD& flags = LongLived<DWORD>();
    int ret = RecvOn(pair.a, recv, buf, 128, &bytes, &flags);
    ObserveCall("recv", ret, recv.call_error);
    if (recv.outcome == Outcome::Failed) throw SetupFailed("overlapped receive failed: " + observer.Describe(recv));
    const std::vector<char> data = CounterPattern(0, 32);
    pair.SendFromPeer(data);
    std::optional<Indication> rind = ret == 0 ? observer.TakeImmediate(recv) : observer.Wait(recv);
    ObserveIndication("recv_indication", rind);
    if (!rind) throw SetupFailed("overlapped receive not indicated: " + observer.Describe(recv));
    // A stream may have handed out part of it: the rest must not stay
    // queued, or the next probe would find data.
    if (pair.stream() && rind->bytes < data.size()) ReceiveRest(data.size() - rind->bytes);

    const std::vector<char> out = CounterPattern(0, 48, 1);
    char* out_buf = LongLivedBuffer(out.size());
    std::memcpy(out_buf, out.data(), out.size());
    Operation& send = observer.NewOperation(pair.a);
    ret = SendOn(pair.a, send, out_buf, static_cast<ULONG>(out.size()), &LongLived<DWORD>());
    ObserveCall("send", ret, send.call_error);
    if (send.outcome == Outcome::Failed) throw SetupFailed("overlapped send failed: " + observer.Describe(send));
    std::optional<Indication> sind = ret == 0 ? observer.TakeImmediate(send) : observer.Wait(send);
    ObserveIndication("send_indication", sind);
    if (!sind) throw SetupFailed("overlapped send not indicated: " + observer.Describe(send));
    (void)pair.ReceiveOnPeer(out.size());
  }

  // Plain receives of the rest of a stream's data once it is queued.
  void ReceiveRest(size_t rest) {
    pair.WaitUntilQueued(pair.a, rest);
    std::vector<char> sink(rest);
    size_t got = 0;
    while (got < rest) {
      WSABUF wsabuf{static_cast<ULONG>(rest - got), sink.data() + got};
      DWORD n = 0, flags = 0;
      if (p.WSARecv(pair.a, &wsabuf, 1, &n, &flags, nullptr, nullptr) != 0 || n == 0)
        throw SetupFailed("plain receive of the rest of the data failed with " + std::to_string(p.WSAGetLastError()));
      got += n;
    }
  }
};

// S5: the mode probe gives the same answer before and after a completed
// overlapped receive and send.
WSAC_CASE_P(ModeAfterOverlappedIo, ModeUnchanged, "S5") {
  const BlockingMode before = ProbeBlockingMode(p, pair, "before");
  if (before == BlockingMode::Other) throw SetupFailed("the probe before any overlapped I/O found neither mode");
  OverlappedRoundTrip();
  WSAC_EXPECT_EQ("S5", ProbeBlockingMode(p, pair, "after"), before)
      << "overlapped I/O changed the socket's blocking mode";
}

INSTANTIATE_TEST_SUITE_P(Mode, ModeAfterOverlappedIo,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .nonblocking = BothModes()})),
                         ParamName);

// ---- S13, S6: the call returns at once in either mode ---------------------

class ReturnsAtOnceCase : public CallCase {
 protected:
  bool nonblocking() const { return GetParam().base.nonblocking; }

  // How one call on its worker ended.
  struct Run {
    bool returned = false;  // at all, possibly only after the release
    bool released = false;  // the case had to give it what it waited for
    std::optional<Indication> indication;
  };

  // Issues the call on a worker, since a call that waits must not hang the
  // case. If it is still inside the provider after ReturnWatchdog(),
  // `release` gives it what it would wait for (the peer sends or drains)
  // and it gets IndicationTimeout() more. If it returned at once, `act`
  // runs instead. Then the worker takes the indication: a completion
  // routine runs only on the thread that made the call.
  Run StartOnWorker(Operation& op, char* buf, ULONG len, const std::function<void()>& release,
                    const std::function<void()>& act) {
    Run run;
    DWORD* bytes = &LongLived<DWORD>();
    DWORD* flags = &LongLived<DWORD>();
    WorkerCall worker(
        p, [&] { Initiate(op, buf, len, bytes, flags); },
        [&] {
          if (op.outcome == Outcome::Pending) run.indication = observer.Wait(op);
          if (op.outcome == Outcome::Immediate) run.indication = observer.TakeImmediate(op);
        });
    worker.ReleaseWith([&] {
      if (pair.a != INVALID_SOCKET) pair.CloseA();
    });
    if (!worker.Returned(ReturnWatchdog())) {
      run.released = true;
      Observe("call", "released by the case");
      release();
      if (!worker.Returned(IndicationTimeout())) {
        Observe("call", "still inside the provider after the release; socket closed");
        return run;
      }
    } else {
      act();
    }
    run.returned = true;
    ObserveCall("call", op.call_ret, op.call_error);
    Observe("call.outcome", OutcomeName(op.outcome));
    if (!worker.Collect(IndicationTimeout() + ReturnWatchdog()))
      throw SetupFailed("the worker did not finish taking the indication: " + observer.Describe(op));
    ObserveIndication("indication", run.indication);
    return run;
  }

  // What S13 asks of every call here, and S6 of every call in either mode.
  void ExpectReturnedAtOnce(const Run& run, const Operation& op) {
    WSAC_EXPECT_TRUE("S13", run.returned)
        << "the call did not return even after the case released it: " << observer.Describe(op);
    WSAC_EXPECT_FALSE("S13", run.released)
        << "the call returned only after the case gave it what it was waiting for: " << observer.Describe(op);
    WSAC_EXPECT_NE("S6", op.call_error, WSAEWOULDBLOCK) << "an overlapped call failed because of the socket's mode";
  }

  // A call that failed otherwise: on a non-blocking socket the mode made the
  // difference (S6); on a blocking one the pair cannot do what this case
  // needs.
  void FailedOtherwise(const Operation& op) {
    if (nonblocking()) {
      WSAC_ADD_FAILURE("S6") << "failed on a non-blocking socket: " << observer.Describe(op);
    } else {
      throw SetupFailed(std::string(CallName(call())) + " failed on a blocking socket: " + observer.Describe(op));
    }
  }
};

class ReceiveReturnsAtOnce : public ReturnsAtOnceCase {};

// S13, S6: with no data queued, in blocking and non-blocking mode, the
// receive returns at once (never WSAEWOULDBLOCK); on a non-blocking socket
// it then does what it does on a blocking one: it pends and is indicated
// with the data sent afterwards.
WSAC_CASE_P(ReceiveReturnsAtOnce, NoDataPendsInEitherMode, "S13", "S6") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  const std::vector<char> data = CounterPattern(0, 90);
  auto send_data = [&] { pair.SendFromPeer(data); };
  Run run = StartOnWorker(op, buf, 256, send_data, send_data);
  ExpectReturnedAtOnce(run, op);
  if (!run.returned) return;
  if (op.call_error == WSAEWOULDBLOCK) return;  // S6's violation, recorded above
  if (op.outcome == Outcome::Failed) return FailedOtherwise(op);
  if (!nonblocking()) return;  // what a blocking socket's receive then does is S7's and S16's
  WSAC_ASSERT_EQ("S6", op.outcome, Outcome::Pending)
      << "with no data queued a receive pends on a blocking socket; on a non-blocking one it must as well: "
      << observer.Describe(op);
  WSAC_ASSERT_TRUE("S6", run.indication.has_value())
      << "pending receive on a non-blocking socket never indicated: " << observer.Describe(op);
  WSAC_EXPECT_EQ("S6", run.indication->error, 0u);
  WSAC_EXPECT_TRUE("S6", ReceivedCount(pair.stream(), run.indication->bytes, data.size()));
  WSAC_EXPECT_EQ("S6", FirstMismatch(buf, run.indication->bytes, 0), -1) << "received bytes differ from what was sent";
}

INSTANTIATE_TEST_SUITE_P(Mode, ReceiveReturnsAtOnce,
                         ValuesIn(CrossCalls({.kinds = AllKinds(), .mechanisms = AllMechanisms(),
                                              .nonblocking = BothModes()},
                                             kReceives)),
                         CallParamName);

class SendReturnsAtOnce : public ReturnsAtOnceCase {};

// S13, S6: a small send returns at once in either mode, completed or
// pending but never WSAEWOULDBLOCK; on a non-blocking socket it is then
// indicated with its byte count and delivered, as on a blocking one.
WSAC_CASE_P(SendReturnsAtOnce, SmallSendInEitherMode, "S13", "S6") {
  const std::vector<char> data = CounterPattern(0, 400, 2);
  char* buf = LongLivedBuffer(data.size());
  std::memcpy(buf, data.data(), data.size());
  Operation& op = observer.NewOperation(pair.a);
  std::vector<char> got;
  bool drained = false;
  auto drain = [&] {
    got = pair.ReceiveOnPeer(data.size());
    drained = true;
  };
  Run run = StartOnWorker(op, buf, static_cast<ULONG>(data.size()), drain, [] {});
  ExpectReturnedAtOnce(run, op);
  if (!run.returned) return;
  if (op.call_error == WSAEWOULDBLOCK) return;  // S6's violation, recorded above
  if (op.outcome == Outcome::Failed) return FailedOtherwise(op);
  if (!drained) drain();
  if (!nonblocking()) return;  // how a blocking socket's send is indicated is S14's and S16's
  WSAC_ASSERT_TRUE("S6", run.indication.has_value())
      << "send on a non-blocking socket never indicated: " << observer.Describe(op);
  WSAC_EXPECT_EQ("S6", run.indication->error, 0u);
  WSAC_EXPECT_EQ("S6", run.indication->bytes, data.size());
  WSAC_EXPECT_EQ("S6", FirstMismatch(got, 0, 2), -1) << "the peer did not receive the bytes sent";
}

INSTANTIATE_TEST_SUITE_P(Mode, SendReturnsAtOnce,
                         ValuesIn(CrossCalls({.kinds = AllKinds(), .mechanisms = AllMechanisms(),
                                              .nonblocking = BothModes()},
                                             kSends)),
                         CallParamName);

class LargeSendReturnsAtOnce : public ReturnsAtOnceCase {};

// S13, S6: a send far larger than any buffer, to a peer that is not reading,
// with SO_SNDBUF 0, returns at once in either mode; whether it pends is
// WIN-12's to report. On a non-blocking socket it is then indicated with its
// full byte count once the peer drains, as on a blocking one.
WSAC_CASE_P(LargeSendReturnsAtOnce, PeerNotReading, "S13", "S6", "WIN-12") {
  int zero = 0;
  if (p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero) != 0)
    throw SetupFailed("setsockopt(SO_SNDBUF, 0) failed with " + std::to_string(p.WSAGetLastError()));
  // With SO_SNDBUF 0 nothing of it need be buffered, so a send that waited
  // for the transfer could not return before the peer reads. Kept at 1 MiB:
  // draining it takes about half a second under Wine.
  constexpr size_t kLen = 1u << 20;
  const std::vector<char> data = CounterPattern(0, kLen, 4);
  char* buf = LongLivedBuffer(kLen);
  std::memcpy(buf, data.data(), kLen);
  Operation& op = observer.NewOperation(pair.a);
  std::vector<char> got;
  auto drain = [&] { got = pair.ReceiveOnPeer(kLen); };
  Run run = StartOnWorker(op, buf, static_cast<ULONG>(kLen), drain, drain);
  ExpectReturnedAtOnce(run, op);
  if (!run.returned) return;
  if (op.call_error == WSAEWOULDBLOCK) return;  // S6's violation, recorded above
  if (op.outcome == Outcome::Failed) return FailedOtherwise(op);
  Report("WIN-12", std::string("1 MiB send, SO_SNDBUF 0, peer not reading: ") + OutcomeName(op.outcome));
  if (!nonblocking()) return;  // the count and data of a blocking socket's send are WIN-13's and S12's
  WSAC_ASSERT_TRUE("S6", run.indication.has_value())
      << "large send on a non-blocking socket never indicated: " << observer.Describe(op);
  WSAC_EXPECT_EQ("S6", run.indication->error, 0u);
  WSAC_EXPECT_EQ("S6", run.indication->bytes, kLen) << "a blocking socket's stream send completes in full";
  const long long mismatch = FirstMismatch(got, 0, 4);
  Observe("first_mismatch", mismatch);
  WSAC_EXPECT_EQ("S6", mismatch, -1) << "the peer received other bytes than were sent";
}

INSTANTIATE_TEST_SUITE_P(Mode, LargeSendReturnsAtOnce,
                         ValuesIn(CrossCalls({.kinds = StreamKinds(), .mechanisms = AllMechanisms(),
                                              .nonblocking = BothModes()},
                                             {Call::WSASend})),
                         CallParamName);

// ---- S6: data present, either mode ----------------------------------------

class ReceiveWithData : public PairCase {};

// S6: with data queued the receive completes (0) or pends in either mode,
// never WSAEWOULDBLOCK; on a non-blocking socket it delivers the data as on
// a blocking one, and which of the two it took is WIN-10's to report.
WSAC_CASE_P(ReceiveWithData, SameInEitherMode, "S6", "WIN-10") {
  const bool nonblocking = GetParam().nonblocking;
  const std::vector<char> data = CounterPattern(0, 70, 6);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());

  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  int ret = RecvOn(pair.a, op, buf, 256, &LongLived<DWORD>(), &LongLived<DWORD>());
  ObserveCall("recv", ret, op.call_error);
  WSAC_ASSERT_NE("S6", op.call_error, WSAEWOULDBLOCK) << "an overlapped receive failed because of the socket's mode";
  if (op.outcome == Outcome::Failed) {
    if (!nonblocking) throw SetupFailed("receive of queued data failed on a blocking socket: " + observer.Describe(op));
    WSAC_FAIL("S6") << "receive of queued data failed on a non-blocking socket: " << observer.Describe(op);
  }
  if (nonblocking) {
    Report("WIN-10", std::string("non-blocking receive with data queued: ") + OutcomeName(op.outcome));
  } else {
    NotExercised("WIN-10", "the socket is blocking; WIN-10 is about non-blocking sockets");
  }
  std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
  ObserveIndication("indication", ind);
  if (!nonblocking) return;  // a blocking socket's receive of queued data is S8's and S14's
  WSAC_ASSERT_TRUE("S6", ind.has_value()) << "receive with data queued never indicated: " << observer.Describe(op);
  WSAC_EXPECT_EQ("S6", ind->error, 0u);
  WSAC_EXPECT_TRUE("S6", ReceivedCount(pair.stream(), ind->bytes, data.size()));
  WSAC_EXPECT_EQ("S6", FirstMismatch(buf, ind->bytes, 0, 6), -1) << "received bytes differ from what was sent";
}

INSTANTIATE_TEST_SUITE_P(Mode, ReceiveWithData,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .nonblocking = BothModes()})),
                         ParamName);

}  // namespace
}  // namespace wsac
