// Sample (b): a layered provider that is not IFS (its chain entries lack
// XP1_IFS_HANDLES) and, like Microsoft's sample non-IFS LSP, never reports
// an overlapped send or receive as finished inside the call: every
// immediate success of the base provider is reported as WSA_IO_PENDING,
// and the application hears of it later through the mechanism it chose.
// That later indication is the base provider's own, which it gave inside
// the call: the event is signaled, the routine queued to the thread, the
// packet queued to the port. The out-words the base provider wrote for an
// immediate success are put back, since a call that pends leaves them
// alone (ARG-1..3).
//
// What it breaks is what SetFileCompletionNotificationModes warns about:
// with FILE_SKIP_COMPLETION_PORT_ON_SUCCESS set, the base provider queues no
// packet for its immediate success, so an operation this provider reported
// pending is never indicated through the port (IOCP-6). Ioctls pass
// through: one that needs no waiting returns 0 (IOCTL-4).
#include "suite/providers/samples/proxy.h"

namespace wsac::sample {

const Description kSample = {
    L"wsaconform sample non-IFS LSP (always pends)",
    {0xc225a39f, 0x5324, 0x4271, {0x84, 0xa0, 0x88, 0xdf, 0xa0, 0x1b, 0xd4, 0x47}},
    3200,
    false,
};

namespace {

// Only overlapped calls on the sample's overlapped sockets can pend (S3).
bool Pends(SOCKET s, LPWSAOVERLAPPED ov) {
  SampleSocket info{};
  return ov != nullptr && IsSampleSocket(s, &info) && info.overlapped;
}

// The base provider's answer, with an immediate success turned into
// WSA_IO_PENDING and the out-words it wrote put back.
int AlwaysPending(int ret, LPDWORD count, DWORD count_before, LPDWORD flags, DWORD flags_before) {
  if (ret != 0) return ret;
  if (count != nullptr) *count = count_before;
  if (flags != nullptr) *flags = flags_before;
  WSAC_REAL(WSASetLastError)(WSA_IO_PENDING);
  return SOCKET_ERROR;
}

}  // namespace
}  // namespace wsac::sample

using namespace wsac::sample;

extern "C" {

int WSAAPI wsac_proxy_WSARecv(SOCKET s, LPWSABUF buffers, DWORD count, LPDWORD received, LPDWORD flags,
                              LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
  if (!Pends(s, ov)) return WSAC_REAL(WSARecv)(s, buffers, count, received, flags, ov, routine);
  const DWORD received_before = received != nullptr ? *received : 0, flags_before = flags != nullptr ? *flags : 0;
  int ret = WSAC_REAL(WSARecv)(s, buffers, count, received, flags, ov, routine);
  return AlwaysPending(ret, received, received_before, flags, flags_before);
}

int WSAAPI wsac_proxy_WSARecvFrom(SOCKET s, LPWSABUF buffers, DWORD count, LPDWORD received, LPDWORD flags,
                                  sockaddr* from, LPINT fromlen, LPWSAOVERLAPPED ov,
                                  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
  if (!Pends(s, ov)) return WSAC_REAL(WSARecvFrom)(s, buffers, count, received, flags, from, fromlen, ov, routine);
  const DWORD received_before = received != nullptr ? *received : 0, flags_before = flags != nullptr ? *flags : 0;
  int ret = WSAC_REAL(WSARecvFrom)(s, buffers, count, received, flags, from, fromlen, ov, routine);
  return AlwaysPending(ret, received, received_before, flags, flags_before);
}

int WSAAPI wsac_proxy_WSASend(SOCKET s, LPWSABUF buffers, DWORD count, LPDWORD sent, DWORD flags, LPWSAOVERLAPPED ov,
                              LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
  if (!Pends(s, ov)) return WSAC_REAL(WSASend)(s, buffers, count, sent, flags, ov, routine);
  const DWORD sent_before = sent != nullptr ? *sent : 0;
  int ret = WSAC_REAL(WSASend)(s, buffers, count, sent, flags, ov, routine);
  return AlwaysPending(ret, sent, sent_before, nullptr, 0);
}

int WSAAPI wsac_proxy_WSASendTo(SOCKET s, LPWSABUF buffers, DWORD count, LPDWORD sent, DWORD flags, const sockaddr* to,
                                int tolen, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
  if (!Pends(s, ov)) return WSAC_REAL(WSASendTo)(s, buffers, count, sent, flags, to, tolen, ov, routine);
  const DWORD sent_before = sent != nullptr ? *sent : 0;
  int ret = WSAC_REAL(WSASendTo)(s, buffers, count, sent, flags, to, tolen, ov, routine);
  return AlwaysPending(ret, sent, sent_before, nullptr, 0);
}

}  // extern "C"
