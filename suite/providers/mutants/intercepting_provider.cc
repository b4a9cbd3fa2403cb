#include "suite/providers/mutants/intercepting_provider.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace wsac {
namespace {

// Completion routines are plain function pointers with no context argument,
// so the trampoline finds its interceptor through this (one provider per
// runner process).
std::atomic<InterceptingProvider*> g_interceptor{nullptr};

SOCKET AsSocket(HANDLE h) { return static_cast<SOCKET>(reinterpret_cast<std::uintptr_t>(h)); }

// A completion routine call queued again by IndicateAgain.
struct RoutineCall {
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
  DWORD error, bytes;
  LPWSAOVERLAPPED ov;
  DWORD flags;
};
void WSAC_CALLBACK RunRoutineCall(ULONG_PTR data) {
  std::unique_ptr<RoutineCall> call(reinterpret_cast<RoutineCall*>(data));
  call->routine(call->error, call->bytes, call->ov, call->flags);
}

}  // namespace

InterceptingProvider::InterceptingProvider(std::unique_ptr<Provider> target)
    : ProviderWrapper(std::move(target)) {
  g_interceptor = this;
}

InterceptingProvider::~InterceptingProvider() {
  InterceptingProvider* self = this;
  g_interceptor.compare_exchange_strong(self, nullptr);
}

DWORD InterceptingProvider::StatusFor(DWORD error) {
  switch (error) {
    case 0: return STATUS_SUCCESS;
    case WSA_OPERATION_ABORTED: return STATUS_CANCELLED;
    case WSAEMSGSIZE: return STATUS_BUFFER_OVERFLOW;
    case WSAECONNRESET:
    case ERROR_NETNAME_DELETED: return STATUS_CONNECTION_RESET;
    case ERROR_CONNECTION_ABORTED: return STATUS_CONNECTION_ABORTED;
    default: return 0xC0000001u;  // STATUS_UNSUCCESSFUL
  }
}

// ---- sockets ------------------------------------------------------------------

SOCKET InterceptingProvider::WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g,
                                        DWORD flags) {
  SOCKET s = ProviderWrapper::WSASocketW(af, type, protocol, info, g, flags);
  if (s != INVALID_SOCKET) {
    std::lock_guard lock(mu_);
    SocketInfo si;
    si.stream = type == SOCK_STREAM;
    si.overlapped_flag = (flags & WSA_FLAG_OVERLAPPED) != 0;
    sockets_[s] = si;
  }
  return s;
}

SOCKET InterceptingProvider::socket(int af, int type, int protocol) {
  SOCKET s = ProviderWrapper::socket(af, type, protocol);
  if (s != INVALID_SOCKET) {
    std::lock_guard lock(mu_);
    SocketInfo si;
    si.stream = type == SOCK_STREAM;
    si.by_socket_function = true;
    sockets_[s] = si;
  }
  return s;
}

SOCKET InterceptingProvider::accept(SOCKET s, sockaddr* addr, int* addrlen) {
  SOCKET n = ProviderWrapper::accept(s, addr, addrlen);
  if (n != INVALID_SOCKET) {
    std::lock_guard lock(mu_);
    SocketInfo info = sockets_[s];
    info.nonblocking = false;
    info.accepted = true;
    info.port = nullptr;
    info.key = 0;
    info.skip_on_success = false;
    sockets_[n] = info;
  }
  return n;
}

int InterceptingProvider::ioctlsocket(SOCKET s, long cmd, u_long* argp) {
  int ret = ProviderWrapper::ioctlsocket(s, cmd, argp);
  if (ret == 0 && cmd == static_cast<long>(FIONBIO) && argp != nullptr) {
    std::lock_guard lock(mu_);
    sockets_[s].nonblocking = *argp != 0;
  }
  return ret;
}

int InterceptingProvider::closesocket(SOCKET s) {
  {
    std::lock_guard lock(mu_);
    for (auto& [ov, op] : ops_)
      if (op.s == s) op.socket_closed = true;
  }
  // What is known of s stays: its operations may still be indicated (a
  // port packet after the close needs the association). A new socket with
  // the same handle replaces it.
  return ProviderWrapper::closesocket(s);
}

