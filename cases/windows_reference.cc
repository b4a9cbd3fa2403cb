// Part C, behaviour observed on Windows (WIN-2, WIN-3, WIN-5..9, WIN-12,
// WIN-13): the reference where the pages are vague.
//   WIN-5/6/7   a zero-length receive pends, completes with 0 bytes when data
//               arrives, and consumes none of it
//   WIN-8       SO_RCVTIMEO does not apply to overlapped receives
//   WIN-9       a receive completing at once does not run routines already
//               queued; the next alertable wait does
//   WIN-2/3     a receive pending at the peer's reset fails (code reported);
//               the next receive fails at once with WSAECONNRESET
//   WIN-12/13   SO_SNDBUF 0 and a large send: pends (reported), completes
//               with the full count
#include <string>
#include <vector>

#include "suite/catalog/catalog.h"
#include "suite/fixtures/pair_case.h"

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
  // Receives `len` bytes through the mechanism and checks they are the
  // pattern from offset 0: nothing was consumed before.
  void ExpectAllStillQueued(size_t len) {
    std::vector<char> got;
    while (got.size() < len) {
      std::vector<char> buf(len - got.size(), kFill);
      Operation& op = PostRecv(buf.data(), static_cast<ULONG>(buf.size()));
      ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
      std::optional<Indication> ind = Finish(op);
      ASSERT_TRUE(ind.has_value()) << "the data that woke the zero-length receive is gone: " << observer.Describe(op);
      ASSERT_EQ(ind->error, 0u);
      ASSERT_GT(ind->bytes, 0u);
      got.insert(got.end(), buf.begin(), buf.begin() + ind->bytes);
    }
    Observe("following_receive.first_mismatch", FirstMismatch(got, 0));
    EXPECT_EQ(FirstMismatch(got, 0), -1) << "the zero-length receive consumed data (offset shown)";
  }
};

class StreamWindowsReference : public WindowsReference {};

// WIN-5, WIN-6, WIN-7: a zero-length receive with nothing queued pends,
// completes with 0 bytes and no error when 50 bytes arrive, and the next
// receive gets all 50 from offset 0.
WSAC_CASE_P(StreamWindowsReference, ZeroLengthReceivePendsAndCompletesOnArrival, "WIN-5", "WIN-6", "WIN-7") {
  char probe = kFill;
  Operation& op = PostRecv(&probe, 0);
  ObserveCall("zero_recv", op.call_ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Pending) << "a zero-length receive with nothing queued did not pend: "
                                          << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 50));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("zero_recv", ind);
  ASSERT_TRUE(ind.has_value()) << "data arrived but the zero-length receive did not complete: " << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  EXPECT_EQ(ind->bytes, 0u);
  EXPECT_EQ(probe, kFill) << "a zero-length receive wrote into its buffer";
  ExpectAllStillQueued(50);
}

// WIN-7: with 50 bytes already queued, a zero-length receive completes (at
// once or later) with 0 bytes, and all 50 are left for the next receive.
WSAC_CASE_P(StreamWindowsReference, ZeroLengthReceiveWithDataQueued, "WIN-7") {
  pair.SendFromPeer(CounterPattern(0, 50));
  pair.WaitUntilQueued(pair.a, 50);
  char probe = kFill;
  Operation& op = PostRecv(&probe, 0);
  ObserveCall("zero_recv", op.call_ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("zero_recv", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  EXPECT_EQ(ind->bytes, 0u);
  u_long queued = 0;
  ASSERT_EQ(p.ioctlsocket(pair.a, FIONREAD, &queued), 0);
  Observe("fionread_after", static_cast<std::int64_t>(queued));
  EXPECT_EQ(queued, 50u) << "FIONREAD after the zero-length receive";
  ExpectAllStillQueued(50);
}

// WIN-2, WIN-3: a receive pending when the peer resets fails with an
// accepted code (reported); the next receive fails at once with
// WSAECONNRESET and is not left pending.
WSAC_CASE_P(StreamWindowsReference, PeerResetThenNextReceiveFailsAtOnce, "WIN-2", "WIN-3") {
  std::vector<char> buf(128, kFill), next(128, kFill);
  Operation& op = PostRecv(buf.data(), 128);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  linger abortive{1, 0};
  ASSERT_EQ(p.setsockopt(pair.b, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&abortive), sizeof abortive), 0);
  pair.CloseB();
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("pending_recv", ind);
  Observe("pending_recv.internal", static_cast<std::int64_t>(op.ov.Internal));
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  const Statement* win2 = FindStatement("WIN-2");
  ASSERT_NE(win2, nullptr) << "catalog lacks WIN-2";
  bool accepted = false;
  for (auto c : win2->accepted_codes) accepted = accepted || c == static_cast<std::int64_t>(ind->error);
  EXPECT_TRUE(accepted) << "pending receive at the peer's reset ended with " << ind->error;
  Report("WIN-2", "pending receive at the peer's reset: " + std::to_string(ind->error) +
                      (ind->error == static_cast<DWORD>(ERROR_NETNAME_DELETED) ? " (as Windows)" : ""));

  Operation& after = PostRecv(next.data(), 128);
  ObserveCall("next_recv", after.call_ret, after.call_error);
  EXPECT_EQ(after.outcome, Outcome::Failed) << "the receive after the reset did not fail at once: " << observer.Describe(after);
  EXPECT_EQ(after.call_error, WSAECONNRESET) << observer.Describe(after);
}

// WIN-12, WIN-13: with SO_SNDBUF 0 one 1 MiB overlapped send pends or
// completes at once (reported); either way it completes with the full
// count, and the peer receives every byte in order.
WSAC_CASE_P(StreamWindowsReference, SndBufZeroLargeSendCompletesWithFullCount, "WIN-12", "WIN-13") {
  int zero = 0;
  ASSERT_EQ(p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero), 0)
      << p.WSAGetLastError();
  constexpr size_t kLen = 1 << 20;
  static const std::vector<char> data = CounterPattern(0, kLen, 6);  // outlives the case if it fails early
  Operation& op = observer.NewOperation(pair.a);
  DWORD bytes = 0;
  SendOn(pair.a, op, data.data(), static_cast<ULONG>(kLen), &bytes);
  ObserveCall("send", op.call_ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  Report("WIN-12", std::string("1 MiB send with SO_SNDBUF 0: ") + OutcomeName(op.outcome) +
                       (op.outcome == Outcome::Pending ? " (as Windows)" : ""));
  std::optional<Indication> immediate;
  if (op.outcome == Outcome::Immediate) immediate = observer.TakeImmediate(op);
  std::vector<char> got = pair.ReceiveOnPeer(kLen);
  std::optional<Indication> ind = op.outcome == Outcome::Immediate ? immediate : observer.Wait(op);
  ObserveIndication("send", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  EXPECT_EQ(ind->bytes, kLen) << "the send completed part-way";
  Observe("first_mismatch", FirstMismatch(got, 0, 6));
  EXPECT_EQ(FirstMismatch(got, 0, 6), -1);
}

INSTANTIATE_TEST_SUITE_P(WindowsReference, StreamWindowsReference,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = AllMechanisms()})), ParamName);

