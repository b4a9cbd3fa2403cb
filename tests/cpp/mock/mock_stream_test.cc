// Stream sockets: setup, ordered bytes, posted receives, close, shutdown,
// buffers and flow control, blocking/non-blocking modes, bad input.
#include <cstring>
#include <thread>

#include "tests/cpp/mock/mock_test_util.h"

namespace wsac::mocktest {
namespace {

TEST(MockProviderTest, NamesBuildAndFaults) {
  auto p = MakeMockProvider({});
  EXPECT_EQ(p->Name(), "mock");
  EXPECT_EQ(p->Build(), "mock");
  MockOptions chaos;
  chaos.chaos_seed = 7;
  EXPECT_EQ(MakeMockProvider(chaos)->Build(), "mock (chaos seed 7)");
  const auto faults = MockFaultNames();
  EXPECT_EQ(faults, (std::set<std::string>{"rcvbuf0-stream-drops", "rcvbuf0-dgram-keeps", "no-buffering",
                                           "closesocket-leaves-pending", "stream-waits-to-fill",
                                           "datagram-truncation-keeps-rest",
                                           // ---- extension functions: messages and transmit ----
                                           "recvmsg-refusal-signals-event", "recvmsg-null-msg-einval",
                                           "recvmsg-null-name-accepted", "recvmsg-null-control-accepted",
                                           "recvmsg-first-buffer-only", "recvmsg-name-unstored",
                                           "recvmsg-trunc-unreported", "sendmsg-refusal-signals-event",
                                           "sendmsg-first-buffer-only", "transmitfile-refusal-signals-event",
                                           "transmitfile-tail-first", "transmitpackets-refusal-signals-event",
                                           "transmitpackets-last-element-dropped", "recvmsg-peek-ignored",
                                           "transmitfile-datagram-sent"}));
  MockOptions bad;
  bad.faults = {"no-such-fault"};
  EXPECT_EQ(MakeMockProvider(bad), nullptr);
  for (const auto& f : faults) {
    MockOptions one;
    one.faults = {f};
    EXPECT_NE(MakeMockProvider(one), nullptr) << f;
  }
}

TEST_F(MockTest, ConnectAcceptAndAddresses) {
  for (int af : {AF_INET, AF_INET6}) {
    SOCKET l = P().socket(af, SOCK_STREAM, 0);
    sockaddr_storage any = AnyAddr(af, 0);  // INADDR_ANY / in6addr_any accepted
    ASSERT_EQ(P().bind(l, Sa(any), AddrLen(af)), 0);
    sockaddr_storage bound;
    int len = sizeof(bound);
    ASSERT_EQ(P().getsockname(l, Sa(bound), &len), 0);
    EXPECT_EQ(len, AddrLen(af));
    EXPECT_GE(PortOf(bound), 49152);  // port 0 picked an ephemeral port
    ASSERT_EQ(P().listen(l, 5), 0);
    SOCKET c = P().socket(af, SOCK_STREAM, 0);
    sockaddr_storage to = Loopback(af, PortOf(bound));
    ASSERT_EQ(P().connect(c, Sa(to), AddrLen(af)), 0);
    sockaddr_storage peer;
    len = sizeof(peer);
    SOCKET a = P().accept(l, Sa(peer), &len);
    ASSERT_NE(a, INVALID_SOCKET);
    sockaddr_storage cname;
    int clen = sizeof(cname);
    ASSERT_EQ(P().getsockname(c, Sa(cname), &clen), 0);
    EXPECT_EQ(std::memcmp(&cname, &peer, static_cast<std::size_t>(AddrLen(af))), 0);
    sockaddr_storage apeer;
    int alen = sizeof(apeer);
    ASSERT_EQ(P().getpeername(c, Sa(apeer), &alen), 0);
    EXPECT_EQ(PortOf(apeer), PortOf(bound));
    EXPECT_EQ(SendBytes(P(), c, "hello"), 5);
    EXPECT_EQ(RecvBytes(P(), a, 100), "hello");
    // Nobody listening: refused.
    SOCKET d = P().socket(af, SOCK_STREAM, 0);
    sockaddr_storage nowhere = Loopback(af, 1);
    EXPECT_EQ(P().connect(d, Sa(nowhere), AddrLen(af)), SOCKET_ERROR);
    EXPECT_EQ(P().WSAGetLastError(), WSAECONNREFUSED);
    for (SOCKET s : {l, c, a, d}) EXPECT_EQ(P().closesocket(s), 0);
  }
}

TEST_F(MockTest, BindConflictsAndBadAddresses) {
  SOCKET a = P().socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_storage addr = Loopback(AF_INET, 0);
  ASSERT_EQ(P().bind(a, Sa(addr), AddrLen(AF_INET)), 0);
  int len = sizeof(addr);
  P().getsockname(a, Sa(addr), &len);
  SOCKET b = P().socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(P().bind(b, Sa(addr), AddrLen(AF_INET)), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEADDRINUSE);
  EXPECT_EQ(P().bind(b, Sa(addr), 4), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEFAULT);
  EXPECT_EQ(P().bind(a, Sa(addr), AddrLen(AF_INET)), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEINVAL);  // already bound
  sockaddr_storage v6 = Loopback(AF_INET6, 0);
  EXPECT_EQ(P().bind(b, Sa(v6), AddrLen(AF_INET6)), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEAFNOSUPPORT);
  EXPECT_EQ(P().WSASocketW(99, SOCK_STREAM, 0, nullptr, 0, 0), INVALID_SOCKET);
  EXPECT_EQ(P().WSAGetLastError(), WSAEAFNOSUPPORT);
  EXPECT_EQ(P().WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_UDP, nullptr, 0, 0), INVALID_SOCKET);
  EXPECT_EQ(P().WSAGetLastError(), WSAEPROTONOSUPPORT);
}

TEST_F(MockTest, ImmediateReceiveWritesResultsAndSignals) {
  Pair p = TcpPair(P());
  ASSERT_EQ(SendBytes(P(), p.a, "abcdef"), 6);
  Ov o(P());
  char buf[16];
  WSABUF wb{sizeof(buf), buf};
  DWORD got = 777, flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, &o.ov, nullptr), 0);  // S8, S14
  EXPECT_EQ(got, 6u);
  EXPECT_EQ(std::string(buf, 6), "abcdef");
  EXPECT_TRUE(o.Signaled());
  EXPECT_EQ(o.ov.Internal, STATUS_SUCCESS);
  EXPECT_EQ(o.ov.InternalHigh, 6u);
  DWORD t = 0, f = 1;
  EXPECT_TRUE(P().WSAGetOverlappedResult(p.b, &o.ov, &t, FALSE, &f));
  EXPECT_EQ(t, 6u);
  EXPECT_EQ(f, 0u);
}

