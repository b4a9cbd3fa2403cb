// Part C, behaviour observed on Windows (WIN-2, WIN-3, WIN-5..9, WIN-12,
// WIN-13): the reference where the pages are vague.
//   WIN-5/6/7   a zero-length receive pends, completes with 0 bytes when data
//               arrives, and consumes none of it
//   WIN-8       SO_RCVTIMEO does not apply to overlapped receives
//   WIN-9       a receive completing at once does not run routines already
//               queued; the next alertable wait does
//   WIN-2/3     a receive pending at the peer's reset fails (CLOSE-12; the
//               code is reported, WIN-2); the next receive fails at once
//               with WSAECONNRESET (WIN-3)
//   WIN-12/13   SO_SNDBUF 0 and a large send: pends (reported), completes
//               with the full count
// A receive posted before any data arrived must wait for it (S7): cases
// whose premise is such a pending receive check that under S7.
#include <cstring>
#include <string>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kFill = '\x2D';

class WindowsReference : public PairCase {
 protected:
  Operation& PostRecv(char* data, ULONG len) {
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0, flags = 0;
    RecvOn(pair.a, op, data, len, &bytes, &flags);
    return op;
  }
  std::optional<Indication> Finish(Operation& op) {
    return op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op);
  }
  // A one-byte buffer outside the zero-length receive's reach: it must keep
  // its fill byte.
  char* Probe() {
    char* probe = LongLivedBuffer(1);
    *probe = kFill;
    return probe;
  }
  // WIN-7: receives `len` bytes through the mechanism; they are the
  // pattern from offset 0, so the zero-length receive consumed nothing.
  void ExpectAllStillQueued(size_t len) {
    std::vector<char> got;
    while (got.size() < len) {
      char* buf = LongLivedBuffer(len - got.size());
      Operation& op = PostRecv(buf, static_cast<ULONG>(len - got.size()));
      WSAC_ASSERT_NE("WIN-7", op.outcome, Outcome::Failed) << observer.Describe(op);
      std::optional<Indication> ind = Finish(op);
      WSAC_ASSERT_TRUE("WIN-7", ind.has_value())
          << "the data that woke the zero-length receive is gone: " << observer.Describe(op);
      WSAC_ASSERT_EQ("WIN-7", ind->error, 0u) << observer.Describe(op);
      WSAC_ASSERT_GT("WIN-7", ind->bytes, 0u) << "the connection ended after " << got.size() << " bytes";
      got.insert(got.end(), buf, buf + ind->bytes);
    }
    Observe("following_receive.first_mismatch", FirstMismatch(got, 0));
    WSAC_EXPECT_EQ("WIN-7", FirstMismatch(got, 0), -1) << "the zero-length receive consumed data (offset shown)";
  }
};

class StreamWindowsReference : public WindowsReference {};

// WIN-5, WIN-6, WIN-7: a zero-length receive with nothing queued pends,
// completes with 0 bytes and no error when 50 bytes arrive, and the next
// receive gets all 50 from offset 0.
WSAC_CASE_P(StreamWindowsReference, ZeroLengthReceivePendsAndCompletesOnArrival, "WIN-5", "WIN-6", "WIN-7") {
  char* probe = Probe();
  Operation& op = PostRecv(probe, 0);
  ObserveCall("zero_recv", op.call_ret, op.call_error);
  WSAC_ASSERT_EQ("WIN-5", op.outcome, Outcome::Pending)
      << "a zero-length receive with nothing queued did not pend: " << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 50));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("zero_recv", ind);
  WSAC_ASSERT_TRUE("WIN-6", ind.has_value())
      << "data arrived but the zero-length receive did not complete: " << observer.Describe(op);
  WSAC_EXPECT_EQ("WIN-6", ind->error, 0u);
  WSAC_EXPECT_EQ("WIN-6", ind->bytes, 0u);
  WSAC_EXPECT_EQ("WIN-6", *probe, kFill) << "a zero-length receive wrote a byte";
  ExpectAllStillQueued(50);
}

