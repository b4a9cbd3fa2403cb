// The mock's clock (mock_model.h, "Time"): virtual time moves only when every
// thread waits and nothing else can happen, and then exactly to the earliest
// wake-up; the real clock still works. Every expectation is on the mock's
// clock (GetTickCount64), none on how long the test took.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "tests/cpp/mock/mock_test_util.h"

namespace wsac::mocktest {
namespace {

class MockClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MockOptions options;
    options.clock = MockClock::kVirtual;
    provider_ = MakeMockProvider(options);
    ASSERT_NE(provider_, nullptr);
  }
  Provider& P() { return *provider_; }
  std::unique_ptr<Provider> provider_;
};

TEST_F(MockClockTest, StandsStillWhileNobodyWaits) {
  const std::uint64_t start = P().GetTickCount64();
  Pair p = TcpPair(P());
  ASSERT_EQ(SendBytes(P(), p.a, Pattern(3000)), 3000);
  EXPECT_EQ(RecvBytes(P(), p.b, 3000).size(), 3000u);
  EXPECT_EQ(P().SleepEx(0, FALSE), 0u);
  EXPECT_EQ(P().GetTickCount64(), start);
}

TEST_F(MockClockTest, EveryTimedWaitEndsExactlyAtItsTimeout) {
  Pair p = TcpPair(P());
  WSAEVENT e = P().WSACreateEvent();
  std::uint64_t t = P().GetTickCount64();
  auto elapsed = [&] {
    const std::uint64_t now = P().GetTickCount64();
    return now - std::exchange(t, now);
  };
  EXPECT_EQ(P().WSAWaitForMultipleEvents(1, &e, FALSE, 100, FALSE), static_cast<DWORD>(WSA_WAIT_TIMEOUT));
  EXPECT_EQ(elapsed(), 100u);
  EXPECT_EQ(P().WSAWaitForMultipleEvents(1, &e, FALSE, 35, TRUE), static_cast<DWORD>(WSA_WAIT_TIMEOUT));
  EXPECT_EQ(elapsed(), 35u);
  EXPECT_EQ(P().SleepEx(250, FALSE), 0u);
  EXPECT_EQ(elapsed(), 250u);
  EXPECT_EQ(P().SleepEx(40, TRUE), 0u);
  EXPECT_EQ(elapsed(), 40u);

  HANDLE port = P().CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
  DWORD bytes = 0;
  ULONG_PTR key = 0;
  LPOVERLAPPED ov = nullptr;
  EXPECT_FALSE(P().GetQueuedCompletionStatus(port, &bytes, &key, &ov, 70));
  EXPECT_EQ(P().GetLastError(), static_cast<DWORD>(WAIT_TIMEOUT));
  EXPECT_EQ(elapsed(), 70u);

  const int timeout_ms = 30;
  ASSERT_EQ(P().setsockopt(p.b, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&timeout_ms), sizeof(int)), 0);
  EXPECT_EQ(RecvBytes(P(), p.b, 8), "");
  EXPECT_EQ(P().WSAGetLastError(), WSAETIMEDOUT);
  EXPECT_EQ(elapsed(), 30u);

  P().CloseHandle(port);
  P().WSACloseEvent(e);
}

// Waits that end by time end in deadline order, each at its own deadline,
// however the threads are scheduled; the main thread meanwhile is blocked
// in join, outside the mock, which does not hold the clock.
TEST_F(MockClockTest, WaitersOnSeveralThreadsWakeInDeadlineOrder) {
  if (!VirtualClockSeesEveryThread()) GTEST_SKIP() << "no thread probe on this platform";
  const std::uint64_t start = P().GetTickCount64();
  const DWORD sleeps[] = {300, 100, 200, 100};
  std::uint64_t woke[4] = {};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      P().SleepEx(sleeps[i], i % 2 == 0);
      woke[i] = P().GetTickCount64();
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(woke[i] - start, sleeps[i]) << "thread " << i;
}

// A thread that has not called in yet is still starting up: it holds the
// clock, so the event it sets arrives before a timeout it could not have
// beaten in real time either.
TEST_F(MockClockTest, ThreadNotYetCalledInHoldsTheClock) {
  if (!VirtualClockSeesEveryThread()) GTEST_SKIP() << "no thread probe on this platform";
  WSAEVENT e = P().WSACreateEvent();
  const std::uint64_t start = P().GetTickCount64();
  for (int round = 0; round < 50; ++round) {
    ASSERT_TRUE(P().WSAResetEvent(e));
    std::thread setter([&] { P().WSASetEvent(e); });
    EXPECT_EQ(P().WSAWaitForMultipleEvents(1, &e, FALSE, 1000, FALSE), WSA_WAIT_EVENT_0) << "round " << round;
    setter.join();
  }
  EXPECT_EQ(P().GetTickCount64(), start);
  P().WSACloseEvent(e);
}