TEST_F(MockTest, PendingReceiveLeavesOutParamsAndCompletesOnData) {
  Pair p = TcpPair(P());
  Ov o(P());
  P().WSASetEvent(o.ov.hEvent);  // the pending call must reset it
  char buf[16];
  WSABUF wb{sizeof(buf), buf};
  DWORD got = 777, flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, &o.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSAGetLastError(), WSA_IO_PENDING);
  EXPECT_EQ(got, 777u);
  EXPECT_FALSE(o.Signaled());
  EXPECT_EQ(o.ov.Internal, STATUS_PENDING);
  DWORD t = 55, f = 0;
  EXPECT_FALSE(P().WSAGetOverlappedResult(p.b, &o.ov, &t, FALSE, &f));
  EXPECT_EQ(P().WSAGetLastError(), WSA_IO_INCOMPLETE);
  ASSERT_EQ(SendBytes(P(), p.a, "xyz"), 3);  // S7
  EXPECT_TRUE(o.Signaled());
  EXPECT_TRUE(P().WSAGetOverlappedResult(p.b, &o.ov, &t, TRUE, &f));
  EXPECT_EQ(t, 3u);
  EXPECT_EQ(std::string(buf, 3), "xyz");
  EXPECT_EQ(got, 777u);
}

TEST_F(MockTest, PostedReceivesFilledInOrder) {
  Pair p = TcpPair(P());
  Ov o1(P()), o2(P());
  char b1[16], b2[16];
  WSABUF w1{16, b1}, w2{16, b2};
  DWORD flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &w1, 1, nullptr, &flags, &o1.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSARecv(p.b, &w2, 1, nullptr, &flags, &o2.ov, nullptr), SOCKET_ERROR);
  const std::string data = Pattern(32);
  ASSERT_EQ(SendBytes(P(), p.a, data), 32);
  ASSERT_TRUE(o1.Signaled() && o2.Signaled());
  EXPECT_EQ(std::string(b1, 16), data.substr(0, 16));
  EXPECT_EQ(std::string(b2, 16), data.substr(16, 16));
}

