// Completion mechanisms: events and waits, completion routines (APCs),
// completion ports, deferred ioctls, close and cancel.
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "tests/cpp/mock/mock_test_util.h"

namespace wsac::mocktest {
namespace {

// Completion routine records (a routine gets no context but its OVERLAPPED).
struct RoutineLog {
  std::vector<DWORD> errors, bytes, flags;
  std::vector<LPWSAOVERLAPPED> ovs;
  std::vector<std::thread::id> threads;
};
thread_local RoutineLog* t_log = nullptr;
RoutineLog* g_log = nullptr;  // where t_log is not set (another thread)

void WSAC_CALLBACK Routine(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags) {
  RoutineLog* log = t_log != nullptr ? t_log : g_log;
  log->errors.push_back(error);
  log->bytes.push_back(bytes);
  log->flags.push_back(flags);
  log->ovs.push_back(ov);
  log->threads.push_back(std::this_thread::get_id());
}

TEST_F(MockTest, EventsWaitAnyAllAndTimeout) {
  WSAEVENT e[2] = {P().WSACreateEvent(), P().WSACreateEvent()};
  EXPECT_EQ(P().WSAWaitForMultipleEvents(2, e, FALSE, 0, FALSE), static_cast<DWORD>(WSA_WAIT_TIMEOUT));
  EXPECT_EQ(P().WSAWaitForMultipleEvents(2, e, FALSE, 10, FALSE), static_cast<DWORD>(WSA_WAIT_TIMEOUT));
  ASSERT_TRUE(P().WSASetEvent(e[1]));
  EXPECT_EQ(P().WSAWaitForMultipleEvents(2, e, FALSE, 0, FALSE), WSA_WAIT_EVENT_0 + 1);
  EXPECT_EQ(P().WSAWaitForMultipleEvents(2, e, TRUE, 0, FALSE), static_cast<DWORD>(WSA_WAIT_TIMEOUT));
  ASSERT_TRUE(P().WSASetEvent(e[0]));
  EXPECT_EQ(P().WSAWaitForMultipleEvents(2, e, TRUE, 0, FALSE), WSA_WAIT_EVENT_0);
  EXPECT_EQ(P().WSAWaitForMultipleEvents(2, e, FALSE, 0, FALSE), WSA_WAIT_EVENT_0);  // manual reset
  ASSERT_TRUE(P().WSAResetEvent(e[0]));
  EXPECT_EQ(P().WSAWaitForMultipleEvents(2, e, TRUE, 0, FALSE), static_cast<DWORD>(WSA_WAIT_TIMEOUT));
  std::thread setter([&] { P().WSASetEvent(e[0]); });
  EXPECT_EQ(P().WSAWaitForMultipleEvents(2, e, TRUE, kWaitMs, FALSE), WSA_WAIT_EVENT_0);
  setter.join();
  EXPECT_TRUE(P().WSACloseEvent(e[0]));
  EXPECT_EQ(P().WSAWaitForMultipleEvents(2, e, FALSE, 0, FALSE), WSA_WAIT_FAILED);
  EXPECT_EQ(P().WSAGetLastError(), WSA_INVALID_HANDLE);
  EXPECT_FALSE(P().WSASetEvent(e[0]));
  EXPECT_EQ(P().WSAWaitForMultipleEvents(0, e, FALSE, 0, FALSE), WSA_WAIT_FAILED);
  P().WSACloseEvent(e[1]);
}

TEST_F(MockTest, RoutineQueuedNotInlineAndRunsOnlyInAlertableWait) {
  RoutineLog log;
  t_log = &log;
  Pair p = TcpPair(P());
  ASSERT_EQ(SendBytes(P(), p.a, "abc"), 3);
  WSAOVERLAPPED ov{};
  char buf[8];
  WSABUF wb{8, buf};
  DWORD got = 0, flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, &ov, Routine), 0);  // S15
  EXPECT_TRUE(log.errors.empty());  // not inside the call
  WSAEVENT e = P().WSACreateEvent();
  EXPECT_EQ(P().WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE), static_cast<DWORD>(WSA_WAIT_TIMEOUT));
  EXPECT_EQ(P().SleepEx(0, FALSE), 0u);
  EXPECT_TRUE(log.errors.empty());  // not in non-alertable waits
  EXPECT_EQ(P().SleepEx(kWaitMs, TRUE), WAIT_IO_COMPLETION);
  ASSERT_EQ(log.errors.size(), 1u);
  EXPECT_EQ(log.errors[0], 0u);
  EXPECT_EQ(log.bytes[0], 3u);
  EXPECT_EQ(log.ovs[0], &ov);
  EXPECT_EQ(P().SleepEx(0, TRUE), 0u);  // queue empty now
  // A pending one, completed by another thread's send, runs here only.
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, &got, &flags, &ov, Routine), SOCKET_ERROR);
  ASSERT_EQ(P().WSAGetLastError(), WSA_IO_PENDING);
  std::thread sender([&] {
    SendBytes(P(), p.a, "zz");
    EXPECT_EQ(P().SleepEx(0, TRUE), 0u);  // never on another thread
  });
  sender.join();
  EXPECT_EQ(log.errors.size(), 1u);
  EXPECT_EQ(P().WSAWaitForMultipleEvents(1, &e, FALSE, kWaitMs, TRUE), WSA_WAIT_IO_COMPLETION);
  ASSERT_EQ(log.errors.size(), 2u);
  EXPECT_EQ(log.threads[1], std::this_thread::get_id());
  P().WSACloseEvent(e);
  t_log = nullptr;
}

