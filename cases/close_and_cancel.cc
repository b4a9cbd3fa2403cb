// S26 and part B "Close, cancel, shutdown, threads" (CLOSE-1..14, IOCTL-3,
// WIN-1): how pending operations end other than by transferring data.
//   S26       closesocket ends every pending operation (receives, sends, a
//             waiting WSAIoctl) with exactly one indication carrying a
//             failure status; the code seen is reported and must be one the
//             catalog accepts for S26 (995 per the pages, 1236/64 on Windows)
//   CLOSE-*   closesocket from another thread, CancelIoEx (one, all, none),
//             CancelIo (calling thread only), shutdown(SD_RECEIVE), the
//             peer's graceful and abortive close, threads that exit
// Routine mechanism: the routine of an aborted operation runs at the
// initiating thread's next alertable wait, never inside closesocket.
#include <algorithm>
#include <functional>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "suite/catalog/catalog.h"
#include "suite/fixtures/pair_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kFill = '\x42';

std::vector<std::int64_t> AcceptedCodes(const char* id) {
  const Statement* s = FindStatement(id);
  if (s == nullptr || s->accepted_codes.empty()) throw SetupFailed(std::string("catalog gives no accepted_codes for ") + id);
  return {s->accepted_codes.begin(), s->accepted_codes.end()};
}
bool Accepted(const std::vector<std::int64_t>& codes, DWORD code) {
  return std::find(codes.begin(), codes.end(), static_cast<std::int64_t>(code)) != codes.end();
}
std::string CodesText(const std::vector<std::int64_t>& codes) {
  std::string out;
  for (auto c : codes) out += (out.empty() ? "" : ", ") + std::to_string(c);
  return out;
}

// A second thread for a case: runs `first` (posting, cancelling, closing),
// then either exits at once or stays alive, in an alertable wait when asked
// (so completion routines queued to it run), until Stop(). Every wait on it
// has a deadline; a hung thread is reported before the join.
class Worker {
 public:
  enum Stay { ExitAtOnce, StayUntilStopped, StayAlertableUntilStopped };
  Worker(Provider& p, Stay stay, std::function<void()> first) : p_(p), stay_(stay) {
    stop_ = p_.WSACreateEvent();
    if (stop_ == nullptr) throw SetupFailed("WSACreateEvent for the worker");
    thread_ = std::thread([this, first] {
      first();
      started_.set_value();
      if (stay_ != ExitAtOnce) {
        Deadline deadline(IndicationTimeout() * 2);
        while (!deadline.Expired() &&
               p_.WSAWaitForMultipleEvents(1, &stop_, TRUE, deadline.RemainingMs(), stay_ == StayAlertableUntilStopped) !=
                   WSA_WAIT_EVENT_0) {
        }
      }
    });
  }
  ~Worker() {
    Stop();
    Join();
    p_.WSACloseEvent(stop_);
  }
  // Waits until `first` has run; false when it did not within the deadline.
  bool WaitStarted() {
    return started_future_.wait_for(IndicationTimeout()) == std::future_status::ready;
  }
  void Stop() { p_.WSASetEvent(stop_); }
  // Joins; false (and a line on stderr) when the thread did not end in time.
  bool Join() {
    if (!thread_.joinable()) return true;
    bool ok = WaitStarted();
    if (!ok) std::cerr << "worker thread did not get past its first step within the deadline\n";
    thread_.join();
    return ok;
  }

 private:
  Provider& p_;
  Stay stay_;
  WSAEVENT stop_ = nullptr;
  std::promise<void> started_;
  std::shared_future<void> started_future_ = started_.get_future().share();
  std::thread thread_;
};

// The Win32 code of the NTSTATUS values the accepted codes stand for; any
// other status is returned as itself, which no catalog list accepts.
DWORD CodeOfStatus(DWORD status) {
  switch (status) {
    case STATUS_SUCCESS: return 0;
    case STATUS_CANCELLED: return ERROR_OPERATION_ABORTED;
    case STATUS_CONNECTION_ABORTED: return ERROR_CONNECTION_ABORTED;
    case STATUS_LOCAL_DISCONNECT: return ERROR_NETNAME_DELETED;
    default: return status;
  }
}