TEST_F(MockTest, ScatterGatherPacksBuffersInArrayOrder) {
  Pair p = TcpPair(P());
  char s1[] = "abc", s2[] = "defgh";
  WSABUF sb[2] = {{3, s1}, {5, s2}};
  DWORD sent = 0;
  ASSERT_EQ(P().WSASend(p.a, sb, 2, &sent, 0, nullptr, nullptr), 0);
  EXPECT_EQ(sent, 8u);
  char r1[2], r2[10];
  WSABUF rb[2] = {{2, r1}, {10, r2}};
  DWORD got = 0, flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, rb, 2, &got, &flags, nullptr, nullptr), 0);
  EXPECT_EQ(got, 8u);
  EXPECT_EQ(std::string(r1, 2) + std::string(r2, 6), "abcdefgh");
}

TEST_F(MockTest, ZeroByteReceiveIsAReadinessProbe) {
  Pair p = TcpPair(P());
  Ov o(P());
  WSABUF wb{0, nullptr};
  DWORD flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSAGetLastError(), WSA_IO_PENDING);
  ASSERT_EQ(SendBytes(P(), p.a, "data"), 4);
  ASSERT_TRUE(o.Signaled());
  EXPECT_EQ(o.ov.InternalHigh, 0u);
  EXPECT_EQ(RecvBytes(P(), p.b, 10), "data");  // nothing consumed
}

TEST_F(MockTest, GracefulCloseCompletesPendingReceiveWithZero) {
  Pair p = TcpPair(P());
  Ov o(P());
  char buf[8];
  WSABUF wb{8, buf};
  DWORD flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(SendBytes(P(), p.a, "last"), 4);
  ASSERT_EQ(P().closesocket(p.a), 0);
  ASSERT_TRUE(o.Signaled());
  EXPECT_EQ(o.ov.InternalHigh, 4u);
  Ov o2(P());
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o2.ov, nullptr), 0);  // EOF at once
  EXPECT_EQ(o2.ov.InternalHigh, 0u);
  EXPECT_EQ(o2.ov.Internal, STATUS_SUCCESS);
}

TEST_F(MockTest, GracefulCloseDeliversBufferedDataFirst) {
  Pair p = TcpPair(P());
  ASSERT_EQ(SendBytes(P(), p.a, "buffered"), 8);
  ASSERT_EQ(P().closesocket(p.a), 0);
  EXPECT_EQ(RecvBytes(P(), p.b, 100), "buffered");
  char buf[4];
  WSABUF wb{4, buf};
  DWORD got = 9, flags = 0;
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, nullptr, nullptr), 0);
  EXPECT_EQ(got, 0u);
}

