#include "suite/providers/mutants/intercepting_provider.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace wsac {
namespace {

// Completion routines are plain function pointers with no context argument,
// so the trampoline finds its interceptor through this (one provider per
// runner process).
std::atomic<InterceptingProvider*> g_interceptor{nullptr};

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

SOCKET InterceptingProvider::WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g,
                                        DWORD flags) {
  SOCKET s = ProviderWrapper::WSASocketW(af, type, protocol, info, g, flags);
  if (s != INVALID_SOCKET) {
    std::lock_guard lock(mu_);
    sockets_[s] = SocketInfo{type == SOCK_STREAM, false, (flags & WSA_FLAG_OVERLAPPED) != 0, false};
  }
  return s;
}

SOCKET InterceptingProvider::socket(int af, int type, int protocol) {
  SOCKET s = ProviderWrapper::socket(af, type, protocol);
  if (s != INVALID_SOCKET) {
    std::lock_guard lock(mu_);
    sockets_[s] = SocketInfo{type == SOCK_STREAM, false, false, true};
  }
  return s;
}

SOCKET InterceptingProvider::accept(SOCKET s, sockaddr* addr, int* addrlen) {
  SOCKET n = ProviderWrapper::accept(s, addr, addrlen);
  if (n != INVALID_SOCKET) {
    std::lock_guard lock(mu_);
    SocketInfo info = sockets_[s];
    info.nonblocking = false;
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
  int ret = ProviderWrapper::closesocket(s);
  if (ret == 0) {
    std::lock_guard lock(mu_);
    sockets_.erase(s);
  }
  return ret;
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
bool InterceptingProvider::HasPendingOn(SOCKET s, CallKind kind) {
  std::lock_guard lock(mu_);
  for (auto& [ov, op] : ops_)
    if (op.s == s && op.pending && !op.completed && op.kind == kind && !op.socket_closed) return true;
  return false;
}
bool InterceptingProvider::Lookup(LPWSAOVERLAPPED ov, OperationRecord* out) {
  std::lock_guard lock(mu_);
  auto it = ops_.find(ov);
  if (it == ops_.end()) return false;
  *out = it->second;
  return true;
}

// Common path of every initiating call: hooks, the target, and the record
// that later lets OnCompletion know what completed.
int InterceptingProvider::Initiate(InitiatingCall& call,
                                   const std::function<int(LPWSAOVERLAPPED_COMPLETION_ROUTINE)>& forward) {
  if (BeforeCall(call)) {
    if (call.ret != 0) target().WSASetLastError(call.error);
    return call.ret;
  }
  LPWSAOVERLAPPED_COMPLETION_ROUTINE given = call.routine != nullptr ? &Trampoline : nullptr;
  if (call.ov != nullptr) {
    // Recorded before the call: a routine or packet may arrive before it returns.
    std::lock_guard lock(mu_);
    OperationRecord rec;
    rec.kind = call.kind;
    rec.s = call.s;
    rec.app_routine = call.routine;
    if (call.buffers != nullptr && call.kind != CallKind::Ioctl)
      rec.buffers.assign(call.buffers, call.buffers + call.buffer_count);
    ops_[call.ov] = rec;
  }
  call.ret = forward(given);
  call.error = call.ret == 0 ? 0 : target().WSAGetLastError();
  if (call.ov != nullptr && call.ret != 0 && call.error == WSA_IO_PENDING) {
    std::lock_guard lock(mu_);
    ops_[call.ov].pending = true;
  }
  AfterCall(call);
  if (call.ret != 0) target().WSASetLastError(call.error);
  return call.ret;
}

int InterceptingProvider::WSARecv(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags,
                                  LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  InitiatingCall call{CallKind::Recv, s, bufs, count, recvd, flags, ov, cr};
  return Initiate(call, [&](LPWSAOVERLAPPED_COMPLETION_ROUTINE r) {
    return target().WSARecv(call.s, call.buffers, call.buffer_count, call.bytes, call.flags, call.ov, r);
  });
}

int InterceptingProvider::WSARecvFrom(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags,
                                      sockaddr* from, LPINT fromlen, LPWSAOVERLAPPED ov,
                                      LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  InitiatingCall call{CallKind::RecvFrom, s, bufs, count, recvd, flags, ov, cr};
  return Initiate(call, [&](LPWSAOVERLAPPED_COMPLETION_ROUTINE r) {
    return target().WSARecvFrom(call.s, call.buffers, call.buffer_count, call.bytes, call.flags, from, fromlen,
                                call.ov, r);
  });
}

int InterceptingProvider::WSASend(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags,
                                  LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  InitiatingCall call{CallKind::Send, s, bufs, count, sent, nullptr, ov, cr};
  return Initiate(call, [&](LPWSAOVERLAPPED_COMPLETION_ROUTINE r) {
    return target().WSASend(call.s, call.buffers, call.buffer_count, call.bytes, flags, call.ov, r);
  });
}

int InterceptingProvider::WSASendTo(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags,
                                    const sockaddr* to, int tolen, LPWSAOVERLAPPED ov,
                                    LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  InitiatingCall call{CallKind::SendTo, s, bufs, count, sent, nullptr, ov, cr};
  return Initiate(call, [&](LPWSAOVERLAPPED_COMPLETION_ROUTINE r) {
    return target().WSASendTo(call.s, call.buffers, call.buffer_count, call.bytes, flags, to, tolen, call.ov, r);
  });
}

int InterceptingProvider::WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD cbIn, LPVOID out, DWORD cbOut,
                                   LPDWORD returned, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  InitiatingCall call{CallKind::Ioctl, s, nullptr, 0, returned, nullptr, ov, cr};
  int ret = Initiate(call, [&](LPWSAOVERLAPPED_COMPLETION_ROUTINE r) {
    return target().WSAIoctl(call.s, code, in, cbIn, out, cbOut, call.bytes, call.ov, r);
  });
  if (ret == 0 && static_cast<long>(code) == static_cast<long>(FIONBIO) && in != nullptr && cbIn >= sizeof(u_long)) {
    std::lock_guard lock(mu_);
    sockets_[s].nonblocking = *static_cast<u_long*>(in) != 0;
  }
  return ret;
}

void InterceptingProvider::Report(CompletionReport& report, bool* known) {
  OperationRecord op;
  *known = Lookup(report.ov, &op);
  if (!*known) return;
  OnCompletion(op, report);
  if (report.deliver) {
    std::lock_guard lock(mu_);
    if (auto it = ops_.find(report.ov); it != ops_.end()) it->second.completed = true;
  }
}

BOOL InterceptingProvider::WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD transfer, BOOL wait,
                                                  LPDWORD flags) {
  DWORD bytes = 0, fl = 0;
  BOOL ok = target().WSAGetOverlappedResult(s, ov, &bytes, wait, &fl);
  int error = ok ? 0 : target().WSAGetLastError();
  // Not (yet) an indication: pass the answer through as it is.
  if (!ok && (error == WSA_IO_INCOMPLETE || error == WSAENOTSOCK || error == WSAEFAULT || error == WSAEINVAL)) {
    target().WSASetLastError(error);
    return FALSE;
  }
  CompletionReport report{ov, static_cast<DWORD>(error), bytes, fl, 0, true};
  bool known = false;
  Report(report, &known);
  if (!report.deliver) {
    target().WSASetLastError(WSA_IO_INCOMPLETE);
    return FALSE;
  }
  if (transfer != nullptr) *transfer = report.bytes;
  if (flags != nullptr) *flags = report.flags;
  if (report.error == 0) return TRUE;
  target().WSASetLastError(static_cast<int>(report.error));
  return FALSE;
}