class CloseCase : public PairCase {
 protected:
  Operation& PostRecv(std::vector<char>& buf, SOCKET s = INVALID_SOCKET) {
    Operation& op = observer.NewOperation(s == INVALID_SOCKET ? pair.a : s);
    DWORD bytes = 0, flags = 0;
    RecvOn(op.socket, op, buf.data(), static_cast<ULONG>(buf.size()), &bytes, &flags);
    return op;
  }
  // Posts a receive from the calling thread, without touching the observer
  // (safe on a worker thread): the operation was made by NewOperation before.
  void PostRecvRaw(Operation& op, std::vector<char>& buf) {
    WSABUF wsabuf{static_cast<ULONG>(buf.size()), buf.data()};
    DWORD bytes = 0, flags = 0;
    int ret = p.WSARecv(op.socket, &wsabuf, 1, &bytes, &flags, &op.ov, observer.routine());
    int error = ret == 0 ? 0 : p.WSAGetLastError();
    op.initiator = std::this_thread::get_id();
    op.tracked = true;
    op.call_ret = ret;
    op.call_error = error;
    op.outcome = ret == 0 ? Outcome::Immediate : error == WSA_IO_PENDING ? Outcome::Pending : Outcome::Failed;
  }
  // SIO_ADDRESS_LIST_CHANGE, which waits for an address change that will not come.
  Operation& PostAddressListChange() {
    Operation& op = observer.NewOperation(pair.a);
    DWORD returned = 0;
    int ret = p.WSAIoctl(pair.a, SIO_ADDRESS_LIST_CHANGE, nullptr, 0, nullptr, 0, &returned, &op.ov, observer.routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  // Sends 1 MiB chunks with SO_SNDBUF 0 to a peer that does not read until
  // one pends; the pending one, or nullptr if none did within 16 MiB.
  Operation* FillUntilSendPends() {
    int zero = 0;
    if (p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero) != 0)
      throw SetupFailed("setsockopt(SO_SNDBUF, 0) failed with " + std::to_string(p.WSAGetLastError()));
    static const std::vector<char> chunk = CounterPattern(0, 1 << 20);  // never freed: sends may outlive the case
    for (int i = 0; i < 16; ++i) {
      Operation& op = observer.NewOperation(pair.a);
      DWORD bytes = 0;
      SendOn(pair.a, op, chunk.data(), static_cast<ULONG>(chunk.size()), &bytes);
      if (op.outcome == Outcome::Failed) throw SetupFailed("filling send failed: " + observer.Describe(op));
      if (op.outcome == Outcome::Pending) return &op;
    }
    return nullptr;
  }
  // Closes the side under test; for Routine, checks nothing ran inside.
  void CloseAndCheckNoInlineRoutine(const std::vector<Operation*>& pending) {
    int ret = pair.CloseA();
    Observe("closesocket.ret", ret);
    EXPECT_EQ(ret, 0) << "closesocket failed with " << p.WSAGetLastError();
    if (observer.mechanism() != Mechanism::Routine) return;
    for (Operation* op : pending) {
      EXPECT_EQ(op->routine_runs.load(), 0) << "a completion routine ran inside closesocket: " << observer.Describe(*op);
    }
  }
  // Each pending op gets one indication, failing with a code of `id`'s
  // accepted_codes. Returns the codes seen, for the report.
  std::string ExpectAbortedOnce(const std::vector<Operation*>& pending, const std::vector<std::string>& names,
                                const char* id) {
    std::vector<std::int64_t> codes = AcceptedCodes(id);
    std::string seen;
    for (size_t i = 0; i < pending.size(); ++i) {
      std::optional<Indication> ind = observer.Wait(*pending[i]);
      ObserveIndication(names[i], ind);
      Observe(names[i] + ".internal", static_cast<std::int64_t>(pending[i]->ov.Internal));
      if (!ind) {
        ADD_FAILURE() << names[i] << ": no indication after closesocket: " << observer.Describe(*pending[i]);
        continue;
      }
      if (ind->error == static_cast<DWORD>(WSAENOTSOCK) &&
          (observer.mechanism() == Mechanism::Event || observer.mechanism() == Mechanism::Polling)) {
        // WSAGetOverlappedResult needs a valid socket, and this one is
        // closed: the operation's status is read from OVERLAPPED.Internal
        // once its event says it has ended (Polling asked before that).
        WSAEVENT event = pending[i]->event;
        if (p.WSAWaitForMultipleEvents(1, &event, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE) !=
            WSA_WAIT_EVENT_0) {
          ADD_FAILURE() << names[i] << ": its event was never signaled after closesocket: " << observer.Describe(*pending[i]);
          continue;
        }
        ind->error = CodeOfStatus(static_cast<DWORD>(pending[i]->ov.Internal));
        Observe(names[i] + ".read_via", "OVERLAPPED.Internal (WSAGetOverlappedResult: WSAENOTSOCK)");
        Observe(names[i] + ".error", static_cast<std::int64_t>(ind->error));
      }
      seen += (seen.empty() ? "" : ", ") + names[i] + " " + std::to_string(ind->error);
      EXPECT_NE(ind->error, 0u) << names[i] << " ended by closesocket reported success";
      EXPECT_TRUE(Accepted(codes, ind->error)) << names[i] << " failed with " << ind->error
                                               << ", not one of the codes accepted for " << id << " ("
                                               << CodesText(codes) << ")";
      if (observer.mechanism() == Mechanism::Routine) {
        EXPECT_EQ(ind->bytes, 0u) << names[i];
      }
    }
    ExpectNoSecondIndication(pending, names);
    return seen;
  }
  // One quiet window over all ops: a routine that runs twice or a second
  // port packet is a second indication. (An event cannot be counted.)
  void ExpectNoSecondIndication(const std::vector<Operation*>& ops, const std::vector<std::string>& names) {
    if (ops.empty()) return;
    if (observer.mechanism() == Mechanism::Routine) {
      p.SleepEx(static_cast<DWORD>(QuietWindow().count()), TRUE);
      for (size_t i = 0; i < ops.size(); ++i)
        EXPECT_EQ(ops[i]->routine_runs.load(), 1) << names[i] << ": routine ran " << ops[i]->routine_runs.load() << " times";
    } else if (observer.mechanism() == Mechanism::Port) {
      bool again = observer.IndicatedWithin(*ops[0]);
      EXPECT_FALSE(again) << names[0] << ": a second completion packet";
      for (size_t i = 1; i < ops.size(); ++i)
        EXPECT_FALSE(observer.IndicatedWithin(*ops[i], std::chrono::milliseconds(0))) << names[i] << ": a second packet";
    }
  }
  // Whether op (possibly started on another thread, whose routine runs there)
  // was indicated within `window`, watched from this thread.
  bool IndicatedElsewhereWithin(Operation& op, std::chrono::milliseconds window) {
    if (observer.mechanism() != Mechanism::Routine) return observer.IndicatedWithin(op, window);
    // The routine runs on its own thread; this one only watches its flag.
    return PollUntil(p, Deadline(window), [&] { return op.routine_runs.load() != 0; });
  }
  std::optional<Indication> WaitElsewhere(Operation& op) {
    if (observer.mechanism() != Mechanism::Routine) return observer.Wait(op);
    if (!IndicatedElsewhereWithin(op, IndicationTimeout())) return std::nullopt;
    Indication ind;
    ind.error = op.routine_error;
    ind.bytes = op.routine_bytes;
    ind.flags = op.routine_flags;
    ind.overlapped = op.routine_ov;
    ind.thread = op.routine_thread;
    op.indication = ind;
    return ind;
  }
};

class Close : public CloseCase {};

// S26 (CLOSE-2, CLOSE-3, IOCTL-3, WIN-1): two receives, a send (streams)
// and an SIO_ADDRESS_LIST_CHANGE pending at closesocket each get exactly
// one indication, failing with an accepted code.
WSAC_CASE_P(Close, CloseEndsEveryPendingOperation, "S26", "CLOSE-2", "CLOSE-3", "IOCTL-3", "WIN-1") {
  std::vector<std::vector<char>> bufs(2, std::vector<char>(512, kFill));
  std::vector<Operation*> pending;
  std::vector<std::string> names;
  for (int i = 0; i < 2; ++i) {
    Operation& op = PostRecv(bufs[i]);
    ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
    pending.push_back(&op);
    names.push_back("recv" + std::to_string(i));
  }
  if (pair.stream()) {
    Operation* send = FillUntilSendPends();
    Observe("send_pending", send ? "yes" : "no");
    if (send) {
      pending.push_back(send);
      names.push_back("send");
    }
  }
  Operation& ioctl = PostAddressListChange();
  ObserveCall("ioctl", ioctl.call_ret, ioctl.call_error);
  if (ioctl.outcome == Outcome::Pending) {
    pending.push_back(&ioctl);
    names.push_back("ioctl");
  }
  CloseAndCheckNoInlineRoutine(pending);
  std::string seen = ExpectAbortedOnce(pending, names, "S26");
  Report("WIN-1", "codes after closesocket: " + seen);
}

// CLOSE-1 (S26): receives posted on this thread are ended when another
// thread closes the socket; each gets one failing indication.
WSAC_CASE_P(Close, CloseFromAnotherThreadEndsReceives, "CLOSE-1", "S26", "CLOSE-3") {
  std::vector<std::vector<char>> bufs(3, std::vector<char>(256, kFill));
  std::vector<Operation*> pending;
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    Operation& op = PostRecv(bufs[i]);
    ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
    pending.push_back(&op);
    names.push_back("recv" + std::to_string(i));
  }
  SOCKET s = pair.a;
  pair.a = INVALID_SOCKET;
  int ret = -2;
  {
    Worker closer(p, Worker::ExitAtOnce, [&] { ret = p.closesocket(s); });
    ASSERT_TRUE(closer.Join()) << "closesocket on another thread did not return";
  }
  Observe("closesocket.ret", ret);
  EXPECT_EQ(ret, 0);
  std::string seen = ExpectAbortedOnce(pending, names, "CLOSE-2");
  Report("WIN-1", "codes after closesocket on another thread: " + seen);
}

