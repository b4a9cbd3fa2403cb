// Mutants of part B's completion routines (APC).
#include <deque>
#include <map>
#include <thread>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// APC-1: the provider treats a non-NULL hEvent as an event whenever it is
// set, routine or not: it signals it when the operation completes.
class RoutineOperationSignalsEvent : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport&) override {
    if (op.app_routine != nullptr && op.event != nullptr) target().WSASetEvent(op.event);
  }
};

// APC-2: the provider's waits are always alertable inside: a non-alertable
// wait runs the routines queued to the thread too.
class RoutineRunsInNonAlertableWait : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  DWORD SleepEx(DWORD ms, BOOL alertable) override {
    if (!alertable) InterceptingProvider::SleepEx(0, TRUE);
    return InterceptingProvider::SleepEx(ms, alertable);
  }
  DWORD WSAWaitForMultipleEvents(DWORD c, const WSAEVENT* e, BOOL all, DWORD ms, BOOL alertable) override {
    if (!alertable) InterceptingProvider::SleepEx(0, TRUE);
    return InterceptingProvider::WSAWaitForMultipleEvents(c, e, all, ms, alertable);
  }
};

// APC-3: routines are run by a thread of the provider's (a thread-pool
// callback); the initiator's alertable wait only hands them over.
class RoutineRunsOnProviderThread : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void RunRoutine(LPWSAOVERLAPPED_COMPLETION_ROUTINE app, DWORD error, DWORD bytes, LPWSAOVERLAPPED ov,
                  DWORD flags) override {
    std::thread([=] { app(error, bytes, ov, flags); }).join();
  }
};

// APC-4: an alertable wait runs one queued routine and returns
// WAIT_IO_COMPLETION; the others wait for later alertable waits.
class AlertableWaitRunsOneRoutine : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  DWORD SleepEx(DWORD ms, BOOL alertable) override {
    if (!alertable) return InterceptingProvider::SleepEx(ms, alertable);
    if (RunOneHeldBack()) return WAIT_IO_COMPLETION;
    InWait guard;
    return InterceptingProvider::SleepEx(ms, alertable);
  }
  DWORD WSAWaitForMultipleEvents(DWORD c, const WSAEVENT* e, BOOL all, DWORD ms, BOOL alertable) override {
    if (!alertable) return InterceptingProvider::WSAWaitForMultipleEvents(c, e, all, ms, alertable);
    if (RunOneHeldBack()) return WSA_WAIT_IO_COMPLETION;
    InWait guard;
    return InterceptingProvider::WSAWaitForMultipleEvents(c, e, all, ms, alertable);
  }
  void RunRoutine(LPWSAOVERLAPPED_COMPLETION_ROUTINE app, DWORD error, DWORD bytes, LPWSAOVERLAPPED ov,
                  DWORD flags) override {
    if (in_wait_ && ran_) {
      std::lock_guard lock(mu_);
      held_back_[std::this_thread::get_id()].push_back(Call{app, error, bytes, ov, flags});
      return;
    }
    ran_ = true;
    app(error, bytes, ov, flags);
  }

 private:
  struct Call {
    LPWSAOVERLAPPED_COMPLETION_ROUTINE app;
    DWORD error, bytes;
    LPWSAOVERLAPPED ov;
    DWORD flags;
  };
  struct InWait {
    InWait() { in_wait_ = true, ran_ = false; }
    ~InWait() { in_wait_ = false; }
  };
  bool RunOneHeldBack() {
    Call c;
    {
      std::lock_guard lock(mu_);
      auto it = held_back_.find(std::this_thread::get_id());
      if (it == held_back_.end() || it->second.empty()) return false;
      c = it->second.front();
      it->second.pop_front();
    }
    c.app(c.error, c.bytes, c.ov, c.flags);
    return true;
  }
  static thread_local bool in_wait_, ran_;
  std::mutex mu_;
  std::map<std::thread::id, std::deque<Call>> held_back_;
};
thread_local bool AlertableWaitRunsOneRoutine::in_wait_ = false;
thread_local bool AlertableWaitRunsOneRoutine::ran_ = false;

// APC-5: the provider hands a routine only the byte count: dwError is 0
// whatever happened, the error stays in the WSAOVERLAPPED for
// WSAGetOverlappedResult to find.
class RoutineErrorAlwaysZero : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void RunRoutine(LPWSAOVERLAPPED_COMPLETION_ROUTINE app, DWORD, DWORD bytes, LPWSAOVERLAPPED ov,
                  DWORD flags) override {
    app(0, bytes, ov, flags);
  }
};

// APC-6, APC-7: the routine's cbTransferred is the length the operation
// asked for (its buffers' total), for a successful operation (APC-6) or a
// failed one (APC-7).
class RoutineCountIsRequested : public InterceptingProvider {
 public:
  RoutineCountIsRequested(std::unique_ptr<Provider> target, bool failed)
      : InterceptingProvider(std::move(target)), failed_(failed) {}
  void RunRoutine(LPWSAOVERLAPPED_COMPLETION_ROUTINE app, DWORD error, DWORD bytes, LPWSAOVERLAPPED ov,
                  DWORD flags) override {
    OperationRecord op;
    if ((error != 0) == failed_ && Lookup(ov, &op) && op.kind != CallKind::Ioctl) bytes = op.capacity;
    app(error, bytes, ov, flags);
  }