TEST_F(MockTest, AbortiveCloseFailsPendingReceiveThenResets) {
  Pair p = TcpPair(P());
  Ov o(P());
  char buf[8];
  WSABUF wb{8, buf};
  DWORD flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o.ov, nullptr), SOCKET_ERROR);
  linger lg{1, 0};
  ASSERT_EQ(P().setsockopt(p.a, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&lg), sizeof(lg)), 0);
  ASSERT_EQ(P().closesocket(p.a), 0);
  ASSERT_TRUE(o.Signaled());
  DWORD t = 0, f = 0;
  EXPECT_FALSE(P().WSAGetOverlappedResult(p.b, &o.ov, &t, FALSE, &f));
  EXPECT_EQ(P().WSAGetLastError(), ERROR_NETNAME_DELETED);
  EXPECT_EQ(o.ov.Internal, STATUS_CONNECTION_RESET);
  Ov o2(P());
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o2.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAECONNRESET);
  EXPECT_FALSE(o2.Signaled());  // S18: a failed call gives no indication
  EXPECT_EQ(SendBytes(P(), p.b, "x"), -1);
  EXPECT_EQ(P().WSAGetLastError(), WSAECONNRESET);
}

TEST_F(MockTest, ShutdownReceiveKeepsPendingReceive) {
  Pair p = TcpPair(P());
  Ov o(P());
  char buf[8];
  WSABUF wb{8, buf};
  DWORD flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().shutdown(p.b, SD_RECEIVE), 0);
  EXPECT_FALSE(o.Signaled());
  DWORD got = 0;
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, nullptr, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAESHUTDOWN);
  ASSERT_EQ(SendBytes(P(), p.a, "late"), 4);
  ASSERT_TRUE(o.Signaled());
  EXPECT_EQ(o.ov.InternalHigh, 4u);
  EXPECT_EQ(P().shutdown(p.b, 7), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEINVAL);
}

TEST_F(MockTest, ShutdownSendGivesPeerEndOfData) {
  Pair p = TcpPair(P());
  ASSERT_EQ(SendBytes(P(), p.a, "tail"), 4);
  ASSERT_EQ(P().shutdown(p.a, SD_SEND), 0);
  EXPECT_EQ(SendBytes(P(), p.a, "more"), -1);
  EXPECT_EQ(P().WSAGetLastError(), WSAESHUTDOWN);
  EXPECT_EQ(RecvBytes(P(), p.b, 100), "tail");
  char c;
  WSABUF wb{1, &c};
  DWORD got = 5, flags = 0;
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, nullptr, nullptr), 0);
  EXPECT_EQ(got, 0u);
  // The other direction still works.
  EXPECT_EQ(SendBytes(P(), p.b, "back"), 4);
  EXPECT_EQ(RecvBytes(P(), p.a, 100), "back");
}

TEST_F(MockTest, BufferSizeOptionsDefaultAndSet) {
  Pair p = TcpPair(P());
  int v = 0, len = sizeof(v);
  ASSERT_EQ(P().getsockopt(p.a, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&v), &len), 0);
  EXPECT_EQ(v, 65536);
  len = sizeof(v);
  ASSERT_EQ(P().getsockopt(p.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<char*>(&v), &len), 0);
  EXPECT_EQ(v, 65536);
  v = 1234;
  ASSERT_EQ(P().setsockopt(p.a, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&v), sizeof(v)), 0);
  len = sizeof(v);
  ASSERT_EQ(P().getsockopt(p.a, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&v), &len), 0);
  EXPECT_EQ(v, 1234);
  len = 2;
  EXPECT_EQ(P().getsockopt(p.a, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&v), &len), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEFAULT);
  EXPECT_EQ(P().setsockopt(p.a, SOL_SOCKET, 0x7777, reinterpret_cast<char*>(&v), sizeof(v)), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAENOPROTOOPT);
}

TEST_F(MockTest, StreamRcvbufZeroTakesDataOnlyIntoPostedBuffers) {
  Pair p = TcpPair(P());
  int zero = 0;
  ASSERT_EQ(P().setsockopt(p.b, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&zero), sizeof(zero)), 0);
  const std::string data = Pattern(1000);
  ASSERT_EQ(SendBytes(P(), p.a, data), 1000);  // held in the sender's buffer
  u_long avail = 99;
  ASSERT_EQ(P().ioctlsocket(p.b, FIONREAD, &avail), 0);
  EXPECT_EQ(avail, 0u);
  EXPECT_EQ(RecvBytes(P(), p.b, 2000), data);  // S10: nothing lost
}

