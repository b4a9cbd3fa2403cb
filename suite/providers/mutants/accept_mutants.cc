// Mutants of the AcceptEx statements (ACCEPT) and of DisconnectEx's reuse
// (DISC-5): what layered providers and emulations of AcceptEx get wrong.
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// Remembers each AcceptEx the application started (its receive length, by
// OVERLAPPED) and each accept socket, for mutants that bend what follows.
class AcceptExTracker : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL AcceptEx(SOCKET l, SOCKET a, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len, LPDWORD received,
                LPOVERLAPPED ov) override {
    {
      std::lock_guard lock(mu_);
      recv_len_[ov] = recv_len;
      accept_sockets_.insert(a);
    }
    return Start(l, a, out, recv_len, local_len, remote_len, received, ov);
  }

 protected:
  // The AcceptEx as the mutant passes it on.
  virtual BOOL Start(SOCKET l, SOCKET a, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len,
                     LPDWORD received, LPOVERLAPPED ov) {
    return InterceptingProvider::AcceptEx(l, a, out, recv_len, local_len, remote_len, received, ov);
  }
  // The receive length of the AcceptEx started with ov, if it was one.
  bool AcceptLength(LPOVERLAPPED ov, DWORD* recv_len) {
    std::lock_guard lock(mu_);
    auto it = recv_len_.find(ov);
    if (it == recv_len_.end()) return false;
    *recv_len = it->second;
    return true;
  }
  bool IsAcceptSocket(SOCKET s) {
    std::lock_guard lock(mu_);
    return accept_sockets_.count(s) != 0;
  }

 private:
  std::mutex mu_;
  std::map<LPOVERLAPPED, DWORD> recv_len_;
  std::set<SOCKET> accept_sockets_;
};

// An AcceptEx result read through WSAGetOverlappedResult, bent by `bend`
// (which sees the receive length, the verdict and the count).
template <class Bend>
class AcceptExResultBent : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD transfer, BOOL wait, LPDWORD flags) override {
    BOOL ok = AcceptExTracker::WSAGetOverlappedResult(s, ov, transfer, wait, flags);
    DWORD recv_len = 0;
    if (transfer != nullptr && AcceptLength(ov, &recv_len)) Bend{}(recv_len, ok, *transfer);
    return ok;
  }
};

// ACCEPT-1: an AcceptEx that completes at once leaves its event unsignaled.
class AcceptExImmediateUnsignaled : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;

 protected:
  BOOL Start(SOCKET l, SOCKET a, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len, LPDWORD received,
             LPOVERLAPPED ov) override {
    const BOOL ok = AcceptExTracker::Start(l, a, out, recv_len, local_len, remote_len, received, ov);
    if (ok && ov != nullptr && ov->hEvent != nullptr && !LowBitSet(ov->hEvent)) WSAResetEvent(ov->hEvent);
    return ok;
  }
};

// ACCEPT-2: an accept without a receive length counts the address bytes.
struct CountsAddresses {
  void operator()(DWORD recv_len, BOOL ok, DWORD& bytes) const {
    if (ok && recv_len == 0) bytes += 32;
  }
};
// ACCEPT-3: the first data is received but not counted.
struct FirstDataUncounted {
  void operator()(DWORD recv_len, BOOL ok, DWORD& bytes) const {
    if (ok && recv_len > 0) bytes = 0;
  }
};
// ACCEPT-14: a connection reset before its first data reads as accepted.
struct ResetReadsAccepted {
  void operator()(DWORD recv_len, BOOL& ok, DWORD& bytes) const {
    if (!ok && recv_len > 0) {
      ok = TRUE;
      bytes = 0;
    }
  }
};

// ACCEPT-4: the receive length is ignored: the accept completes on the
// connection, before any data.
class AcceptExIgnoresReceiveLength : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;

 protected:
  BOOL Start(SOCKET l, SOCKET a, PVOID out, DWORD, DWORD local_len, DWORD remote_len, LPDWORD received,
             LPOVERLAPPED ov) override {
    return AcceptExTracker::Start(l, a, out, 0, local_len, remote_len, received, ov);
  }
};

