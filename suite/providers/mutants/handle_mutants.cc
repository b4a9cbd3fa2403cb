// Mutants of the base-service-provider handle statements (HANDLE): what
// layered providers that do not know the Vista-era control codes, or check
// their arguments loosely, do to them.
#include <cstring>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

bool IsHandleCode(DWORD code) {
  return code == static_cast<DWORD>(SIO_BASE_HANDLE) || code == static_cast<DWORD>(SIO_BSP_HANDLE) ||
         code == static_cast<DWORD>(SIO_BSP_HANDLE_SELECT) || code == static_cast<DWORD>(SIO_BSP_HANDLE_POLL);
}

// HANDLE-1..3: a provider that fails every control code it does not know
// with WSAEINVAL, the BSP ones included (it knows SIO_BASE_HANDLE only).
class BspCodeRefused : public InterceptingProvider {
 public:
  BspCodeRefused(std::unique_ptr<Provider> target, DWORD code)
      : InterceptingProvider(std::move(target)), code_(code) {}
  int WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD returned,
               LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) override {
    if (code != code_)
      return InterceptingProvider::WSAIoctl(s, code, in, in_size, out, out_size, returned, ov, routine);
    WSASetLastError(WSAEINVAL);
    return SOCKET_ERROR;
  }

 private:
  DWORD code_;
};

// HANDLE-4: a provider that copies as much of the handle as fits and
// returns 0, the way a memcpy bounded by cbOutBuffer does.
class HandleTruncatedToBuffer : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD returned,
               LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) override {
    if (!IsHandleCode(code) || out == nullptr || out_size >= sizeof(SOCKET) || ov != nullptr)
      return InterceptingProvider::WSAIoctl(s, code, in, in_size, out, out_size, returned, ov, routine);
    SOCKET whole = INVALID_SOCKET;
    int ret = InterceptingProvider::WSAIoctl(s, code, in, in_size, &whole, sizeof whole, returned, nullptr, nullptr);
    if (ret != 0) return ret;
    std::memcpy(out, &whole, out_size);
    if (returned != nullptr) *returned = out_size;
    return 0;
  }
};

// HANDLE-5: a provider that answers SIO_BSP_HANDLE_POLL whatever
// lpOverlapped says: it drops the WSAOVERLAPPED and answers synchronously,
// so the call returns 0 and the caller's indication never comes.
class PollHandleIgnoresOverlapped : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD returned,
               LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) override {
    if (code != static_cast<DWORD>(SIO_BSP_HANDLE_POLL) || ov == nullptr)
      return InterceptingProvider::WSAIoctl(s, code, in, in_size, out, out_size, returned, ov, routine);
    return InterceptingProvider::WSAIoctl(s, code, in, in_size, out, out_size, returned, nullptr, nullptr);
  }
};

}  // namespace

void AddHandleMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"bsp-handle-refused", "HANDLE-1", "SIO_BSP_HANDLE is refused with WSAEINVAL"},
                 MakeWith<BspCodeRefused>(static_cast<DWORD>(SIO_BSP_HANDLE))});
  out.push_back({{"bsp-select-handle-refused", "HANDLE-2", "SIO_BSP_HANDLE_SELECT is refused with WSAEINVAL"},
                 MakeWith<BspCodeRefused>(static_cast<DWORD>(SIO_BSP_HANDLE_SELECT))});
  out.push_back({{"bsp-poll-handle-refused", "HANDLE-3", "SIO_BSP_HANDLE_POLL is refused with WSAEINVAL"},
                 MakeWith<BspCodeRefused>(static_cast<DWORD>(SIO_BSP_HANDLE_POLL))});
  out.push_back({{"handle-truncated-to-buffer", "HANDLE-4",
                  "a handle ioctl with a short output buffer stores what fits and returns 0"},
                 Make<HandleTruncatedToBuffer>()});
  out.push_back({{"poll-handle-ignores-overlapped", "HANDLE-5",
                  "SIO_BSP_HANDLE_POLL with a WSAOVERLAPPED answers synchronously and returns 0"},
                 Make<PollHandleIgnoresOverlapped>()});
}

}  // namespace wsac