TEST_F(MockTest, FullPeerBufferMakesOverlappedSendPendUntilDrained) {
  Pair p = TcpPair(P());
  int zero = 0;
  ASSERT_EQ(P().setsockopt(p.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<char*>(&zero), sizeof(zero)), 0);
  const std::string data = Pattern(200000);
  Ov o(P());
  WSABUF wb{static_cast<ULONG>(data.size()), const_cast<char*>(data.data())};
  DWORD sent = 5;
  ASSERT_EQ(P().WSASend(p.a, &wb, 1, &sent, 0, &o.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSAGetLastError(), WSA_IO_PENDING);
  EXPECT_EQ(sent, 5u);
  std::string got;
  while (got.size() < data.size()) {
    std::string chunk = RecvBytes(P(), p.b, 70000);
    ASSERT_FALSE(chunk.empty());
    got += chunk;
  }
  EXPECT_EQ(got, data);
  ASSERT_TRUE(o.Signaled());
  DWORD t = 0, f = 0;
  ASSERT_TRUE(P().WSAGetOverlappedResult(p.a, &o.ov, &t, FALSE, &f));
  EXPECT_EQ(t, 200000u);  // full byte count
}

TEST_F(MockTest, SendBufferAbsorbsUntilFullThenSendsPend) {
  Pair p = TcpPair(P());
  int zero = 0;
  ASSERT_EQ(P().setsockopt(p.b, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&zero), sizeof(zero)), 0);
  const std::string data = Pattern(65536);
  Ov o1(P()), o2(P());
  WSABUF wb{static_cast<ULONG>(data.size()), const_cast<char*>(data.data())};
  ASSERT_EQ(P().WSASend(p.a, &wb, 1, nullptr, 0, &o1.ov, nullptr), 0);  // fits SO_SNDBUF
  ASSERT_EQ(P().WSASend(p.a, &wb, 1, nullptr, 0, &o2.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSAGetLastError(), WSA_IO_PENDING);
  // A non-blocking plain send cannot jump the queue.
  u_long one = 1;
  ASSERT_EQ(P().ioctlsocket(p.a, FIONBIO, &one), 0);
  EXPECT_EQ(SendBytes(P(), p.a, "x"), -1);
  EXPECT_EQ(P().WSAGetLastError(), WSAEWOULDBLOCK);
  std::string got;
  while (got.size() < 2 * data.size()) got += RecvBytes(P(), p.b, 100000);
  EXPECT_EQ(got, data + data);
  EXPECT_TRUE(o2.Signaled());
}

TEST_F(MockTest, NonOverlappedSocketNeverPends) {
  Pair p = TcpPair(P(), AF_INET, 0);
  Ov o(P());
  char buf[8];
  WSABUF wb{8, buf};
  DWORD got = 0, flags = 0;
  u_long one = 1;
  ASSERT_EQ(P().ioctlsocket(p.b, FIONBIO, &one), 0);
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEWOULDBLOCK);  // S3
  EXPECT_FALSE(o.Signaled());
  u_long zero = 0;
  ASSERT_EQ(P().ioctlsocket(p.b, FIONBIO, &zero), 0);
  std::thread sender([&] { SendBytes(P(), p.a, "late"); });
  // Blocking mode: the overlapped call blocks like recv until data.
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, &o.ov, nullptr), 0);
  sender.join();
  EXPECT_EQ(got, 4u);
  EXPECT_TRUE(o.Signaled());
}

