// S15 and APC-1..APC-11 (WIN-9): completion routines.
//   - a call that returns 0 has queued its routine; it runs at the calling
//     thread's next alertable wait, never inside the call, never in a
//     non-alertable wait, never on another thread
//   - an alertable wait runs every queued routine before it returns
//     WAIT_IO_COMPLETION
//   - dwError, cbTransferred, lpOverlapped, dwFlags as the operation ended
//   - hEvent is the application's; routines may start new operations and
//     never nest for one socket
#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "suite/fixtures/call_case.h"

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

// A wait that must not run routines: half the quiet window in SleepEx, half
// in WSAWaitForMultipleEvents on an event nobody sets, both non-alertable.
void NonAlertableWaits(Provider& p) {
  const auto half = static_cast<DWORD>(QuietWindow().count() / 2);
  Observe("sleepex_nonalertable", p.SleepEx(half, FALSE));
  WSAEVENT never = p.WSACreateEvent();
  if (never == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed");
  Observe("wait_nonalertable", p.WSAWaitForMultipleEvents(1, &never, TRUE, half, FALSE));
  p.WSACloseEvent(never);
}

// Waits without running routines until the operation is complete as
// WSAGetOverlappedResult(fWait FALSE) sees it; true when it is.
bool CompletedWithoutAlertableWait(Provider& p, Operation& op) {
  return PollUntil(p, Deadline(IndicationTimeout()), [&] {
    DWORD bytes = 0, flags = 0;
    return p.WSAGetOverlappedResult(op.socket, &op.ov, &bytes, FALSE, &flags) ||
           p.WSAGetLastError() != WSA_IO_INCOMPLETE;
  });
}

// Alertable waits until op's routine has run; returns the last wait result.
DWORD AlertableUntilRun(Provider& p, Operation& op) {
  Deadline deadline(IndicationTimeout());
  DWORD last = 0;
  while (op.routine_runs.load() == 0 && !deadline.Expired()) last = p.SleepEx(deadline.RemainingMs(), TRUE);
  return last;
}

// bytes: what was sent; a stream receive may report any part of it.
void ExpectRoutineArguments(const Operation& op, DWORD bytes, bool receive, bool stream) {
  Observe("routine.runs", op.routine_runs.load());
  Observe("routine.error", op.routine_error);
  Observe("routine.bytes", op.routine_bytes);
  Observe("routine.flags", op.routine_flags);
  EXPECT_EQ(op.routine_runs.load(), 1) << "the routine must run exactly once";
  EXPECT_EQ(op.routine_error, 0u) << "dwError of a successful operation";
  if (receive) {
    EXPECT_TRUE(ReceivedCount(stream, op.routine_bytes, bytes)) << "cbTransferred";
  } else {
    EXPECT_EQ(op.routine_bytes, bytes) << "cbTransferred";
  }
  EXPECT_EQ(op.routine_ov, &op.ov) << "lpOverlapped is not the WSAOVERLAPPED the operation started with";
  EXPECT_EQ(op.routine_flags, 0u) << (receive ? "a plain receive has no result flags" : "dwFlags of a send is 0");
  EXPECT_EQ(op.routine_thread, op.initiator) << "the routine ran on another thread";
}

// ---- S15: immediate completion ---------------------------------------------

class ImmediateRoutine : public CallCase {};

// S15, APC-2, APC-5, APC-6, APC-8, APC-9: with data queued (receives) or
// buffer space (sends) the call may return 0; its routine has then not run
// inside the call, does not run in non-alertable waits, and runs once, with
// the operation's results, at the next alertable wait.
WSAC_CASE_P(ImmediateRoutine, QueuedNotRunUntilAlertableWait, "S15", "APC-2", "APC-5", "APC-6", "APC-8", "APC-9") {
  const bool receive = IsReceive(call());
  const std::vector<char> data = CounterPattern(0, 90);
  if (receive) {
    pair.SendFromPeer(data);
    pair.WaitUntilQueued(pair.a, data.size());
  }
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0xDEAD, flags = 0;
  int ret = receive ? Initiate(op, buf, 256, &bytes, &flags)
                    : Initiate(op, const_cast<char*>(data.data()), static_cast<ULONG>(data.size()), &bytes, nullptr);
  int runs_at_return = op.routine_runs.load();
  ObserveCall("call", ret, op.call_error);
  Observe("routine.runs_at_return", runs_at_return);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  Report("S15", std::string(receive ? "receive with data queued: " : "small send: ") + OutcomeName(op.outcome));
  EXPECT_EQ(runs_at_return, 0) << "the routine ran inside the initiating call";

  if (ret == 0) {
    NonAlertableWaits(p);
    EXPECT_EQ(op.routine_runs.load(), 0) << "the routine ran in a non-alertable wait";
    DWORD alertable = p.SleepEx(0, TRUE);
    Observe("sleepex_alertable", alertable);
    EXPECT_EQ(alertable, WAIT_IO_COMPLETION) << "the queued routine did not run at the next alertable wait";
    EXPECT_EQ(op.routine_runs.load(), 1) << "returned 0 but the routine was not queued";
  } else {
    AlertableUntilRun(p, op);
  }
  DWORD again = p.SleepEx(0, TRUE);
  Observe("sleepex_again", again);
  EXPECT_EQ(again, 0u) << "a second alertable wait ran a routine again";
  ExpectRoutineArguments(op, static_cast<DWORD>(data.size()), receive, pair.stream());
  if (ret == 0) { EXPECT_EQ(bytes, op.routine_bytes); }
  if (receive) { EXPECT_EQ(FirstMismatch(buf, op.routine_bytes, 0), -1); }
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

// S16, APC-2, APC-5, APC-6, APC-8: a pending receive that has completed (as
// WSAGetOverlappedResult sees it) still waits for an alertable wait to run
// its routine; non-alertable waits do not run it.
WSAC_CASE_P(PendingRoutine, RunsOnlyAtAlertableWait, "S16", "APC-2", "APC-5", "APC-6", "APC-8", "APC-9") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);

  const std::vector<char> data = CounterPattern(0, 120);
  pair.SendFromPeer(data);
  bool completed = CompletedWithoutAlertableWait(p, op);
  Observe("completed_before_alertable_wait", completed ? 1 : 0);
  ASSERT_TRUE(completed) << "the receive did not complete after data arrived: " << observer.Describe(op);
  EXPECT_EQ(op.routine_runs.load(), 0) << "the routine ran while the thread polled without alertable waits";
  NonAlertableWaits(p);
  EXPECT_EQ(op.routine_runs.load(), 0) << "the routine ran in a non-alertable wait";

  DWORD alertable = AlertableUntilRun(p, op);
  Observe("alertable_wait", alertable);
  EXPECT_EQ(alertable, WAIT_IO_COMPLETION);
  ExpectRoutineArguments(op, static_cast<DWORD>(data.size()), true, pair.stream());
  EXPECT_EQ(FirstMismatch(buf, op.routine_bytes, 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Routines, PendingRoutine, ValuesIn(RoutinePerKind(kReceives)), CallParamName);

// ---- APC-3: the initiating thread only --------------------------------------

class RoutineThread : public CallCase {};

// APC-3: while another thread sits in alertable waits, the operation
// completes (a pending receive) or is already complete (a send); the routine
// does not run there, and runs on the initiating thread afterwards.
WSAC_CASE_P(RoutineThread, NeverRunsOnAnotherThread, "APC-3", "S15", "S16") {
  WSAEVENT stop = p.WSACreateEvent();
  if (stop == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed");
  std::atomic<int> other_completions{0};
  std::thread other([&] {
    Deadline deadline(IndicationTimeout() * 2);
    while (!deadline.Expired()) {
      DWORD w = p.WSAWaitForMultipleEvents(1, &stop, TRUE, deadline.RemainingMs(), TRUE);
      if (w != WSA_WAIT_IO_COMPLETION) break;
      other_completions.fetch_add(1);
    }
  });
  struct JoinOther {
    Provider& p;
    WSAEVENT stop;
    std::thread& t;
    ~JoinOther() {
      p.WSASetEvent(stop);
      t.join();
      p.WSACloseEvent(stop);
    }
  } join_other{p, stop, other};

  const bool receive = IsReceive(call());
  const std::vector<char> data = CounterPattern(0, 64);
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int ret = receive ? Initiate(op, buf, 256, &bytes, &flags)
                    : Initiate(op, const_cast<char*>(data.data()), static_cast<ULONG>(data.size()), &bytes, nullptr);
  ObserveCall("call", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  if (receive) pair.SendFromPeer(data);
  ASSERT_TRUE(CompletedWithoutAlertableWait(p, op)) << observer.Describe(op);
  // The other thread keeps waiting alertably for a quiet window.
  NonAlertableWaits(p);
  Observe("other_thread_io_completions", other_completions.load());
  EXPECT_EQ(op.routine_runs.load(), 0) << "the routine ran on a thread that did not start the operation";
  EXPECT_EQ(other_completions.load(), 0);

  AlertableUntilRun(p, op);
  ExpectRoutineArguments(op, static_cast<DWORD>(data.size()), receive, pair.stream());
}

INSTANTIATE_TEST_SUITE_P(Routines, RoutineThread, ValuesIn(RoutinePerKind({Call::WSARecv, Call::WSASend})),
                         CallParamName);

// ---- APC-4: all queued routines run in one wait -------------------------------

class QueuedRoutines : public CallCase {};

// APC-4: several sends return 0, so several routines are queued; the first
// alertable wait (SleepEx, then WSAWaitForMultipleEvents) runs all of them
// before it returns WAIT_IO_COMPLETION.
WSAC_CASE_P(QueuedRoutines, AllRunBeforeWaitReturns, "APC-4", "S15") {
  constexpr int kSends = 4;
  const std::vector<char> data = CounterPattern(0, 32);
  size_t sent = 0;
  for (int round = 0; round < 2; ++round) {
    std::vector<Operation*> immediate, pending;
    for (int i = 0; i < kSends; ++i) {
      Operation& op = observer.NewOperation(pair.a);
      DWORD bytes = 0;
      int ret = Initiate(op, const_cast<char*>(data.data()), static_cast<ULONG>(data.size()), &bytes, nullptr);
      ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
      (ret == 0 ? immediate : pending).push_back(&op);
    }
    const char* how = round == 0 ? "SleepEx" : "WSAWaitForMultipleEvents";
    Report("APC-4", std::string(how) + ": " + std::to_string(immediate.size()) + " of " + std::to_string(kSends) +
                        " sends returned 0");
    DWORD w;
    if (round == 0) {
      w = p.SleepEx(0, TRUE);
    } else {
      WSAEVENT never = p.WSACreateEvent();
      w = p.WSAWaitForMultipleEvents(1, &never, FALSE, 0, TRUE);
      p.WSACloseEvent(never);
    }
    Observe(std::string(how) + ".result", w);
    int ran = 0;
    for (Operation* op : immediate) ran += op->routine_runs.load() == 1 ? 1 : 0;
    Observe(std::string(how) + ".immediate", static_cast<std::int64_t>(immediate.size()));
    Observe(std::string(how) + ".ran", ran);
    if (!immediate.empty()) {
      EXPECT_EQ(w, WAIT_IO_COMPLETION) << how;
      EXPECT_EQ(ran, static_cast<int>(immediate.size())) << how << " returned before every queued routine ran";
    }
    for (Operation* op : pending) {
      AlertableUntilRun(p, *op);
      EXPECT_EQ(op->routine_runs.load(), 1) << observer.Describe(*op);
    }
    sent += kSends * data.size();
  }
  if (pair.stream()) (void)pair.ReceiveOnPeer(sent);
}

INSTANTIATE_TEST_SUITE_P(Routines, QueuedRoutines, ValuesIn(RoutinePerKind(kSends)), CallParamName);

// ---- APC-1: hEvent belongs to the application -----------------------------------

class RoutineEventField : public CallCase {};

// APC-1: with a routine, hEvent may hold anything: NULL, an event of the
// application (which the provider neither resets nor signals), or a context
// pointer. Each operation still completes through its routine.
WSAC_CASE_P(RoutineEventField, HoldsApplicationValue, "APC-1", "APC-6") {
  const bool receive = IsReceive(call());
  WSAEVENT unsignaled = p.WSACreateEvent(), signaled = p.WSACreateEvent();
  if (unsignaled == WSA_INVALID_EVENT || signaled == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed");
  ASSERT_TRUE(p.WSASetEvent(signaled));
  static int context_object;
  struct Variant {
    const char* name;
    HANDLE value;
  } variants[] = {{"null", nullptr},
                  {"unsignaled_event", unsignaled},
                  {"signaled_event", signaled},
                  {"context_pointer", static_cast<HANDLE>(&context_object)}};
  size_t sent = 0, received = 0;
  for (const Variant& v : variants) {
    SCOPED_TRACE(v.name);
    const std::vector<char> data = CounterPattern(sent, 48);
    Operation& op = observer.NewOperation(pair.a);
    op.ov.hEvent = v.value;
    char* buf = LongLivedBuffer(48);
    DWORD bytes = 0, flags = 0;
    int ret = receive ? Initiate(op, buf, 48, &bytes, &flags)
                      : Initiate(op, const_cast<char*>(data.data()), 48, &bytes, nullptr);
    ObserveCall(std::string(v.name) + ".call", ret, op.call_error);
    ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
    // A stream receive may also complete at once with what an earlier,
    // partially received message left queued.
    if (receive && ret != 0) {
      pair.SendFromPeer(data);
      sent += data.size();
    }
    AlertableUntilRun(p, op);
    Observe(std::string(v.name) + ".routine_runs", op.routine_runs.load());
    ASSERT_EQ(op.routine_runs.load(), 1) << observer.Describe(op);
    EXPECT_EQ(op.routine_error, 0u);
    EXPECT_EQ(op.ov.hEvent, v.value) << "the provider changed hEvent";
    if (receive) {
      EXPECT_EQ(FirstMismatch(buf, op.routine_bytes, received), -1);
      received += op.routine_bytes;
    } else {
      EXPECT_EQ(op.routine_bytes, 48u);
      std::vector<char> got = pair.ReceiveOnPeer(48);
      EXPECT_EQ(FirstMismatch(got, sent), -1);
      sent += 48;
    }
  }
  bool unsignaled_now = p.WSAWaitForMultipleEvents(1, &unsignaled, TRUE, 0, FALSE) == WSA_WAIT_EVENT_0;
  bool signaled_now = p.WSAWaitForMultipleEvents(1, &signaled, TRUE, 0, FALSE) == WSA_WAIT_EVENT_0;
  Observe("unsignaled_event_signaled", unsignaled_now ? 1 : 0);
  Observe("signaled_event_signaled", signaled_now ? 1 : 0);
  EXPECT_FALSE(unsignaled_now) << "the provider signaled the application's event in hEvent";
  EXPECT_TRUE(signaled_now) << "the provider reset the application's event in hEvent";
  p.WSACloseEvent(unsignaled);
  p.WSACloseEvent(signaled);
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
  std::atomic<int> runs{0};
  DWORD error = 0, bytes = 0;
  int call_ret = 0, call_error = 0;
};
ChainOp& NewChainOp(size_t len) {
  static std::mutex m;
  static std::deque<ChainOp> pool;
  std::lock_guard lock(m);
  ChainOp& op = pool.emplace_back();
  op.buf.len = static_cast<ULONG>(len);
  op.buf.buf = LongLivedBuffer(len);
  return op;
}

// What the running case's chain routines share (one case runs at a time).
struct Chain {
  Provider* p = nullptr;
  SOCKET s = INVALID_SOCKET;
  ChainOp* first = nullptr;
  ChainOp* next_recv = nullptr;
  ChainOp* next_send = nullptr;
  std::atomic<int> depth{0}, nested{0};
  bool next_recv_ran_inside = false;
} g_chain;

void WSAC_CALLBACK ChainRoutine(DWORD error, DWORD transferred, LPWSAOVERLAPPED ov, DWORD) {
  auto* op = reinterpret_cast<ChainOp*>(ov);
  if (g_chain.depth.fetch_add(1) != 0) g_chain.nested.fetch_add(1);
  op->error = error;
  op->bytes = transferred;
  op->runs.fetch_add(1);
  if (op == g_chain.first) {
    Provider& p = *g_chain.p;
    ChainOp& r = *g_chain.next_recv;
    r.call_ret = p.WSARecv(g_chain.s, &r.buf, 1, nullptr, &r.flags, &r.ov, &ChainRoutine);
    r.call_error = r.call_ret == 0 ? 0 : p.WSAGetLastError();
    ChainOp& w = *g_chain.next_send;
    w.call_ret = p.WSASend(g_chain.s, &w.buf, 1, nullptr, 0, &w.ov, &ChainRoutine);
    w.call_error = w.call_ret == 0 ? 0 : p.WSAGetLastError();
    g_chain.next_recv_ran_inside = r.runs.load() != 0 || w.runs.load() != 0;
  }
  g_chain.depth.fetch_sub(1);
}

class RoutineChain : public CallCase {};

// APC-11, APC-10: the routine of a receive starts a new receive and a send on
// the same socket. Both work as anywhere else; when the peer's second message
// is already queued, the new receive may complete at once, and still its
// routine does not run inside the first one (no nesting).
WSAC_CASE_P(RoutineChain, RoutineStartsOperationsWithoutNesting, "APC-11", "APC-10", "S15") {
  const std::vector<char> message = CounterPattern(0, 128);
  const std::vector<char> reply = CounterPattern(0, 16, 7);
  ChainOp& first = NewChainOp(64);
  ChainOp& next_recv = NewChainOp(256);
  ChainOp& next_send = NewChainOp(reply.size());
  std::memcpy(next_send.buf.buf, reply.data(), reply.size());
  g_chain.p = &p;
  g_chain.s = pair.a;
  g_chain.first = &first;
  g_chain.next_recv = &next_recv;
  g_chain.next_send = &next_send;
  g_chain.depth = 0;
  g_chain.nested = 0;
  g_chain.next_recv_ran_inside = false;

  int ret = p.WSARecv(pair.a, &first.buf, 1, nullptr, &first.flags, &first.ov, &ChainRoutine);
  int error = ret == 0 ? 0 : p.WSAGetLastError();
  ObserveCall("first", ret, error);
  ASSERT_TRUE(ret == SOCKET_ERROR && error == WSA_IO_PENDING) << "a receive with no data queued must pend";
  // Two messages (one stream of 128 bytes on TCP): the first receive takes up
  // to 64, the rest stays queued for the receive its routine starts.
  pair.SendFromPeer(message.data(), 64);
  pair.SendFromPeer(message.data() + 64, 64);
  Deadline deadline(IndicationTimeout());
  while ((first.runs.load() == 0 || next_recv.runs.load() == 0 || next_send.runs.load() == 0) && !deadline.Expired())
    p.SleepEx(deadline.RemainingMs(), TRUE);

  Observe("first.runs", first.runs.load());
  Observe("next_recv.call", next_recv.call_ret == 0 ? 0 : next_recv.call_error);
  Observe("next_send.call", next_send.call_ret == 0 ? 0 : next_send.call_error);
  Observe("next_recv.runs", next_recv.runs.load());
  Observe("next_send.runs", next_send.runs.load());
  Observe("nested", g_chain.nested.load());
  Report("APC-10", std::string("receive started in a routine with data queued: ") +
                       (next_recv.call_ret == 0 ? "returned 0" : "returned " + std::to_string(next_recv.call_error)));
  ASSERT_EQ(first.runs.load(), 1);
  EXPECT_EQ(first.error, 0u);
  EXPECT_TRUE(next_recv.call_ret == 0 || next_recv.call_error == WSA_IO_PENDING)
      << "receive started in a routine failed with " << next_recv.call_error;
  EXPECT_TRUE(next_send.call_ret == 0 || next_send.call_error == WSA_IO_PENDING)
      << "send started in a routine failed with " << next_send.call_error;
  EXPECT_EQ(next_recv.runs.load(), 1);
  EXPECT_EQ(next_send.runs.load(), 1);
  EXPECT_EQ(g_chain.nested.load(), 0) << "a routine for the socket ran inside another one";
  EXPECT_FALSE(g_chain.next_recv_ran_inside) << "a routine ran inside the call that started its operation";
  EXPECT_EQ(next_recv.error, 0u);
  EXPECT_EQ(next_send.error, 0u);
  EXPECT_EQ(next_send.bytes, reply.size());
  EXPECT_EQ(FirstMismatch(first.buf.buf, first.bytes, 0), -1);
  EXPECT_EQ(FirstMismatch(next_recv.buf.buf, next_recv.bytes, first.bytes), -1);
  if (!pair.stream()) { EXPECT_EQ(next_recv.bytes, 64u); }
  EXPECT_EQ(FirstMismatch(pair.ReceiveOnPeer(reply.size()), 0, 7), -1);
}

INSTANTIATE_TEST_SUITE_P(Routines, RoutineChain, ValuesIn(RoutinePerKind({Call::WSARecv})), CallParamName);

// ---- failed operations ---------------------------------------------------------

class FailedRoutine : public CallCase {};

// APC-5, APC-7, APC-8: a pending receive cancelled with CancelIoEx runs its
// routine (at an alertable wait) with dwError WSA_OPERATION_ABORTED,
// cbTransferred 0 and the operation's WSAOVERLAPPED.
WSAC_CASE_P(FailedRoutine, CancelledReceiveArguments, "APC-5", "APC-7", "APC-8") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  if (!p.CancelIoEx(AsHandle(pair.a), &op.ov))
    throw SetupFailed("CancelIoEx of the pending receive failed with " + std::to_string(p.GetLastError()));
  DWORD w = AlertableUntilRun(p, op);
  Observe("alertable_wait", w);
  Observe("routine.runs", op.routine_runs.load());
  Observe("routine.error", op.routine_error);
  Observe("routine.bytes", op.routine_bytes);
  Observe("routine.flags", op.routine_flags);
  ASSERT_EQ(op.routine_runs.load(), 1) << "the cancelled operation's routine did not run";
  EXPECT_EQ(op.routine_error, static_cast<DWORD>(WSA_OPERATION_ABORTED));
  EXPECT_EQ(op.routine_bytes, 0u) << "cbTransferred of a failed operation";
  EXPECT_EQ(op.routine_ov, &op.ov);
  EXPECT_EQ(op.routine_thread, op.initiator);
}

INSTANTIATE_TEST_SUITE_P(Routines, FailedRoutine, ValuesIn(RoutinePerKind(kReceives)), CallParamName);

// ---- WIN-9: later calls do not run earlier routines ------------------------------

class EarlierRoutines : public CallCase {};

// WIN-9, S15: a send returns 0 (its routine queued), then a receive of data
// already queued returns 0; neither routine has run when the receive returns,
// and one alertable wait runs both.
WSAC_CASE_P(EarlierRoutines, ImmediateReceiveRunsNoQueuedRoutine, "WIN-9", "S15") {
  const std::vector<char> data = CounterPattern(0, 40);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());
  Operation& send = observer.NewOperation(pair.a);
  const std::vector<char> out = CounterPattern(0, 24, 3);
  WSABUF sbuf{static_cast<ULONG>(out.size()), const_cast<char*>(out.data())};
  int sret = p.WSASend(pair.a, &sbuf, 1, nullptr, 0, &send.ov, observer.routine());
  observer.Track(send, sret, sret == 0 ? 0 : p.WSAGetLastError());
  Operation& recv = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int rret = Initiate(recv, buf, 256, &bytes, &flags);
  int send_runs = send.routine_runs.load(), recv_runs = recv.routine_runs.load();
  ObserveCall("send", sret, send.call_error);
  ObserveCall("recv", rret, recv.call_error);
  Observe("send_runs_after_recv", send_runs);
  Observe("recv_runs_after_recv", recv_runs);
  ASSERT_NE(send.outcome, Outcome::Failed) << observer.Describe(send);
  ASSERT_NE(recv.outcome, Outcome::Failed) << observer.Describe(recv);
  if (sret != 0 || rret != 0)
    Report("WIN-9", std::string("send ") + OutcomeName(send.outcome) + ", receive " + OutcomeName(recv.outcome));
  EXPECT_EQ(send_runs, 0) << "the receive call ran the routine the send had queued";
  EXPECT_EQ(recv_runs, 0) << "the receive ran its own routine inside the call";
  if (sret == 0 && rret == 0) {
    DWORD w = p.SleepEx(0, TRUE);
    Observe("sleepex_alertable", w);
    EXPECT_EQ(w, WAIT_IO_COMPLETION);
    EXPECT_EQ(send.routine_runs.load(), 1);
    EXPECT_EQ(recv.routine_runs.load(), 1);
  }
  AlertableUntilRun(p, send);
  AlertableUntilRun(p, recv);
  EXPECT_TRUE(ReceivedCount(pair.stream(), recv.routine_bytes, data.size()));
  EXPECT_EQ(send.routine_bytes, out.size());
  EXPECT_EQ(FirstMismatch(pair.ReceiveOnPeer(out.size()), 0, 3), -1);
}

INSTANTIATE_TEST_SUITE_P(Routines, EarlierRoutines, ValuesIn(RoutinePerKind({Call::WSARecv})), CallParamName);

}  // namespace
}  // namespace wsac
