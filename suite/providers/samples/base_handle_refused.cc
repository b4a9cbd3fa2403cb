// Sample (c): an IFS layered provider that intercepts SIO_BASE_HANDLE and
// refuses it, as LSPs that fail every control code they do not know have
// been seen to do. The WSAIoctl page says a layered provider never
// intercepts it: the answer must be the base provider's socket (IOCTL-8).
// Everything else passes through.
#include "suite/providers/samples/proxy.h"

namespace wsac::sample {

const Description kSample = {
    L"wsaconform sample LSP refusing SIO_BASE_HANDLE",
    {0x5f6c066a, 0x2b56, 0x4316, {0x8b, 0x5a, 0x6b, 0xbc, 0xdb, 0x89, 0xdd, 0xfd}},
    3300,
    true,
};

}  // namespace wsac::sample

using namespace wsac::sample;

extern "C" int WSAAPI wsac_proxy_WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size,
                                          LPDWORD returned, LPWSAOVERLAPPED ov,
                                          LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
  if (code == SIO_BASE_HANDLE && IsSampleSocket(s)) {
    WSAC_REAL(WSASetLastError)(WSAEOPNOTSUPP);
    return SOCKET_ERROR;
  }
  return WSAC_REAL(WSAIoctl)(s, code, in, in_size, out, out_size, returned, ov, routine);
}