struct Repost {
  Provider* p;
  SOCKET s;
  int remaining;
  char buf[4];
  WSABUF wb;
  WSAOVERLAPPED ov;
};
Repost* g_repost = nullptr;
void WSAC_CALLBACK RepostRoutine(DWORD, DWORD, LPWSAOVERLAPPED, DWORD) {
  // A routine may post new operations (it runs with no mock lock held).
  if (--g_repost->remaining > 0) {
    DWORD flags = 0;
    g_repost->ov = WSAOVERLAPPED{};
    g_repost->p->WSARecv(g_repost->s, &g_repost->wb, 1, nullptr, &flags, &g_repost->ov, RepostRoutine);
  }
}

TEST_F(MockTest, RoutineMayPostNewOperations) {
  Pair p = TcpPair(P());
  ASSERT_EQ(SendBytes(P(), p.a, "abcdefghijkl"), 12);
  Repost r{&P(), p.b, 3, {}, {}, {}};
  r.wb = WSABUF{4, r.buf};
  g_repost = &r;
  DWORD flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &r.wb, 1, nullptr, &flags, &r.ov, RepostRoutine), 0);
  // All queued routines, including those the routines queued, run first.
  EXPECT_EQ(P().SleepEx(kWaitMs, TRUE), WAIT_IO_COMPLETION);
  EXPECT_EQ(r.remaining, 0);
  u_long n = 1;
  P().ioctlsocket(p.b, FIONREAD, &n);
  EXPECT_EQ(n, 0u);
  g_repost = nullptr;
}