// WIN-7: with 50 bytes already queued, a zero-length receive completes (at
// once or later) with 0 bytes, and all 50 are left for the next receive.
WSAC_CASE_P(StreamWindowsReference, ZeroLengthReceiveWithDataQueued, "WIN-7") {
  pair.SendFromPeer(CounterPattern(0, 50));
  pair.WaitUntilQueued(pair.a, 50);
  char* probe = Probe();
  Operation& op = PostRecv(probe, 0);
  ObserveCall("zero_recv", op.call_ret, op.call_error);
  WSAC_ASSERT_NE("WIN-7", op.outcome, Outcome::Failed) << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("zero_recv", ind);
  WSAC_ASSERT_TRUE("WIN-7", ind.has_value()) << observer.Describe(op);
  WSAC_EXPECT_EQ("WIN-7", ind->error, 0u);
  WSAC_EXPECT_EQ("WIN-7", ind->bytes, 0u) << "the zero-length receive reports bytes taken";
  WSAC_EXPECT_EQ("WIN-7", *probe, kFill) << "a zero-length receive wrote a byte";
  u_long queued = 0;
  if (p.ioctlsocket(pair.a, FIONREAD, &queued) != 0)
    throw SetupFailed("FIONREAD failed with " + std::to_string(p.WSAGetLastError()));
  Observe("fionread_after", static_cast<std::int64_t>(queued));
  WSAC_EXPECT_EQ("WIN-7", queued, 50u) << "FIONREAD after the zero-length receive";
  ExpectAllStillQueued(50);
}

// CLOSE-12, WIN-2, WIN-3: a receive pending when the peer resets fails
// (CLOSE-12) with a code that is reported (WIN-2, MAY); the next receive
// then fails at once with WSAECONNRESET (WIN-3).
WSAC_CASE_P(StreamWindowsReference, PeerResetThenNextReceiveFailsAtOnce, "WIN-2", "WIN-3", "CLOSE-12", "S7") {
  char* buf = LongLivedBuffer(128);
  Operation& op = PostRecv(buf, 128);
  WSAC_ASSERT_EQ("S7", op.outcome, Outcome::Pending)
      << "a receive posted before any data must wait for it: " << observer.Describe(op);
  linger abortive{1, 0};
  if (p.setsockopt(pair.b, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&abortive), sizeof abortive) != 0)
    throw SetupFailed("setsockopt(SO_LINGER) on the peer failed with " + std::to_string(p.WSAGetLastError()));
  pair.CloseB();
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("pending_recv", ind);
  Observe("pending_recv.internal", static_cast<std::int64_t>(op.ov.Internal));
  WSAC_ASSERT_TRUE("CLOSE-12", ind.has_value()) << "the peer's reset did not end the pending receive: "
                                                << observer.Describe(op);
  WSAC_EXPECT_NE("CLOSE-12", ind->error, 0u) << "the peer's reset completed the pending receive successfully";
  const bool as_windows = ind->error == static_cast<DWORD>(ERROR_NETNAME_DELETED);
  const bool named = as_windows || ind->error == static_cast<DWORD>(WSAECONNRESET);
  Report("WIN-2", std::string(MechanismName(observer.mechanism())) + ": pending receive at the peer's reset ended with " +
                      std::to_string(ind->error) + (as_windows ? " (as Windows)" : named ? "" : " (a code WIN-2 does not name)"));
  if (ind->error == 0) {
    NotExercised("WIN-3", "the reset did not fail the pending receive");
    return;
  }

  char* next = LongLivedBuffer(128);
  Operation& after = PostRecv(next, 128);
  ObserveCall("next_recv", after.call_ret, after.call_error);
  WSAC_ASSERT_EQ("WIN-3", after.outcome, Outcome::Failed)
      << "the receive after the reset did not fail at once: " << observer.Describe(after);
  WSAC_EXPECT_EQ("WIN-3", after.call_error, WSAECONNRESET) << observer.Describe(after);
}