HANDLE InterceptingProvider::CreateIoCompletionPort(HANDLE file, HANDLE port, ULONG_PTR key, DWORD threads) {
  HANDLE h = ProviderWrapper::CreateIoCompletionPort(file, port, key, threads);
  if (h != nullptr && file != INVALID_HANDLE_VALUE) {
    std::lock_guard lock(mu_);
    auto it = sockets_.find(AsSocket(file));
    if (it != sockets_.end()) {
      it->second.port = h;
      it->second.key = key;
    }
  }
  return h;
}

BOOL InterceptingProvider::SetFileCompletionNotificationModes(HANDLE file, UCHAR flags) {
  BOOL ok = ProviderWrapper::SetFileCompletionNotificationModes(file, flags);
  if (ok) {
    std::lock_guard lock(mu_);
    auto it = sockets_.find(AsSocket(file));
    if (it != sockets_.end()) it->second.skip_on_success = (flags & FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) != 0;
  }
  return ok;
}

bool InterceptingProvider::IsStream(SOCKET s) {
  std::lock_guard lock(mu_);
  auto it = sockets_.find(s);
  return it != sockets_.end() && it->second.stream;
}
bool InterceptingProvider::IsNonBlocking(SOCKET s) {
  std::lock_guard lock(mu_);
  auto it = sockets_.find(s);
  return it != sockets_.end() && it->second.nonblocking;
}
bool InterceptingProvider::CreatedOverlapped(SOCKET s) {
  std::lock_guard lock(mu_);
  auto it = sockets_.find(s);
  return it != sockets_.end() && it->second.overlapped_flag;
}
bool InterceptingProvider::CreatedBySocketFunction(SOCKET s) {
  std::lock_guard lock(mu_);
  auto it = sockets_.find(s);
  return it != sockets_.end() && it->second.by_socket_function;
}
bool InterceptingProvider::Accepted(SOCKET s) {
  std::lock_guard lock(mu_);
  auto it = sockets_.find(s);
  return it != sockets_.end() && it->second.accepted;
}
bool InterceptingProvider::HasPendingOn(SOCKET s, CallKind kind) {
  std::lock_guard lock(mu_);
  for (auto& [ov, op] : ops_)
    if (op.s == s && op.pending && !op.completed && op.kind == kind && !op.socket_closed) return true;
  return false;
}
bool InterceptingProvider::Association(SOCKET s, HANDLE* port, ULONG_PTR* key) {
  std::lock_guard lock(mu_);
  auto it = sockets_.find(s);
  if (it == sockets_.end() || it->second.port == nullptr) return false;
  if (port != nullptr) *port = it->second.port;
  if (key != nullptr) *key = it->second.key;
  return true;
}
bool InterceptingProvider::SkipsPortOnSuccess(SOCKET s) {
  std::lock_guard lock(mu_);
  auto it = sockets_.find(s);
  return it != sockets_.end() && it->second.skip_on_success;
}
bool InterceptingProvider::Lookup(LPWSAOVERLAPPED ov, OperationRecord* out) {
  std::lock_guard lock(mu_);
  auto it = ops_.find(ov);
  if (it == ops_.end()) return false;
  *out = it->second;
  return true;
}
std::vector<std::pair<LPWSAOVERLAPPED, OperationRecord>> InterceptingProvider::PendingOn(SOCKET s) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<LPWSAOVERLAPPED, OperationRecord>> out;
  for (auto& [ov, op] : ops_)
    if (op.s == s && op.pending && !op.completed) out.emplace_back(ov, op);
  return out;
}
void InterceptingProvider::MarkPending(LPWSAOVERLAPPED ov) {
  std::lock_guard lock(mu_);
  auto it = ops_.find(ov);
  if (it != ops_.end()) {
    it->second.pending = true;
    it->second.immediate = false;
  }
}

// ---- initiating calls -------------------------------------------------------------