TEST_F(MockTest, CompletionPortPacketsCarryKeyAndOverlapped) {
  Pair p = TcpPair(P());
  HANDLE port = P().CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
  ASSERT_NE(port, nullptr);
  ASSERT_EQ(P().CreateIoCompletionPort(AsHandle(p.b), port, 42, 0), port);
  EXPECT_EQ(P().CreateIoCompletionPort(AsHandle(p.b), port, 43, 0), nullptr);  // one association
  DWORD bytes = 0;
  ULONG_PTR key = 0;
  LPOVERLAPPED got = reinterpret_cast<LPOVERLAPPED>(1);
  EXPECT_FALSE(P().GetQueuedCompletionStatus(port, &bytes, &key, &got, 0));
  EXPECT_EQ(got, nullptr);
  EXPECT_EQ(P().GetLastError(), static_cast<DWORD>(WAIT_TIMEOUT));

  ASSERT_EQ(SendBytes(P(), p.a, "abc"), 3);
  WSAOVERLAPPED o1{}, o2{}, o3{};
  char buf[8];
  WSABUF wb{8, buf};
  DWORD flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o1, nullptr), 0);  // at once: still a packet
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o2, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o3, Routine), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEINVAL);  // routine on a port socket: refused, nothing queued
  ASSERT_EQ(SendBytes(P(), p.a, "de"), 2);
  ASSERT_TRUE(P().GetQueuedCompletionStatus(port, &bytes, &key, &got, kWaitMs));
  EXPECT_EQ(got, &o1);
  EXPECT_EQ(key, 42u);
  EXPECT_EQ(bytes, 3u);
  ASSERT_TRUE(P().GetQueuedCompletionStatus(port, &bytes, &key, &got, kWaitMs));
  EXPECT_EQ(got, &o2);
  EXPECT_EQ(bytes, 2u);
  EXPECT_FALSE(P().GetQueuedCompletionStatus(port, &bytes, &key, &got, 0));

  // Low bit of hEvent: no packet, the event (hEvent & ~1) is still set.
  WSAEVENT ev = P().WSACreateEvent();
  WSAOVERLAPPED o4{};
  o4.hEvent = reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(ev) | 1);
  ASSERT_EQ(SendBytes(P(), p.a, "f"), 1);
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o4, nullptr), 0);
  EXPECT_EQ(P().WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE), WSA_WAIT_EVENT_0);
  EXPECT_FALSE(P().GetQueuedCompletionStatus(port, &bytes, &key, &got, 0));

  // Skip-on-success: no packet for an immediate success, one for a pended op.
  ASSERT_TRUE(P().SetFileCompletionNotificationModes(AsHandle(p.b), FILE_SKIP_COMPLETION_PORT_ON_SUCCESS));
  ASSERT_EQ(SendBytes(P(), p.a, "g"), 1);
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o1, nullptr), 0);
  EXPECT_FALSE(P().GetQueuedCompletionStatus(port, &bytes, &key, &got, 0));
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o2, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().closesocket(p.b), 0);  // aborts o2: failed packet
  EXPECT_FALSE(P().GetQueuedCompletionStatus(port, &bytes, &key, &got, kWaitMs));
  EXPECT_EQ(got, &o2);
  EXPECT_EQ(P().GetLastError(), static_cast<DWORD>(WSA_OPERATION_ABORTED));
  EXPECT_EQ(o2.Internal, STATUS_CANCELLED);
  // A failed call queues nothing.
  EXPECT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o3, nullptr), SOCKET_ERROR);
  EXPECT_FALSE(P().GetQueuedCompletionStatus(port, &bytes, &key, &got, 0));
  EXPECT_EQ(got, nullptr);
  EXPECT_TRUE(P().CloseHandle(port));
  EXPECT_FALSE(P().GetQueuedCompletionStatus(port, &bytes, &key, &got, 0));
  EXPECT_EQ(P().GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  P().WSACloseEvent(ev);
}