BOOL InterceptingProvider::GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, PULONG_PTR key, LPOVERLAPPED* ov,
                                                     DWORD ms) {
  DWORD n = 0;
  ULONG_PTR k = 0;
  LPOVERLAPPED o = nullptr;
  BOOL ok = target().GetQueuedCompletionStatus(port, &n, &k, &o, ms);
  DWORD error = ok ? 0 : target().GetLastError();
  if (o == nullptr) {
    if (bytes != nullptr) *bytes = n;
    if (key != nullptr) *key = k;
    if (ov != nullptr) *ov = nullptr;
    target().WSASetLastError(static_cast<int>(error));
    return ok;
  }
  CompletionReport report{o, error, n, 0, k, true};
  bool known = false;
  Report(report, &known);
  if (!report.deliver) {
    // A swallowed packet looks like a wait that timed out.
    if (ov != nullptr) *ov = nullptr;
    target().WSASetLastError(WAIT_TIMEOUT);
    return FALSE;
  }
  if (bytes != nullptr) *bytes = report.bytes;
  if (key != nullptr) *key = report.key;
  if (ov != nullptr) *ov = o;
  if (report.error == 0) return TRUE;
  target().WSASetLastError(static_cast<int>(report.error));
  return FALSE;
}

HANDLE InterceptingProvider::CreateIoCompletionPort(HANDLE file, HANDLE port, ULONG_PTR key, DWORD threads) {
  HANDLE result = ProviderWrapper::CreateIoCompletionPort(file, port, key, threads);
  if (result != nullptr && file != INVALID_HANDLE_VALUE) {
    std::lock_guard lock(mu_);
    ports_[static_cast<SOCKET>(reinterpret_cast<std::uintptr_t>(file))] = Association{result, key};
  }
  return result;
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
  const auto event = reinterpret_cast<std::uintptr_t>(ov->hEvent);
  Association association{nullptr, 0};
  {
    std::lock_guard lock(mu_);
    if (auto it = ports_.find(op.s); it != ports_.end()) association = it->second;
  }
  if (association.port != nullptr && (event & 1) == 0)
    given = target().PostQueuedCompletionStatus(association.port, report.bytes, association.key, ov) != FALSE;
  if (event != 0) given = target().WSASetEvent(reinterpret_cast<WSAEVENT>(event & ~std::uintptr_t{1})) != FALSE || given;
  return given;
}

void WSAC_CALLBACK InterceptingProvider::Trampoline(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags) {
  InterceptingProvider* self = g_interceptor.load();
  if (self == nullptr) return;
  OperationRecord op;
  if (!self->Lookup(ov, &op) || op.app_routine == nullptr) return;
  CompletionReport report{ov, error, bytes, flags, 0, true};
  bool known = false;
  self->Report(report, &known);
  if (report.deliver) self->RunRoutine(op.app_routine, report.error, report.bytes, ov, report.flags);
}

}  // namespace wsac
