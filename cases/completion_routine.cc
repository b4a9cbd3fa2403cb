// S15 and APC-1..APC-11 (WIN-9): completion routines.
//   - a call that returns 0 has queued its routine (S15): it runs at the
//     calling thread's next alertable wait, never inside the call
//   - routines run only in alertable waits (APC-2) and only on the thread
//     that started the operation (APC-3); an alertable wait runs every
//     queued routine before it returns WAIT_IO_COMPLETION (APC-4)
//   - dwError, cbTransferred, lpOverlapped, dwFlags as the operation ended
//     (APC-5..APC-9)
//   - hEvent is the application's (APC-1); routines may start new operations
//     (APC-11) and never nest for one socket (APC-10)
// Whether a call returns 0 or pends is the provider's choice: each instance
// checks the branch it saw and names the statements of the other branch as
// not exercised.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

std::vector<CallParam> Routine(std::vector<CaseParam> bases, const std::vector<Call>& calls) {
  for (CaseParam& b : bases) b.mechanism = Mechanism::Routine;
  return WithCalls(bases, calls);
}
std::vector<CallParam> RoutinePerKind(const std::vector<Call>& calls) {
  return Routine(Cross({.kinds = AllKinds()}), calls);
}

bool IsReceive(Call c) { return c == Call::WSARecv || c == Call::WSARecvFrom; }