TEST_F(MockTest, DeferredIoctlPendsUntilCloseAndImmediateOnesIndicate) {
  SOCKET s = P().socket(AF_INET, SOCK_DGRAM, 0);
  Ov o(P());
  DWORD ret = 0;
  EXPECT_EQ(P().WSAIoctl(s, SIO_ADDRESS_LIST_CHANGE, nullptr, 0, nullptr, 0, nullptr, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEFAULT);
  EXPECT_EQ(P().WSAIoctl(s, 0x12345678, nullptr, 0, nullptr, 0, &ret, &o.ov, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEINVAL);
  EXPECT_FALSE(o.Signaled());
  ret = 77;
  ASSERT_EQ(P().WSAIoctl(s, SIO_ADDRESS_LIST_CHANGE, nullptr, 0, nullptr, 0, &ret, &o.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSAGetLastError(), WSA_IO_PENDING);
  EXPECT_EQ(ret, 77u);
  EXPECT_FALSE(o.Signaled());
  ASSERT_EQ(P().closesocket(s), 0);
  ASSERT_TRUE(o.Signaled());
  DWORD t = 0, f = 0;
  EXPECT_FALSE(P().WSAGetOverlappedResult(s, &o.ov, &t, FALSE, &f));
  EXPECT_EQ(P().WSAGetLastError(), WSA_OPERATION_ABORTED);
  // Non-overlapped, non-blocking: would block.
  SOCKET n = P().WSASocketW(AF_INET, SOCK_DGRAM, 0, nullptr, 0, 0);
  u_long one = 1;
  ASSERT_EQ(P().ioctlsocket(n, FIONBIO, &one), 0);
  EXPECT_EQ(P().WSAIoctl(n, SIO_ADDRESS_LIST_CHANGE, nullptr, 0, nullptr, 0, &ret, nullptr, nullptr), SOCKET_ERROR);
  EXPECT_EQ(P().WSAGetLastError(), WSAEWOULDBLOCK);
}

TEST_F(MockTest, ClosesocketAbortsEveryPendingOperationPerMechanism) {
  RoutineLog log;
  t_log = &log;
  Pair p = TcpPair(P());
  int zero = 0;
  P().setsockopt(p.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<char*>(&zero), sizeof(zero));
  P().setsockopt(p.b, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&zero), sizeof(zero));
  Ov recv_ev(P()), send_ev(P()), ioctl_ev(P());
  WSAOVERLAPPED recv_routine{};
  char buf[8];
  WSABUF wb{8, buf};
  DWORD flags = 0, ret = 0;
  ASSERT_EQ(P().WSARecv(p.a, &wb, 1, nullptr, &flags, &recv_ev.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSARecv(p.a, &wb, 1, nullptr, &flags, &recv_routine, Routine), SOCKET_ERROR);
  std::string big = Pattern(100);
  WSABUF sb{100, big.data()};
  ASSERT_EQ(P().WSASend(p.a, &sb, 1, nullptr, 0, &send_ev.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSAGetLastError(), WSA_IO_PENDING);
  ASSERT_EQ(P().WSAIoctl(p.a, SIO_ADDRESS_LIST_CHANGE, nullptr, 0, nullptr, 0, &ret, &ioctl_ev.ov, nullptr),
            SOCKET_ERROR);
  ASSERT_EQ(P().closesocket(p.a), 0);
  for (Ov* o : {&recv_ev, &send_ev, &ioctl_ev}) {
    ASSERT_TRUE(o->Signaled(kWaitMs));
    EXPECT_EQ(o->ov.Internal, STATUS_CANCELLED);
    DWORD t = 0, f = 0;
    EXPECT_FALSE(P().WSAGetOverlappedResult(p.a, &o->ov, &t, FALSE, &f));
    EXPECT_EQ(P().WSAGetLastError(), WSA_OPERATION_ABORTED);
  }
  EXPECT_EQ(P().SleepEx(kWaitMs, TRUE), WAIT_IO_COMPLETION);
  ASSERT_EQ(log.errors.size(), 1u);
  EXPECT_EQ(log.errors[0], static_cast<DWORD>(WSA_OPERATION_ABORTED));
  EXPECT_EQ(log.bytes[0], 0u);
  t_log = nullptr;
}

TEST_F(MockTest, CancelIoExOneOrAllAndCancelIoOnlyOwnThread) {
  Pair p = TcpPair(P());
  Ov a(P()), b(P()), c(P());
  char buf[8];
  WSABUF wb{8, buf};
  DWORD flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &a.ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &b.ov, nullptr), SOCKET_ERROR);
  ASSERT_TRUE(P().CancelIoEx(AsHandle(p.b), &b.ov));
  EXPECT_TRUE(b.Signaled());
  EXPECT_FALSE(a.Signaled());
  EXPECT_EQ(b.ov.Internal, STATUS_CANCELLED);
  EXPECT_FALSE(P().CancelIoEx(AsHandle(p.b), &b.ov));
  EXPECT_EQ(P().GetLastError(), static_cast<DWORD>(ERROR_NOT_FOUND));
  // Another thread's CancelIo leaves ours alone; CancelIoEx from it does not.
  std::thread other([&] {
    DWORD f = 0;
    ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &f, &c.ov, nullptr), SOCKET_ERROR);
    EXPECT_TRUE(P().CancelIo(AsHandle(p.b)));
    EXPECT_TRUE(c.Signaled());
    EXPECT_FALSE(a.Signaled());
    EXPECT_TRUE(P().CancelIoEx(AsHandle(p.b), nullptr));
  });
  other.join();
  EXPECT_TRUE(a.Signaled());
  EXPECT_FALSE(P().CancelIoEx(AsHandle(p.b), nullptr));
  EXPECT_EQ(P().GetLastError(), static_cast<DWORD>(ERROR_NOT_FOUND));
  // Data still flows in order afterwards.
  ASSERT_EQ(SendBytes(P(), p.a, "ok"), 2);
  EXPECT_EQ(RecvBytes(P(), p.b, 8), "ok");
}