TEST_F(MockTest, OverlappedCallsIgnoreNonBlockingMode) {
  Pair p = TcpPair(P());
  u_long one = 1;
  ASSERT_EQ(P().ioctlsocket(p.b, FIONBIO, &one), 0);
  Ov o(P());
  char buf[8];
  WSABUF wb{8, buf};
  DWORD flags = 0;
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSA_IO_PENDING);  // S6: not WSAEWOULDBLOCK
  DWORD got = 0;
  Ov plain(P());
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, nullptr, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEWOULDBLOCK);
  ASSERT_EQ(SendBytes(P(), p.a, "ok"), 2);
  EXPECT_TRUE(o.Signaled());
  // Mode unchanged by overlapped I/O (S5).
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, nullptr, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEWOULDBLOCK);
}

TEST_F(MockTest, FionreadAndFionbioThroughBothCalls) {
  Pair p = TcpPair(P());
  ASSERT_EQ(SendBytes(P(), p.a, "12345"), 5);
  u_long n = 0;
  ASSERT_EQ(P().ioctlsocket(p.b, FIONREAD, &n), 0);
  EXPECT_EQ(n, 5u);
  DWORD ret = 0;
  u_long out = 0;
  Ov o(P());
  ASSERT_EQ(P().WSAIoctl(p.b, FIONREAD, nullptr, 0, &out, sizeof(out), &ret, &o.ov, nullptr), 0);
  EXPECT_EQ(out, 5u);
  EXPECT_EQ(ret, sizeof(u_long));
  EXPECT_TRUE(o.Signaled());  // S27: immediate ioctls still indicate
  u_long one = 1;
  ASSERT_EQ(P().WSAIoctl(p.b, FIONBIO, &one, sizeof(one), nullptr, 0, &ret, nullptr, nullptr), 0);
  EXPECT_EQ(P().ioctlsocket(p.b, FIONREAD, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEFAULT);
  EXPECT_EQ(P().ioctlsocket(p.b, 0x1234, &one), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEINVAL);
}

TEST_F(MockTest, BadInputFailsWithoutIndication) {
  Pair p = TcpPair(P());
  Ov o(P());
  char buf[8];
  WSABUF wb{8, buf};
  DWORD flags = 0, got = 0;
  EXPECT_EQ(P().WSARecv(0xdead0, &wb, 1, &got, &flags, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAENOTSOCK);
  EXPECT_EQ(P().WSARecv(p.b, &wb, 0, &got, &flags, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEINVAL);
  EXPECT_EQ(P().WSARecv(p.b, nullptr, 1, &got, &flags, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEFAULT);
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, &got, nullptr, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEFAULT);
  flags = 0x40000;
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEINVAL);
  EXPECT_EQ(P().WSASend(p.a, nullptr, 1, &got, 0, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEFAULT);
  EXPECT_EQ(P().WSASend(p.a, &wb, 0, &got, 0, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEINVAL);
  WSABUF nullbuf{4, nullptr};
  EXPECT_EQ(P().WSASend(p.a, &nullbuf, 1, &got, 0, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEFAULT);
  EXPECT_FALSE(o.Signaled());
  // A closed socket is not a socket any more.
  ASSERT_EQ(P().closesocket(p.a), 0);
  EXPECT_EQ(P().closesocket(p.a), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAENOTSOCK);
  EXPECT_EQ(P().WSASend(p.a, &wb, 1, &got, 0, nullptr, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAENOTSOCK);
  // Unconnected stream.
  flags = 0;
  SOCKET s = P().socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(P().WSARecv(s, &wb, 1, &got, &flags, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAENOTCONN);
  EXPECT_FALSE(o.Signaled());
}

TEST_F(MockTest, LastErrorIsPerThread) {
  P().WSASetLastError(1234);
  std::thread other([&] {
    EXPECT_EQ(P().WSAGetLastError(), 0);
    P().closesocket(0xbad0);
    EXPECT_EQ(P().WSAGetLastError(), WSAENOTSOCK);
  });
  other.join();
  EXPECT_EQ(P().WSAGetLastError(), 1234);
  EXPECT_EQ(P().GetLastError(), 1234u);
}

}  // namespace
}  // namespace wsac::mocktest