// WIN-12, WIN-13, S12: with SO_SNDBUF 0 one 1 MiB overlapped send pends or
// completes at once (reported, WIN-12); either way it completes with the
// full count (WIN-13), and the peer receives the bytes as posted (S12).
WSAC_CASE_P(StreamWindowsReference, SndBufZeroLargeSendCompletesWithFullCount, "WIN-12", "WIN-13", "S12") {
  int zero = 0;
  if (p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero) != 0)
    throw SetupFailed("setsockopt(SO_SNDBUF, 0) failed with " + std::to_string(p.WSAGetLastError()));
  constexpr size_t kLen = 1 << 20;
  char* data = LongLivedBuffer(kLen);
  const std::vector<char> pattern = CounterPattern(0, kLen, 6);
  std::memcpy(data, pattern.data(), kLen);
  Operation& op = observer.NewOperation(pair.a);
  DWORD bytes = 0;
  SendOn(pair.a, op, data, static_cast<ULONG>(kLen), &bytes);
  ObserveCall("send", op.call_ret, op.call_error);
  WSAC_ASSERT_NE("WIN-13", op.outcome, Outcome::Failed) << "the 1 MiB send was refused: " << observer.Describe(op);
  Report("WIN-12", std::string("1 MiB send with SO_SNDBUF 0: ") + OutcomeName(op.outcome) +
                       (op.outcome == Outcome::Pending ? " (as Windows)" : ""));
  // A send that returned 0 has been indicated already; read it before the
  // peer drains, as the statement promises.
  std::optional<Indication> immediate;
  if (op.outcome == Outcome::Immediate) immediate = observer.TakeImmediate(op);
  std::vector<char> got = pair.ReceiveOnPeer(kLen);
  std::optional<Indication> ind = op.outcome == Outcome::Immediate ? immediate : observer.Wait(op);
  ObserveIndication("send", ind);
  WSAC_ASSERT_TRUE("WIN-13", ind.has_value()) << "the send was never indicated: " << observer.Describe(op);
  WSAC_EXPECT_EQ("WIN-13", ind->error, 0u);
  WSAC_EXPECT_EQ("WIN-13", ind->bytes, kLen) << "the send completed part-way";
  Observe("first_mismatch", FirstMismatch(got, 0, 6));
  WSAC_EXPECT_EQ("S12", FirstMismatch(got, 0, 6), -1) << "the peer did not receive the bytes as posted";
}

INSTANTIATE_TEST_SUITE_P(WindowsReference, StreamWindowsReference,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = AllMechanisms()})), ParamName);

class AnyWindowsReference : public WindowsReference {};

// WIN-8, S7: with SO_RCVTIMEO far shorter than the quiet window, a pending
// overlapped receive is still pending after the window (WIN-8) and then
// receives the data (S7).
WSAC_CASE_P(AnyWindowsReference, RcvTimeoDoesNotEndOverlappedReceive, "WIN-8", "S7") {
  DWORD timeout = static_cast<DWORD>(std::max<long long>(1, QuietWindow().count() / 4));
  if (p.setsockopt(pair.a, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&timeout), sizeof timeout) != 0)
    throw SetupFailed("setsockopt(SO_RCVTIMEO) failed with " + std::to_string(p.WSAGetLastError()));
  Observe("so_rcvtimeo_ms", timeout);
  char* buf = LongLivedBuffer(256);
  Operation& op = PostRecv(buf, 256);
  WSAC_ASSERT_EQ("S7", op.outcome, Outcome::Pending)
      << "a receive posted before any data must wait for it: " << observer.Describe(op);
  bool ended = observer.IndicatedWithin(op);
  Observe("ended_within_quiet_window", ended ? "yes" : "no");
  WSAC_ASSERT_FALSE("WIN-8", ended) << "the overlapped receive ended on SO_RCVTIMEO: " << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 60));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("S7", ind.has_value()) << "data arrived, the receive was not indicated: " << observer.Describe(op);
  WSAC_EXPECT_EQ("S7", ind->error, 0u);
  WSAC_EXPECT_TRUE("S7", ReceivedCount(pair.stream(), ind->bytes, 60));
  WSAC_EXPECT_EQ("S7", FirstMismatch(buf, ind->bytes, 0), -1) << "the posted buffer does not hold the data sent";
}