WSAEVENT NewEvent(Provider& p) {
  WSAEVENT e = p.WSACreateEvent();
  if (e == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed with " + std::to_string(p.WSAGetLastError()));
  return e;
}

// Waits that must not run routines (APC-2), for one quiet window: half in
// SleepEx, half in WSAWaitForMultipleEvents on an event nobody sets.
void NonAlertableWaits(Provider& p) {
  const auto half = static_cast<DWORD>(QuietWindow().count() / 2);
  Observe("sleepex_nonalertable", p.SleepEx(half, FALSE));
  WSAEVENT never = NewEvent(p);
  Observe("wait_nonalertable", p.WSAWaitForMultipleEvents(1, &never, TRUE, half, FALSE));
  p.WSACloseEvent(never);
}

// A synchronisation point, not a check: asks WSAGetOverlappedResult(fWait
// FALSE), between non-alertable waits, until it stops saying
// WSA_IO_INCOMPLETE, so that the watch that follows watches a routine that
// is probably queued already. No statement promises that a routine-based
// operation looks complete there before its routine runs; false only means
// the watch may have watched an operation still in progress.
bool ResultVisibleWithoutAlertableWait(Provider& p, Operation& op) {
  return PollUntil(p, Deadline(IndicationTimeout()), [&] {
    DWORD bytes = 0, flags = 0;
    return p.WSAGetOverlappedResult(op.socket, &op.ov, &bytes, FALSE, &flags) ||
           p.WSAGetLastError() != WSA_IO_INCOMPLETE;
  });
}

// Alertable waits until op's routine has run or the deadline passes.
struct AlertableRun {
  bool ran_in_wait = false;  // the routine had not run before and ran in one of these waits
  DWORD result = 0;          // what the wait in which it ran returned
};
AlertableRun AlertableUntilRun(Provider& p, Operation& op) {
  AlertableRun run;
  if (op.routine_runs.load() != 0) return run;
  Deadline deadline(IndicationTimeout());
  while (op.routine_runs.load() == 0 && !deadline.Expired()) run.result = p.SleepEx(deadline.RemainingMs(), TRUE);
  run.ran_in_wait = op.routine_runs.load() != 0;
  return run;
}

// APC-4: the alertable wait that ran the routine returned WAIT_IO_COMPLETION.
void ExpectWaitReportedCompletion(const AlertableRun& run, const char* how) {
  Observe(std::string(how) + ".result", run.result);
  if (!run.ran_in_wait) {
    NotExercised("APC-4", "the routine had already run before the alertable wait");
    return;
  }
  WSAC_EXPECT_EQ("APC-4", run.result, WAIT_IO_COMPLETION) << how << " ran the routine but did not say so";
}

// APC-8 when the operation's routine seems not to have run: a routine the
// provider ran with another lpOverlapped (its own copy of the WSAOVERLAPPED)
// is recorded apart by the observer, since nothing can be recorded through
// a pointer the case does not own.
void ExpectNoRoutineWithAnotherOverlapped(const Operation& op) {
  std::vector<StrayRoutine> strays = TakeStrayRoutines();
  Observe("routine.runs_with_another_overlapped", static_cast<std::int64_t>(strays.size()));
  std::ostringstream what;
  if (!strays.empty())
    what << "a completion routine ran on this thread with lpOverlapped " << strays.front().ov
         << " (dwError " << strays.front().error << ", cbTransferred " << strays.front().bytes
         << "), not the WSAOVERLAPPED the operation started with (" << static_cast<const void*>(&op.ov) << ")";
  WSAC_EXPECT_TRUE("APC-8", strays.empty()) << what.str();
}

// APC-3, APC-5, APC-6, APC-8, APC-9 for the routine of a successful
// operation that has run; `transferred` is what the peer sent (receive:
// a stream receive may report any part of it) or received (send).
void ExpectRoutineArguments(const Operation& op, DWORD transferred, bool receive, bool stream) {
  Observe("routine.runs", op.routine_runs.load());
  Observe("routine.error", op.routine_error);
  Observe("routine.bytes", op.routine_bytes);
  Observe("routine.flags", op.routine_flags);
  WSAC_EXPECT_EQ("APC-5", op.routine_error, 0u) << "dwError of a successful operation";
  if (receive) {
    WSAC_EXPECT_TRUE("APC-6", ReceivedCount(stream, op.routine_bytes, transferred)) << "cbTransferred";
  } else {
    WSAC_EXPECT_EQ("APC-6", op.routine_bytes, transferred) << "cbTransferred of a send the peer received whole";
  }
  WSAC_EXPECT_EQ("APC-8", op.routine_ov, &op.ov) << "lpOverlapped is not the WSAOVERLAPPED the operation started with";
  WSAC_EXPECT_EQ("APC-9", op.routine_flags, 0u) << (receive ? "a plain receive has no result flags" : "dwFlags of a send");
  WSAC_EXPECT_EQ("APC-3", op.routine_thread, op.initiator) << "the routine ran on another thread";
}

// ---- S15: immediate completion ---------------------------------------------

class ImmediateRoutine : public CallCase {};

// S15 (S16), APC-2..APC-9: with data queued (receives) or buffer space
// (sends) the call may return 0; its routine has then not run inside the
// call, does not run in non-alertable waits, and runs once, with the
// operation's results, at the next alertable wait. A call that pends instead
// gets its routine later, at an alertable wait.
WSAC_CASE_P(ImmediateRoutine, QueuedNotRunUntilAlertableWait, "S15", "S16", "APC-2", "APC-3", "APC-4", "APC-5",
            "APC-6", "APC-8", "APC-9") {
  const bool receive = IsReceive(call());
  const std::vector<char> data = CounterPattern(0, 90);
  // The send reads this buffer until it is indicated.
  char* buf = LongLivedBuffer(256);
  if (receive) {
    pair.SendFromPeer(data);
    pair.WaitUntilQueued(pair.a, data.size());
  } else {
    std::memcpy(buf, data.data(), data.size());
  }
  Operation& op = observer.NewOperation(pair.a);
  DWORD* bytes = LongLivedWord(0xDEAD);
  DWORD* flags = LongLivedWord(0);
  int ret = receive ? Initiate(op, buf, 256, bytes, flags)
                    : Initiate(op, buf, static_cast<ULONG>(data.size()), bytes, nullptr);
  ObserveCall("call", ret, op.call_error);
  Observe("call.outcome", OutcomeName(op.outcome));
  Observe("routine.runs_at_return", op.routine_runs_at_return);
  if (op.outcome == Outcome::Failed)
    throw SetupFailed(std::string(receive ? "a receive of queued data" : "a small send") +
                      " failed: " + observer.Describe(op));

  AlertableRun run;
  if (ret == 0) {
    NotExercised("S16", "the call returned 0");
    WSAC_EXPECT_EQ("S15", op.routine_runs_at_return, 0) << "the routine ran inside the call that returned 0";
    NonAlertableWaits(p);
    WSAC_EXPECT_EQ("APC-2", op.routine_runs.load(), op.routine_runs_at_return)
        << "the routine ran in a non-alertable wait";
    if (op.routine_runs.load() == 0) {
      run.result = p.SleepEx(0, TRUE);
      run.ran_in_wait = op.routine_runs.load() != 0;
      ExpectNoRoutineWithAnotherOverlapped(op);
      WSAC_EXPECT_TRUE("S15", run.ran_in_wait)
          << "the call returned 0, yet the next alertable wait did not run its routine: " << observer.Describe(op);
    }
    ExpectWaitReportedCompletion(run, "sleepex_alertable");
    if (op.routine_runs.load() == 0) return;  // S15 failed above; there are no arguments to look at
    WSAC_EXPECT_EQ("S15", op.routine_runs.load(), 1) << "the queued routine ran more than once";
  } else {
    NotExercised("S15", "the call pended");
    WSAC_EXPECT_EQ("APC-2", op.routine_runs_at_return, 0) << "the routine ran inside the call, which is no alertable wait";
    run = AlertableUntilRun(p, op);
    ExpectNoRoutineWithAnotherOverlapped(op);
    ExpectWaitReportedCompletion(run, "alertable_wait");
    WSAC_ASSERT_GE("S16", op.routine_runs.load(), 1) << "the call pended and its routine never ran: " << observer.Describe(op);
    WSAC_EXPECT_EQ("S16", op.routine_runs.load(), 1) << "the routine ran more than once";
  }
  if (!receive) (void)pair.ReceiveOnPeer(data.size());
  ExpectRoutineArguments(op, static_cast<DWORD>(data.size()), receive, pair.stream());
}

INSTANTIATE_TEST_SUITE_P(Routines, ImmediateRoutine,
                         ValuesIn(RoutinePerKind({Call::WSARecv, Call::WSARecvFrom, Call::WSASend, Call::WSASendTo})),
                         CallParamName);
INSTANTIATE_TEST_SUITE_P(Modes, ImmediateRoutine,
                         ValuesIn(Routine(OtherCreationsAndModes({SocketKind::Tcp4, SocketKind::Udp4}),
                                          {Call::WSARecv, Call::WSASend})),
                         CallParamName);

// ---- S16: pending completion ------------------------------------------------

class PendingRoutine : public CallCase {};

// S16, APC-2..APC-9: a receive posted before any data pends; once data has
// arrived (and, where WSAGetOverlappedResult shows it, the receive is done),
// neither polling nor non-alertable waits run its routine; an alertable wait
// does, once, with the operation's results.
WSAC_CASE_P(PendingRoutine, RunsOnlyAtAlertableWait, "S16", "APC-2", "APC-3", "APC-4", "APC-5", "APC-6", "APC-8",
            "APC-9") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD* bytes = LongLivedWord(0);
  DWORD* flags = LongLivedWord(0);
  int ret = Initiate(op, buf, 256, bytes, flags);
  ObserveCall("recv", ret, op.call_error);
  if (op.outcome != Outcome::Pending)
    throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(op));
  WSAC_EXPECT_EQ("APC-2", op.routine_runs_at_return, 0) << "the routine ran inside the call, which is no alertable wait";

  const std::vector<char> data = CounterPattern(0, 120);
  pair.SendFromPeer(data);
  bool visible = ResultVisibleWithoutAlertableWait(p, op);
  Observe("result_visible_before_alertable_wait", visible ? 1 : 0);
  WSAC_EXPECT_EQ("APC-2", op.routine_runs.load(), 0) << "the routine ran while the thread polled without alertable waits";
  NonAlertableWaits(p);
  WSAC_EXPECT_EQ("APC-2", op.routine_runs.load(), 0) << "the routine ran in a non-alertable wait";

  AlertableRun run = AlertableUntilRun(p, op);
  ExpectNoRoutineWithAnotherOverlapped(op);
  ExpectWaitReportedCompletion(run, "alertable_wait");
  WSAC_ASSERT_GE("S16", op.routine_runs.load(), 1) << "data arrived and the routine never ran: " << observer.Describe(op);
  WSAC_EXPECT_EQ("S16", op.routine_runs.load(), 1) << "the routine ran more than once";
  ExpectRoutineArguments(op, static_cast<DWORD>(data.size()), true, pair.stream());
}