// Common path of every initiating call: hooks, the target, and the record
// that later lets OnCompletion know what completed.
int InterceptingProvider::Initiate(InitiatingCall& call,
                                   const std::function<int(LPWSAOVERLAPPED_COMPLETION_ROUTINE)>& forward) {
  LPWSAOVERLAPPED const ov = call.ov;
  if (ov != nullptr) {
    // Recorded before the call: a routine or packet may arrive before it returns.
    std::lock_guard lock(mu_);
    OperationRecord rec;
    rec.kind = call.kind;
    rec.s = call.s;
    rec.app_routine = call.routine;
    rec.event = ov->hEvent;
    rec.initiator = std::this_thread::get_id();
    rec.code = call.code;
    if (call.buffers != nullptr && call.kind != CallKind::Ioctl) {
      rec.buffers.assign(call.buffers, call.buffers + call.buffer_count);
      for (const WSABUF& b : rec.buffers) rec.capacity += b.len;
    }
    ops_[ov] = rec;
    managed_.erase(ov);  // a WSAOVERLAPPED reused for a new operation
  }
  if (!BeforeCall(call)) {
    LPWSAOVERLAPPED_COMPLETION_ROUTINE given = call.routine != nullptr ? &Trampoline : nullptr;
    call.ret = forward(given);
    call.error = call.ret == 0 ? 0 : target().WSAGetLastError();
    AfterCall(call);
  }
  if (ov != nullptr) {
    std::lock_guard lock(mu_);
    OperationRecord& rec = ops_[ov];
    rec.immediate = call.ret == 0;
    rec.pending = call.ret != 0 && call.error == WSA_IO_PENDING;
    rec.failed = call.ret != 0 && call.error != WSA_IO_PENDING;
  }
  if (call.ret != 0) target().WSASetLastError(call.error);
  return call.ret;
}

int InterceptingProvider::WSARecv(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags,
                                  LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  InitiatingCall call{CallKind::Recv, s, bufs, count, recvd, flags, ov, cr};
  return Initiate(call, [&](LPWSAOVERLAPPED_COMPLETION_ROUTINE r) {
    return target().WSARecv(call.s, call.buffers, call.buffer_count, call.bytes, call.flags, call.ov,
                            call.ov != nullptr ? r : nullptr);
  });
}

int InterceptingProvider::WSARecvFrom(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags,
                                      sockaddr* from, LPINT fromlen, LPWSAOVERLAPPED ov,
                                      LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  InitiatingCall call{CallKind::RecvFrom, s, bufs, count, recvd, flags, ov, cr};
  call.from = from;
  call.fromlen = fromlen;
  return Initiate(call, [&](LPWSAOVERLAPPED_COMPLETION_ROUTINE r) {
    return target().WSARecvFrom(call.s, call.buffers, call.buffer_count, call.bytes, call.flags, call.from,
                                call.fromlen, call.ov, call.ov != nullptr ? r : nullptr);
  });
}

int InterceptingProvider::WSASend(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags,
                                  LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  InitiatingCall call{CallKind::Send, s, bufs, count, sent, nullptr, ov, cr};
  call.send_flags = flags;
  return Initiate(call, [&](LPWSAOVERLAPPED_COMPLETION_ROUTINE r) {
    return target().WSASend(call.s, call.buffers, call.buffer_count, call.bytes, call.send_flags, call.ov,
                            call.ov != nullptr ? r : nullptr);
  });
}

int InterceptingProvider::WSASendTo(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags,
                                    const sockaddr* to, int tolen, LPWSAOVERLAPPED ov,
                                    LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  InitiatingCall call{CallKind::SendTo, s, bufs, count, sent, nullptr, ov, cr};
  call.send_flags = flags;
  call.to = to;
  call.tolen = tolen;
  return Initiate(call, [&](LPWSAOVERLAPPED_COMPLETION_ROUTINE r) {
    return target().WSASendTo(call.s, call.buffers, call.buffer_count, call.bytes, call.send_flags, call.to,
                              call.tolen, call.ov, call.ov != nullptr ? r : nullptr);
  });
}

