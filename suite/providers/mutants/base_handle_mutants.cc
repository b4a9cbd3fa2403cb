// The mutant of IOCTL-8: a layered provider that intercepts SIO_BASE_HANDLE
// and refuses it, as providers that fail every control code they do not
// know do. (The sample provider suite/providers/samples/base_handle_refused.cc
// does the same in front of Wine's ws2_32.)
#include "suite/api/provider_wrapper.h"
#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

class BaseHandleRefused : public ProviderWrapper {
 public:
  using ProviderWrapper::ProviderWrapper;
  int WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD returned,
               LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) override {
    if (code != static_cast<DWORD>(SIO_BASE_HANDLE))
      return ProviderWrapper::WSAIoctl(s, code, in, in_size, out, out_size, returned, ov, routine);
    WSASetLastError(WSAEOPNOTSUPP);
    return SOCKET_ERROR;
  }
};

}  // namespace

void AddBaseHandleMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"base-handle-refused", "IOCTL-8", "SIO_BASE_HANDLE is intercepted and refused with WSAEOPNOTSUPP",
                  true},
                 [](std::unique_ptr<Provider> target) -> std::unique_ptr<Provider> {
                   return std::make_unique<BaseHandleRefused>(std::move(target));
                 }});
}

}  // namespace wsac
