// Mutants of the source document's statements (S1..S27, and IND-1, which
// the observers' drains check in every case): each wraps any
// provider through InterceptingProvider and imitates one mistake a real
// provider makes. S9, S10, S11 and S17 need the model's insides (what
// arrives while nothing is posted, when a stream receive stops filling) and
// are switches of the mock instead (see mutants.cc).
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// S1: the provider reads the overlapped attribute from the wrong bit of
// dwFlags, so a socket made by WSASocket with WSA_FLAG_OVERLAPPED counts as
// one without it, and its overlapped calls are refused with WSAEINVAL.
class OverlappedFlagMisread : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.ov == nullptr || !CreatedOverlapped(call.s) || Accepted(call.s)) return false;
    call.ret = SOCKET_ERROR;
    call.error = WSAEINVAL;
    return true;
  }
};

// S2: socket() creates its socket without the overlapped attribute (its
// WSASocket call passes dwFlags 0), so overlapped calls on it are refused
// with WSAEINVAL.
class SocketFunctionDropsOverlappedFlag : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.ov == nullptr || !CreatedBySocketFunction(call.s) || Accepted(call.s)) return false;
    call.ret = SOCKET_ERROR;
    call.error = WSAEINVAL;
    return true;
  }
};

// S3: WSASocket ignores dwFlags and makes every socket overlapped, so an
// overlapped call on a socket asked for without the flag pends.
class WSASocketIgnoresFlags : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g, DWORD flags) override {
    return InterceptingProvider::WSASocketW(af, type, protocol, info, g, flags | WSA_FLAG_OVERLAPPED);
  }
};

// S4: the provider implements overlapped I/O on top of non-blocking I/O and
// makes every overlapped socket non-blocking when it creates it.
class OverlappedSocketCreatedNonBlocking : public InterceptingProvider {
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

// S5: the provider switches a socket to non-blocking for its own engine
// when the first overlapped send or receive is issued on it, and never back.
class OverlappedIoSwitchesToNonBlocking : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ov == nullptr || call.kind == CallKind::Ioctl) return;
    u_long on = 1;
    target().ioctlsocket(call.s, FIONBIO, &on);
  }
};

// S6: the provider checks the blocking mode before its overlapped path: on a
// non-blocking socket a receive that would pend is withdrawn and fails with
// WSAEWOULDBLOCK.
class NonBlockingOverlappedWouldBlock : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.ret == 0 || call.error != WSA_IO_PENDING || !IsNonBlocking(call.s)) return;
    target().CancelIoEx(AsHandle(call.s), call.ov);
    Suppress(call.ov);  // withdrawn: the cancellation is never indicated
    call.error = WSAEWOULDBLOCK;
  }
};

// S7: a receive posted before data arrives gets the data into the provider's
// own bounce buffer, which is never copied to the posted buffers: the count
// is reported, the buffers keep what they held.
class PendingReceiveDataLeftInBounceBuffer : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ov != nullptr) images_.Put(call.ov, BufferImage(call.buffers, call.buffer_count));
    return false;
  }
  void AfterCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ov != nullptr && (call.ret == 0 || call.error != WSA_IO_PENDING))
      images_.Take(call.ov);
  }
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    std::optional<BufferImage> image = images_.Take(r.ov);
    if (image && IsReceive(op.kind) && op.pending && r.error == 0) image->Restore();
  }

 private:
  PerOperation<BufferImage> images_;
};