// S26, IOCTL-3: a pending SIO_ADDRESS_LIST_CHANGE ends at closesocket with
// one failing indication.
WSAC_CASE_P(Close, CloseEndsPendingAddressListChange, "S26", "IOCTL-3") {
  Operation& ioctl = PostAddressListChange();
  ObserveCall("ioctl", ioctl.call_ret, ioctl.call_error);
  if (ioctl.outcome != Outcome::Pending)
    throw NotSupported("SIO_ADDRESS_LIST_CHANGE did not pend (ret " + std::to_string(ioctl.call_ret) + ", error " +
                       std::to_string(ioctl.call_error) + ")");
  CloseAndCheckNoInlineRoutine({&ioctl});
  std::string seen = ExpectAbortedOnce({&ioctl}, {"ioctl"}, "S26");
  Report("S26", "ioctl after closesocket: " + seen);
}

// CLOSE-9, CLOSE-10: a receive pending at shutdown(SD_RECEIVE) stays
// pending; a new receive fails at once with WSAESHUTDOWN.
WSAC_CASE_P(Close, ShutdownReceiveKeepsPendingReceive, "CLOSE-9", "CLOSE-10") {
  std::vector<char> buf(256, kFill), later(256, kFill);
  Operation& op = PostRecv(buf);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  int ret = p.shutdown(pair.a, SD_RECEIVE);
  ObserveCall("shutdown", ret, ret == 0 ? 0 : p.WSAGetLastError());
  ASSERT_EQ(ret, 0) << "shutdown(SD_RECEIVE) failed with " << p.WSAGetLastError();

  Operation& next = PostRecv(later);
  ObserveCall("recv_after_shutdown", next.call_ret, next.call_error);
  EXPECT_EQ(next.outcome, Outcome::Failed) << "a receive after shutdown(SD_RECEIVE) was accepted: " << observer.Describe(next);
  EXPECT_EQ(next.call_error, WSAESHUTDOWN) << observer.Describe(next);

  bool ended = observer.IndicatedWithin(op);
  Observe("pending_receive_ended", ended ? "yes" : "no");
  EXPECT_FALSE(ended) << "shutdown(SD_RECEIVE) ended the pending receive: " << observer.Describe(op);
}

