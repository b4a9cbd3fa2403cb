// IOCTL-8: SIO_BASE_HANDLE answers with the base service provider's socket.
// The Winsock IOCTLs page says a layered provider never intercepts it, since
// the answer must be the base provider's handle: programs that go around the
// layers (AFD polling in libuv, c-ares, wepoll) depend on it. For a socket a
// base provider serves that is the socket itself; for a layered provider's
// socket it is a socket of the base provider for the same endpoint, which is
// all the page lets a case ask of it.
#include <cstring>
#include <string>

#include "suite/fixtures/pair_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr int kBaseProtocol = 1;  // ProtocolChain.ChainLen of a base provider's entry

class BaseHandle : public PairCase {};

// IOCTL-8: the call returns 0 and gives the socket itself for a base
// provider's socket, or a socket with the same local and peer addresses for
// a layered provider's.
WSAC_CASE_P(BaseHandle, IsTheBaseProvidersSocket, "IOCTL-8") {
  WSAPROTOCOL_INFOW info{};
  int info_len = static_cast<int>(sizeof info);
  if (p.getsockopt(pair.a, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info), &info_len) != 0)
    throw SetupFailed("getsockopt(SO_PROTOCOL_INFOW) failed with " + std::to_string(p.WSAGetLastError()));
  Observe("protocol.chain_length", info.ProtocolChain.ChainLen);

  // A sentinel no provider would answer with: a value left alone shows.
  SOCKET base = static_cast<SOCKET>(0x5A5A5A5Au);
  DWORD returned = 0;
  int ret = p.WSAIoctl(pair.a, SIO_BASE_HANDLE, nullptr, 0, &base, sizeof base, &returned, nullptr, nullptr);
  ObserveCall("ioctl", ret, ret == 0 ? 0 : p.WSAGetLastError());
  WSAC_ASSERT_EQ("IOCTL-8", ret, 0) << "SIO_BASE_HANDLE was refused: a layered provider never intercepts it";
  Observe("base_is_socket", base == pair.a ? 1 : 0);

  if (info.ProtocolChain.ChainLen == kBaseProtocol) {
    WSAC_EXPECT_EQ("IOCTL-8", base, pair.a) << "a base provider's socket is its own base handle";
    return;
  }
  sockaddr_storage theirs{};
  WSAC_ASSERT_NE("IOCTL-8", AddressOf(p, base, &theirs, false), 0)
      << "the base handle names no socket (getsockname failed with " << p.WSAGetLastError() << ")";
  WSAC_EXPECT_TRUE("IOCTL-8", SameEndpoint(p, pair.a, base, false)) << "the base handle's local address is not the socket's";
  if (pair.stream()) {
    WSAC_EXPECT_TRUE("IOCTL-8", SameEndpoint(p, pair.a, base, true)) << "the base handle's peer is not the socket's";
  }
}

INSTANTIATE_TEST_SUITE_P(BaseHandles, BaseHandle, ValuesIn(Cross({.kinds = AllKinds()})), ParamName);

}  // namespace
}  // namespace wsac
