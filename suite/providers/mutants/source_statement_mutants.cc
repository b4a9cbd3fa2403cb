// Mutants of the source document's statements (S1..S27): each wraps any
// provider through InterceptingProvider and breaks exactly one statement.
// Statements whose violation needs the model's insides (S9, S10, S11, S17,
// S26's "never ends") are switches of the mock instead (see mutants.cc).
#include <chrono>
#include <cstring>
#include <deque>
#include <optional>
#include <thread>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// S1: overlapped calls on WSASocket(WSA_FLAG_OVERLAPPED) sockets are refused.
class WSASocketOverlappedRefused : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.ov == nullptr || !CreatedOverlapped(call.s)) return false;
    call.ret = SOCKET_ERROR;
    call.error = WSAEOPNOTSUPP;
    return true;
  }
};

// S2: sockets made by socket() refuse overlapped calls.
class SocketFunctionNotOverlapped : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.ov == nullptr || !CreatedBySocketFunction(call.s)) return false;
    call.ret = SOCKET_ERROR;
    call.error = WSAEOPNOTSUPP;
    return true;
  }
};

// S3: a socket asked for without WSA_FLAG_OVERLAPPED gets it anyway, so
// overlapped calls on it pend.
class NonOverlappedSocketPends : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g, DWORD flags) override {
    return InterceptingProvider::WSASocketW(af, type, protocol, info, g, flags | WSA_FLAG_OVERLAPPED);
  }
};

// S4: an overlapped socket starts in non-blocking mode.
class OverlappedStartsNonBlocking : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g, DWORD flags) override {
    SOCKET s = InterceptingProvider::WSASocketW(af, type, protocol, info, g, flags);
    if (s != INVALID_SOCKET && (flags & WSA_FLAG_OVERLAPPED)) {
      u_long on = 1;
      target().ioctlsocket(s, FIONBIO, &on);
    }
    return s;
  }
};

// S5: issuing an overlapped operation switches the socket to non-blocking.
class OverlappedIoSetsNonBlocking : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ov == nullptr || call.kind == CallKind::Ioctl) return;
    u_long on = 1;
    target().ioctlsocket(call.s, FIONBIO, &on);
  }
};

// S6: on a non-blocking socket, an overlapped receive that would pend
// fails with WSAEWOULDBLOCK instead (and is withdrawn).
class NonBlockingOverlappedWouldBlock : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.ret == 0 || call.error != WSA_IO_PENDING || !IsNonBlocking(call.s)) return;
    target().CancelIoEx(AsHandle(call.s), call.ov);
    call.error = WSAEWOULDBLOCK;
  }
};

// S7: data arriving into a receive posted before it is not placed in the
// buffers (the byte count is still reported).
class PostedBufferNotFilled : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (!IsReceive(op.kind) || !op.pending || r.error != 0) return;
    for (const WSABUF& b : op.buffers)
      if (b.buf != nullptr) std::memset(b.buf, 0, b.len);
  }
};

// S8: data already queued is reported as received but not copied.
class PresentDataNotCopied : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.ret != 0 || call.buffers == nullptr) return;
    for (DWORD i = 0; i < call.buffer_count; ++i)
      if (call.buffers[i].buf != nullptr) std::memset(call.buffers[i].buf, 0, call.buffers[i].len);
  }
};

// S12: the provider writes into a send buffer after taking it.
class SendBufferScribbled : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (!IsSend(call.kind) || call.ov == nullptr || call.buffers == nullptr) return;
    if (call.ret != 0 && call.error != WSA_IO_PENDING) return;
    for (DWORD i = 0; i < call.buffer_count; ++i)
      if (call.buffers[i].buf != nullptr && call.buffers[i].len > 0) call.buffers[i].buf[0] ^= 0x5A;
  }
};