INSTANTIATE_TEST_SUITE_P(Routines, PendingRoutine, ValuesIn(RoutinePerKind(kReceives)), CallParamName);

// ---- APC-3: the initiating thread only --------------------------------------

// A second thread that sits in alertable waits until Stop(); how many
// routines those waits ran is read after Stop() has joined it.
class AlertableBystander {
 public:
  explicit AlertableBystander(Provider& p) : p_(p), ready_(NewEvent(p)), stop_(NewEvent(p)) {
    thread_ = std::thread([this] {
      p_.WSASetEvent(ready_);
      Deadline deadline(IndicationTimeout() * 2);
      while (!deadline.Expired()) {
        if (p_.WSAWaitForMultipleEvents(1, &stop_, TRUE, deadline.RemainingMs(), TRUE) != WSA_WAIT_IO_COMPLETION) break;
        ran_.fetch_add(1);
      }
    });
    if (p_.WSAWaitForMultipleEvents(1, &ready_, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE) !=
        WSA_WAIT_EVENT_0) {
      Release();
      throw SetupFailed("the second thread did not start");
    }
  }
  ~AlertableBystander() { Release(); }
  int Stop() {
    if (thread_.joinable()) {
      p_.WSASetEvent(stop_);
      thread_.join();
    }
    return ran_.load();
  }

 private:
  void Release() {
    Stop();
    p_.WSACloseEvent(ready_);
    p_.WSACloseEvent(stop_);
  }

  Provider& p_;
  WSAEVENT ready_, stop_;
  std::atomic<int> ran_{0};
  std::thread thread_;
};

class RoutineThread : public CallCase {};

