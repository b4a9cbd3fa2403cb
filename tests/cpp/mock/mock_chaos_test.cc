// Chaos mode: same seed, same choices; the choices stay within the
// statements (data order, S14 at return 0, every pending op indicated).
#include <cstring>
#include <memory>
#include <vector>

#include "tests/cpp/mock/mock_test_util.h"

namespace wsac::mocktest {
namespace {

std::unique_ptr<Provider> Chaos(std::uint64_t seed) {
  MockOptions o;
  o.chaos_seed = seed;
  return MakeMockProvider(o);
}

struct Trace {
  std::vector<int> returns;       // 0 or the error of each call, in call order
  std::vector<DWORD> completions;  // bytes of each op, in posting order
  std::string received;
  bool operator==(const Trace& o) const {
    return returns == o.returns && completions == o.completions && received == o.received;
  }
};

// A single-threaded scenario: interleaved overlapped sends and receives on
// one pair. Returns what a test can see; checks the statements on the way.
Trace RunScenario(Provider& p, std::string* sent_out) {
  Trace trace;
  Pair pair = TcpPair(p);
  constexpr int kOps = 60;
  std::vector<std::unique_ptr<Ov>> recv_ovs, send_ovs;
  std::vector<std::vector<char>> bufs;
  std::vector<std::string> payloads;
  std::string sent;
  for (int i = 0; i < kOps; ++i) {
    payloads.push_back(Pattern(1 + (i * 13) % 40, i));
    sent += payloads.back();
    send_ovs.push_back(std::make_unique<Ov>(p));
    WSABUF sb{static_cast<ULONG>(payloads.back().size()), payloads.back().data()};
    int rc = p.WSASend(pair.a, &sb, 1, nullptr, 0, &send_ovs.back()->ov, nullptr);
    trace.returns.push_back(rc == 0 ? 0 : p.WSAGetLastError());
    if (rc == 0) {
      EXPECT_TRUE(send_ovs.back()->Signaled());  // S14 under chaos
    }
    bufs.emplace_back(32);
    recv_ovs.push_back(std::make_unique<Ov>(p));
    WSABUF rb{32, bufs.back().data()};
    DWORD flags = 0;
    rc = p.WSARecv(pair.b, &rb, 1, nullptr, &flags, &recv_ovs.back()->ov, nullptr);
    trace.returns.push_back(rc == 0 ? 0 : p.WSAGetLastError());
    if (rc == 0) {
      EXPECT_TRUE(recv_ovs.back()->Signaled());
    }
  }
  // Drain what is left with extra receives, then collect every result.
  for (auto& o : send_ovs) {
    DWORD t = 0, f = 0;
    EXPECT_TRUE(p.WSAGetOverlappedResult(pair.a, &o->ov, &t, TRUE, &f));
  }
  p.shutdown(pair.a, SD_SEND);
  for (std::size_t i = 0; i < recv_ovs.size(); ++i) {
    DWORD t = 0, f = 0;
    EXPECT_TRUE(p.WSAGetOverlappedResult(pair.b, &recv_ovs[i]->ov, &t, TRUE, &f));
    trace.completions.push_back(t);
    trace.received.append(bufs[i].data(), t);  // S23: filled in posting order
  }
  for (;;) {
    std::string more = RecvBytes(p, pair.b, 64);
    if (more.empty()) break;
    trace.received += more;
  }
  *sent_out = sent;
  p.closesocket(pair.a);
  p.closesocket(pair.b);
  return trace;
}

TEST(MockChaosTest, SameSeedSameChoices) {
  std::string sent1, sent2, sent3;
  auto p1 = Chaos(42), p2 = Chaos(42), p3 = Chaos(43);
  Trace t1 = RunScenario(*p1, &sent1);
  Trace t2 = RunScenario(*p2, &sent2);
  Trace t3 = RunScenario(*p3, &sent3);
  EXPECT_TRUE(t1 == t2);
  EXPECT_FALSE(t1 == t3);  // another seed chooses otherwise
  EXPECT_EQ(t1.received, sent1);
  EXPECT_EQ(t3.received, sent3);
  // Chaos did take choices: some pended, some chunked.
  int pended = 0;
  for (int r : t1.returns) pended += r == WSA_IO_PENDING;
  EXPECT_GT(pended, 0);
}

TEST(MockChaosTest, DeterministicModeCompletesAtOnce) {
  auto p = MakeMockProvider({});
  std::string sent;
  Trace t = RunScenario(*p, &sent);
  EXPECT_EQ(t.received, sent);
  // Every send returns 0; a receive pends only when no data was there.
  for (std::size_t i = 0; i < t.returns.size(); i += 2) EXPECT_EQ(t.returns[i], 0);
}

TEST(MockChaosTest, ManySeedsKeepTheStatements) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto p = Chaos(seed);
    std::string sent;
    Trace t = RunScenario(*p, &sent);
    EXPECT_EQ(t.received, sent) << "seed " << seed;
    // Close under chaos still aborts what is pending (S26).
    Pair pair = TcpPair(*p);
    Ov o(*p);
    char buf[4];
    WSABUF wb{4, buf};
    DWORD flags = 0;
    int rc = p->WSARecv(pair.b, &wb, 1, nullptr, &flags, &o.ov, nullptr);
    ASSERT_EQ(rc, SOCKET_ERROR);
    ASSERT_EQ(p->WSAGetLastError(), WSA_IO_PENDING);
    ASSERT_EQ(p->closesocket(pair.b), 0);
    ASSERT_TRUE(o.Signaled(kWaitMs)) << "seed " << seed;
    EXPECT_EQ(o.ov.Internal, STATUS_CANCELLED);
  }
}

TEST(MockChaosTest, DatagramsKeepBoundariesUnderChaos) {
  auto p = Chaos(5);
  SOCKET a = BoundUdp(*p), b = BoundUdp(*p);
  sockaddr_storage bn;
  int len = sizeof(bn);
  ASSERT_EQ(p->getsockname(b, Sa(bn), &len), 0);
  std::vector<std::unique_ptr<Ov>> ovs;
  std::vector<std::vector<char>> bufs;
  for (int i = 0; i < 30; ++i) {
    bufs.emplace_back(64);
    ovs.push_back(std::make_unique<Ov>(*p));
    WSABUF rb{64, bufs.back().data()};
    DWORD flags = 0;
    int rc = p->WSARecv(b, &rb, 1, nullptr, &flags, &ovs.back()->ov, nullptr);
    ASSERT_TRUE(rc == SOCKET_ERROR && p->WSAGetLastError() == WSA_IO_PENDING);
  }
  for (int i = 0; i < 30; ++i) {
    std::string msg = Pattern(1 + i, i);
    WSABUF sb{static_cast<ULONG>(msg.size()), msg.data()};
    DWORD sent = 0;
    ASSERT_EQ(p->WSASendTo(a, &sb, 1, &sent, 0, Sa(bn), AddrLen(AF_INET), nullptr, nullptr), 0);
  }
  for (int i = 0; i < 30; ++i) {
    DWORD t = 0, f = 0;
    ASSERT_TRUE(p->WSAGetOverlappedResult(b, &ovs[i]->ov, &t, TRUE, &f));
    EXPECT_EQ(std::string(bufs[i].data(), t), Pattern(1 + i, i));
  }
}

}  // namespace
}  // namespace wsac::mocktest