// S8: a receive that finds data queued returns 0 with the count, but the
// bytes are copied into its buffers only afterwards, when the initiating
// thread next calls the provider (a copy the provider's completion step
// does after returning instead of before).
class QueuedDataCopiedAfterReturn : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    CopyLate();
    if (IsReceive(call.kind) && call.ov != nullptr) {
      std::lock_guard lock(mu_);
      before_[std::this_thread::get_id()] = BufferImage(call.buffers, call.buffer_count);
    }
    return false;
  }
  void AfterCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.ov == nullptr) return;
    std::lock_guard lock(mu_);
    BufferImage before = std::move(before_[std::this_thread::get_id()]);
    if (call.ret != 0) return;
    late_[std::this_thread::get_id()].push_back(BufferImage(call.buffers, call.buffer_count));  // what the target copied
    before.Restore();
  }
  void BeforeWait(DWORD) override { CopyLate(); }
  BOOL WSACloseEvent(WSAEVENT e) override {
    CopyLate();
    return InterceptingProvider::WSACloseEvent(e);
  }
  BOOL WSAResetEvent(WSAEVENT e) override {
    CopyLate();
    return InterceptingProvider::WSAResetEvent(e);
  }
  BOOL WSASetEvent(WSAEVENT e) override {
    CopyLate();
    return InterceptingProvider::WSASetEvent(e);
  }
  int ioctlsocket(SOCKET s, long cmd, u_long* argp) override {
    CopyLate();
    return InterceptingProvider::ioctlsocket(s, cmd, argp);
  }
  int closesocket(SOCKET s) override {
    CopyLate();
    return InterceptingProvider::closesocket(s);
  }

 private:
  // The copy belongs to the thread whose call returned 0: only its own next
  // call makes it, while the buffers are surely still the caller's.
  void CopyLate() {
    std::vector<BufferImage> late;
    {
      std::lock_guard lock(mu_);
      auto it = late_.find(std::this_thread::get_id());
      if (it == late_.end()) return;
      late.swap(it->second);
      late_.erase(it);
    }
    for (const BufferImage& image : late) image.Restore();
  }
  std::mutex mu_;
  std::map<std::thread::id, BufferImage> before_;
  std::map<std::thread::id, std::vector<BufferImage>> late_;
};

// S12: once a send's data is consumed the provider clears the caller's
// buffer, as it would a buffer of its own.
class SendBufferClearedAfterConsumed : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (!IsSend(call.kind) || call.ov == nullptr || call.ret != 0 || call.buffers == nullptr) return;
    Clear(std::vector<WSABUF>(call.buffers, call.buffers + call.buffer_count));
  }
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (IsSend(op.kind) && op.pending && r.error == 0) Clear(op.buffers);
  }

 private:
  static void Clear(const std::vector<WSABUF>& bufs) {
    for (const WSABUF& b : bufs)
      if (b.buf != nullptr) std::memset(b.buf, 0, b.len);
  }
};

// S13: the provider implements an overlapped receive as a wait inside the
// call followed by the indication: a receive that pends returns only once
// it has completed (asked of the WSAOVERLAPPED, with the provider's own
// waits, for at most a few seconds of its time).
class OverlappedReceiveWaitsForData : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.ret == 0 || call.error != WSA_IO_PENDING) return;
    for (int i = 0; i < 5000 && call.ov->Internal == STATUS_PENDING; ++i) target().SleepEx(1, FALSE);
  }
};

// S14: a call that returns 0 has not yet given its indication: the event is
// signaled, and the port packet released, only at the next wait that may
// block (the provider's completion thread runs after the call returned).
// The WSAOVERLAPPED is left as the target wrote it, since the application
// may reuse it at once.
class ImmediateSuccessIndicatedLate : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ret != 0 || call.ov == nullptr || call.routine != nullptr) return;
    Hide(call.ov, true, false);
  }
  void BeforeWait(DWORD timeout_ms) override {
    if (timeout_ms == 0) return;
    for (LPWSAOVERLAPPED ov : HiddenOperations()) Reveal(ov);
  }
  DWORD SleepEx(DWORD ms, BOOL alertable) override {
    // Any sleep lets the completion thread run.
    if (ms == 0) BeforeWait(1);
    return InterceptingProvider::SleepEx(ms, alertable);
  }
};

// S15: the completion routine of an immediate success runs inside the call.
class RoutineRunsInline : public RoutineRunInCall {
 public:
  using RoutineRunInCall::RoutineRunInCall;
  bool RunsInCall(const InitiatingCall&) override { return true; }
};

// S16: the provider stores the initiating call's status in the operation
// and reports it at completion: a pending operation's indication carries
// WSA_IO_PENDING (997) as its error.
class PendingIndicatesIoPending : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (!op.pending || op.socket_closed || r.error != 0) return;
    r.error = WSA_IO_PENDING;
  }
};

