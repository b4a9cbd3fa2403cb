// Mutants of the ConnectEx and DisconnectEx statements (CONNECT, DISC):
// what layered providers and emulations of the two get wrong.
#include <cstring>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

bool IsDatagram(Provider& p, SOCKET s) {
  int type = 0, len = sizeof type;
  return p.getsockopt(s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) == 0 && type == SOCK_DGRAM;
}

// CONNECT-1: a ConnectEx that completes at once is treated as synchronous:
// its event is left unsignaled.
class ConnectExImmediateUnsignaled : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                 LPOVERLAPPED ov) override {
    const BOOL ok = InterceptingProvider::ConnectEx(s, name, namelen, send, send_len, sent, ov);
    if (ok && ov != nullptr && ov->hEvent != nullptr && !LowBitSet(ov->hEvent)) WSAResetEvent(ov->hEvent);
    return ok;
  }
};

// CONNECT-2: an unbound socket is bound to the wildcard address first, as
// connect() would (the Berkeley habit), instead of being refused.
class ConnectExBindsImplicitly : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                 LPOVERLAPPED ov) override {
    sockaddr_storage mine{};
    int len = static_cast<int>(sizeof mine);
    if (getsockname(s, reinterpret_cast<sockaddr*>(&mine), &len) != 0 && name != nullptr) {
      sockaddr_storage any{};
      std::memcpy(&any, name, static_cast<size_t>(namelen) < sizeof any ? static_cast<size_t>(namelen) : sizeof any);
      if (any.ss_family == AF_INET) {
        auto& v4 = reinterpret_cast<sockaddr_in&>(any);
        v4.sin_port = 0;
      } else {
        auto& v6 = reinterpret_cast<sockaddr_in6&>(any);
        v6.sin6_port = 0;
      }
      bind(s, reinterpret_cast<const sockaddr*>(&any), namelen);
    }
    return InterceptingProvider::ConnectEx(s, name, namelen, send, send_len, sent, ov);
  }
};

// CONNECT-3: a connected socket is refused with WSAEINVAL, the code of an
// unbound one.
class ConnectExConnectedWrongCode : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                 LPOVERLAPPED ov) override {
    const BOOL ok = InterceptingProvider::ConnectEx(s, name, namelen, send, send_len, sent, ov);
    if (!ok && WSAGetLastError() == WSAEISCONN) WSASetLastError(WSAEINVAL);
    return ok;
  }
};

// CONNECT-4: only the first half of lpSendBuffer goes out.
class ConnectExSendsHalf : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                 LPOVERLAPPED ov) override {
    return InterceptingProvider::ConnectEx(s, name, namelen, send, send_len / 2, sent, ov);
  }
};

// CONNECT-5: SO_UPDATE_CONNECT_CONTEXT is an option the provider does not know.
class UpdateConnectContextRefused : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int setsockopt(SOCKET s, int level, int name, const char* value, int len) override {
    if (level == SOL_SOCKET && name == SO_UPDATE_CONNECT_CONTEXT) {
      WSASetLastError(WSAENOPROTOOPT);
      return SOCKET_ERROR;
    }
    return InterceptingProvider::setsockopt(s, level, name, value, len);
  }
};

// CONNECT-6: on a datagram socket ConnectEx sets the default peer, as
// connect() does, and reports success, its indication an empty datagram.
class ConnectExDatagramAccepted : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                 LPOVERLAPPED ov) override {
    if (!IsDatagram(*this, s) || ov == nullptr)
      return InterceptingProvider::ConnectEx(s, name, namelen, send, send_len, sent, ov);
    if (connect(s, name, namelen) != 0) return FALSE;
    WSABUF none{0, nullptr};
    DWORD count = 0;
    if (WSASend(s, &none, 1, &count, 0, ov, nullptr) != 0) return FALSE;
    if (sent != nullptr) *sent = count;
    return TRUE;
  }
};

// CONNECT-7: a connection refused at once is reported as made (TRUE),
// the refusal swallowed.
class RefusedConnectReportsSuccess : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                 LPOVERLAPPED ov) override {
    const BOOL ok = InterceptingProvider::ConnectEx(s, name, namelen, send, send_len, sent, ov);
    if (!ok && WSAGetLastError() == WSAECONNREFUSED) return TRUE;
    return ok;
  }
};

// CONNECT-8: the address is read with the port's bytes swapped (a
// provider that converts it to host order once too often), so the
// connection goes to a port nobody listens on.
class ConnectExSwapsPort : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                 LPOVERLAPPED ov) override {
    sockaddr_storage to{};
    if (name == nullptr || namelen <= 0 || static_cast<size_t>(namelen) > sizeof to)
      return InterceptingProvider::ConnectEx(s, name, namelen, send, send_len, sent, ov);
    std::memcpy(&to, name, static_cast<size_t>(namelen));
    USHORT& port = to.ss_family == AF_INET ? reinterpret_cast<sockaddr_in&>(to).sin_port
                                           : reinterpret_cast<sockaddr_in6&>(to).sin6_port;
    port = static_cast<USHORT>((port >> 8) | (port << 8));
    return InterceptingProvider::ConnectEx(s, reinterpret_cast<const sockaddr*>(&to), namelen, send, send_len, sent, ov);
  }
};