// A registered thread computing outside the mock holds the clock: a 10 ms
// wait does not time out while it computes for longer than that.
TEST_F(MockClockTest, ComputingThreadHoldsTheClock) {
  if (!VirtualClockSeesEveryThread()) GTEST_SKIP() << "no thread probe on this platform";
  WSAEVENT e = P().WSACreateEvent();
  std::atomic<std::uint64_t> sink{0};
  std::thread worker([&] {
    P().GetTickCount64();  // registers
    std::uint64_t x = 1;
    for (int i = 0; i < 20'000'000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
    sink = x;
    P().WSASetEvent(e);
  });
  const std::uint64_t start = P().GetTickCount64();
  EXPECT_EQ(P().WSAWaitForMultipleEvents(1, &e, FALSE, 10, FALSE), WSA_WAIT_EVENT_0);
  EXPECT_EQ(P().GetTickCount64(), start);
  worker.join();
  P().WSACloseEvent(e);
}

// A thread blocked on a condition variable outside the mock does not hold
// the clock: the worker's wait ends, and its result reaches the main thread.
TEST_F(MockClockTest, ThreadBlockedOutsideTheMockLetsTheClockMove) {
  if (!VirtualClockSeesEveryThread()) GTEST_SKIP() << "no thread probe on this platform";
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::uint64_t slept = 0;
  P().GetTickCount64();  // the main thread is registered, and then blocked outside
  std::thread worker([&] {
    const std::uint64_t before = P().GetTickCount64();
    P().SleepEx(500, FALSE);
    std::lock_guard lock(m);
    slept = P().GetTickCount64() - before;
    done = true;
    cv.notify_all();
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done; });
  }
  worker.join();
  EXPECT_EQ(slept, 500u);
}

// Chaos: a deferred indication comes at its due time on the virtual clock,
// within the chaos delay of its call; a seed replays the same choices and the
// same times.
std::vector<std::pair<bool, std::uint64_t>> ChaosRun(std::uint64_t seed) {
  MockOptions options;
  options.clock = MockClock::kVirtual;
  options.chaos_seed = seed;
  auto provider = MakeMockProvider(options);
  Provider& p = *provider;
  Pair pair = TcpPair(p);
  std::vector<std::pair<bool, std::uint64_t>> log;  // pended, virtual ms until indicated
  for (int i = 0; i < 60; ++i) {
    Ov o(p);
    char buf[16];
    WSABUF wb{sizeof buf, buf};
    DWORD flags = 0, got = 0;
    EXPECT_EQ(SendBytes(p, pair.a, Pattern(1 + i % 16, i)), 1 + i % 16);
    const std::uint64_t start = p.GetTickCount64();
    const int rc = p.WSARecv(pair.b, &wb, 1, &got, &flags, &o.ov, nullptr);
    const bool pended = rc != 0 && p.WSAGetLastError() == WSA_IO_PENDING;
    EXPECT_TRUE(rc == 0 || pended);
    EXPECT_TRUE(o.Signaled(kWaitMs));
    log.emplace_back(pended, p.GetTickCount64() - start);
  }
  return log;
}

TEST(MockClockChaos, DeferredIndicationsComeAtTheirDueTimeAndReplay) {
  const auto first = ChaosRun(7);
  EXPECT_EQ(ChaosRun(7), first);
  int pended = 0;
  for (const auto& [was_pending, waited] : first) {
    pended += was_pending;
    EXPECT_LE(waited, 2u) << "a deferred indication comes within the chaos delay (2 ms)";
    if (!was_pending) {
      EXPECT_EQ(waited, 0u) << "an indication not deferred is there when the call returns";
    }
  }
  EXPECT_GT(pended, 0) << "seed 7 defers no indication: the test checks nothing";
}

TEST(MockRealClock, WaitsAndTheClockAreTheMachines) {
  MockOptions options;
  options.clock = MockClock::kReal;
  auto provider = MakeMockProvider(options);
  Provider& p = *provider;
  WSAEVENT e = p.WSACreateEvent();
  const std::uint64_t start = p.GetTickCount64();
  EXPECT_EQ(p.WSAWaitForMultipleEvents(1, &e, FALSE, 20, FALSE), static_cast<DWORD>(WSA_WAIT_TIMEOUT));
  EXPECT_GE(p.GetTickCount64() - start, 19u);
  std::thread setter([&] { p.WSASetEvent(e); });
  EXPECT_EQ(p.WSAWaitForMultipleEvents(1, &e, FALSE, kWaitMs, FALSE), WSA_WAIT_EVENT_0);
  setter.join();
  p.WSACloseEvent(e);
}

}  // namespace
}  // namespace wsac::mocktest