// S18: a call refused for the socket's state (shut down, not connected,
// reset, a datagram too large) fails after the operation was armed, and the
// refusal goes through the completion path: the event is signaled, the
// routine queued, the packet queued, each with the call's error.
class StateRefusalIndicated : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ov == nullptr || call.ret == 0 || call.error == WSA_IO_PENDING) return;
    // Bad input is refused before anything is armed (BAD-4's mutant does that one).
    if (call.error == WSAEFAULT || call.error == WSAEINVAL || call.error == WSAENOTSOCK) return;
    // A truncated datagram receive is indicated anyway (DGRAM-10).
    if (IsReceive(call.kind) && call.error == WSAEMSGSIZE) return;
    Synthesize(call.ov, OpResult{static_cast<DWORD>(call.error), 0, 0}, true);
  }
};

// S19: the provider keeps one receive per socket: a receive posted while
// another is pending fails with WSAEINPROGRESS.
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

// S20: the provider keeps one send per socket: a send queued while another
// is pending fails with WSAEINPROGRESS.
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

// S21 and S23 share one mistake: the provider keeps its queue of
// operations as a stack, so an operation is handed on after the one that
// follows it (held back until the next one of its kind, or the next wait).
// The held call reports WSA_IO_PENDING, which is a permitted answer, so
// only the order of the data gives it away.
class OperationsStacked : public InterceptingProvider {
 public:
  OperationsStacked(std::unique_ptr<Provider> target, bool receives)
      : InterceptingProvider(std::move(target)), receives_(receives) {}
  ~OperationsStacked() override { FlushHeld(); }

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
      if (call.routine == nullptr && call.ov->hEvent != nullptr) target().WSAResetEvent(EventOf(call.ov->hEvent));
      call.ov->Internal = STATUS_PENDING;
      call.ret = SOCKET_ERROR;
      call.error = WSA_IO_PENDING;
      return true;
    }
    return false;  // the target sees this one first; AfterCall releases the held one
  }
  void AfterCall(InitiatingCall&) override { FlushHeld(); }
  void BeforeWait(DWORD) override { FlushHeld(); }
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
      OperationsStacked* self;
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

// S26: operations ended by closesocket are completed as a graceful end of
// data: success with 0 bytes, as a receive that met the peer's FIN.
class CloseCompletesAsEndOfData : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (op.socket_closed && r.error != 0) {
      r.error = 0;
      r.bytes = 0;
    }
  }
};

// S27: the provider checks for would-block before its overlapped path: an
// ioctl that has to wait is withdrawn and fails with WSAEWOULDBLOCK instead
// of pending.
class WaitingIoctlRefusedWouldBlock : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.kind != CallKind::Ioctl || call.ret == 0 || call.error != WSA_IO_PENDING) return;
    target().CancelIoEx(AsHandle(call.s), call.ov);
    Suppress(call.ov);  // withdrawn: the cancellation is never indicated
    call.error = WSAEWOULDBLOCK;
  }
};

// IND-1: an operation that pended is indicated twice: once by its
// completion, and once more when the provider cleans the operation up (a
// second routine queued, a second packet posted, its event set again).
class PendingOperationIndicatedTwice : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (!op.pending || op.completed || !r.deliver) return;
    {
      std::lock_guard lock(mu_);
      if (!twice_.insert(r.ov).second) return;  // the second one itself
    }
    // The routine's second run is queued to this thread: the one its first
    // run is delivered on.
    IndicateAgain(r.ov, r);
  }

 private:
  std::mutex mu_;
  std::set<LPWSAOVERLAPPED> twice_;
};

}  // namespace

void AddSourceStatementMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"overlapped-flag-misread", "S1",
                  "WSA_FLAG_OVERLAPPED is read from the wrong bit: overlapped calls on WSASocket sockets fail WSAEINVAL"},
                 Make<OverlappedFlagMisread>()});
  out.push_back({{"socket-function-drops-overlapped-flag", "S2",
                  "socket() creates its socket without the overlapped attribute: overlapped calls on it fail WSAEINVAL"},
                 Make<SocketFunctionDropsOverlappedFlag>()});
  out.push_back({{"wsasocket-ignores-flags", "S3",
                  "WSASocket makes every socket overlapped, so calls on one asked for without the flag pend"},
                 Make<WSASocketIgnoresFlags>()});
  out.push_back({{"overlapped-socket-created-nonblocking", "S4",
                  "overlapped I/O built on non-blocking I/O: a new WSA_FLAG_OVERLAPPED socket is non-blocking"},
                 Make<OverlappedSocketCreatedNonBlocking>()});
  out.push_back({{"overlapped-io-switches-to-nonblocking", "S5",
                  "an overlapped send or receive switches its socket to non-blocking for good"},
                 Make<OverlappedIoSwitchesToNonBlocking>()});
  out.push_back({{"nonblocking-overlapped-wouldblock", "S6",
                  "the mode is checked first: on a non-blocking socket a receive that would pend fails WSAEWOULDBLOCK"},
                 Make<NonBlockingOverlappedWouldBlock>()});
  out.push_back({{"pending-receive-data-left-in-bounce-buffer", "S7",
                  "data arriving into a pending receive is counted but never copied from the provider's buffer"},
                 Make<PendingReceiveDataLeftInBounceBuffer>()});
  out.push_back({{"queued-data-copied-after-return", "S8",
                  "a receive of queued data returns 0 before the bytes are in its buffers; they land at the next call"},
                 Make<QueuedDataCopiedAfterReturn>()});
  out.push_back({{"send-buffer-cleared-after-consumed", "S12",
                  "the provider clears the caller's send buffer once it has consumed the data"},
                 Make<SendBufferClearedAfterConsumed>()});
  out.push_back({{"overlapped-receive-waits-for-data", "S13",
                  "an overlapped receive that pends returns only once it has completed"},
                 Make<OverlappedReceiveWaitsForData>()});
  out.push_back({{"immediate-success-indicated-late", "S14",
                  "a call returns 0 before its event is signaled or packet queued; both come at the next blocking wait"},
                 Make<ImmediateSuccessIndicatedLate>()});
  out.push_back({{"routine-runs-inline", "S15", "the completion routine of an immediate success runs inside the call"},
                 Make<RoutineRunsInline>()});
  out.push_back({{"pending-indicates-io-pending", "S16",
                  "a pending operation's indication carries the call's status, WSA_IO_PENDING, as its error"},
                 Make<PendingIndicatesIoPending>()});
  out.push_back({{"state-refusal-indicated", "S18",
                  "a call refused for the socket's state is indicated with its error (event, routine, packet)"},
                 Make<StateRefusalIndicated>()});
  out.push_back({{"second-receive-refused", "S19", "one receive per socket: another pending one fails WSAEINPROGRESS"},
                 Make<SecondReceiveRefused>()});
  out.push_back({{"second-send-refused", "S20", "one send per socket: another pending one fails WSAEINPROGRESS"},
                 Make<SecondSendRefused>()});
  out.push_back({{"sends-stacked", "S21", "stream sends are kept on a stack: each goes out after the one that follows it"},
                 MakeWith<OperationsStacked>(false)});
  out.push_back({{"receives-stacked", "S23",
                  "stream receives are kept on a stack: each is filled after the one posted after it"},
                 MakeWith<OperationsStacked>(true)});
  out.push_back({{"close-completes-as-end-of-data", "S26",
                  "operations ended by closesocket complete as a graceful end of data: success, 0 bytes"},
                 Make<CloseCompletesAsEndOfData>()});
  out.push_back({{"pending-operation-indicated-twice", "IND-1",
                  "an operation that pended is indicated twice: by its completion and again at its clean-up"},
                 Make<PendingOperationIndicatedTwice>()});
  out.push_back({{"waiting-ioctl-refused-wouldblock", "S27",
                  "an ioctl that has to wait is withdrawn and fails WSAEWOULDBLOCK instead of pending"},
                 Make<WaitingIoctlRefusedWouldBlock>()});
}

}  // namespace wsac