// S13: an overlapped receive that pends does not return until it completes.
class OverlappedReceiveBlocks : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.ret == 0 || call.error != WSA_IO_PENDING) return;
    // Waits (bounded, so a case that never sends data still ends) for the
    // operation to finish, asking the target without consuming anything.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    DWORD bytes = 0, flags = 0;
    while (std::chrono::steady_clock::now() < until) {
      if (call.routine == nullptr) {
        if (target().WSAGetOverlappedResult(call.s, call.ov, &bytes, FALSE, &flags) ||
            target().WSAGetLastError() != WSA_IO_INCOMPLETE)
          break;
      } else if (call.ov->Internal != STATUS_PENDING) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    call.error = WSA_IO_PENDING;
  }
};

// S14: a call that returns 0 has not given its indication yet: the event is
// reset after the call.
class ImmediateSuccessEventUnsignaled : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ret != 0 || call.ov == nullptr || call.routine != nullptr || call.ov->hEvent == nullptr) return;
    if (reinterpret_cast<std::uintptr_t>(call.ov->hEvent) & 1) return;
    target().WSAResetEvent(call.ov->hEvent);
  }
};

// S15: the completion routine of an immediate success runs inside the call.
class RoutineRunsInline : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ret != 0 || call.routine == nullptr) return;
    {
      std::lock_guard lock(mu_);
      inlined_.insert(call.ov);
    }
    DWORD bytes = call.bytes != nullptr ? *call.bytes : 0;
    DWORD flags = call.flags != nullptr ? *call.flags : 0;
    call.routine(0, bytes, call.ov, flags);
  }
  void OnCompletion(const OperationRecord&, CompletionReport& r) override {
    std::lock_guard lock(mu_);
    if (inlined_.erase(r.ov) != 0) r.deliver = false;  // it already ran
  }

 private:
  std::mutex mu_;
  std::set<LPWSAOVERLAPPED> inlined_;
};

// S16: a pending operation's later indication reports a failure instead of
// its completion.
class PendingIndicatesFailure : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (!op.pending || op.socket_closed || r.error != 0) return;
    r.error = WSAECONNRESET;
    r.bytes = 0;
  }
};

// S18: a call that fails (other than WSA_IO_PENDING) still signals its event.
class FailedCallSignalsEvent : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ret == 0 || call.error == WSA_IO_PENDING || call.ov == nullptr) return;
    if (call.ov->hEvent != nullptr && !(reinterpret_cast<std::uintptr_t>(call.ov->hEvent) & 1))
      target().WSASetEvent(call.ov->hEvent);
  }
};

// S19: a second receive while one is pending on the socket is refused.
class SecondReceiveRefused : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.ov == nullptr) return false;
    if (!HasPendingOn(call.s, CallKind::Recv) && !HasPendingOn(call.s, CallKind::RecvFrom)) return false;
    call.ret = SOCKET_ERROR;
    call.error = WSAEINPROGRESS;
    return true;
  }
};

// S20: a second send while one is pending on the socket is refused.
class SecondSendRefused : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsSend(call.kind) || call.ov == nullptr) return false;
    if (!HasPendingOn(call.s, CallKind::Send) && !HasPendingOn(call.s, CallKind::SendTo)) return false;
    call.ret = SOCKET_ERROR;
    call.error = WSAEINPROGRESS;
    return true;
  }
};

// S21 and S23 share one trick: hold back an operation and hand it to the
// target only after the next one of its kind (or at the next wait), so the
// target sees them swapped. The held call reports WSA_IO_PENDING, which is
// a permitted answer, so only the order of the data gives it away.
class SwapsConsecutive : public InterceptingProvider {
 public:
  SwapsConsecutive(std::unique_ptr<Provider> target, bool receives)
      : InterceptingProvider(std::move(target)), receives_(receives) {}
  ~SwapsConsecutive() override { FlushHeld(); }