int InterceptingProvider::WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD cbIn, LPVOID out, DWORD cbOut,
                                   LPDWORD returned, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  InitiatingCall call{CallKind::Ioctl, s, nullptr, 0, returned, nullptr, ov, cr};
  call.code = code;
  call.in = in;
  call.in_len = cbIn;
  call.out = out;
  call.out_len = cbOut;
  int ret = Initiate(call, [&](LPWSAOVERLAPPED_COMPLETION_ROUTINE r) {
    return target().WSAIoctl(call.s, call.code, call.in, call.in_len, call.out, call.out_len, call.bytes, call.ov,
                             call.ov != nullptr ? r : nullptr);
  });
  if (ret == 0 && static_cast<long>(code) == static_cast<long>(FIONBIO) && in != nullptr && cbIn >= sizeof(u_long)) {
    std::lock_guard lock(mu_);
    sockets_[s].nonblocking = *static_cast<u_long*>(in) != 0;
  }
  return ret;
}

// ---- indications ---------------------------------------------------------------------

void InterceptingProvider::Report(CompletionReport& report, bool* known, bool packet) {
  OperationRecord op;
  *known = Lookup(report.ov, &op);
  if (!*known) return;
  LPWSAOVERLAPPED ov = report.ov;  // hooks may hand the application another pointer
  OnCompletion(op, report);
  if (packet) OnPacket(op, report);
  if (report.deliver) {
    std::lock_guard lock(mu_);
    if (auto it = ops_.find(ov); it != ops_.end()) it->second.completed = true;
  }
}

BOOL InterceptingProvider::WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD transfer, BOOL wait,
                                                  LPDWORD flags) {
  BeforeWait(wait ? INFINITE : 0);
  Sweep();
  // Arguments the target has to refuse, refused by the target itself.
  if (ov == nullptr || transfer == nullptr || flags == nullptr)
    return target().WSAGetOverlappedResult(s, ov, transfer, wait, flags);
  std::optional<OpResult> answer;
  bool held = false;  // the application is not to hear of it yet, or ever
  {
    std::lock_guard lock(mu_);
    auto it = managed_.find(ov);
    if (it != managed_.end()) {
      held = it->second.state == State::Hidden || it->second.state == State::Suppressed;
      answer = it->second.result;
    }
  }
  if (held) {
    target().WSASetLastError(WSA_IO_INCOMPLETE);
    return FALSE;
  }
  DWORD bytes = 0, fl = 0;
  int error = 0;
  if (answer) {
    bytes = answer->bytes;
    fl = answer->flags;
    error = static_cast<int>(answer->error);
  } else {
    BOOL ok = target().WSAGetOverlappedResult(s, ov, &bytes, wait, &fl);
    error = ok ? 0 : target().WSAGetLastError();
    // Not (yet) an indication: pass the answer through as it is.
    if (!ok && (error == WSA_IO_INCOMPLETE || error == WSAENOTSOCK || error == WSAEFAULT || error == WSAEINVAL)) {
      target().WSASetLastError(error);
      return FALSE;
    }
  }
  CompletionReport report{ov, static_cast<DWORD>(error), bytes, fl, 0, true};
  bool known = false;
  Report(report, &known);
  if (!report.deliver) {
    target().WSASetLastError(WSA_IO_INCOMPLETE);
    return FALSE;
  }
  *transfer = report.bytes;
  *flags = report.flags;
  if (report.error == 0) return TRUE;
  target().WSASetLastError(static_cast<int>(report.error));
  return FALSE;
}