// APC-3 (S15, S16): while another thread sits in alertable waits, the
// operation completes (a pending receive gets its data) or is complete
// already (a send that returned 0); that thread's waits run no routine, and
// the routine runs on the initiating thread at its alertable wait.
WSAC_CASE_P(RoutineThread, NeverRunsOnAnotherThread, "APC-3", "S15", "S16") {
  AlertableBystander other(p);
  const bool receive = IsReceive(call());
  const std::vector<char> data = CounterPattern(0, 64);
  char* buf = LongLivedBuffer(256);
  if (!receive) std::memcpy(buf, data.data(), data.size());
  Operation& op = observer.NewOperation(pair.a);
  DWORD* bytes = LongLivedWord(0);
  DWORD* flags = LongLivedWord(0);
  int ret = receive ? Initiate(op, buf, 256, bytes, flags)
                    : Initiate(op, buf, static_cast<ULONG>(data.size()), bytes, nullptr);
  ObserveCall("call", ret, op.call_error);
  if (op.outcome == Outcome::Failed || (receive && op.outcome != Outcome::Pending))
    throw SetupFailed(std::string(receive ? "a receive with no data queued did not pend: " : "a small send failed: ") +
                      observer.Describe(op));
  const char* indicated_by = ret == 0 ? "S15" : "S16";
  if (ret == 0) {
    NotExercised("S16", "the send returned 0");
    WSAC_EXPECT_EQ("S15", op.routine_runs_at_return, 0) << "the routine ran inside the call that returned 0";
  } else {
    NotExercised("S15", "the call pended");
    if (receive) pair.SendFromPeer(data);
    Observe("result_visible_before_alertable_wait", ResultVisibleWithoutAlertableWait(p, op) ? 1 : 0);
  }
  // The other thread keeps waiting alertably through one more quiet window,
  // then stops; nothing it could do is looked at before it has.
  NonAlertableWaits(p);
  int other_ran = other.Stop();
  Observe("other_thread_io_completions", other_ran);
  WSAC_EXPECT_EQ("APC-3", other_ran, 0) << "an alertable wait of a thread that started no operation ran a routine";

  (void)AlertableUntilRun(p, op);
  Observe("routine.runs", op.routine_runs.load());
  WSAC_ASSERT_GE(indicated_by, op.routine_runs.load(), 1) << "the routine never ran: " << observer.Describe(op);
  WSAC_EXPECT_EQ("APC-3", op.routine_thread, op.initiator) << "the routine ran on a thread that did not start the operation";
}

INSTANTIATE_TEST_SUITE_P(Routines, RoutineThread, ValuesIn(RoutinePerKind({Call::WSARecv, Call::WSASend})),
                         CallParamName);

// ---- APC-4: all queued routines run in one wait -------------------------------

class QueuedRoutines : public CallCase {};

// APC-4 (S15, S16): several sends return 0, so several routines are queued;
// the first alertable wait (SleepEx, then WSAWaitForMultipleEvents) runs all
// of them before it returns WAIT_IO_COMPLETION. Sends that pend instead get
// their routines at later alertable waits.
WSAC_CASE_P(QueuedRoutines, AllRunBeforeWaitReturns, "APC-4", "S15", "S16") {
  constexpr int kSends = 4;
  constexpr size_t kLen = 32;
  char* buf = LongLivedBuffer(kLen);
  std::memcpy(buf, CounterPattern(0, kLen).data(), kLen);
  size_t sent = 0;
  int immediate_total = 0, pending_total = 0;
  for (int round = 0; round < 2; ++round) {
    const std::string how = round == 0 ? "SleepEx" : "WSAWaitForMultipleEvents";
    std::vector<Operation*> immediate, pending;
    for (int i = 0; i < kSends; ++i) {
      Operation& op = observer.NewOperation(pair.a);
      DWORD* bytes = LongLivedWord(0);
      int ret = Initiate(op, buf, kLen, bytes, nullptr);
      if (op.outcome == Outcome::Failed) throw SetupFailed("a small send failed: " + observer.Describe(op));
      if (ret == 0) {
        WSAC_EXPECT_EQ("S15", op.routine_runs_at_return, 0) << "the routine ran inside the call that returned 0";
        immediate.push_back(&op);
      } else {
        pending.push_back(&op);
      }
    }
    immediate_total += static_cast<int>(immediate.size());
    pending_total += static_cast<int>(pending.size());
    DWORD w;
    if (round == 0) {
      w = p.SleepEx(0, TRUE);
    } else {
      WSAEVENT never = NewEvent(p);
      w = p.WSAWaitForMultipleEvents(1, &never, FALSE, 0, TRUE);
      p.WSACloseEvent(never);
    }
    int ran = 0;
    for (Operation* op : immediate) ran += op->routine_runs.load() == 1 ? 1 : 0;
    Observe(how + ".result", w);
    Observe(how + ".immediate", static_cast<std::int64_t>(immediate.size()));
    Observe(how + ".ran", ran);
    if (immediate.empty()) {
      NotExercised("APC-4", "no send of the round returned 0, so no routine was known to be queued before the wait");
    } else {
      WSAC_EXPECT_EQ("APC-4", w, WAIT_IO_COMPLETION) << how << " with routines queued";
      WSAC_EXPECT_EQ("APC-4", ran, static_cast<int>(immediate.size())) << how << " returned before every queued routine ran";
    }
    for (Operation* op : pending) {
      (void)AlertableUntilRun(p, *op);
      WSAC_EXPECT_EQ("S16", op->routine_runs.load(), 1) << "a send that pended: " << observer.Describe(*op);
    }
    sent += kSends * kLen;
  }
  if (immediate_total == 0) NotExercised("S15", "every send pended");
  if (pending_total == 0) NotExercised("S16", "every send returned 0");
  if (pair.stream()) (void)pair.ReceiveOnPeer(sent);
}