INSTANTIATE_TEST_SUITE_P(WindowsReference, AnyWindowsReference,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()})), ParamName);

class RoutineWindowsReference : public WindowsReference {};

// WIN-9, S15, APC-4: a routine is queued by a receive that completed at
// once, not run inside it (S15); a second receive runs neither that routine
// nor, if it completes at once too, its own (WIN-9); one alertable wait
// then runs them (WIN-9) and returns WAIT_IO_COMPLETION (APC-4). A provider
// may pend the first receive instead; then nothing was queued and the
// statements are not exercised.
WSAC_CASE_P(RoutineWindowsReference, QueuedRoutineNotRunByImmediateReceive, "WIN-9", "S15", "APC-4") {
  const size_t piece = pair.stream() ? 50 : 40;
  pair.SendFromPeer(CounterPattern(0, piece, 9));
  pair.SendFromPeer(pair.stream() ? CounterPattern(piece, piece, 9) : CounterPattern(0, piece, 10));
  pair.WaitUntilQueued(pair.a, pair.stream() ? 2 * piece : piece);
  char* b0 = LongLivedBuffer(piece);
  char* b1 = LongLivedBuffer(piece);
  Operation& first = PostRecv(b0, static_cast<ULONG>(piece));
  ObserveCall("first", first.call_ret, first.call_error);
  if (first.outcome == Outcome::Failed)
    throw SetupFailed("the receive of queued data was refused: " + observer.Describe(first));
  if (first.outcome == Outcome::Pending) {
    const char* why = "the receive of queued data pended, so no routine was queued before the next call";
    NotExercised("WIN-9", why);
    NotExercised("S15", why);
    NotExercised("APC-4", why);
    ObserveIndication("first", observer.Wait(first));
    return;
  }
  WSAC_EXPECT_EQ("S15", first.routine_runs_at_return, 0) << "the routine ran inside the call that queued it";
  const int first_runs_before = first.routine_runs.load();
  Operation& second = PostRecv(b1, static_cast<ULONG>(piece));
  ObserveCall("second", second.call_ret, second.call_error);
  if (second.outcome == Outcome::Failed)
    throw SetupFailed("the second receive of queued data was refused: " + observer.Describe(second));
  Observe("first.runs_after_second_call", first.routine_runs.load());
  WSAC_EXPECT_EQ("WIN-9", first.routine_runs.load(), first_runs_before) << "the queued routine ran inside the second receive";
  if (second.outcome == Outcome::Immediate) {
    WSAC_EXPECT_EQ("WIN-9", second.routine_runs_at_return, 0) << "the second routine ran inside its own call";
  }

  const bool queued = first.routine_runs.load() == 0 ||
                      (second.outcome == Outcome::Immediate && second.routine_runs.load() == 0);
  DWORD wait = p.SleepEx(0, TRUE);
  Observe("sleepex", wait);
  WSAC_EXPECT_EQ("WIN-9", first.routine_runs.load(), 1) << "the alertable wait did not run the queued routine";
  if (second.outcome == Outcome::Immediate) {
    WSAC_EXPECT_EQ("WIN-9", second.routine_runs.load(), 1) << "the alertable wait did not run the second routine";
  }
  if (queued) {
    WSAC_EXPECT_EQ("APC-4", wait, static_cast<DWORD>(WAIT_IO_COMPLETION)) << "routines ran, the wait did not say so";
  } else {
    NotExercised("APC-4", "no routine was queued when the alertable wait began");
  }
  ObserveIndication("second", observer.Wait(second));
}

INSTANTIATE_TEST_SUITE_P(WindowsReference, RoutineWindowsReference,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Routine}})), ParamName);

}  // namespace
}  // namespace wsac
