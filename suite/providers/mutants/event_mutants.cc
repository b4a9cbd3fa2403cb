// Mutants of part B's events and WSAGetOverlappedResult (EVT).
#include <set>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

bool Signaled(Provider& p, HANDLE event) { return p.WSAWaitForMultipleEvents(1, &event, TRUE, 0, FALSE) == WSA_WAIT_EVENT_0; }

// EVT-1: the call that pends does not reset hEvent (the provider leaves
// that to the application): an event signaled before the call stays so.
class PendingCallLeavesEventSignaled : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    was_signaled_ = call.ov != nullptr && call.routine == nullptr && call.ov->hEvent != nullptr &&
                    Signaled(target(), EventOf(call.ov->hEvent));
    return false;
  }
  void AfterCall(InitiatingCall& call) override {
    if (was_signaled_ && call.ret != 0 && call.error == WSA_IO_PENDING) target().WSASetEvent(EventOf(call.ov->hEvent));
  }

 private:
  static thread_local bool was_signaled_;
};
thread_local bool PendingCallLeavesEventSignaled::was_signaled_ = false;

// EVT-2: the failure path of a pending operation skips the event: an
// operation that ends in failure (cancelled, aborted, reset) never signals
// hEvent; its result can still be polled.
class FailedOperationEventNotSignaled : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ov == nullptr || call.routine != nullptr) return;
    if (call.ret == 0 || call.error != WSA_IO_PENDING || call.ov->hEvent == nullptr) return;
    std::lock_guard lock(mu_);
    watched_.insert(call.ov);
  }
  void BeforeWait(DWORD) override {
    std::vector<HANDLE> reset;
    {
      std::lock_guard lock(mu_);
      for (auto it = watched_.begin(); it != watched_.end();) {
        LPWSAOVERLAPPED ov = *it;
        if (ov->Internal == STATUS_PENDING) {
          ++it;
          continue;
        }
        if (ov->Internal != STATUS_SUCCESS) reset.push_back(EventOf(ov->hEvent));
        it = watched_.erase(it);
      }
    }
    for (HANDLE e : reset) target().WSAResetEvent(e);
  }

 private:
  std::mutex mu_;
  std::set<LPWSAOVERLAPPED> watched_;  // pending operations with an event, until they end
};

// EVT-3: WSAGetOverlappedResult reads InternalHigh without checking
// Internal: a pending operation is reported done with 0 bytes.
class OverlappedResultIgnoresStatus : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD n, BOOL wait, LPDWORD flags) override {
    BOOL ok = InterceptingProvider::WSAGetOverlappedResult(s, ov, n, wait, flags);
    if (ok || target().WSAGetLastError() != WSA_IO_INCOMPLETE) return ok;
    if (n != nullptr) *n = 0;
    return TRUE;
  }
};

// EVT-4: WSAGetOverlappedResult stores the length the operation asked for
// (its buffers' total) in *lpcbTransfer instead of the bytes transferred.
class OverlappedResultCountIsRequested : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD n, BOOL wait, LPDWORD flags) override {
    BOOL ok = InterceptingProvider::WSAGetOverlappedResult(s, ov, n, wait, flags);
    OperationRecord op;
    if (ok && n != nullptr && Lookup(ov, &op) && op.kind != CallKind::Ioctl) *n = op.capacity;
    return ok;
  }
};

// EVT-5: WSAGetOverlappedResult leaves *lpdwFlags as the caller set it (the
// result flags reach only a completion routine).
class OverlappedResultFlagsNotStored : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD n, BOOL wait, LPDWORD flags) override {
    DWORD ignored = 0;
    return InterceptingProvider::WSAGetOverlappedResult(s, ov, n, wait, flags != nullptr ? &ignored : nullptr);
  }
};

// EVT-6: WSAGetOverlappedResult returns FALSE for a failed operation, but
// its table from NTSTATUS to Winsock error lacks the failure's status and
// sets 0 (NO_ERROR) as the error.
class OverlappedResultErrorUnmapped : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD n, BOOL wait, LPDWORD flags) override {
    BOOL ok = InterceptingProvider::WSAGetOverlappedResult(s, ov, n, wait, flags);
    if (ok) return TRUE;
    int error = target().WSAGetLastError();
    if (error != WSA_IO_INCOMPLETE && error != WSAENOTSOCK && error != WSAEFAULT) target().WSASetLastError(0);
    return FALSE;
  }
};