INSTANTIATE_TEST_SUITE_P(Routines, QueuedRoutines, ValuesIn(RoutinePerKind(kSends)), CallParamName);

// ---- APC-1: hEvent belongs to the application -----------------------------------

class RoutineEventField : public CallCase {};

// APC-1 (APC-5, APC-6): with a routine, hEvent may hold anything: NULL, an
// event of the application (which the provider neither resets nor signals),
// or a context pointer. Each operation is accepted and completes through its
// routine with its results, and hEvent is left as it was.
WSAC_CASE_P(RoutineEventField, HoldsApplicationValue, "APC-1", "APC-5", "APC-6") {
  const bool receive = IsReceive(call());
  struct Events {
    Provider& p;
    WSAEVENT unsignaled, signaled;
    ~Events() {
      p.WSACloseEvent(unsignaled);
      p.WSACloseEvent(signaled);
    }
  } events{p, NewEvent(p), NewEvent(p)};
  if (!p.WSASetEvent(events.signaled)) throw SetupFailed("WSASetEvent failed with " + std::to_string(p.WSAGetLastError()));
  static int context_object;
  struct Variant {
    const char* name;
    HANDLE value;
  } variants[] = {{"null", nullptr},
                  {"unsignaled_event", events.unsignaled},
                  {"signaled_event", events.signaled},
                  {"context_pointer", static_cast<HANDLE>(&context_object)}};
  constexpr ULONG kLen = 48;
  size_t sent = 0, received = 0;
  for (const Variant& v : variants) {
    const std::string name = v.name;
    Operation& op = observer.NewOperation(pair.a);
    op.ov.hEvent = v.value;
    char* buf = LongLivedBuffer(kLen);
    if (!receive) std::memcpy(buf, CounterPattern(sent, kLen).data(), kLen);
    DWORD* bytes = LongLivedWord(0);
    DWORD* flags = LongLivedWord(0);
    int ret = receive ? Initiate(op, buf, kLen, bytes, flags) : Initiate(op, buf, kLen, bytes, nullptr);
    ObserveCall(name + ".call", ret, op.call_error);
    WSAC_ASSERT_NE("APC-1", op.outcome, Outcome::Failed) << "refused with hEvent " << name << ": " << observer.Describe(op);
    // A stream receive may also complete at once with what an earlier,
    // partially received message left queued.
    if (receive && ret != 0) {
      pair.SendFromPeer(CounterPattern(sent, kLen));
      sent += kLen;
    }
    (void)AlertableUntilRun(p, op);
    Observe(name + ".routine_runs", op.routine_runs.load());
    Observe(name + ".routine_bytes", op.routine_bytes);
    WSAC_ASSERT_EQ("APC-1", op.routine_runs.load(), 1) << "with hEvent " << name << ": " << observer.Describe(op);
    WSAC_EXPECT_EQ("APC-5", op.routine_error, 0u) << "with hEvent " << name;
    WSAC_EXPECT_EQ("APC-1", op.ov.hEvent, v.value) << "the provider changed hEvent " << name;
    if (receive) {
      WSAC_EXPECT_TRUE("APC-6", ReceivedCount(pair.stream(), op.routine_bytes, sent - received)) << "with hEvent " << name;
      received += op.routine_bytes;
    } else {
      (void)pair.ReceiveOnPeer(kLen);
      WSAC_EXPECT_EQ("APC-6", op.routine_bytes, kLen) << "with hEvent " << name;
      sent += kLen;
    }
  }
  bool unsignaled_now = p.WSAWaitForMultipleEvents(1, &events.unsignaled, TRUE, 0, FALSE) == WSA_WAIT_EVENT_0;
  bool signaled_now = p.WSAWaitForMultipleEvents(1, &events.signaled, TRUE, 0, FALSE) == WSA_WAIT_EVENT_0;
  Observe("unsignaled_event_signaled", unsignaled_now ? 1 : 0);
  Observe("signaled_event_signaled", signaled_now ? 1 : 0);
  WSAC_EXPECT_FALSE("APC-1", unsignaled_now) << "the provider signaled the application's event in hEvent";
  WSAC_EXPECT_TRUE("APC-1", signaled_now) << "the provider reset the application's event in hEvent";
}

INSTANTIATE_TEST_SUITE_P(Routines, RoutineEventField, ValuesIn(RoutinePerKind({Call::WSARecv, Call::WSASend})),
                         CallParamName);

// ---- APC-10, APC-11: routines that start operations ---------------------------

