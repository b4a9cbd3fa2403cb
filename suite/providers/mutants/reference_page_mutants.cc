// Mutants of the reference-page statements (parts B and C): arguments and
// results, events and WSAGetOverlappedResult, completion routines, ports,
// close and cancel, datagrams, WSAIoctl, bad input. Each breaks one.
#include <algorithm>
#include <cstring>
#include <thread>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

bool LowBitSet(HANDLE h) { return (reinterpret_cast<std::uintptr_t>(h) & 1) != 0; }

// ARG-1: a receive that pends writes a byte count anyway.
class PendingWritesByteCount : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ret != 0 && call.error == WSA_IO_PENDING && call.bytes != nullptr)
      *call.bytes = 0x5EED;
  }
};

// ARG-3: a receive that pends writes its flags anyway.
class PendingWritesFlags : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ret != 0 && call.error == WSA_IO_PENDING && call.flags != nullptr)
      *call.flags = MSG_PARTIAL | 0x4000;
  }
};

// ARG-8: the buffers of one receive are filled last to first.
class BuffersFilledInReverse : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.buffers == nullptr || call.buffer_count < 2) return false;
    call.scratch.assign(call.buffers, call.buffers + call.buffer_count);
    std::reverse(call.scratch.begin(), call.scratch.end());
    call.buffers = call.scratch.data();
    return false;
  }
};

// EVT-1: the event of a pending operation is left signaled.
class PendingEventNotReset : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ret != 0 && call.error == WSA_IO_PENDING && call.routine == nullptr && call.ov->hEvent != nullptr &&
        !LowBitSet(call.ov->hEvent))
      target().WSASetEvent(call.ov->hEvent);
  }
};

// EVT-3: WSAGetOverlappedResult never says WSA_IO_INCOMPLETE; a pending
// operation looks done with 0 bytes.
class OverlappedResultNeverIncomplete : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD n, BOOL wait, LPDWORD flags) override {
    BOOL ok = InterceptingProvider::WSAGetOverlappedResult(s, ov, n, wait, flags);
    if (ok || target().WSAGetLastError() != WSA_IO_INCOMPLETE) return ok;
    if (n != nullptr) *n = 0;
    return TRUE;
  }
};

// EVT-6: WSAGetOverlappedResult reports a failed operation as a success.
class OverlappedResultHidesFailure : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD n, BOOL wait, LPDWORD flags) override {
    BOOL ok = InterceptingProvider::WSAGetOverlappedResult(s, ov, n, wait, flags);
    if (ok) return TRUE;
    int error = target().WSAGetLastError();
    if (error == WSA_IO_INCOMPLETE || error == WSAENOTSOCK || error == WSAEFAULT || error == WSAEINVAL) return FALSE;
    return TRUE;
  }
};

// EVT-10: events behave as auto-reset: a satisfied wait resets them.
class EventsAutoReset : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  DWORD WSAWaitForMultipleEvents(DWORD c, const WSAEVENT* e, BOOL all, DWORD ms, BOOL alertable) override {
    DWORD w = InterceptingProvider::WSAWaitForMultipleEvents(c, e, all, ms, alertable);
    if (e != nullptr && w < WSA_WAIT_EVENT_0 + c) {
      if (all)
        for (DWORD i = 0; i < c; ++i) target().WSAResetEvent(e[i]);
      else
        target().WSAResetEvent(e[w - WSA_WAIT_EVENT_0]);
    }
    return w;
  }
};

// APC-2: non-alertable waits run queued completion routines too.
class RoutineRunsInNonAlertableWait : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  DWORD SleepEx(DWORD ms, BOOL alertable) override {
    if (!alertable) target().SleepEx(0, TRUE);
    return InterceptingProvider::SleepEx(ms, alertable);
  }
  DWORD WSAWaitForMultipleEvents(DWORD c, const WSAEVENT* e, BOOL all, DWORD ms, BOOL alertable) override {
    if (!alertable) target().SleepEx(0, TRUE);
    return InterceptingProvider::WSAWaitForMultipleEvents(c, e, all, ms, alertable);
  }
};