// ACCEPT-5 (local) and ACCEPT-6 (remote): GetAcceptExSockaddrs hands out the
// port with its bytes swapped.
class SockaddrsPortSwapped : public AcceptExTracker {
 public:
  SockaddrsPortSwapped(std::unique_ptr<Provider> target, bool local)
      : AcceptExTracker(std::move(target)), local_(local) {}
  void GetAcceptExSockaddrs(SOCKET s, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len, sockaddr** local,
                            LPINT local_size, sockaddr** remote, LPINT remote_size) override {
    AcceptExTracker::GetAcceptExSockaddrs(s, out, recv_len, local_len, remote_len, local, local_size, remote,
                                          remote_size);
    sockaddr** which = local_ ? local : remote;
    if (which == nullptr || *which == nullptr) return;
    // sin_port and sin6_port sit at the same offset, after the family.
    auto* port = reinterpret_cast<unsigned char*>(*which) + 2;
    std::swap(port[0], port[1]);
    if (port[0] == port[1]) port[0] ^= 1;
  }

 private:
  const bool local_;
};

// ACCEPT-7: SO_UPDATE_ACCEPT_CONTEXT is an unknown option.
class UpdateAcceptContextRefused : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;
  int setsockopt(SOCKET s, int level, int optname, const char* optval, int optlen) override {
    if (level == SOL_SOCKET && optname == SO_UPDATE_ACCEPT_CONTEXT) {
      WSASetLastError(WSAENOPROTOOPT);
      return SOCKET_ERROR;
    }
    return AcceptExTracker::setsockopt(s, level, optname, optval, optlen);
  }
};

// ACCEPT-8: a bound accept socket is swapped for a fresh one instead of
// being refused (the application's socket is left as it was).
class AcceptExBoundSocketReplaced : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;

 protected:
  BOOL Start(SOCKET l, SOCKET a, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len, LPDWORD received,
             LPOVERLAPPED ov) override {
    sockaddr_storage mine{};
    int len = static_cast<int>(sizeof mine);
    if (getsockname(a, reinterpret_cast<sockaddr*>(&mine), &len) == 0) {
      SOCKET fresh = WSASocketW(mine.ss_family, SOCK_STREAM, 0, nullptr, 0, WSA_FLAG_OVERLAPPED);
      if (fresh != INVALID_SOCKET) a = fresh;
    }
    return AcceptExTracker::Start(l, a, out, recv_len, local_len, remote_len, received, ov);
  }
};

// ACCEPT-9: a socket that is not listening is made to listen first.
class AcceptExListensImplicitly : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;

 protected:
  BOOL Start(SOCKET l, SOCKET a, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len, LPDWORD received,
             LPOVERLAPPED ov) override {
    listen(l, 4);
    return AcceptExTracker::Start(l, a, out, recv_len, local_len, remote_len, received, ov);
  }
};

// ACCEPT-10: lpdwBytesReceived is zeroed when the call pends.
class AcceptExWritesCountWhenPending : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;

 protected:
  BOOL Start(SOCKET l, SOCKET a, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len, LPDWORD received,
             LPOVERLAPPED ov) override {
    const BOOL ok = AcceptExTracker::Start(l, a, out, recv_len, local_len, remote_len, received, ov);
    if (!ok && WSAGetLastError() == WSA_IO_PENDING && received != nullptr) *received = 0;
    return ok;
  }
};

// ACCEPT-11: an AcceptEx ended by closing its listener reads as a success.
class ListenerCloseReadsAccepted : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;
  int closesocket(SOCKET s) override {
    {
      std::lock_guard lock(mu_);
      closed_.insert(s);
    }
    return AcceptExTracker::closesocket(s);
  }
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD transfer, BOOL wait, LPDWORD flags) override {
    BOOL ok = AcceptExTracker::WSAGetOverlappedResult(s, ov, transfer, wait, flags);
    DWORD recv_len = 0;
    bool closed = false;
    {
      std::lock_guard lock(mu_);
      closed = closed_.count(s) != 0;
    }
    if (!ok && closed && transfer != nullptr && AcceptLength(ov, &recv_len)) {
      *transfer = 0;
      ok = TRUE;
    }
    return ok;
  }

 private:
  std::mutex mu_;
  std::set<SOCKET> closed_;
};

// ACCEPT-12: a socket AcceptEx connected sends only the first half of a
// send's buffer, counted whole.
class AcceptedSocketSendsHalf : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;
  int WSASend(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags, LPWSAOVERLAPPED ov,
              LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    if (!IsAcceptSocket(s) || bufs == nullptr || count != 1 || bufs[0].len < 2)
      return AcceptExTracker::WSASend(s, bufs, count, sent, flags, ov, cr);
    WSABUF half{bufs[0].len / 2, bufs[0].buf};
    return AcceptExTracker::WSASend(s, &half, 1, sent, flags, ov, cr);
  }
};