BOOL InterceptingProvider::GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, PULONG_PTR key, LPOVERLAPPED* ov,
                                                     DWORD ms) {
  BeforeWait(ms);
  Sweep();
  const auto start = std::chrono::steady_clock::now();
  auto remaining = [&]() -> DWORD {
    if (ms == INFINITE) return INFINITE;
    auto used = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    return used >= static_cast<long long>(ms) ? 0 : ms - static_cast<DWORD>(used);
  };
  for (;;) {
    std::optional<QueuedPacket> mine;
    {
      std::lock_guard lock(mu_);
      auto it = packets_.find(port);
      if (it != packets_.end() && !it->second.empty()) {
        mine = it->second.front();
        it->second.pop_front();
      }
    }
    DWORD n = 0, error = 0;
    ULONG_PTR k = 0;
    LPOVERLAPPED o = nullptr;
    if (mine) {
      o = mine->ov;
      n = mine->result.bytes;
      k = mine->key;
      error = mine->result.error;
    } else {
      BOOL ok = target().GetQueuedCompletionStatus(port, &n, &k, &o, remaining());
      error = ok ? 0 : target().GetLastError();
      if (o == nullptr) {
        if (bytes != nullptr) *bytes = n;
        if (key != nullptr) *key = k;
        if (ov != nullptr) *ov = nullptr;
        target().WSASetLastError(static_cast<int>(error));
        return ok;
      }
      std::lock_guard lock(mu_);
      auto it = managed_.find(o);
      if (it != managed_.end()) {
        if (it->second.state == State::Hidden) {
          it->second.stashed_packet = std::make_pair(OpResult{error, n, 0}, k);
          continue;
        }
        if (it->second.state == State::Suppressed) continue;
        if (it->second.result) {
          error = it->second.result->error;
          n = it->second.result->bytes;
        }
      }
    }
    CompletionReport report{o, error, n, 0, k, true};
    bool known = false;
    Report(report, &known, true);
    if (!report.deliver) continue;  // the application never hears of it; it keeps waiting
    if (bytes != nullptr) *bytes = report.bytes;
    if (key != nullptr) *key = report.key;
    if (ov != nullptr) *ov = report.ov;
    if (report.error == 0) return TRUE;
    target().WSASetLastError(static_cast<int>(report.error));
    return FALSE;
  }
}

bool InterceptingProvider::IndicateAgain(LPWSAOVERLAPPED ov, const CompletionReport& report) {
  OperationRecord op;
  if (!Lookup(ov, &op)) return false;
  if (op.app_routine != nullptr) {
    auto call = std::make_unique<RoutineCall>(RoutineCall{op.app_routine, report.error, report.bytes, ov, report.flags});
    if (target().QueueUserAPC(&RunRoutineCall, GetCurrentThread(), reinterpret_cast<ULONG_PTR>(call.get())) == 0)
      return false;
    (void)call.release();  // RunRoutineCall owns it now
    return true;
  }
  bool given = false;
  HANDLE port = nullptr;
  ULONG_PTR key = 0;
  if (Association(op.s, &port, &key) && !LowBitSet(ov->hEvent))
    given = target().PostQueuedCompletionStatus(port, report.bytes, key, ov) != FALSE;
  if (ov->hEvent != nullptr) given = target().WSASetEvent(EventOf(ov->hEvent)) != FALSE || given;
  return given;
}

void WSAC_CALLBACK InterceptingProvider::Trampoline(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags) {
  InterceptingProvider* self = g_interceptor.load();
  if (self == nullptr) return;
  OperationRecord op;
  if (!self->Lookup(ov, &op) || op.app_routine == nullptr) return;
  {
    std::lock_guard lock(self->mu_);
    auto it = self->managed_.find(ov);
    if (it != self->managed_.end()) {
      if (it->second.state == State::Hidden) {
        it->second.stashed_routine = OpResult{error, bytes, flags};
        return;
      }
      if (it->second.state == State::Suppressed) return;
      if (it->second.result) {
        error = it->second.result->error;
        bytes = it->second.result->bytes;
        flags = it->second.result->flags;
      }
    }
  }
  CompletionReport report{ov, error, bytes, flags, 0, true};
  bool known = false;
  self->Report(report, &known);
  if (report.deliver) self->RunRoutine(op.app_routine, report.error, report.bytes, ov, report.flags);
}

int InterceptingProvider::RunQueuedRoutines() {
  int ran = 0;
  for (;;) {
    std::optional<QueuedRoutine> next;
    {
      std::lock_guard lock(mu_);
      auto it = routines_.find(std::this_thread::get_id());
      if (it == routines_.end() || it->second.empty()) break;
      next = it->second.front();
      it->second.pop_front();
    }
    OperationRecord op;
    if (!Lookup(next->ov, &op) || op.app_routine == nullptr) continue;
    CompletionReport report{next->ov, next->result.error, next->result.bytes, next->result.flags, 0, true};
    bool known = false;
    Report(report, &known);
    if (!report.deliver) continue;
    RunRoutine(op.app_routine, report.error, report.bytes, next->ov, report.flags);
    ++ran;
  }
  return ran;
}