// EVT-9: WSAGetOverlappedResult with fWait TRUE waits on hEvent whatever
// the operation's state, so after the application reset the event of an
// operation already indicated it waits (at most 30 s of the provider's
// time) for a signal that never comes.
class OverlappedResultWaitsOnEvent : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD n, BOOL wait, LPDWORD flags) override {
    if (wait && ov != nullptr && ov->hEvent != nullptr) {
      HANDLE event = EventOf(ov->hEvent);
      target().WSAWaitForMultipleEvents(1, &event, TRUE, 30000, FALSE);
    }
    return InterceptingProvider::WSAGetOverlappedResult(s, ov, n, wait, flags);
  }
};

// EVT-10: WSACreateEvent creates an auto-reset event: a satisfied wait
// resets it.
class EventCreatedAutoReset : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  WSAEVENT WSACreateEvent() override {
    WSAEVENT e = InterceptingProvider::WSACreateEvent();
    std::lock_guard lock(mu_);
    if (e != WSA_INVALID_EVENT) events_.insert(e);
    return e;
  }
  DWORD WSAWaitForMultipleEvents(DWORD c, const WSAEVENT* e, BOOL all, DWORD ms, BOOL alertable) override {
    DWORD w = InterceptingProvider::WSAWaitForMultipleEvents(c, e, all, ms, alertable);
    if (e == nullptr || w >= WSA_WAIT_EVENT_0 + c) return w;
    const DWORD first = all ? 0 : w - WSA_WAIT_EVENT_0;
    const DWORD last = all ? c : first + 1;  // the events the wait consumed
    for (DWORD i = first; i < last; ++i) {
      bool mine;
      {
        std::lock_guard lock(mu_);
        mine = events_.count(e[i]) != 0;
      }
      if (mine) target().WSAResetEvent(e[i]);
    }
    return w;
  }

 private:
  std::mutex mu_;
  std::set<WSAEVENT> events_;  // made by WSACreateEvent (not the internals of other mutants)
};

}  // namespace

void AddEventMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"pending-call-leaves-event-signaled", "EVT-1",
                  "a call that pends does not reset hEvent: an event signaled before it stays signaled"},
                 Make<PendingCallLeavesEventSignaled>()});
  out.push_back({{"failed-operation-event-not-signaled", "EVT-2",
                  "a pending operation that ends in failure never signals hEvent"},
                 Make<FailedOperationEventNotSignaled>()});
  out.push_back({{"overlapped-result-ignores-status", "EVT-3",
                  "WSAGetOverlappedResult reads InternalHigh without Internal: a pending operation looks done, 0 bytes"},
                 Make<OverlappedResultIgnoresStatus>()});
  out.push_back({{"overlapped-result-count-is-requested", "EVT-4",
                  "WSAGetOverlappedResult stores the length asked for instead of the bytes transferred"},
                 Make<OverlappedResultCountIsRequested>()});
  out.push_back({{"overlapped-result-flags-not-stored", "EVT-5",
                  "WSAGetOverlappedResult leaves *lpdwFlags as the caller set it"},
                 Make<OverlappedResultFlagsNotStored>()});
  out.push_back({{"overlapped-result-error-unmapped", "EVT-6",
                  "WSAGetOverlappedResult returns FALSE for a failed operation with error 0 (an unmapped status)"},
                 Make<OverlappedResultErrorUnmapped>()});
  out.push_back({{"overlapped-result-waits-on-event", "EVT-9",
                  "WSAGetOverlappedResult(fWait TRUE) waits on hEvent even for an operation already indicated"},
                 Make<OverlappedResultWaitsOnEvent>()});
  out.push_back({{"event-created-auto-reset", "EVT-10", "WSACreateEvent makes an auto-reset event"},
                 Make<EventCreatedAutoReset>()});
}

}  // namespace wsac
