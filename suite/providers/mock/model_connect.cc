// ConnectEx over the model's connect and send: the connection is made as
// connect() makes it (at once on the mock's loopback), then lpSendBuffer
// (possibly empty) goes out as one overlapped send, whose indication is
// ConnectEx's. A refused connection fails the call at once, with no
// indication, one of the outcomes the ConnectEx page allows; under chaos the
// send may pend, the other.
#include <memory>
#include <thread>

#include "suite/providers/mock/mock_model.h"

namespace wsac::mock {

BOOL Core::ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                     LPOVERLAPPED ov) {
  {
    Lock lk = Enter();
    SocketPtr sock = FindSocketLocked(s);
    if (!sock) return FailWith(WSAENOTSOCK, FALSE);
    if (ov == nullptr) return FailWith(WSAEINVAL, FALSE);
    // Connection-oriented sockets only; the page names WSAEINVAL for an
    // unbound or listening socket and WSAEISCONN for a connected one.
    if (sock->type != SOCK_STREAM) return FailWith(WSAEINVAL, FALSE);
    if (sock->listening || !sock->bound) return FailWith(WSAEINVAL, FALSE);
    if (sock->has_remote) return FailWith(WSAEISCONN, FALSE);
  }
  if (connect(s, name, namelen) != 0) return FALSE;
  WSABUF one{send_len, static_cast<CHAR*>(send)};
  DWORD count = 0;
  if (Send(s, &one, 1, &count, 0, nullptr, 0, false, ov, nullptr) != 0) return FALSE;
  if (sent != nullptr) *sent = count;
  return TRUE;
}

// DisconnectEx: both directions shut (the FIN follows what is queued, so
// the peer reads everything sent, then the end of the stream), completed as
// an operation without data: indicated at once, or under chaos reported
// pending and indicated soon after. With TF_REUSE_SOCKET the handle then
// holds a fresh socket, ready for AcceptEx or ConnectEx.
BOOL Core::DisconnectEx(SOCKET h, LPOVERLAPPED ov, DWORD flags, DWORD reserved) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return FailWith(WSAENOTSOCK, FALSE);
  if (reserved != 0 || (flags & ~TF_REUSE_SOCKET) != 0) return FailWith(WSAEINVAL, FALSE);
  if (s->type != SOCK_STREAM || !s->has_remote || s->listening) return FailWith(WSAENOTCONN, FALSE);
  s->rd_shut = true;
  s->wr_shut = true;
  PumpLocked(s);
  auto op = std::make_shared<Op>();
  op->kind = OpKind::kIoctl;  // an operation that moves no data, ended like an ioctl
  op->sock = s;
  op->ov = ov;
  op->thread = std::this_thread::get_id();
  op->indicate = ov != nullptr;
  op->may_pend = ov != nullptr && s->overlapped;
  if (ov != nullptr) {
    RegisterThreadLocked();
    if (op->may_pend) {
      ov->Internal = STATUS_PENDING;
      ov->InternalHigh = 0;
    }
    SetEventLocked(reinterpret_cast<std::uintptr_t>(ov->hEvent) & ~std::uintptr_t{1}, false);
  }
  CompleteLocked(op, 0, STATUS_SUCCESS, 0);
  if ((flags & TF_REUSE_SOCKET) != 0) ReuseSocketLocked(s);
  cv_.notify_all();
  return FinishCallLocked(lk, op, s->ioctls, nullptr, nullptr, 0) == 0;
}

}  // namespace wsac::mock
