// ConnectEx over the model's connect and send: the connection is made as
// connect() makes it (at once on the mock's loopback), then lpSendBuffer
// (possibly empty) goes out as one overlapped send, whose indication is
// ConnectEx's. A refused connection fails the call at once, with no
// indication, one of the outcomes the ConnectEx page allows; under chaos the
// send may pend, the other.
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

}  // namespace wsac::mock
