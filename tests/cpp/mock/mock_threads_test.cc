// Several threads: blocking calls ended by close from another thread,
// concurrent senders and receivers, per-thread routine queues. Written to
// be TSan-clean: every shared value goes through the provider or atomics.
#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "tests/cpp/mock/mock_test_util.h"

namespace wsac::mocktest {
namespace {

using std::chrono::milliseconds;

TEST_F(MockTest, BlockingReceiveEndsWhenAnotherThreadCloses) {
  int interrupted = 0;
  for (int round = 0; round < 20; ++round) {
    Pair p = TcpPair(P());
    auto result = std::async(std::launch::async, [&] {
      char buf[8];
      WSABUF wb{8, buf};
      DWORD got = 0, flags = 0;
      const int rc = P().WSARecv(p.b, &wb, 1, &got, &flags, nullptr, nullptr);
      return rc == 0 ? 0 : P().WSAGetLastError();
    });
    // Either the receive was already blocked (WSAEINTR) or the close won
    // the race (WSAENOTSOCK); both must end the call, within the deadline.
    ASSERT_EQ(P().closesocket(p.b), 0);
    ASSERT_EQ(result.wait_for(milliseconds(kWaitMs)), std::future_status::ready);
    const int error = result.get();
    EXPECT_TRUE(error == WSAEINTR || error == WSAENOTSOCK) << error;
    interrupted += error == WSAEINTR;
    P().closesocket(p.a);
  }
  RecordProperty("interrupted_while_blocked", interrupted);
}

TEST_F(MockTest, BlockingAcceptEndsWhenListenerCloses) {
  SOCKET l = P().socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_storage addr = Loopback(AF_INET, 0);
  ASSERT_EQ(P().bind(l, Sa(addr), AddrLen(AF_INET)), 0);
  ASSERT_EQ(P().listen(l, 1), 0);
  auto result = std::async(std::launch::async, [&] {
    SOCKET s = P().accept(l, nullptr, nullptr);
    return s == INVALID_SOCKET ? P().WSAGetLastError() : 0;
  });
  ASSERT_EQ(P().closesocket(l), 0);
  ASSERT_EQ(result.wait_for(milliseconds(kWaitMs)), std::future_status::ready);
  const int error = result.get();
  EXPECT_TRUE(error == WSAEINTR || error == WSAENOTSOCK) << error;
}

TEST_F(MockTest, BlockingSendWaitsForPeerToDrain) {
  Pair p = TcpPair(P());
  int zero = 0;
  P().setsockopt(p.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<char*>(&zero), sizeof(zero));
  P().setsockopt(p.b, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&zero), sizeof(zero));
  const std::string data = Pattern(5000);
  auto sent = std::async(std::launch::async, [&] { return SendBytes(P(), p.a, data); });
  std::string got;
  while (got.size() < data.size()) {
    std::string chunk = RecvBytes(P(), p.b, 1000);
    ASSERT_FALSE(chunk.empty());
    got += chunk;
  }
  ASSERT_EQ(sent.wait_for(milliseconds(kWaitMs)), std::future_status::ready);
  EXPECT_EQ(sent.get(), 5000);
  EXPECT_EQ(got, data);
}

TEST_F(MockTest, BlockingReceiveEndsOnPeerShutdown) {
  Pair p = TcpPair(P());
  auto result = std::async(std::launch::async, [&] { return RecvBytes(P(), p.b, 8).size(); });
  ASSERT_EQ(P().shutdown(p.a, SD_SEND), 0);
  ASSERT_EQ(result.wait_for(milliseconds(kWaitMs)), std::future_status::ready);
  EXPECT_EQ(result.get(), 0u);
}

// Overlapped ping-pong over several pairs at once, each side on its own
// thread, checking the byte stream end to end.
TEST_F(MockTest, ConcurrentPairsKeepTheirByteStreams) {
  constexpr int kPairs = 4, kMessages = 200;
  std::vector<Pair> pairs;
  for (int i = 0; i < kPairs; ++i) pairs.push_back(TcpPair(P(), i % 2 ? AF_INET6 : AF_INET));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kPairs; ++i) {
    threads.emplace_back([&, i] {
      Ov o(P());
      for (int m = 0; m < kMessages; ++m) {
        std::string msg = Pattern(1 + (m * 37) % 3000, i + m);
        WSABUF wb{static_cast<ULONG>(msg.size()), msg.data()};
        int rc = P().WSASend(pairs[i].a, &wb, 1, nullptr, 0, &o.ov, nullptr);
        if (rc != 0 && P().WSAGetLastError() != WSA_IO_PENDING) ++failures;
        DWORD t = 0, f = 0;
        if (!P().WSAGetOverlappedResult(pairs[i].a, &o.ov, &t, TRUE, &f) || t != msg.size()) ++failures;
      }
    });
    threads.emplace_back([&, i] {
      std::string expect;
      for (int m = 0; m < kMessages; ++m) expect += Pattern(1 + (m * 37) % 3000, i + m);
      std::string got;
      Ov o(P());
      std::vector<char> buf(4096);
      while (got.size() < expect.size()) {
        WSABUF wb{static_cast<ULONG>(buf.size()), buf.data()};
        DWORD flags = 0;
        int rc = P().WSARecv(pairs[i].b, &wb, 1, nullptr, &flags, &o.ov, nullptr);
        if (rc != 0 && P().WSAGetLastError() != WSA_IO_PENDING) {
          ++failures;
          return;
        }
        DWORD t = 0, f = 0;
        if (!P().WSAGetOverlappedResult(pairs[i].b, &o.ov, &t, TRUE, &f) || t == 0) {
          ++failures;
          return;
        }
        got.append(buf.data(), t);
      }
      if (got != expect) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// Two threads post receives and two send on the same connection; every byte
// arrives exactly once and each thread's routines run on that thread only.
struct SharedCtx {
  WSAOVERLAPPED ov{};
  char buf[64];
  std::thread::id owner;
  bool done = false;
};
thread_local SharedCtx* t_shared = nullptr;
std::atomic<long> g_shared_received{0};
std::atomic<int> g_shared_wrong_thread{0};

void WSAC_CALLBACK SharedRoutine(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD) {
  if (t_shared == nullptr || &t_shared->ov != ov || t_shared->owner != std::this_thread::get_id()) {
    ++g_shared_wrong_thread;
    return;
  }
  if (error == 0) g_shared_received += bytes;
  t_shared->done = true;
}

TEST_F(MockTest, SharedSocketManyThreadsRoutinesStayOnTheirThread) {
  Pair p = TcpPair(P());
  constexpr long kSends = 300, kTotal = 2 * kSends * 10;
  g_shared_received = 0;
  g_shared_wrong_thread = 0;
  std::atomic<int> receivers_done{0};
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(10 * kWaitMs);
  auto receiver = [&] {
    SharedCtx ctx;
    ctx.owner = std::this_thread::get_id();
    t_shared = &ctx;
    while (g_shared_received.load() < kTotal && std::chrono::steady_clock::now() < deadline) {
      ctx.done = false;
      ctx.ov = WSAOVERLAPPED{};
      WSABUF wb{sizeof(ctx.buf), ctx.buf};
      DWORD flags = 0;
      int rc = P().WSARecv(p.b, &wb, 1, nullptr, &flags, &ctx.ov, SharedRoutine);
      if (rc != 0 && P().WSAGetLastError() != WSA_IO_PENDING) {
        ctx.done = true;
        break;
      }
      while (!ctx.done && std::chrono::steady_clock::now() < deadline) P().SleepEx(20, TRUE);
      if (ctx.ov.Internal != STATUS_SUCCESS) break;  // cancelled at the end
    }
    ++receivers_done;
    // Our last receive may still be pending: wait for its cancellation.
    while (!ctx.done && std::chrono::steady_clock::now() < deadline) P().SleepEx(20, TRUE);
    t_shared = nullptr;
  };
  auto sender = [&] {
    for (int i = 0; i < kSends; ++i) SendBytes(P(), p.a, Pattern(10, i));
  };
  std::thread r1(receiver), r2(receiver), s1(sender), s2(sender);
  s1.join();
  s2.join();
  // A receiver whose receive waits for data that will never come is ended
  // by cancellation, repeated until both have stopped posting.
  while (receivers_done.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    if (g_shared_received.load() == kTotal) P().CancelIoEx(AsHandle(p.b), nullptr);
    P().SleepEx(1, FALSE);
  }
  P().CancelIoEx(AsHandle(p.b), nullptr);
  r1.join();
  r2.join();
  EXPECT_EQ(g_shared_received.load(), kTotal);
  EXPECT_EQ(g_shared_wrong_thread.load(), 0);
}

}  // namespace
}  // namespace wsac::mocktest