class AnyWindowsReference : public WindowsReference {};

// WIN-8: with SO_RCVTIMEO far shorter than the quiet window, a pending
// overlapped receive is still pending after the window and then receives.
WSAC_CASE_P(AnyWindowsReference, RcvTimeoDoesNotEndOverlappedReceive, "WIN-8") {
  DWORD timeout = static_cast<DWORD>(std::max<long long>(1, QuietWindow().count() / 4));
  ASSERT_EQ(p.setsockopt(pair.a, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&timeout), sizeof timeout), 0)
      << p.WSAGetLastError();
  Observe("so_rcvtimeo_ms", timeout);
  std::vector<char> buf(256, kFill);
  Operation& op = PostRecv(buf.data(), 256);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  bool ended = observer.IndicatedWithin(op);
  Observe("ended_within_quiet_window", ended ? "yes" : "no");
  ASSERT_FALSE(ended) << "the overlapped receive ended on SO_RCVTIMEO: " << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 60));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  EXPECT_GT(ind->bytes, 0u);
  EXPECT_EQ(FirstMismatch(buf.data(), ind->bytes, 0), -1);
}

INSTANTIATE_TEST_SUITE_P(WindowsReference, AnyWindowsReference,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()})), ParamName);

class RoutineWindowsReference : public WindowsReference {};

// WIN-9 (S15): a routine is queued by a receive that completed at once; a
// second receive completing at once runs neither it nor its own; one
// alertable wait then runs both and returns WAIT_IO_COMPLETION.
WSAC_CASE_P(RoutineWindowsReference, QueuedRoutineNotRunByImmediateReceive, "WIN-9", "S15") {
  const size_t piece = pair.stream() ? 50 : 40;
  pair.SendFromPeer(CounterPattern(0, piece, 9));
  pair.SendFromPeer(pair.stream() ? CounterPattern(piece, piece, 9) : CounterPattern(0, piece, 10));
  pair.WaitUntilQueued(pair.a, pair.stream() ? 2 * piece : piece);
  std::vector<char> b0(piece, kFill), b1(piece, kFill);
  Operation& first = PostRecv(b0.data(), static_cast<ULONG>(piece));
  ObserveCall("first", first.call_ret, first.call_error);
  if (first.outcome != Outcome::Immediate)
    throw NotSupported(std::string("the receive with data queued did not complete at once (") + OutcomeName(first.outcome) +
                       "), so no routine was already queued");
  EXPECT_EQ(first.routine_runs.load(), 0) << "the routine ran inside the call that queued it";
  Operation& second = PostRecv(b1.data(), static_cast<ULONG>(piece));
  ObserveCall("second", second.call_ret, second.call_error);
  ASSERT_NE(second.outcome, Outcome::Failed) << observer.Describe(second);
  Observe("first.runs_after_second_call", first.routine_runs.load());
  EXPECT_EQ(first.routine_runs.load(), 0) << "the queued routine ran inside the second receive";
  if (second.outcome == Outcome::Immediate) {
    EXPECT_EQ(second.routine_runs.load(), 0) << "the second routine ran inside its own call";
  }
  DWORD wait = p.SleepEx(0, TRUE);
  Observe("sleepex", wait);
  EXPECT_EQ(wait, static_cast<DWORD>(WAIT_IO_COMPLETION));
  EXPECT_EQ(first.routine_runs.load(), 1) << "the alertable wait did not run the queued routine";
  std::optional<Indication> i1 = observer.Wait(second);
  ASSERT_TRUE(i1.has_value()) << observer.Describe(second);
  EXPECT_EQ(first.routine_error, 0u);
  EXPECT_EQ(i1->error, 0u);
  if (pair.stream()) {  // a short read is allowed; an empty one is not
    EXPECT_GE(first.routine_bytes, 1u);
    EXPECT_GE(i1->bytes, 1u);
  } else {
    EXPECT_EQ(first.routine_bytes, piece);
    EXPECT_EQ(i1->bytes, piece);
  }
  EXPECT_EQ(first.routine_thread, std::this_thread::get_id());
}

INSTANTIATE_TEST_SUITE_P(WindowsReference, RoutineWindowsReference,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Routine}})), ParamName);

}  // namespace
}  // namespace wsac