// APC-3: completion routines run on another thread.
class RoutineRunsOnOtherThread : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void RunRoutine(LPWSAOVERLAPPED_COMPLETION_ROUTINE app, DWORD error, DWORD bytes, LPWSAOVERLAPPED ov,
                  DWORD flags) override {
    std::thread([=] { app(error, bytes, ov, flags); }).join();
  }
};

// APC-6: a routine's cbTransferred is one more than was transferred.
class RoutineByteCountOff : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void RunRoutine(LPWSAOVERLAPPED_COMPLETION_ROUTINE app, DWORD error, DWORD bytes, LPWSAOVERLAPPED ov,
                  DWORD flags) override {
    app(error, error == 0 ? bytes + 1 : bytes, ov, flags);
  }
};

// APC-9: a send's completion routine gets non-zero dwFlags.
class RoutineSendFlagsSet : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (IsSend(op.kind) && op.app_routine != nullptr) r.flags = MSG_PARTIAL;
  }
};

// IOCP-1: packets carry a key other than the association's.
class PortPacketWrongKey : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord&, CompletionReport& r) override { r.key ^= 0x10; }
};

// IOCP-4: association silently sets FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, so
// an immediate success queues no packet.
class ImmediateSuccessNoPacket : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  HANDLE CreateIoCompletionPort(HANDLE file, HANDLE port, ULONG_PTR key, DWORD threads) override {
    HANDLE h = InterceptingProvider::CreateIoCompletionPort(file, port, key, threads);
    if (h != nullptr && file != INVALID_HANDLE_VALUE)
      target().SetFileCompletionNotificationModes(file, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS);
    return h;
  }
};

// IOCP-8: the low-order bit of hEvent is ignored, so a packet is queued.
class EventLowBitIgnored : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.ov != nullptr && LowBitSet(call.ov->hEvent))
      call.ov->hEvent = reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(call.ov->hEvent) & ~std::uintptr_t{1});
    return false;
  }
};

// IOCP-10: a completion routine on a port-associated socket is accepted
// (dropped) instead of refused.
class RoutineOnPortAccepted : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  HANDLE CreateIoCompletionPort(HANDLE file, HANDLE port, ULONG_PTR key, DWORD threads) override {
    HANDLE h = InterceptingProvider::CreateIoCompletionPort(file, port, key, threads);
    if (h != nullptr && file != INVALID_HANDLE_VALUE) {
      std::lock_guard lock(mu_);
      associated_.insert(file);
    }
    return h;
  }
  bool BeforeCall(InitiatingCall& call) override {
    std::lock_guard lock(mu_);
    if (call.routine != nullptr && associated_.count(AsHandle(call.s)) != 0) call.routine = nullptr;
    return false;
  }

 private:
  std::mutex mu_;
  std::set<HANDLE> associated_;
};

// CLOSE-6: CancelIoEx with nothing to cancel claims success.
class CancelNothingSucceeds : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL CancelIoEx(HANDLE h, LPOVERLAPPED ov) override {
    if (InterceptingProvider::CancelIoEx(h, ov)) return TRUE;
    if (target().GetLastError() != static_cast<DWORD>(ERROR_NOT_FOUND)) return FALSE;
    target().WSASetLastError(0);
    return TRUE;
  }
};

// CLOSE-8: CancelIo cancels every thread's operations.
class CancelIoCancelsAllThreads : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL CancelIo(HANDLE h) override { return target().CancelIoEx(h, nullptr); }
};

// CLOSE-9: shutdown(SD_RECEIVE) aborts the receives already pending.
class ShutdownAbortsPendingReceive : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int shutdown(SOCKET s, int how) override {
    if (how == SD_RECEIVE || how == SD_BOTH) target().CancelIoEx(AsHandle(s), nullptr);
    return InterceptingProvider::shutdown(s, how);
  }
};

// CLOSE-11: a peer's graceful close is reported as a reset.
class GracefulCloseReportedAsReset : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (!IsReceive(op.kind) || !IsStream(op.s) || r.error != 0 || r.bytes != 0) return;
    ULONG capacity = 0;
    for (const WSABUF& b : op.buffers) capacity += b.len;
    if (capacity > 0) r.error = WSAECONNRESET;  // a zero-length probe legitimately gets 0 bytes
  }
};