DWORD InterceptingProvider::SleepEx(DWORD ms, BOOL alertable) {
  BeforeWait(ms);
  Sweep();
  if (alertable && RunQueuedRoutines() > 0) {
    target().SleepEx(0, TRUE);  // the target's routines queued meanwhile run in the same wait
    return WAIT_IO_COMPLETION;
  }
  return ProviderWrapper::SleepEx(ms, alertable);
}

DWORD InterceptingProvider::WSAWaitForMultipleEvents(DWORD c, const WSAEVENT* e, BOOL all, DWORD ms, BOOL alertable) {
  BeforeWait(ms);
  Sweep();
  if (alertable && RunQueuedRoutines() > 0) {
    target().SleepEx(0, TRUE);
    return WSA_WAIT_IO_COMPLETION;
  }
  return ProviderWrapper::WSAWaitForMultipleEvents(c, e, all, ms, alertable);
}

// ---- the facilities ------------------------------------------------------------------

void InterceptingProvider::QueueRoutineLocked(const OperationRecord& rec, LPWSAOVERLAPPED ov, OpResult r) {
  if (rec.app_routine != nullptr) routines_[rec.initiator].push_back(QueuedRoutine{ov, r});
}

void InterceptingProvider::QueuePacketLocked(const OperationRecord& rec, LPWSAOVERLAPPED ov, OpResult r) {
  auto it = sockets_.find(rec.s);
  if (it == sockets_.end() || it->second.port == nullptr || rec.app_routine != nullptr || LowBitSet(rec.event)) return;
  packets_[it->second.port].push_back(QueuedPacket{ov, r, it->second.key});
}

void InterceptingProvider::Hide(LPWSAOVERLAPPED ov, bool keep_internal, bool reported_pending) {
  // The event is reset under the lock: another thread's wait may Reveal the
  // operation as soon as it is recorded, and its signal must not be undone.
  std::lock_guard lock(mu_);
  auto rec = ops_.find(ov);
  if (rec == ops_.end()) return;
  Managed m;
  m.state = State::Hidden;
  m.keep_internal = keep_internal;
  m.internal = ov->Internal;
  m.internal_high = ov->InternalHigh;
  m.offset = ov->Offset;
  m.offset_high = ov->OffsetHigh;
  if (!keep_internal) {
    ov->Internal = STATUS_PENDING;
    ov->InternalHigh = 0;
  }
  auto si = sockets_.find(rec->second.s);
  // The target skipped the packet of a call that returned 0; the
  // application, told the call pended, is owed one.
  m.owes_packet = reported_pending && rec->second.app_routine == nullptr && !LowBitSet(rec->second.event) &&
                  si != sockets_.end() && si->second.port != nullptr && si->second.skip_on_success;
  if (rec->second.app_routine == nullptr && rec->second.event != nullptr)
    target().WSAResetEvent(EventOf(rec->second.event));
  managed_[ov] = m;
}