// CLOSE-4, CLOSE-7: CancelIoEx from another thread with one receive's
// WSAOVERLAPPED ends that one with 995 and leaves the other pending, which
// then receives data normally.
WSAC_CASE_P(Close, CancelIoExOneLeavesOthers, "CLOSE-4", "CLOSE-7") {
  std::vector<char> b0(256, kFill), b1(256, kFill);
  Operation& r0 = PostRecv(b0);
  Operation& r1 = PostRecv(b1);
  ASSERT_EQ(r0.outcome, Outcome::Pending) << observer.Describe(r0);
  ASSERT_EQ(r1.outcome, Outcome::Pending) << observer.Describe(r1);
  BOOL ok = FALSE;
  DWORD error = 0;
  {
    Worker canceller(p, Worker::ExitAtOnce, [&] {
      ok = p.CancelIoEx(AsHandle(pair.a), &r0.ov);
      error = ok ? 0 : p.GetLastError();
    });
    ASSERT_TRUE(canceller.Join());
  }
  Observe("cancelioex.ret", ok);
  Observe("cancelioex.error", error);
  ASSERT_TRUE(ok) << "CancelIoEx on a pending receive failed with " << error;
  std::optional<Indication> i0 = observer.Wait(r0);
  ObserveIndication("cancelled", i0);
  ASSERT_TRUE(i0.has_value()) << "the cancelled receive got no indication: " << observer.Describe(r0);
  EXPECT_EQ(i0->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED));

  EXPECT_FALSE(observer.IndicatedWithin(r1)) << "the other receive was ended too: " << observer.Describe(r1);
  pair.SendFromPeer(CounterPattern(0, 50));
  std::optional<Indication> i1 = observer.Wait(r1);
  ObserveIndication("other", i1);
  ASSERT_TRUE(i1.has_value()) << observer.Describe(r1);
  EXPECT_EQ(i1->error, 0u);
  EXPECT_EQ(FirstMismatch(b1.data(), i1->bytes, 0), -1);
  EXPECT_GT(i1->bytes, 0u);
}

