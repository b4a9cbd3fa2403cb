// Datagram sockets: boundaries, truncation, addresses, connected UDP,
// size limit, SO_RCVBUF 0.
#include <cstring>

#include "tests/cpp/mock/mock_test_util.h"

namespace wsac::mocktest {
namespace {

sockaddr_storage NameOf(Provider& p, SOCKET s) {
  sockaddr_storage ss;
  int len = sizeof(ss);
  EXPECT_EQ(p.getsockname(s, Sa(ss), &len), 0);
  return ss;
}

int SendTo(Provider& p, SOCKET s, const std::string& data, sockaddr_storage to, int af) {
  WSABUF b{static_cast<ULONG>(data.size()), const_cast<char*>(data.data())};
  DWORD sent = 0;
  if (p.WSASendTo(s, &b, 1, &sent, 0, Sa(to), AddrLen(af), nullptr, nullptr) != 0) return -1;
  return static_cast<int>(sent);
}

TEST_F(MockTest, DatagramBoundariesAndSourceAddress) {
  for (int af : {AF_INET, AF_INET6}) {
    SOCKET a = BoundUdp(P(), af), b = BoundUdp(P(), af);
    ASSERT_EQ(SendTo(P(), a, "one", NameOf(P(), b), af), 3);
    ASSERT_EQ(SendTo(P(), a, "second", NameOf(P(), b), af), 6);
    char buf[64];
    WSABUF wb{sizeof(buf), buf};
    DWORD got = 0, flags = 0;
    sockaddr_storage from;
    int fromlen = sizeof(from);
    ASSERT_EQ(P().WSARecvFrom(b, &wb, 1, &got, &flags, Sa(from), &fromlen, nullptr, nullptr), 0);
    EXPECT_EQ(std::string(buf, got), "one");
    EXPECT_EQ(fromlen, AddrLen(af));
    sockaddr_storage an = NameOf(P(), a);
    EXPECT_EQ(std::memcmp(&from, &an, static_cast<std::size_t>(AddrLen(af))), 0);
    ASSERT_EQ(P().WSARecv(b, &wb, 1, &got, &flags, nullptr, nullptr), 0);
    EXPECT_EQ(std::string(buf, got), "second");
  }
}

TEST_F(MockTest, PendingRecvFromFillsAddressAtCompletion) {
  SOCKET a = BoundUdp(P()), b = BoundUdp(P());
  Ov o(P());
  char buf[16];
  WSABUF wb{sizeof(buf), buf};
  DWORD flags = 0;
  sockaddr_storage from;
  std::memset(&from, 0, sizeof(from));
  int fromlen = sizeof(from);
  ASSERT_EQ(P().WSARecvFrom(b, &wb, 1, nullptr, &flags, Sa(from), &fromlen, &o.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSAGetLastError(), WSA_IO_PENDING);
  EXPECT_EQ(fromlen, static_cast<int>(sizeof(from)));
  ASSERT_EQ(SendTo(P(), a, "hi", NameOf(P(), b), AF_INET), 2);
  ASSERT_TRUE(o.Signaled());
  EXPECT_EQ(fromlen, AddrLen(AF_INET));
  EXPECT_EQ(PortOf(from), PortOf(NameOf(P(), a)));
}

TEST_F(MockTest, TruncatedDatagramReportsMsgsizeThroughIndication) {
  SOCKET a = BoundUdp(P()), b = BoundUdp(P());
  ASSERT_EQ(SendTo(P(), a, "0123456789", NameOf(P(), b), AF_INET), 10);
  ASSERT_EQ(SendTo(P(), a, "next", NameOf(P(), b), AF_INET), 4);
  Ov o(P());
  char buf[4];
  WSABUF wb{sizeof(buf), buf};
  DWORD got = 99, flags = 0;
  ASSERT_EQ(P().WSARecv(b, &wb, 1, &got, &flags, &o.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSAGetLastError(), WSA_IO_PENDING);
  ASSERT_TRUE(o.Signaled());
  EXPECT_EQ(std::string(buf, 4), "0123");
  EXPECT_EQ(o.ov.Internal, STATUS_BUFFER_OVERFLOW);
  DWORD t = 0, f = 0;
  EXPECT_FALSE(P().WSAGetOverlappedResult(b, &o.ov, &t, FALSE, &f));
  EXPECT_EQ(P().WSAGetLastError(), WSAEMSGSIZE);
  EXPECT_EQ(t, 4u);
  EXPECT_EQ(f, static_cast<DWORD>(MSG_PARTIAL));
  // The excess is gone: the next receive gets the next datagram.
  char big[16];
  WSABUF wb2{sizeof(big), big};
  ASSERT_EQ(P().WSARecv(b, &wb2, 1, &got, &flags, nullptr, nullptr), 0);
  EXPECT_EQ(std::string(big, got), "next");
  // A plain receive reports truncation directly.
  ASSERT_EQ(SendTo(P(), a, "0123456789", NameOf(P(), b), AF_INET), 10);
  EXPECT_EQ(P().WSARecv(b, &wb, 1, &got, &flags, nullptr, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEMSGSIZE);
  EXPECT_EQ(got, 4u);
}

TEST_F(MockTest, ConnectedUdpHasDefaultPeerAndFilters) {
  SOCKET a = BoundUdp(P()), b = BoundUdp(P()), c = BoundUdp(P());
  sockaddr_storage an = NameOf(P(), a), bn = NameOf(P(), b);
  ASSERT_EQ(P().connect(b, Sa(an), AddrLen(AF_INET)), 0);
  ASSERT_EQ(P().connect(a, Sa(bn), AddrLen(AF_INET)), 0);
  ASSERT_EQ(SendBytes(P(), a, "from-a"), 6);  // default peer
  ASSERT_EQ(SendTo(P(), c, "from-c", bn, AF_INET), 6);  // filtered out by b
  u_long n = 0;
  ASSERT_EQ(P().ioctlsocket(b, FIONREAD, &n), 0);
  EXPECT_EQ(n, 6u);
  EXPECT_EQ(RecvBytes(P(), b, 64), "from-a");
  sockaddr_storage peer;
  int len = sizeof(peer);
  ASSERT_EQ(P().getpeername(b, Sa(peer), &len), 0);
  EXPECT_EQ(PortOf(peer), PortOf(an));
  EXPECT_EQ(P().getpeername(c, Sa(peer), &len), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAENOTCONN);
}

TEST_F(MockTest, OversizeDatagramFailsAndSendsNothing) {
  SOCKET a = BoundUdp(P()), b = BoundUdp(P());
  EXPECT_EQ(SendTo(P(), a, std::string(65508, 'x'), NameOf(P(), b), AF_INET), -1);
  EXPECT_EQ(P().WSAGetLastError(), WSAEMSGSIZE);
  EXPECT_EQ(SendTo(P(), a, std::string(65507, 'x'), NameOf(P(), b), AF_INET), 65507);
  u_long n = 0;
  ASSERT_EQ(P().ioctlsocket(b, FIONREAD, &n), 0);
  EXPECT_EQ(n, 65507u);
}

TEST_F(MockTest, DatagramRcvbufZeroDropsUnlessReceivePosted) {
  SOCKET a = BoundUdp(P()), b = BoundUdp(P());
  int zero = 0;
  ASSERT_EQ(P().setsockopt(b, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&zero), sizeof(zero)), 0);
  ASSERT_EQ(SendTo(P(), a, "lost", NameOf(P(), b), AF_INET), 4);  // S11
  u_long n = 7;
  ASSERT_EQ(P().ioctlsocket(b, FIONREAD, &n), 0);
  EXPECT_EQ(n, 0u);
  Ov o(P());
  char buf[8];
  WSABUF wb{sizeof(buf), buf};
  DWORD flags = 0;
  ASSERT_EQ(P().WSARecv(b, &wb, 1, nullptr, &flags, &o.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(SendTo(P(), a, "kept", NameOf(P(), b), AF_INET), 4);
  ASSERT_TRUE(o.Signaled());
  EXPECT_EQ(std::string(buf, 4), "kept");
}

TEST_F(MockTest, FaultSwitchesChangeTheModel) {
  auto make = [](const char* fault) {
    MockOptions o;
    o.faults = {fault};
    return MakeMockProvider(o);
  };
  {  // rcvbuf0-dgram-keeps
    auto p = make("rcvbuf0-dgram-keeps");
    SOCKET a = BoundUdp(*p), b = BoundUdp(*p);
    int zero = 0;
    p->setsockopt(b, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&zero), sizeof(zero));
    ASSERT_EQ(SendTo(*p, a, "kept", NameOf(*p, b), AF_INET), 4);
    EXPECT_EQ(RecvBytes(*p, b, 8), "kept");
  }
  {  // rcvbuf0-stream-drops
    auto p = make("rcvbuf0-stream-drops");
    Pair s = TcpPair(*p);
    int zero = 0;
    p->setsockopt(s.b, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&zero), sizeof(zero));
    ASSERT_EQ(SendBytes(*p, s.a, "gone"), 4);  // nobody posted: lost
    Ov o(*p);
    char buf[8];
    WSABUF wb{8, buf};
    DWORD flags = 0;
    ASSERT_EQ(p->WSARecv(s.b, &wb, 1, nullptr, &flags, &o.ov, nullptr), SOCKET_ERROR);
    ASSERT_EQ(SendBytes(*p, s.a, "x"), 1);
    ASSERT_TRUE(o.Signaled());
    EXPECT_EQ(std::string(buf, o.ov.InternalHigh), "x");
  }
  {  // no-buffering
    auto p = make("no-buffering");
    Pair s = TcpPair(*p);
    ASSERT_EQ(SendBytes(*p, s.a, "gone"), 4);
    u_long n = 9;
    p->ioctlsocket(s.b, FIONREAD, &n);
    EXPECT_EQ(n, 0u);
  }
  {  // closesocket-leaves-pending
    auto p = make("closesocket-leaves-pending");
    Pair s = TcpPair(*p);
    Ov o(*p);
    char buf[4];
    WSABUF wb{4, buf};
    DWORD flags = 0;
    ASSERT_EQ(p->WSARecv(s.b, &wb, 1, nullptr, &flags, &o.ov, nullptr), SOCKET_ERROR);
    ASSERT_EQ(p->closesocket(s.b), 0);
    EXPECT_FALSE(o.Signaled(50));
    EXPECT_EQ(o.ov.Internal, STATUS_PENDING);
  }
}

}  // namespace
}  // namespace wsac::mocktest
