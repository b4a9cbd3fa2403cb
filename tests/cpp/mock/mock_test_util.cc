#include "tests/cpp/mock/mock_test_util.h"

#include <cstring>

namespace wsac::mocktest {

namespace {
std::uint16_t Swap(std::uint16_t v) { return static_cast<std::uint16_t>((v << 8) | (v >> 8)); }
}  // namespace

sockaddr_storage AnyAddr(int af, std::uint16_t port) {
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof(ss));
  if (af == AF_INET) {
    sockaddr_in sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = Swap(port);
    std::memcpy(&ss, &sa, sizeof(sa));
  } else {
    sockaddr_in6 sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sin6_family = AF_INET6;
    sa.sin6_port = Swap(port);
    std::memcpy(&ss, &sa, sizeof(sa));
  }
  return ss;
}

sockaddr_storage Loopback(int af, std::uint16_t port) {
  sockaddr_storage ss = AnyAddr(af, port);
  if (af == AF_INET) {
    const unsigned char ip[4] = {127, 0, 0, 1};
    std::memcpy(reinterpret_cast<char*>(&ss) + offsetof(sockaddr_in, sin_addr), ip, 4);
  } else {
    reinterpret_cast<unsigned char*>(&ss)[offsetof(sockaddr_in6, sin6_addr) + 15] = 1;
  }
  return ss;
}

int AddrLen(int af) { return af == AF_INET ? static_cast<int>(sizeof(sockaddr_in)) : static_cast<int>(sizeof(sockaddr_in6)); }

std::uint16_t PortOf(const sockaddr_storage& ss) {
  std::uint16_t port = 0;
  std::memcpy(&port, reinterpret_cast<const char*>(&ss) + 2, 2);  // sin_port and sin6_port sit at 2
  return Swap(port);
}

sockaddr* Sa(sockaddr_storage& ss) { return reinterpret_cast<sockaddr*>(&ss); }

Pair TcpPair(Provider& p, int af, DWORD flags) {
  Pair pair;
  SOCKET l = p.WSASocketW(af, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, flags);
  EXPECT_NE(l, INVALID_SOCKET);
  sockaddr_storage addr = Loopback(af, 0);
  EXPECT_EQ(p.bind(l, Sa(addr), AddrLen(af)), 0);
  int len = sizeof(addr);
  EXPECT_EQ(p.getsockname(l, Sa(addr), &len), 0);
  EXPECT_EQ(p.listen(l, SOMAXCONN), 0);
  pair.a = p.WSASocketW(af, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, flags);
  EXPECT_EQ(p.connect(pair.a, Sa(addr), AddrLen(af)), 0);
  pair.b = p.accept(l, nullptr, nullptr);
  EXPECT_NE(pair.b, INVALID_SOCKET);
  p.closesocket(l);
  return pair;
}

SOCKET BoundUdp(Provider& p, int af, DWORD flags) {
  SOCKET s = p.WSASocketW(af, SOCK_DGRAM, IPPROTO_UDP, nullptr, 0, flags);
  EXPECT_NE(s, INVALID_SOCKET);
  sockaddr_storage addr = Loopback(af, 0);
  EXPECT_EQ(p.bind(s, Sa(addr), AddrLen(af)), 0);
  return s;
}

int SendBytes(Provider& p, SOCKET s, const std::string& data) {
  WSABUF b{static_cast<ULONG>(data.size()), const_cast<char*>(data.data())};
  DWORD sent = 0;
  if (p.WSASend(s, &b, 1, &sent, 0, nullptr, nullptr) != 0) return -1;
  return static_cast<int>(sent);
}

std::string RecvBytes(Provider& p, SOCKET s, std::size_t max) {
  std::string out(max, '\0');
  WSABUF b{static_cast<ULONG>(max), out.data()};
  DWORD got = 0, flags = 0;
  if (p.WSARecv(s, &b, 1, &got, &flags, nullptr, nullptr) != 0) return "";
  out.resize(got);
  return out;
}

std::string Pattern(std::size_t n, int seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + static_cast<std::size_t>(seed)) % 26);
  return s;
}

}  // namespace wsac::mocktest