// DGRAM-3: a truncated datagram is reported as a plain success.
class TruncationReportedAsSuccess : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (IsReceive(op.kind) && (r.error == WSAEMSGSIZE || r.error == ERROR_MORE_DATA)) r.error = 0;
  }
  void AfterCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ret != 0 && call.error == WSAEMSGSIZE) {
      call.ret = 0;
      call.error = 0;
    }
  }
};

// DGRAM-4: WSARecvFrom never fills in the sender's address.
class RecvFromAddressNotFilled : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int WSARecvFrom(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags, sockaddr* from,
                  LPINT fromlen, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    if (from == nullptr || fromlen == nullptr) return InterceptingProvider::WSARecvFrom(s, bufs, count, recvd, flags, from, fromlen, ov, cr);
    // The decoy must outlive a pending receive; mutants live for one run.
    auto* decoy = new Decoy{};
    decoy->len = sizeof decoy->addr;
    return InterceptingProvider::WSARecvFrom(s, bufs, count, recvd, flags, reinterpret_cast<sockaddr*>(&decoy->addr),
                                             &decoy->len, ov, cr);
  }

 private:
  struct Decoy {
    sockaddr_storage addr;
    int len;
  };
};

// DGRAM-6: an oversized datagram is cut to the maximum and sent as a success.
class OversizedDatagramTruncated : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsSend(call.kind) || IsStream(call.s) || call.buffers == nullptr) return false;
    ULONG total = 0;
    for (DWORD i = 0; i < call.buffer_count; ++i) total += call.buffers[i].len;
    if (total <= kMaxDatagram) return false;
    ULONG left = kMaxDatagram;
    for (DWORD i = 0; i < call.buffer_count && left > 0; ++i) {
      ULONG n = std::min(left, call.buffers[i].len);
      call.scratch.push_back(WSABUF{n, call.buffers[i].buf});
      left -= n;
    }
    original_total_ = total;
    call.buffers = call.scratch.data();
    call.buffer_count = static_cast<DWORD>(call.scratch.size());
    return false;
  }
  void AfterCall(InitiatingCall& call) override {
    if (call.ret == 0 && original_total_ != 0 && call.bytes != nullptr) *call.bytes = original_total_;
    original_total_ = 0;
  }

 private:
  static constexpr ULONG kMaxDatagram = 65507;
  static thread_local ULONG original_total_;
};
thread_local ULONG OversizedDatagramTruncated::original_total_ = 0;

// IOCTL-7: WSAIoctl accepts lpcbBytesReturned NULL.
class IoctlNullBytesAccepted : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.kind == CallKind::Ioctl && call.bytes == nullptr) call.bytes = new DWORD(0);  // outlives a pending ioctl
    return false;
  }
};

// BAD-1: dwBufferCount 0 is accepted as one empty buffer.
class ZeroBufferCountAccepted : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.kind == CallKind::Ioctl || call.buffer_count != 0) return false;
    static char byte;
    call.scratch.assign(1, WSABUF{0, &byte});
    call.buffers = call.scratch.data();
    call.buffer_count = 1;
    return false;
  }
};

// BAD-2: a handle that is not a socket is reported as WSAEINVAL.
class NotSocketReportedAsInvalid : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ret != 0 && call.error == WSAENOTSOCK) call.error = WSAEINVAL;
  }
};

template <class M>
MutantFactory Make() {
  return [](std::unique_ptr<Provider> t) -> std::unique_ptr<Provider> { return std::make_unique<M>(std::move(t)); };
}

}  // namespace

void AddReferencePageMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"pending-writes-byte-count", "ARG-1", "a pending receive writes *lpNumberOfBytesRecvd", true}, Make<PendingWritesByteCount>()});
  out.push_back({{"pending-writes-flags", "ARG-3", "a pending receive writes *lpFlags", true}, Make<PendingWritesFlags>()});
  out.push_back({{"buffers-filled-in-reverse", "ARG-8", "the buffers of one receive are filled last to first", true}, Make<BuffersFilledInReverse>()});
  out.push_back({{"pending-event-not-reset", "EVT-1", "the event of a pending operation is left signaled", true}, Make<PendingEventNotReset>()});
  out.push_back({{"overlapped-result-never-incomplete", "EVT-3", "WSAGetOverlappedResult reports a pending operation as done with 0 bytes", true}, Make<OverlappedResultNeverIncomplete>()});
  out.push_back({{"overlapped-result-hides-failure", "EVT-6", "WSAGetOverlappedResult returns TRUE for a failed operation", true}, Make<OverlappedResultHidesFailure>()});
  out.push_back({{"events-auto-reset", "EVT-10", "a satisfied wait resets the event, as if auto-reset", true}, Make<EventsAutoReset>()});
  out.push_back({{"routine-runs-in-nonalertable-wait", "APC-2", "non-alertable waits run queued completion routines", true}, Make<RoutineRunsInNonAlertableWait>()});
  out.push_back({{"routine-runs-on-other-thread", "APC-3", "completion routines run on a thread other than the initiator", true}, Make<RoutineRunsOnOtherThread>()});
  out.push_back({{"routine-byte-count-off", "APC-6", "a routine's cbTransferred is one more than transferred", true}, Make<RoutineByteCountOff>()});
  out.push_back({{"routine-send-flags-set", "APC-9", "a send's completion routine gets dwFlags MSG_PARTIAL", true}, Make<RoutineSendFlagsSet>()});
  out.push_back({{"port-packet-wrong-key", "IOCP-1", "packets carry a key other than the association's", true}, Make<PortPacketWrongKey>()});
  out.push_back({{"immediate-success-no-packet", "IOCP-4", "association silently skips packets for immediate successes", true}, Make<ImmediateSuccessNoPacket>()});
  out.push_back({{"event-low-bit-ignored", "IOCP-8", "hEvent's low-order bit is cleared, so a packet is queued", true}, Make<EventLowBitIgnored>()});
  out.push_back({{"routine-on-port-accepted", "IOCP-10", "a completion routine on a port-associated socket is dropped instead of refused", true}, Make<RoutineOnPortAccepted>()});
  out.push_back({{"cancel-nothing-succeeds", "CLOSE-6", "CancelIoEx with nothing to cancel returns TRUE", true}, Make<CancelNothingSucceeds>()});
  out.push_back({{"cancelio-cancels-all-threads", "CLOSE-8", "CancelIo cancels the operations of every thread", true}, Make<CancelIoCancelsAllThreads>()});
  out.push_back({{"shutdown-aborts-pending-receive", "CLOSE-9", "shutdown(SD_RECEIVE) aborts receives already pending", true}, Make<ShutdownAbortsPendingReceive>()});
  out.push_back({{"graceful-close-reported-as-reset", "CLOSE-11", "a peer's graceful close fails a pending receive with WSAECONNRESET", true}, Make<GracefulCloseReportedAsReset>()});
  out.push_back({{"truncation-reported-as-success", "DGRAM-3", "a truncated datagram receive reports success", true}, Make<TruncationReportedAsSuccess>()});
  out.push_back({{"recvfrom-address-not-filled", "DGRAM-4", "WSARecvFrom never fills in lpFrom", true}, Make<RecvFromAddressNotFilled>()});
  out.push_back({{"oversized-datagram-truncated", "DGRAM-6", "an oversized datagram is cut to 65507 bytes and reported sent", true}, Make<OversizedDatagramTruncated>()});
  out.push_back({{"ioctl-null-bytes-accepted", "IOCTL-7", "WSAIoctl accepts lpcbBytesReturned NULL", true}, Make<IoctlNullBytesAccepted>()});
  out.push_back({{"zero-buffer-count-accepted", "BAD-1", "dwBufferCount 0 is accepted as one empty buffer", true}, Make<ZeroBufferCountAccepted>()});
  out.push_back({{"notsock-reported-as-einval", "BAD-2", "a non-socket handle is reported as WSAEINVAL", true}, Make<NotSocketReportedAsInvalid>()});
}

}  // namespace wsac