// ACCEPT-13: an AcceptEx that finds a connection queued refuses it as if
// the client had reset it.
class AcceptExRefusesQueued : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;

 protected:
  BOOL Start(SOCKET l, SOCKET a, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len, LPDWORD received,
             LPOVERLAPPED ov) override {
    if (!AcceptExTracker::Start(l, a, out, recv_len, local_len, remote_len, received, ov)) return FALSE;
    WSASetLastError(WSAECONNRESET);
    return FALSE;
  }
};

// DISC-5: TF_REUSE_SOCKET is ignored: the socket stays connected (to no
// one) and cannot accept again.
class DisconnectExReuseIgnored : public AcceptExTracker {
 public:
  using AcceptExTracker::AcceptExTracker;
  BOOL DisconnectEx(SOCKET s, LPOVERLAPPED ov, DWORD flags, DWORD reserved) override {
    return AcceptExTracker::DisconnectEx(s, ov, flags & ~TF_REUSE_SOCKET, reserved);
  }
};

}  // namespace

void AddAcceptMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"acceptex-immediate-unsignaled", "ACCEPT-1", "an AcceptEx that returns TRUE leaves its event unsignaled"},
                 Make<AcceptExImmediateUnsignaled>()});
  out.push_back({{"acceptex-counts-addresses", "ACCEPT-2",
                  "an AcceptEx without a receive length is indicated with the address bytes counted"},
                 Make<AcceptExResultBent<CountsAddresses>>()});
  out.push_back({{"acceptex-first-data-uncounted", "ACCEPT-3", "AcceptEx's first data is received but counted as 0"},
                 Make<AcceptExResultBent<FirstDataUncounted>>()});
  out.push_back({{"acceptex-ignores-receive-length", "ACCEPT-4",
                  "AcceptEx completes on the connection although a receive length was given"},
                 Make<AcceptExIgnoresReceiveLength>()});
  out.push_back({{"acceptex-sockaddrs-local-port-swapped", "ACCEPT-5",
                  "GetAcceptExSockaddrs gives the local port with its bytes swapped"},
                 MakeWith<SockaddrsPortSwapped>(true)});
  out.push_back({{"acceptex-sockaddrs-remote-port-swapped", "ACCEPT-6",
                  "GetAcceptExSockaddrs gives the remote port with its bytes swapped"},
                 MakeWith<SockaddrsPortSwapped>(false)});
  out.push_back({{"update-accept-context-refused", "ACCEPT-7", "setsockopt(SO_UPDATE_ACCEPT_CONTEXT) fails WSAENOPROTOOPT"},
                 Make<UpdateAcceptContextRefused>()});
  out.push_back({{"acceptex-bound-socket-replaced", "ACCEPT-8",
                  "AcceptEx with a bound accept socket accepts into a fresh socket instead of refusing"},
                 Make<AcceptExBoundSocketReplaced>()});
  out.push_back({{"acceptex-listens-implicitly", "ACCEPT-9",
                  "AcceptEx on a socket that is not listening calls listen instead of refusing"},
                 Make<AcceptExListensImplicitly>()});
  out.push_back({{"acceptex-writes-count-when-pending", "ACCEPT-10",
                  "AcceptEx writes 0 to lpdwBytesReceived when it pends"},
                 Make<AcceptExWritesCountWhenPending>()});
  out.push_back({{"listener-close-reads-accepted", "ACCEPT-11",
                  "an AcceptEx ended by closing its listener reads as a success"},
                 Make<ListenerCloseReadsAccepted>()});
  out.push_back({{"accepted-socket-sends-half", "ACCEPT-12",
                  "a socket AcceptEx connected sends half of each buffer"},
                 Make<AcceptedSocketSendsHalf>()});
  out.push_back({{"acceptex-refuses-queued", "ACCEPT-13",
                  "an AcceptEx that finds a connection queued reports WSAECONNRESET"},
                 Make<AcceptExRefusesQueued>()});
  out.push_back({{"acceptex-reset-reads-accepted", "ACCEPT-14",
                  "an AcceptEx whose client reset before any data reads as accepted with 0 bytes"},
                 Make<AcceptExResultBent<ResetReadsAccepted>>()});
  out.push_back({{"disconnectex-reuse-ignored", "DISC-5", "DisconnectEx ignores TF_REUSE_SOCKET"},
                 Make<DisconnectExReuseIgnored>()});
}

}  // namespace wsac
