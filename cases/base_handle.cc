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

bool SameAddress(const sockaddr_storage& a, int a_len, const sockaddr_storage& b, int b_len) {
  return a_len == b_len && std::memcmp(&a, &b, static_cast<std::size_t>(a_len)) == 0;
}

class BaseHandle : public PairCase {
 protected:
  // The local (or, with peer, remote) address of s; its length is 0 when
  // the provider cannot give one.
  int AddressOf(SOCKET s, sockaddr_storage* out, bool peer) {
    *out = sockaddr_storage{};
    int len = static_cast<int>(sizeof *out);
    int ret = peer ? p.getpeername(s, reinterpret_cast<sockaddr*>(out), &len)
                   : p.getsockname(s, reinterpret_cast<sockaddr*>(out), &len);
    return ret == 0 ? len : 0;
  }
};

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
  sockaddr_storage mine{}, theirs{};
  const int mine_len = AddressOf(pair.a, &mine, false), theirs_len = AddressOf(base, &theirs, false);
  WSAC_ASSERT_NE("IOCTL-8", theirs_len, 0) << "the base handle names no socket (getsockname failed with "
                                            << p.WSAGetLastError() << ")";
  WSAC_EXPECT_TRUE("IOCTL-8", SameAddress(mine, mine_len, theirs, theirs_len))
      << "the base handle's local address is not the socket's";
  if (pair.stream()) {
    const int mine_peer_len = AddressOf(pair.a, &mine, true), theirs_peer_len = AddressOf(base, &theirs, true);
    WSAC_EXPECT_TRUE("IOCTL-8", SameAddress(mine, mine_peer_len, theirs, theirs_peer_len))
        << "the base handle's peer is not the socket's";
  }
}

INSTANTIATE_TEST_SUITE_P(BaseHandles, BaseHandle, ValuesIn(Cross({.kinds = AllKinds()})), ParamName);

}  // namespace
}  // namespace wsac
