// AcceptEx over the model's listen queue. A pending AcceptEx waits on the
// listening socket (its indication is the listener's: event, port), so a
// close or CancelIoEx of the listener ends it as it ends any pending
// operation there. When a connection is queued, the connection's socket
// takes over the accept socket's handle and what was set on it (overlapped,
// non-blocking, port); with a receive length, an internal receive on the
// new connection then completes the AcceptEx with the first data.
//
// The address part of the output buffer uses the mock's own layout, read
// back only by the mock's GetAcceptExSockaddrs, as Windows' layout is read
// only by its own: per address, an int length, then the sockaddr.
#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>

#include "suite/providers/mock/mock_model.h"

namespace wsac::mock {
namespace {

void StoreAddress(char* at, const Endpoint& ep) {
  sockaddr_storage addr{};
  int len = static_cast<int>(sizeof addr);
  EncodeSockaddr(ep, reinterpret_cast<sockaddr*>(&addr), &len);
  std::memcpy(at, &len, sizeof len);
  std::memcpy(at + sizeof len, &addr, static_cast<std::size_t>(len));
}

}  // namespace

BOOL Core::AcceptEx(SOCKET listen_s, SOCKET accept_s, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len,
                    LPDWORD received, LPOVERLAPPED ov) {
  Lock lk = Enter();
  SocketPtr ls = FindSocketLocked(listen_s);
  SocketPtr as = FindSocketLocked(accept_s);
  if (!ls || !as) return FailWith(WSAENOTSOCK, FALSE);
  if (ov == nullptr || out == nullptr) return FailWith(WSAEINVAL, FALSE);
  // The page: the listening socket has had listen() called; the accept
  // socket is neither bound nor connected.
  if (!ls->listening) return FailWith(WSAEINVAL, FALSE);
  if (as->type != SOCK_STREAM || as->af != ls->af || as->bound || as->has_remote || as->listening)
    return FailWith(WSAEINVAL, FALSE);
  // Each address part holds the largest address of the family and 16 bytes.
  const DWORD need = static_cast<DWORD>(SockaddrLen(ls->af)) + 16;
  if (local_len < need || remote_len < need) return FailWith(WSAEFAULT, FALSE);

  auto op = std::make_shared<Op>();
  op->kind = OpKind::kAccept;
  op->sock = ls;
  op->ov = ov;
  op->thread = std::this_thread::get_id();
  op->indicate = true;
  op->may_pend = ls->overlapped;
  op->accept_into = as;
  op->accept_out = static_cast<char*>(out);
  op->accept_recv_len = recv_len;
  op->accept_local_len = local_len;
  RegisterThreadLocked();
  if (op->may_pend) {
    ov->Internal = STATUS_PENDING;
    ov->InternalHigh = 0;
  }
  SetEventLocked(reinterpret_cast<std::uintptr_t>(ov->hEvent) & ~std::uintptr_t{1}, false);
  ls->ioctls.push_back(op);
  AcceptPendingLocked(ls);
  return FinishCallLocked(lk, op, ls->ioctls, received, nullptr, 0) == 0;
}

void Core::AcceptPendingLocked(const SocketPtr& ls) {
  auto& q = ls->ioctls;
  q.erase(std::remove_if(q.begin(), q.end(), [](const OpPtr& op) { return op->kind == OpKind::kAccept && op->done; }),
          q.end());
  for (const OpPtr& op : q) {
    if (ls->accept_q.empty()) return;
    if (op->kind != OpKind::kAccept || op->done || op->accepted) continue;
    SocketPtr c = ls->accept_q.front();
    ls->accept_q.pop_front();
    SocketPtr as = op->accept_into;
    // The connection's socket becomes the accept socket: same handle, and
    // what the application set on that handle before.
    c->handle = as->handle;
    c->overlapped = as->overlapped;
    c->nonblocking = as->nonblocking;
    c->port = as->port;
    c->key = as->key;
    c->notify_modes = as->notify_modes;
    c->rcvbuf = as->rcvbuf;
    c->sndbuf = as->sndbuf;
    c->lin = as->lin;
    sockets_[static_cast<std::uintptr_t>(c->handle)] = c;
    as->closed = true;
    op->accept_into = c;
    op->accepted = true;
    StoreAddress(op->accept_out + op->accept_recv_len, c->local);
    StoreAddress(op->accept_out + op->accept_recv_len + op->accept_local_len, c->remote);
    if (op->accept_recv_len == 0) {
      CompleteLocked(op, 0, STATUS_SUCCESS, 0);
      continue;
    }
    auto first = std::make_shared<Op>();
    first->kind = OpKind::kRecv;
    first->sock = c;
    first->thread = op->thread;
    first->bufs.push_back(WSABUF{op->accept_recv_len, op->accept_out});
    first->capacity = op->accept_recv_len;
    first->then = op;
    c->recvs.push_back(first);
    PumpLocked(c);
  }
}

void Core::GetAcceptExSockaddrs(SOCKET, PVOID out, DWORD recv_len, DWORD local_len, DWORD, sockaddr** local,
                                LPINT local_size, sockaddr** remote, LPINT remote_size) {
  Lock lk = Enter();
  char* base = static_cast<char*>(out);
  auto parse = [](char* at, sockaddr** addr, LPINT size) {
    int len = 0;
    std::memcpy(&len, at, sizeof len);
    if (addr != nullptr) *addr = reinterpret_cast<sockaddr*>(at + sizeof len);
    if (size != nullptr) *size = len;
  };
  parse(base + recv_len, local, local_size);
  parse(base + recv_len + local_len, remote, remote_size);
}

void Core::ReuseSocketLocked(const SocketPtr& s) {
  auto fresh = std::make_shared<Socket>();
  fresh->handle = s->handle;
  fresh->af = s->af;
  fresh->type = s->type;
  fresh->protocol = s->protocol;
  fresh->overlapped = s->overlapped;
  fresh->nonblocking = s->nonblocking;
  fresh->port = s->port;
  fresh->key = s->key;
  fresh->notify_modes = s->notify_modes;
  fresh->rcvbuf = s->rcvbuf;
  fresh->sndbuf = s->sndbuf;
  sockets_[static_cast<std::uintptr_t>(s->handle)] = fresh;
  all_sockets_.push_back(fresh);
  // The old connection lives on without a handle until its FIN is out, as
  // a gracefully closed socket does.
  s->closed = true;
  if (SocketPtr p = s->peer; p && p->closed) UnlinkLocked(s);
}

}  // namespace wsac::mock