// An operation whose routine is one of the chained ones below. ov first: the
// routine finds the rest from its lpOverlapped.
struct ChainOp {
  WSAOVERLAPPED ov{};
  WSABUF buf{};
  DWORD flags = 0;
  DWORD call_bytes = 0;  // lpNumberOfBytes* of its call
  std::atomic<int> runs{0};
  DWORD error = 0, bytes = 0;
  std::thread::id thread;  // where its routine ran
  int call_ret = 0, call_error = 0;
  int runs_at_return = 0;  // runs of its own routine right after its call (S15)
};
// Its buffer starts out as `fill`, a byte the data does not contain, so
// what a receive wrote can be told without trusting the count it reported.
ChainOp& NewChainOp(size_t len, char fill) {
  static std::mutex m;
  static std::deque<ChainOp> pool;
  std::lock_guard lock(m);
  ChainOp& op = pool.emplace_back();
  op.buf.len = static_cast<ULONG>(len);
  op.buf.buf = LongLivedBuffer(len);
  std::memset(op.buf.buf, fill, len);
  return op;
}
size_t WrittenPrefix(const ChainOp& op, char fill) {
  size_t n = 0;
  while (n < op.buf.len && op.buf.buf[n] != fill) ++n;
  return n;
}

// What the running case's chain routines share (one case runs at a time).
struct Chain {
  Provider* p = nullptr;
  SOCKET s = INVALID_SOCKET;
  ChainOp* first = nullptr;
  ChainOp* next_recv = nullptr;
  ChainOp* next_send = nullptr;
  std::atomic<int> depth{0}, nested{0};
} g_chain;

void WSAC_CALLBACK ChainRoutine(DWORD error, DWORD transferred, LPWSAOVERLAPPED ov, DWORD) {
  auto* op = reinterpret_cast<ChainOp*>(ov);
  if (g_chain.depth.fetch_add(1) != 0) g_chain.nested.fetch_add(1);
  op->error = error;
  op->bytes = transferred;
  op->thread = std::this_thread::get_id();
  op->runs.fetch_add(1);
  if (op == g_chain.first) {
    Provider& p = *g_chain.p;
    ChainOp& r = *g_chain.next_recv;
    r.call_ret = p.WSARecv(g_chain.s, &r.buf, 1, &r.call_bytes, &r.flags, &r.ov, &ChainRoutine);
    r.call_error = r.call_ret == 0 ? 0 : p.WSAGetLastError();
    r.runs_at_return = r.runs.load();
    ChainOp& w = *g_chain.next_send;
    w.call_ret = p.WSASend(g_chain.s, &w.buf, 1, &w.call_bytes, 0, &w.ov, &ChainRoutine);
    w.call_error = w.call_ret == 0 ? 0 : p.WSAGetLastError();
    w.runs_at_return = w.runs.load();
  }
  g_chain.depth.fetch_sub(1);
}

class RoutineChain : public CallCase {};