void InterceptingProvider::Reveal(LPWSAOVERLAPPED ov, std::optional<OpResult> result) {
  HANDLE event = nullptr;
  {
    std::lock_guard lock(mu_);
    auto it = managed_.find(ov);
    auto rec = ops_.find(ov);
    if (it == managed_.end() || rec == ops_.end() || it->second.state != State::Hidden) return;
    Managed m = it->second;
    if (!m.keep_internal) {
      if (result) {
        ov->Internal = StatusFor(result->error);
        ov->InternalHigh = result->bytes;
      } else {
        ov->Internal = m.internal;
        ov->InternalHigh = m.internal_high;
        ov->Offset = m.offset;
        ov->OffsetHigh = m.offset_high;
      }
    }
    if (m.stashed_routine) {
      OpResult r = *m.stashed_routine;
      // A target that reads the WSAOVERLAPPED when its routine runs (Wine
      // does) read the STATUS_PENDING Hide left there: the result is the
      // one the target had written.
      if (!m.keep_internal && m.internal == STATUS_SUCCESS) {
        r.error = 0;
        r.bytes = static_cast<DWORD>(m.internal_high);
      }
      QueueRoutineLocked(rec->second, ov, result ? *result : r);
    }
    if (m.stashed_packet) {
      auto si = sockets_.find(rec->second.s);
      ULONG_PTR key = m.stashed_packet->second;
      HANDLE port = si != sockets_.end() ? si->second.port : nullptr;
      if (port != nullptr) packets_[port].push_back(QueuedPacket{ov, result ? *result : m.stashed_packet->first, key});
    } else if (m.owes_packet) {
      // The call returned 0 to the target, so the operation succeeded.
      QueuePacketLocked(rec->second, ov, result ? *result : OpResult{0, static_cast<DWORD>(m.internal_high), 0});
    }
    if (result) {
      it->second = Managed{};
      it->second.state = State::Revealed;
      it->second.result = result;
    } else {
      managed_.erase(it);
    }
    if (rec->second.app_routine == nullptr) event = EventOf(rec->second.event);
  }
  if (event != nullptr) target().WSASetEvent(event);
}

bool InterceptingProvider::IsHidden(LPWSAOVERLAPPED ov) {
  std::lock_guard lock(mu_);
  auto it = managed_.find(ov);
  return it != managed_.end() && it->second.state == State::Hidden;
}

std::vector<LPWSAOVERLAPPED> InterceptingProvider::HiddenOperations() {
  std::lock_guard lock(mu_);
  std::vector<LPWSAOVERLAPPED> out;
  for (auto& [ov, m] : managed_)
    if (m.state == State::Hidden) out.push_back(ov);
  return out;
}

void InterceptingProvider::Suppress(LPWSAOVERLAPPED ov) {
  {
    std::lock_guard lock(mu_);
    Managed& m = managed_[ov];
    m.state = State::Suppressed;
    m.swept = false;
  }
  Sweep();
}

bool InterceptingProvider::IsSuppressed(LPWSAOVERLAPPED ov) {
  std::lock_guard lock(mu_);
  auto it = managed_.find(ov);
  return it != managed_.end() && it->second.state == State::Suppressed;
}

// Undoes the event signal of suppressed operations once the target has
// completed them (it may do so after Suppress, on another thread).
void InterceptingProvider::Sweep() {
  std::vector<HANDLE> reset;
  {
    std::lock_guard lock(mu_);
    for (auto& [ov, m] : managed_) {
      if (m.state != State::Suppressed || m.swept || ov->Internal == STATUS_PENDING) continue;
      m.swept = true;
      auto rec = ops_.find(ov);
      if (rec != ops_.end() && rec->second.app_routine == nullptr && rec->second.event != nullptr)
        reset.push_back(EventOf(rec->second.event));
    }
  }
  for (HANDLE e : reset) target().WSAResetEvent(e);
}

void InterceptingProvider::Override(LPWSAOVERLAPPED ov, OpResult result) {
  std::lock_guard lock(mu_);
  Managed& m = managed_[ov];
  m.state = State::Revealed;
  m.result = result;
}

void InterceptingProvider::Synthesize(LPWSAOVERLAPPED ov, OpResult result, bool packet) {
  HANDLE event = nullptr;
  {
    std::lock_guard lock(mu_);
    auto rec = ops_.find(ov);
    if (rec == ops_.end()) return;
    Managed& m = managed_[ov];
    m = Managed{};
    m.state = State::Synthetic;
    m.result = result;
    ov->Internal = StatusFor(result.error);
    ov->InternalHigh = result.bytes;
    if (rec->second.app_routine != nullptr) {
      QueueRoutineLocked(rec->second, ov, result);
    } else {
      if (packet) QueuePacketLocked(rec->second, ov, result);
      event = EventOf(rec->second.event);
    }
  }
  if (event != nullptr) target().WSASetEvent(event);
}

}  // namespace wsac