  bool BeforeCall(InitiatingCall& call) override {
    bool mine = receives_ ? call.kind == CallKind::Recv : call.kind == CallKind::Send;
    if (!mine || call.ov == nullptr || !IsStream(call.s) || call.buffers == nullptr || call.buffer_count == 0)
      return false;
    std::unique_lock lock(mu_);
    if (flushing_ == std::this_thread::get_id()) return false;  // the held one, going out now
    if (!held_) {
      held_ = Held{call.s, std::vector<WSABUF>(call.buffers, call.buffers + call.buffer_count), call.ov,
                   call.routine, call.flags != nullptr ? *call.flags : 0};
      lock.unlock();
      if (call.routine == nullptr && call.ov->hEvent != nullptr) target().WSAResetEvent(call.ov->hEvent);
      call.ov->Internal = STATUS_PENDING;
      call.ret = SOCKET_ERROR;
      call.error = WSA_IO_PENDING;
      return true;
    }
    return false;  // the target sees this one first; AfterCall releases the held one
  }
  void AfterCall(InitiatingCall&) override { FlushHeld(); }

  DWORD SleepEx(DWORD ms, BOOL alertable) override {
    FlushHeld();
    return InterceptingProvider::SleepEx(ms, alertable);
  }
  DWORD WSAWaitForMultipleEvents(DWORD c, const WSAEVENT* e, BOOL all, DWORD ms, BOOL alertable) override {
    FlushHeld();
    return InterceptingProvider::WSAWaitForMultipleEvents(c, e, all, ms, alertable);
  }
  BOOL GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, PULONG_PTR key, LPOVERLAPPED* ov, DWORD ms) override {
    FlushHeld();
    return InterceptingProvider::GetQueuedCompletionStatus(port, bytes, key, ov, ms);
  }
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD n, BOOL wait, LPDWORD flags) override {
    FlushHeld();
    return InterceptingProvider::WSAGetOverlappedResult(s, ov, n, wait, flags);
  }
  int closesocket(SOCKET s) override {
    FlushHeld();
    return InterceptingProvider::closesocket(s);
  }

 private:
  struct Held {
    SOCKET s;
    std::vector<WSABUF> buffers;
    LPWSAOVERLAPPED ov;
    LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
    DWORD flags;
  };
  void FlushHeld() {
    std::optional<Held> h;
    {
      std::lock_guard lock(mu_);
      if (flushing_ == std::this_thread::get_id()) return;
      h.swap(held_);
      if (h) flushing_ = std::this_thread::get_id();
    }
    if (!h) return;
    struct Done {
      SwapsConsecutive* self;
      ~Done() {
        std::lock_guard lock(self->mu_);
        self->flushing_ = std::thread::id();
      }
    } done{this};
    // Through our own entry points, so the record and trampoline apply.
    DWORD flags = h->flags;
    if (receives_)
      InterceptingProvider::WSARecv(h->s, h->buffers.data(), static_cast<DWORD>(h->buffers.size()), nullptr,
                                    &flags, h->ov, h->routine);
    else
      InterceptingProvider::WSASend(h->s, h->buffers.data(), static_cast<DWORD>(h->buffers.size()), nullptr, 0,
                                    h->ov, h->routine);
  }
  bool receives_;
  std::mutex mu_;
  std::optional<Held> held_;
  std::thread::id flushing_;  // the thread handing the held call to the target
};

// S26: operations ended by closesocket are reported as successes.
class CloseReportsSuccess : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (op.socket_closed && r.error != 0) r.error = 0;
  }
};

// S27: a deferred ioctl is refused with WSAEWOULDBLOCK instead of pending.
class IoctlPendingRefused : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.kind != CallKind::Ioctl || call.ret == 0 || call.error != WSA_IO_PENDING) return;
    target().CancelIoEx(AsHandle(call.s), call.ov);
    call.error = WSAEWOULDBLOCK;
    std::lock_guard lock(mu_);
    withdrawn_.insert(call.ov);
  }
  void OnCompletion(const OperationRecord&, CompletionReport& r) override {
    std::lock_guard lock(mu_);
    if (withdrawn_.erase(r.ov) != 0) r.deliver = false;
  }

 private:
  std::mutex mu_;
  std::set<LPWSAOVERLAPPED> withdrawn_;
};

template <class M>
MutantFactory Make() {
  return [](std::unique_ptr<Provider> t) -> std::unique_ptr<Provider> { return std::make_unique<M>(std::move(t)); };
}

}  // namespace

void AddSourceStatementMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"wsasocket-overlapped-refused", "S1", "overlapped calls on WSASocket(WSA_FLAG_OVERLAPPED) sockets fail WSAEOPNOTSUPP", true},
                 Make<WSASocketOverlappedRefused>()});
  out.push_back({{"socket-function-not-overlapped", "S2", "overlapped calls on socket() sockets fail WSAEOPNOTSUPP", true},
                 Make<SocketFunctionNotOverlapped>()});
  out.push_back({{"nonoverlapped-socket-pends", "S3", "WSASocket without WSA_FLAG_OVERLAPPED makes an overlapped socket anyway", true},
                 Make<NonOverlappedSocketPends>()});
  out.push_back({{"overlapped-starts-nonblocking", "S4", "a new overlapped socket starts non-blocking", true},
                 Make<OverlappedStartsNonBlocking>()});
  out.push_back({{"overlapped-io-sets-nonblocking", "S5", "an overlapped send or receive switches the socket to non-blocking", true},
                 Make<OverlappedIoSetsNonBlocking>()});
  out.push_back({{"nonblocking-overlapped-wouldblock", "S6", "on a non-blocking socket a receive that would pend fails WSAEWOULDBLOCK", true},
                 Make<NonBlockingOverlappedWouldBlock>()});
  out.push_back({{"posted-buffer-not-filled", "S7", "a receive posted before data arrives completes with its buffers zeroed", true},
                 Make<PostedBufferNotFilled>()});
  out.push_back({{"present-data-not-copied", "S8", "a receive that finds data queued reports it but leaves the buffers zeroed", true},
                 Make<PresentDataNotCopied>()});
  out.push_back({{"send-buffer-scribbled", "S12", "the provider flips the first byte of each send buffer after taking it", true},
                 Make<SendBufferScribbled>()});
  out.push_back({{"overlapped-receive-blocks", "S13", "a pending overlapped receive does not return until it completes (3 s cap)", true},
                 Make<OverlappedReceiveBlocks>()});
  out.push_back({{"immediate-success-event-unsignaled", "S14", "a call returning 0 leaves its event unsignaled", true},
                 Make<ImmediateSuccessEventUnsignaled>()});
  out.push_back({{"routine-runs-inline", "S15", "the completion routine of an immediate success runs inside the call", true},
                 Make<RoutineRunsInline>()});
  out.push_back({{"pending-indicates-failure", "S16", "a pending operation's indication reports WSAECONNRESET instead of its result", true},
                 Make<PendingIndicatesFailure>()});
  out.push_back({{"failed-call-signals-event", "S18", "a call failing with an error other than WSA_IO_PENDING signals its event", true},
                 Make<FailedCallSignalsEvent>()});
  out.push_back({{"second-receive-refused", "S19", "a receive posted while another is pending fails WSAEINPROGRESS", true},
                 Make<SecondReceiveRefused>()});
  out.push_back({{"second-send-refused", "S20", "a send queued while another is pending fails WSAEINPROGRESS", true},
                 Make<SecondSendRefused>()});
  out.push_back({{"sends-swapped", "S21", "each stream send is transmitted after the one that follows it", true},
                 [](std::unique_ptr<Provider> t) -> std::unique_ptr<Provider> {
                   return std::make_unique<SwapsConsecutive>(std::move(t), false);
                 }});
  out.push_back({{"receives-filled-swapped", "S23", "each stream receive is filled after the one posted after it", true},
                 [](std::unique_ptr<Provider> t) -> std::unique_ptr<Provider> {
                   return std::make_unique<SwapsConsecutive>(std::move(t), true);
                 }});
  out.push_back({{"close-reports-success", "S26", "operations ended by closesocket report success", true},
                 Make<CloseReportsSuccess>()});
  out.push_back({{"ioctl-pending-refused", "S27", "a deferred WSAIoctl fails WSAEWOULDBLOCK instead of pending", true},
                 Make<IoctlPendingRefused>()});
}

}  // namespace wsac