// APC-11, APC-10 (APC-3, APC-6, S15): the routine of a receive starts a new
// receive and a send on the same socket. Both work as anywhere else; when
// the peer's second message is already queued, the new receive may complete
// at once, and still its routine does not run inside the first one (no
// nesting) nor inside its own call.
WSAC_CASE_P(RoutineChain, RoutineStartsOperationsWithoutNesting, "APC-11", "APC-10", "APC-3", "APC-6", "S15") {
  const std::vector<char> message = CounterPattern(0, 128);
  const std::vector<char> reply = CounterPattern(0, 16, 7);
  char fill = 0;
  while (std::find(message.begin(), message.end(), fill) != message.end()) ++fill;
  ChainOp& first = NewChainOp(64, fill);
  ChainOp& next_recv = NewChainOp(256, fill);
  ChainOp& next_send = NewChainOp(reply.size(), fill);
  std::memcpy(next_send.buf.buf, reply.data(), reply.size());
  g_chain.p = &p;
  g_chain.s = pair.a;
  g_chain.first = &first;
  g_chain.next_recv = &next_recv;
  g_chain.next_send = &next_send;
  g_chain.depth = 0;
  g_chain.nested = 0;

  int ret = p.WSARecv(pair.a, &first.buf, 1, &first.call_bytes, &first.flags, &first.ov, &ChainRoutine);
  int error = ret == 0 ? 0 : p.WSAGetLastError();
  ObserveCall("first", ret, error);
  if (ret != SOCKET_ERROR || error != WSA_IO_PENDING)
    throw SetupFailed("a receive posted with no data queued did not pend (ret " + std::to_string(ret) + ", error " +
                      std::to_string(error) + ")");
  // Two messages (one stream of 128 bytes on TCP): the first receive takes up
  // to 64, the rest stays queued for the receive its routine starts.
  pair.SendFromPeer(message.data(), 64);
  pair.SendFromPeer(message.data() + 64, 64);
  Deadline deadline(IndicationTimeout());
  while ((first.runs.load() == 0 || next_recv.runs.load() == 0 || next_send.runs.load() == 0) && !deadline.Expired())
    p.SleepEx(deadline.RemainingMs(), TRUE);

  const size_t first_got = WrittenPrefix(first, fill), next_got = WrittenPrefix(next_recv, fill);
  Observe("first.runs", first.runs.load());
  Observe("first.written", static_cast<std::int64_t>(first_got));
  ObserveCall("next_recv.call", next_recv.call_ret, next_recv.call_error);
  ObserveCall("next_send.call", next_send.call_ret, next_send.call_error);
  Observe("next_recv.runs", next_recv.runs.load());
  Observe("next_recv.written", static_cast<std::int64_t>(next_got));
  Observe("next_send.runs", next_send.runs.load());
  Observe("nested", g_chain.nested.load());
  if (first.runs.load() == 0 || first.error != 0 || FirstMismatch(first.buf.buf, first_got, 0) != -1)
    throw SetupFailed("the first receive did not end with the start of the data (runs " +
                      std::to_string(first.runs.load()) + ", error " + std::to_string(first.error) +
                      "); its routine starts the operations under test");

  bool any_immediate = false;
  for (ChainOp* op : {&next_recv, &next_send}) {
    if (op->call_ret != 0) continue;
    any_immediate = true;
    WSAC_EXPECT_EQ("S15", op->runs_at_return, 0) << "a call made in a routine returned 0 and ran its routine inside";
  }
  if (!any_immediate) NotExercised("S15", "neither call made in the routine returned 0");
  WSAC_EXPECT_EQ("APC-3", first.thread, std::this_thread::get_id()) << "the first receive's routine ran on another thread";
  if (first.thread != std::this_thread::get_id()) {
    for (const char* id : {"APC-10", "APC-11", "APC-6"})
      NotExercised(id, "the first routine ran on another thread, so the operations it started belong to that thread");
    return;
  }
  WSAC_EXPECT_EQ("APC-6", first.bytes, first_got) << "cbTransferred of the first receive";

  WSAC_EXPECT_TRUE("APC-11", next_recv.call_ret == 0 || next_recv.call_error == WSA_IO_PENDING)
      << "a receive started in a routine failed with " << next_recv.call_error;
  WSAC_EXPECT_TRUE("APC-11", next_send.call_ret == 0 || next_send.call_error == WSA_IO_PENDING)
      << "a send started in a routine failed with " << next_send.call_error;
  WSAC_EXPECT_EQ("APC-11", next_recv.runs.load(), 1) << "the routine of the receive started in a routine";
  WSAC_EXPECT_EQ("APC-11", next_send.runs.load(), 1) << "the routine of the send started in a routine";
  WSAC_EXPECT_EQ("APC-10", g_chain.nested.load(), 0) << "a routine for the socket ran inside another one";
  WSAC_EXPECT_EQ("APC-11", next_recv.error, 0u);
  WSAC_EXPECT_EQ("APC-11", next_send.error, 0u);
  WSAC_EXPECT_TRUE("APC-11", next_got >= 1 && FirstMismatch(next_recv.buf.buf, next_got, first_got) == -1)
      << "the receive started in the routine did not get the data that followed the first receive's";
  if (!pair.stream()) { WSAC_EXPECT_EQ("APC-11", next_got, 64u) << "the second datagram, whole"; }
  WSAC_EXPECT_EQ("APC-11", FirstMismatch(pair.ReceiveOnPeer(reply.size()), 0, 7), -1)
      << "the peer did not get what the send started in the routine sent";
  if (next_recv.runs.load() != 0) {
    WSAC_EXPECT_EQ("APC-3", next_recv.thread, std::this_thread::get_id());
    WSAC_EXPECT_EQ("APC-6", next_recv.bytes, next_got) << "cbTransferred of the receive started in the routine";
  }
  if (next_send.runs.load() != 0) {
    WSAC_EXPECT_EQ("APC-3", next_send.thread, std::this_thread::get_id());
    WSAC_EXPECT_EQ("APC-6", next_send.bytes, reply.size()) << "cbTransferred of a send the peer received whole";
  }
}

INSTANTIATE_TEST_SUITE_P(Routines, RoutineChain, ValuesIn(RoutinePerKind({Call::WSARecv})), CallParamName);

// ---- failed operations ---------------------------------------------------------

class FailedRoutine : public CallCase {};