// CLOSE-5, CLOSE-7: CancelIoEx(NULL) ends the receives of this thread and of
// another thread, each with one 995 indication.
WSAC_CASE_P(Close, CancelIoExAllEndsEveryThreadsReceives, "CLOSE-5", "CLOSE-7") {
  std::vector<char> b0(256, kFill), b1(256, kFill);
  Operation& r0 = PostRecv(b0);
  ASSERT_EQ(r0.outcome, Outcome::Pending) << observer.Describe(r0);
  Operation& r1 = observer.NewOperation(pair.a);
  Worker other(p, observer.mechanism() == Mechanism::Routine ? Worker::StayAlertableUntilStopped : Worker::StayUntilStopped,
               [&] { PostRecvRaw(r1, b1); });
  ASSERT_TRUE(other.WaitStarted());
  ASSERT_EQ(r1.outcome, Outcome::Pending) << observer.Describe(r1);

  BOOL ok = p.CancelIoEx(AsHandle(pair.a), nullptr);
  DWORD error = ok ? 0 : p.GetLastError();
  Observe("cancelioex.ret", ok);
  Observe("cancelioex.error", error);
  ASSERT_TRUE(ok) << "CancelIoEx(NULL) failed with " << error;
  std::optional<Indication> i0 = observer.Wait(r0);
  std::optional<Indication> i1 = WaitElsewhere(r1);
  other.Stop();
  ObserveIndication("own", i0);
  ObserveIndication("other_thread", i1);
  ASSERT_TRUE(i0.has_value()) << observer.Describe(r0);
  ASSERT_TRUE(i1.has_value()) << "the other thread's receive was not ended: " << observer.Describe(r1);
  EXPECT_EQ(i0->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED));
  EXPECT_EQ(i1->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED));
}