TEST_F(MockTest, ThreadExitCancelsItsIoExceptOnPortSockets) {
  Pair p = TcpPair(P());
  Pair q = TcpPair(P());
  HANDLE port = P().CreateIoCompletionPort(AsHandle(q.b), nullptr, 9, 0);
  ASSERT_NE(port, nullptr);
  Ov plain(P()), ported(P());
  char buf[8], buf2[8];
  WSABUF wb{8, buf}, wb2{8, buf2};
  std::thread t([&] {
    DWORD f = 0;
    ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &f, &plain.ov, nullptr), SOCKET_ERROR);
    ASSERT_EQ(P().WSARecv(q.b, &wb2, 1, nullptr, &f, &ported.ov, nullptr), SOCKET_ERROR);
  });
  t.join();
  ASSERT_TRUE(plain.Signaled(kWaitMs));
  EXPECT_EQ(plain.ov.Internal, STATUS_CANCELLED);
  EXPECT_FALSE(ported.Signaled());
  ASSERT_EQ(SendBytes(P(), q.a, "still"), 5);
  DWORD bytes = 0;
  ULONG_PTR key = 0;
  LPOVERLAPPED got = nullptr;
  ASSERT_TRUE(P().GetQueuedCompletionStatus(port, &bytes, &key, &got, kWaitMs));
  EXPECT_EQ(got, &ported.ov);
  EXPECT_EQ(bytes, 5u);
  P().CloseHandle(port);
}

TEST_F(MockTest, GetOverlappedResultWaitsOnEvent) {
  Pair p = TcpPair(P());
  Ov o(P());
  char buf[8];
  WSABUF wb{8, buf};
  DWORD flags = 0;
  ASSERT_EQ(P().WSARecv(p.b, &wb, 1, nullptr, &flags, &o.ov, nullptr), SOCKET_ERROR);
  std::thread sender([&] { SendBytes(P(), p.a, "waited"); });
  DWORD t = 0, f = 0;
  EXPECT_TRUE(P().WSAGetOverlappedResult(p.b, &o.ov, &t, TRUE, &f));
  EXPECT_EQ(t, 6u);
  sender.join();
  EXPECT_FALSE(P().WSAGetOverlappedResult(p.b, &o.ov, nullptr, FALSE, &f));
  EXPECT_EQ(P().WSAGetLastError(), WSAEFAULT);
  EXPECT_FALSE(P().WSAGetOverlappedResult(0xbad0, &o.ov, &t, FALSE, &f));
  EXPECT_EQ(P().WSAGetLastError(), WSAENOTSOCK);
}

}  // namespace
}  // namespace wsac::mocktest