// APC-5, APC-7, APC-8, APC-3, CLOSE-7: a pending receive cancelled with
// CancelIoEx still runs its routine (CLOSE-7), at an alertable wait of the
// initiating thread (APC-3), with a failure in dwError, and the code
// CLOSE-7 names (WSA_OPERATION_ABORTED), cbTransferred 0 and the operation's
// WSAOVERLAPPED.
WSAC_CASE_P(FailedRoutine, CancelledReceiveArguments, "APC-5", "APC-7", "APC-8", "APC-3", "CLOSE-7") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD* bytes = LongLivedWord(0);
  DWORD* flags = LongLivedWord(0);
  int ret = Initiate(op, buf, 256, bytes, flags);
  ObserveCall("recv", ret, op.call_error);
  if (op.outcome != Outcome::Pending)
    throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(op));
  if (!p.CancelIoEx(AsHandle(pair.a), &op.ov))
    throw SetupFailed("CancelIoEx of the pending receive failed with " + std::to_string(p.GetLastError()));
  AlertableRun run = AlertableUntilRun(p, op);
  ExpectNoRoutineWithAnotherOverlapped(op);
  Observe("alertable_wait", run.result);
  Observe("routine.runs", op.routine_runs.load());
  Observe("routine.error", op.routine_error);
  Observe("routine.bytes", op.routine_bytes);
  Observe("routine.flags", op.routine_flags);
  WSAC_ASSERT_EQ("CLOSE-7", op.routine_runs.load(), 1) << "the cancelled operation's routine did not run once";
  WSAC_EXPECT_NE("APC-5", op.routine_error, 0u) << "dwError of a cancelled operation";
  WSAC_EXPECT_EQ("CLOSE-7", op.routine_error, static_cast<DWORD>(WSA_OPERATION_ABORTED));
  WSAC_EXPECT_EQ("APC-7", op.routine_bytes, 0u) << "cbTransferred of a failed operation";
  WSAC_EXPECT_EQ("APC-8", op.routine_ov, &op.ov);
  WSAC_EXPECT_EQ("APC-3", op.routine_thread, op.initiator);
}

INSTANTIATE_TEST_SUITE_P(Routines, FailedRoutine, ValuesIn(RoutinePerKind(kReceives)), CallParamName);

// ---- WIN-9: later calls do not run earlier routines ------------------------------

class EarlierRoutines : public CallCase {};

// WIN-9, S15: a send returns 0 (its routine queued), then a receive of data
// already queued returns 0; the receive call runs neither the send's routine
// (WIN-9) nor its own (S15), and the next alertable wait runs both.
WSAC_CASE_P(EarlierRoutines, ImmediateReceiveRunsNoQueuedRoutine, "WIN-9", "S15") {
  const std::vector<char> data = CounterPattern(0, 40);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());
  Operation& send = observer.NewOperation(pair.a);
  WSABUF sbuf{24, LongLivedBuffer(24)};
  std::memcpy(sbuf.buf, CounterPattern(0, 24, 3).data(), 24);
  int sret = p.WSASend(pair.a, &sbuf, 1, nullptr, 0, &send.ov, observer.routine());
  observer.Track(send, sret, sret == 0 ? 0 : p.WSAGetLastError());
  Operation& recv = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD* bytes = LongLivedWord(0);
  DWORD* flags = LongLivedWord(0);
  int rret = Initiate(recv, buf, 256, bytes, flags);
  const int send_runs_after_recv = send.routine_runs.load();
  ObserveCall("send", sret, send.call_error);
  ObserveCall("recv", rret, recv.call_error);
  Observe("send_runs_at_return", send.routine_runs_at_return);
  Observe("send_runs_after_recv", send_runs_after_recv);
  Observe("recv_runs_at_return", recv.routine_runs_at_return);
  if (send.outcome == Outcome::Failed) throw SetupFailed("a small send failed: " + observer.Describe(send));
  if (recv.outcome == Outcome::Failed) throw SetupFailed("a receive of queued data failed: " + observer.Describe(recv));

  if (sret == 0) {
    WSAC_EXPECT_EQ("S15", send.routine_runs_at_return, 0) << "the send ran its routine inside the call";
  }
  if (rret == 0) {
    WSAC_EXPECT_EQ("S15", recv.routine_runs_at_return, 0) << "the receive ran its routine inside the call";
  }
  if (sret != 0 && rret != 0) NotExercised("S15", "both calls pended");

  if (sret != 0 || rret != 0 || send.routine_runs_at_return != 0) {
    NotExercised("WIN-9", sret != 0   ? "the send pended, so no routine was queued before the receive"
                          : rret != 0 ? "the receive pended"
                                      : "the send's routine ran inside the send, so none was queued");
  } else {
    WSAC_EXPECT_EQ("WIN-9", send_runs_after_recv, 0) << "the receive call ran the routine the send had queued";
    DWORD w = p.SleepEx(0, TRUE);
    Observe("sleepex_alertable", w);
    WSAC_EXPECT_EQ("WIN-9", send.routine_runs.load(), 1) << "the next alertable wait did not run the send's routine";
    WSAC_EXPECT_EQ("S15", recv.routine_runs.load(), 1) << "the next alertable wait did not run the receive's routine";
  }
  (void)AlertableUntilRun(p, send);
  (void)AlertableUntilRun(p, recv);
}

INSTANTIATE_TEST_SUITE_P(Routines, EarlierRoutines, ValuesIn(RoutinePerKind({Call::WSARecv})), CallParamName);

}  // namespace
}  // namespace wsac