// DISC-1: a DisconnectEx that completes at once leaves its event unsignaled.
class DisconnectExImmediateUnsignaled : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL DisconnectEx(SOCKET s, LPOVERLAPPED ov, DWORD flags, DWORD reserved) override {
    const BOOL ok = InterceptingProvider::DisconnectEx(s, ov, flags, reserved);
    if (ok && ov != nullptr && ov->hEvent != nullptr && !LowBitSet(ov->hEvent)) WSAResetEvent(ov->hEvent);
    return ok;
  }
};

// DISC-2: DisconnectEx completes without closing anything: the operation
// is indicated (as an empty send) and the peer never sees the end.
class DisconnectExWithoutFin : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL DisconnectEx(SOCKET s, LPOVERLAPPED ov, DWORD flags, DWORD reserved) override {
    if (ov == nullptr || flags != 0 || reserved != 0) return InterceptingProvider::DisconnectEx(s, ov, flags, reserved);
    WSABUF none{0, nullptr};
    DWORD count = 0;
    return WSASend(s, &none, 1, &count, 0, ov, nullptr) == 0;
  }
};

// DISC-3: dwReserved is ignored.
class DisconnectExIgnoresReserved : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL DisconnectEx(SOCKET s, LPOVERLAPPED ov, DWORD flags, DWORD) override {
    return InterceptingProvider::DisconnectEx(s, ov, flags, 0);
  }
};

// DISC-4: disconnecting a socket that has no connection is reported done.
class DisconnectExUnconnectedSucceeds : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL DisconnectEx(SOCKET s, LPOVERLAPPED ov, DWORD flags, DWORD reserved) override {
    const BOOL ok = InterceptingProvider::DisconnectEx(s, ov, flags, reserved);
    if (!ok && WSAGetLastError() == WSAENOTCONN) return TRUE;
    return ok;
  }
};

}  // namespace

void AddConnectMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"connectex-immediate-unsignaled", "CONNECT-1", "a ConnectEx that returns TRUE leaves its event unsignaled"},
                 Make<ConnectExImmediateUnsignaled>()});
  out.push_back({{"connectex-binds-implicitly", "CONNECT-2", "ConnectEx binds an unbound socket instead of refusing it"},
                 Make<ConnectExBindsImplicitly>()});
  out.push_back({{"connectex-connected-wrong-code", "CONNECT-3",
                  "ConnectEx on a connected socket fails with WSAEINVAL instead of WSAEISCONN"},
                 Make<ConnectExConnectedWrongCode>()});
  out.push_back({{"connectex-sends-half", "CONNECT-4", "ConnectEx sends only the first half of lpSendBuffer"},
                 Make<ConnectExSendsHalf>()});
  out.push_back({{"update-connect-context-refused", "CONNECT-5", "setsockopt(SO_UPDATE_CONNECT_CONTEXT) fails WSAENOPROTOOPT"},
                 Make<UpdateConnectContextRefused>()});
  out.push_back({{"connectex-datagram-accepted", "CONNECT-6",
                  "ConnectEx on a datagram socket connects it and reports success"},
                 Make<ConnectExDatagramAccepted>()});
  out.push_back({{"refused-connect-reports-success", "CONNECT-7",
                  "a ConnectEx refused at once with WSAECONNREFUSED returns TRUE"},
                 Make<RefusedConnectReportsSuccess>()});
  out.push_back({{"connectex-swaps-port", "CONNECT-8", "ConnectEx connects to the port with its bytes swapped"},
                 Make<ConnectExSwapsPort>()});
  out.push_back({{"disconnectex-immediate-unsignaled", "DISC-1",
                  "a DisconnectEx that returns TRUE leaves its event unsignaled"},
                 Make<DisconnectExImmediateUnsignaled>()});
  out.push_back({{"disconnectex-without-fin", "DISC-2",
                  "DisconnectEx is indicated but never ends the connection"},
                 Make<DisconnectExWithoutFin>()});
  out.push_back({{"disconnectex-ignores-reserved", "DISC-3", "DisconnectEx ignores dwReserved"},
                 Make<DisconnectExIgnoresReserved>()});
  out.push_back({{"disconnectex-unconnected-succeeds", "DISC-4",
                  "DisconnectEx of an unconnected socket returns TRUE"},
                 Make<DisconnectExUnconnectedSucceeds>()});
}

}  // namespace wsac