 private:
  bool failed_;
};

// APC-8: a layered provider passes its own per-operation context (a copy of
// the WSAOVERLAPPED at the head of a block of its own) as lpOverlapped,
// instead of the application's WSAOVERLAPPED.
class RoutineGetsProviderOverlapped : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void RunRoutine(LPWSAOVERLAPPED_COMPLETION_ROUTINE app, DWORD error, DWORD bytes, LPWSAOVERLAPPED ov,
                  DWORD flags) override {
    app(error, bytes, contexts_.CopyOf(ov), flags);
  }

 private:
  ContextBlocks contexts_;
};

// APC-9: a stream receive that did not fill its buffers is reported to its
// routine with MSG_PARTIAL, as a partial message of a message protocol.
class ShortReceiveRoutineFlaggedPartial : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (op.app_routine != nullptr && IsReceive(op.kind) && IsStream(op.s) && r.error == 0 && r.bytes < op.capacity)
      r.flags |= MSG_PARTIAL;
  }
};

// Which thread is inside a routine this wrapper runs, and how deep.
thread_local int g_routine_depth = 0;
struct InRoutine {
  InRoutine() { ++g_routine_depth; }
  ~InRoutine() { --g_routine_depth; }
};

// A provider that knows when a call comes from inside a completion routine.
template <class Base>
class KnowsRoutineDepth : public Base {
 public:
  using Base::Base;
  void RunRoutine(LPWSAOVERLAPPED_COMPLETION_ROUTINE app, DWORD error, DWORD bytes, LPWSAOVERLAPPED ov,
                  DWORD flags) override {
    InRoutine in;
    app(error, bytes, ov, flags);
  }
};

// APC-10: while a routine runs, an operation it starts that completes at
// once has its routine run straight away, nested inside the first (the
// provider's dispatcher re-enters itself).
class RoutineForCallInsideRoutineNested : public KnowsRoutineDepth<RoutineRunInCall> {
 public:
  using KnowsRoutineDepth::KnowsRoutineDepth;
  bool RunsInCall(const InitiatingCall&) override { return g_routine_depth > 0; }
  void RunNow(LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags) override {
    InRoutine in;
    routine(0, bytes, ov, flags);
  }
};

// APC-11: a reentrancy guard: sends and receives started inside a
// completion routine are refused with WSAEINPROGRESS.
class CallInsideRoutineRefused : public KnowsRoutineDepth<InterceptingProvider> {
 public:
  using KnowsRoutineDepth::KnowsRoutineDepth;
  bool BeforeCall(InitiatingCall& call) override {
    if (g_routine_depth == 0 || call.kind == CallKind::Ioctl) return false;
    call.ret = SOCKET_ERROR;
    call.error = WSAEINPROGRESS;
    return true;
  }
};

}  // namespace

void AddRoutineMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"routine-operation-signals-event", "APC-1",
                  "with a completion routine, a non-NULL hEvent is still signaled at completion"},
                 Make<RoutineOperationSignalsEvent>()});
  out.push_back({{"routine-runs-in-nonalertable-wait", "APC-2", "non-alertable waits run queued completion routines"},
                 Make<RoutineRunsInNonAlertableWait>()});
  out.push_back({{"routine-runs-on-provider-thread", "APC-3",
                  "completion routines run on a thread of the provider's, not the initiator"},
                 Make<RoutineRunsOnProviderThread>()});
  out.push_back({{"alertable-wait-runs-one-routine", "APC-4",
                  "an alertable wait runs one queued routine and returns; the others wait for later waits"},
                 Make<AlertableWaitRunsOneRoutine>()});
  out.push_back({{"routine-error-always-zero", "APC-5",
                  "a routine's dwError is 0 even for a failed operation (the error stays in the WSAOVERLAPPED)"},
                 Make<RoutineErrorAlwaysZero>()});
  out.push_back({{"routine-count-is-requested", "APC-6",
                  "a successful operation's routine gets the length asked for in cbTransferred"},
                 MakeWith<RoutineCountIsRequested>(false)});
  out.push_back({{"failed-routine-count-is-requested", "APC-7",
                  "a failed operation's routine gets the length asked for in cbTransferred"},
                 MakeWith<RoutineCountIsRequested>(true)});
  out.push_back({{"routine-gets-provider-overlapped", "APC-8",
                  "the routine's lpOverlapped is the provider's copy of the WSAOVERLAPPED, not the application's"},
                 Make<RoutineGetsProviderOverlapped>()});
  out.push_back({{"short-receive-routine-flagged-partial", "APC-9",
                  "a stream receive that did not fill its buffers gets MSG_PARTIAL in its routine's dwFlags"},
                 Make<ShortReceiveRoutineFlaggedPartial>()});
  out.push_back({{"routine-for-call-inside-routine-nested", "APC-10",
                  "an operation started in a routine that completes at once runs its routine nested in the first"},
                 Make<RoutineForCallInsideRoutineNested>()});
  out.push_back({{"call-inside-routine-refused", "APC-11",
                  "sends and receives started inside a completion routine fail WSAEINPROGRESS"},
                 Make<CallInsideRoutineRefused>()});
}

}  // namespace wsac