// CLOSE-6: CancelIoEx with nothing pending, and with the WSAOVERLAPPED of an
// operation already completed, fails with ERROR_NOT_FOUND (1168).
WSAC_CASE_P(Close, CancelIoExWithNothingToCancel, "CLOSE-6") {
  BOOL ok = p.CancelIoEx(AsHandle(pair.a), nullptr);
  DWORD error = ok ? 0 : p.GetLastError();
  Observe("cancel_all.ret", ok);
  Observe("cancel_all.error", error);
  EXPECT_FALSE(ok) << "CancelIoEx(NULL) with nothing pending succeeded";
  EXPECT_EQ(error, static_cast<DWORD>(ERROR_NOT_FOUND));

  const std::vector<char> data = CounterPattern(0, 64);
  Operation& done = observer.NewOperation(pair.a);
  DWORD bytes = 0;
  SendOn(pair.a, done, data.data(), static_cast<ULONG>(data.size()), &bytes);
  ASSERT_NE(done.outcome, Outcome::Failed) << observer.Describe(done);
  std::optional<Indication> ind = done.outcome == Outcome::Immediate ? observer.TakeImmediate(done) : observer.Wait(done);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(done);
  ok = p.CancelIoEx(AsHandle(pair.a), &done.ov);
  error = ok ? 0 : p.GetLastError();
  Observe("cancel_completed.ret", ok);
  Observe("cancel_completed.error", error);
  EXPECT_FALSE(ok) << "CancelIoEx of a completed operation succeeded";
  EXPECT_EQ(error, static_cast<DWORD>(ERROR_NOT_FOUND));
}

// CLOSE-8, CLOSE-7: CancelIo ends the calling thread's receive (995) but
// not another thread's, which then receives data normally.
WSAC_CASE_P(Close, CancelIoEndsOnlyCallingThreads, "CLOSE-8", "CLOSE-7") {
  std::vector<char> b0(256, kFill), b1(256, kFill);
  Operation& r0 = PostRecv(b0);
  ASSERT_EQ(r0.outcome, Outcome::Pending) << observer.Describe(r0);
  Operation& r1 = observer.NewOperation(pair.a);
  Worker other(p, observer.mechanism() == Mechanism::Routine ? Worker::StayAlertableUntilStopped : Worker::StayUntilStopped,
               [&] { PostRecvRaw(r1, b1); });
  ASSERT_TRUE(other.WaitStarted());
  ASSERT_EQ(r1.outcome, Outcome::Pending) << observer.Describe(r1);

  BOOL ok = p.CancelIo(AsHandle(pair.a));
  DWORD error = ok ? 0 : p.GetLastError();
  Observe("cancelio.ret", ok);
  Observe("cancelio.error", error);
  ASSERT_TRUE(ok) << "CancelIo failed with " << error;
  std::optional<Indication> i0 = observer.Wait(r0);
  ObserveIndication("own", i0);
  ASSERT_TRUE(i0.has_value()) << "CancelIo did not end the calling thread's receive: " << observer.Describe(r0);
  EXPECT_EQ(i0->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED));

  EXPECT_FALSE(IndicatedElsewhereWithin(r1, QuietWindow())) << "CancelIo ended another thread's receive: "
                                                            << observer.Describe(r1);
  pair.SendFromPeer(CounterPattern(0, 40));
  std::optional<Indication> i1 = WaitElsewhere(r1);
  other.Stop();
  ObserveIndication("other_thread", i1);
  ASSERT_TRUE(i1.has_value()) << observer.Describe(r1);
  EXPECT_EQ(i1->error, 0u);
  EXPECT_GT(i1->bytes, 0u);
  EXPECT_EQ(FirstMismatch(b1.data(), i1->bytes, 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Close, Close, ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()})), ParamName);

class StreamClose : public CloseCase {};

// S26 (CLOSE-2, CLOSE-3): sends pending at closesocket (SO_SNDBUF 0, peer
// not reading) each get one failing indication with an accepted code.
WSAC_CASE_P(StreamClose, CloseEndsPendingSends, "S26", "CLOSE-2", "CLOSE-3") {
  Operation* send = FillUntilSendPends();
  if (send == nullptr) throw NotSupported("16 MiB of sends to a peer that does not read all completed at once");
  Operation* second = FillUntilSendPends();  // queued behind the first, if the provider lets it pend too
  std::vector<Operation*> pending{send};
  std::vector<std::string> names{"send0"};
  if (second != nullptr) {
    pending.push_back(second);
    names.push_back("send1");
  }
  CloseAndCheckNoInlineRoutine(pending);
  std::string seen = ExpectAbortedOnce(pending, names, "S26");
  Report("WIN-1", "sends after closesocket: " + seen);
}

// CLOSE-11: the peer's graceful close completes a pending receive with 0
// bytes and no error.
WSAC_CASE_P(StreamClose, PeerGracefulCloseCompletesReceiveWithZero, "CLOSE-11") {
  std::vector<char> buf(256, kFill);
  Operation& op = PostRecv(buf);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  pair.CloseB();
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << "graceful close by the peer did not end the receive: " << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  EXPECT_EQ(ind->bytes, 0u);
}

// CLOSE-12: the peer's abortive close (SO_LINGER {1,0}) fails a pending
// receive with a code the catalog accepts (64 or 10054).
WSAC_CASE_P(StreamClose, PeerAbortiveCloseFailsReceive, "CLOSE-12") {
  std::vector<char> buf(256, kFill);
  Operation& op = PostRecv(buf);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  linger abortive{1, 0};
  ASSERT_EQ(p.setsockopt(pair.b, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&abortive), sizeof abortive), 0)
      << p.WSAGetLastError();
  pair.CloseB();
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  Observe("recv.internal", static_cast<std::int64_t>(op.ov.Internal));
  ASSERT_TRUE(ind.has_value()) << "the peer's reset did not end the receive: " << observer.Describe(op);
  std::vector<std::int64_t> codes = AcceptedCodes("CLOSE-12");
  EXPECT_NE(ind->error, 0u) << "the receive reported success after the peer's reset";
  EXPECT_TRUE(Accepted(codes, ind->error)) << ind->error << " is not one of " << CodesText(codes);
  Report("WIN-2", "receive pending at the peer's reset failed with " + std::to_string(ind->error));
}

INSTANTIATE_TEST_SUITE_P(Close, StreamClose, ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = AllMechanisms()})),
                         ParamName);

class ThreadExit : public CloseCase {};

// CLOSE-13: a receive started by a thread that then exits is cancelled:
// its event / WSAGetOverlappedResult report ERROR_OPERATION_ABORTED.
WSAC_CASE_P(ThreadExit, ExitingThreadCancelsItsReceive, "CLOSE-13", "CLOSE-7") {
  std::vector<char> buf(256, kFill);
  Operation& op = observer.NewOperation(pair.a);
  {
    Worker poster(p, Worker::ExitAtOnce, [&] { PostRecvRaw(op, buf); });
    ASSERT_TRUE(poster.Join());
  }
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << "the exited thread's receive was not cancelled: " << observer.Describe(op);
  EXPECT_EQ(ind->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED));
}

INSTANTIATE_TEST_SUITE_P(Close, ThreadExit,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Event, Mechanism::Polling}})),
                         ParamName);

class ThreadExitPort : public CloseCase {};

// CLOSE-14: on a socket associated with a port, a receive started by a
// thread that exits is not cancelled: it completes later through the port.
WSAC_CASE_P(ThreadExitPort, ExitingThreadKeepsPortReceive, "CLOSE-14") {
  std::vector<char> buf(256, kFill);
  Operation& op = observer.NewOperation(pair.a);
  {
    Worker poster(p, Worker::ExitAtOnce, [&] { PostRecvRaw(op, buf); });
    ASSERT_TRUE(poster.Join());
  }
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  bool early = observer.IndicatedWithin(op);
  ObserveIndication("after_exit", op.indication);
  EXPECT_FALSE(early) << "the receive ended when its thread exited: " << observer.Describe(op);
  if (early) return;
  pair.SendFromPeer(CounterPattern(0, 30));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  EXPECT_GT(ind->bytes, 0u);
  EXPECT_EQ(FirstMismatch(buf.data(), ind->bytes, 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Close, ThreadExitPort,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Port}})), ParamName);

}  // namespace
}  // namespace wsac
