// S26 and part B "Close, cancel, shutdown, threads": how pending operations
// end other than by transferring data.
//   S26          closesocket ends every pending operation with exactly one
//                indication carrying a failure status, any failure: which
//                code is CLOSE-2's (sends, receives), WIN-1 reports it
//   CLOSE-3      that indication still happens (a routine is queued);
//                CLOSE-1 when another thread closes; IOCTL-3 for an ioctl
//   CLOSE-4..8   CancelIoEx (one, all, none), CancelIo (calling thread only)
//   CLOSE-9..14  shutdown(SD_RECEIVE), the peer's close, exiting threads
// A second thread's steps are sequenced with the case's through provider
// events (Worker): it acts and says so, and only then does the case act or
// collect. Buffers and out-words of receives that may still be pending
// live as long as the process (LongLivedBuffer), never on the case's stack.
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "suite/catalog/catalog.h"
#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

// Receive buffers start out filled with this, so bytes a provider reports
// without writing them do not match the sent pattern.
constexpr char kFill = '\x42';

char* ReceiveBuffer(size_t len) {
  char* buf = LongLivedBuffer(len);
  std::memset(buf, kFill, len);
  return buf;
}


std::vector<std::int64_t> AcceptedCodes(const char* id) {
  const Statement* s = FindStatement(id);
  if (s == nullptr || s->accepted_codes.empty()) throw SetupFailed(std::string("catalog gives no accepted_codes for ") + id);
  return {s->accepted_codes.begin(), s->accepted_codes.end()};
}
::testing::AssertionResult OneOf(const std::vector<std::int64_t>& codes, DWORD code) {
  for (auto c : codes)
    if (c == static_cast<std::int64_t>(code)) return ::testing::AssertionSuccess();
  std::string list;
  for (auto c : codes) list += (list.empty() ? "" : ", ") + std::to_string(c);
  return ::testing::AssertionFailure() << code << " is not one of " << list;
}

// A second thread of a case. It runs `step` (posting, cancelling, closing),
// signals a provider event to say the step is done and then either exits or
// stays, in an alertable wait when asked (so routines queued to it run),
// until Stop(). The case waits for that event before it acts or collects,
// so the two threads never race over what is checked.
class Worker {
 public:
  enum Stay { ExitAfterStep, StayUntilStopped, StayAlertableUntilStopped };
  Worker(Provider& p, Stay stay, std::function<void()> step) : p_(p), stay_(stay) {
    stepped_ = p_.WSACreateEvent();
    stop_ = p_.WSACreateEvent();
    if (stepped_ == WSA_INVALID_EVENT || stop_ == WSA_INVALID_EVENT) {
      CloseEvents();
      throw SetupFailed("WSACreateEvent for a worker thread failed with " + std::to_string(p_.WSAGetLastError()));
    }
    thread_ = std::thread([this, step = std::move(step)] {
      step();
      p_.WSASetEvent(stepped_);
      if (stay_ == ExitAfterStep) return;
      Deadline deadline(IndicationTimeout() * 2);
      while (!deadline.Expired() && p_.WSAWaitForMultipleEvents(1, &stop_, TRUE, deadline.RemainingMs(),
                                                                stay_ == StayAlertableUntilStopped) != WSA_WAIT_EVENT_0) {
      }
    });
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  // A thread stuck inside the provider keeps the join waiting; the runner's
  // case deadline then reports the case as TIMEOUT.
  ~Worker() {
    Stop();
    if (thread_.joinable()) thread_.join();
    CloseEvents();
  }
  // Waits, in a non-alertable wait (no routine of this thread runs), until
  // the step has run; false when it did not within IndicationTimeout().
  bool WaitStepped() {
    return p_.WSAWaitForMultipleEvents(1, &stepped_, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE) ==
           WSA_WAIT_EVENT_0;
  }
  // ExitAfterStep: waits for the step, then for the thread to end.
  bool Finish() {
    if (!WaitStepped()) return false;
    thread_.join();
    return true;
  }
  void Stop() {
    if (stop_ != WSA_INVALID_EVENT) p_.WSASetEvent(stop_);
  }

 private:
  void CloseEvents() {
    if (stepped_ != WSA_INVALID_EVENT) p_.WSACloseEvent(stepped_);
    if (stop_ != WSA_INVALID_EVENT) p_.WSACloseEvent(stop_);
    stepped_ = stop_ = WSA_INVALID_EVENT;
  }
  Provider& p_;
  Stay stay_;
  WSAEVENT stepped_ = WSA_INVALID_EVENT;
  WSAEVENT stop_ = WSA_INVALID_EVENT;
  std::thread thread_;
};

enum class OpKind { Receive, Send, Ioctl };
struct PendingOp {
  Operation* op;
  std::string name;
  OpKind kind;
};

class CloseCase : public PairCase {
 protected:
  Worker::Stay StayForMechanism() const {
    return observer.mechanism() == Mechanism::Routine ? Worker::StayAlertableUntilStopped : Worker::StayUntilStopped;
  }
  // A receive into a buffer that outlives the case.
  Operation& PostRecv(size_t len, char** buf = nullptr) {
    char* b = ReceiveBuffer(len);
    if (buf != nullptr) *buf = b;
    Operation& op = observer.NewOperation(pair.a);
    RecvOn(op.socket, op, b, static_cast<ULONG>(len), LongLivedWord(), LongLivedWord());
    return op;
  }
  // A receive with no data queued, which the close and cancel cases need pending.
  Operation& PostPendingRecv(size_t len, char** buf = nullptr) {
    Operation& op = PostRecv(len, buf);
    if (op.outcome != Outcome::Pending)
      throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(op));
    return op;
  }
  // Posts a receive from the calling thread (a worker's), touching only op,
  // which NewOperation made on the case's thread.
  void PostRecvHere(Operation& op, char* buf, ULONG len) {
    WSABUF wsabuf{len, buf};
    int ret = p.WSARecv(op.socket, &wsabuf, 1, LongLivedWord(), LongLivedWord(), &op.ov, observer.routine());
    int error = ret == 0 ? 0 : p.WSAGetLastError();  // before anything else can reset it
    op.initiator = std::this_thread::get_id();
    observer.Track(op, ret, error);
  }
  // SIO_ADDRESS_LIST_CHANGE, which waits for an address change that will not come.
  Operation& PostAddressListChange() {
    Operation& op = observer.NewOperation(pair.a);
    int ret = p.WSAIoctl(pair.a, SIO_ADDRESS_LIST_CHANGE, nullptr, 0, nullptr, 0, LongLivedWord(), &op.ov,
                         observer.routine());
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
      SendOn(pair.a, op, chunk.data(), static_cast<ULONG>(chunk.size()), LongLivedWord());
      if (op.outcome == Outcome::Failed) throw SetupFailed("a filling send failed: " + observer.Describe(op));
      if (op.outcome == Outcome::Pending) return &op;
    }
    return nullptr;
  }
  // A routine is queued (CLOSE-3 for sends and receives; APC-2 for the
  // ioctl: routines run only in alertable waits), so none may have run by
  // the time closesocket returned (on this thread or, closed_elsewhere, on
  // another, while this one was in a non-alertable wait).
  void ExpectRoutinesQueuedNotRun(const std::vector<PendingOp>& ops, bool closed_elsewhere) {
    bool ioctl = false;
    for (const PendingOp& p_op : ops) ioctl = ioctl || p_op.kind == OpKind::Ioctl;
    if (observer.mechanism() != Mechanism::Routine) {
      if (ioctl) NotExercised("APC-2", "not the routine mechanism");
      if (closed_elsewhere)
        NotExercised("CLOSE-3", "only a completion routine shows whether the indication was queued or given inside "
                                "closesocket; the indications themselves are CLOSE-1's here");
      return;
    }
    for (const PendingOp& p_op : ops) {
      WSAC_EXPECT_EQ(p_op.kind == OpKind::Ioctl ? "APC-2" : "CLOSE-3", p_op.op->routine_runs.load(), 0)
          << p_op.name << ": its completion routine ran inside closesocket"
          << (closed_elsewhere ? " on the closing thread" : "") << " instead of being queued: "
          << observer.Describe(*p_op.op);
    }
  }
  // Closes the side under test on this thread.
  void CloseHere(const std::vector<PendingOp>& ops) {
    int ret = pair.CloseA();
    Observe("closesocket.ret", ret);
    if (ret != 0) throw SetupFailed("closesocket failed with " + std::to_string(p.WSAGetLastError()));
    ExpectRoutinesQueuedNotRun(ops, false);
  }
  // What closesocket owes each operation that was pending: an indication
  // (CLOSE-3; IOCTL-3 for the ioctl; CLOSE-1 when another thread closed),
  // a failure status (S26; IOCTL-3), for sends and receives a code CLOSE-2
  // names, a routine's cbTransferred 0 (APC-7), and no second indication
  // (S26). Returns the receives' codes for WIN-1.
  std::string ExpectEndedByClose(const std::vector<PendingOp>& ops, bool closed_elsewhere) {
    const std::vector<std::int64_t> codes = AcceptedCodes("CLOSE-2");
    std::string receive_codes;
    std::vector<PendingOp> indicated;
    // One deadline for all: a provider that never indicates costs it once.
    const Deadline deadline(IndicationTimeout());
    for (const PendingOp& p_op : ops) {
      Operation& op = *p_op.op;
      const bool ioctl = p_op.kind == OpKind::Ioctl;
      std::optional<Indication> ind = observer.Wait(op, deadline);
      ObserveIndication(p_op.name, ind);
      WSAC_EXPECT_TRUE(ioctl ? "IOCTL-3" : closed_elsewhere ? "CLOSE-1" : "CLOSE-3", ind.has_value())
          << p_op.name << ": no indication after closesocket" << (closed_elsewhere ? " on another thread" : "") << ": "
          << observer.Describe(op);
      if (!ind) continue;
      indicated.push_back(p_op);
      WSAC_EXPECT_NE(ioctl ? "IOCTL-3" : "S26", ind->error, 0u)
          << p_op.name << ": the operation ended by closesocket reported success";
      if (!ioctl) {
        WSAC_EXPECT_TRUE("CLOSE-2", OneOf(codes, ind->error))
            << p_op.name << ": the code an operation ended by closesocket reports";
      }
      if (observer.mechanism() == Mechanism::Routine) {
        WSAC_EXPECT_EQ("APC-7", ind->bytes, 0u) << p_op.name << ": the routine of a failed operation got a byte count";
      }
      if (p_op.kind == OpKind::Receive)
        receive_codes += (receive_codes.empty() ? "" : ", ") + p_op.name + " " + std::to_string(ind->error);
    }
    if (observer.mechanism() != Mechanism::Routine) NotExercised("APC-7", "not the routine mechanism");
    ExpectNoSecondIndication(indicated);
    return receive_codes;
  }
  // One quiet window over all ops: a routine that runs twice or a second
  // port packet is a second indication (S26: exactly one each). An event
  // cannot count how often it was signaled.
  void ExpectNoSecondIndication(const std::vector<PendingOp>& ops) {
    if (ops.empty()) return;
    if (observer.mechanism() == Mechanism::Routine) {
      p.SleepEx(static_cast<DWORD>(QuietWindow().count()), TRUE);
      for (const PendingOp& p_op : ops)
        WSAC_EXPECT_EQ("S26", p_op.op->routine_runs.load(), 1) << p_op.name << ": routine runs after closesocket";
    } else if (observer.mechanism() == Mechanism::Port) {
      WSAC_EXPECT_FALSE("S26", observer.IndicatedWithin(*ops[0].op)) << ops[0].name << ": a second completion packet";
      for (size_t i = 1; i < ops.size(); ++i)
        WSAC_EXPECT_FALSE("S26", observer.IndicatedWithin(*ops[i].op, std::chrono::milliseconds(0)))
            << ops[i].name << ": a second completion packet";
    }
  }
  // Whether op, started on a worker thread (whose routine runs there), was
  // indicated within `window`, watched from this thread.
  bool IndicatedElsewhereWithin(Operation& op, std::chrono::milliseconds window) {
    if (observer.mechanism() != Mechanism::Routine) return observer.IndicatedWithin(op, window);
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

// S26 with CLOSE-2, CLOSE-3, IOCTL-3: two receives, a send (streams) and an
// SIO_ADDRESS_LIST_CHANGE pending at closesocket each get exactly one
// indication with a failure status; WIN-1 reports the receives' codes.
WSAC_CASE_P(Close, CloseEndsEveryPendingOperation, "S26", "CLOSE-2", "CLOSE-3", "IOCTL-3", "WIN-1", "APC-7",
            "APC-2") {
  std::vector<PendingOp> pending;
  for (int i = 0; i < 2; ++i) pending.push_back({&PostPendingRecv(512), "recv" + std::to_string(i), OpKind::Receive});
  if (pair.stream()) {
    Operation* send = FillUntilSendPends();
    Observe("send_pending", send ? "yes" : "no");
    if (send) pending.push_back({send, "send", OpKind::Send});
  }
  Operation& ioctl = PostAddressListChange();
  ObserveCall("ioctl", ioctl.call_ret, ioctl.call_error);
  if (ioctl.outcome == Outcome::Pending) {
    pending.push_back({&ioctl, "ioctl", OpKind::Ioctl});
  } else {
    NotExercised("IOCTL-3", "SIO_ADDRESS_LIST_CHANGE did not pend");
    NotExercised("APC-2", "SIO_ADDRESS_LIST_CHANGE did not pend");
  }
  CloseHere(pending);
  std::string codes = ExpectEndedByClose(pending, false);
  Report("WIN-1", "receives ended by closesocket: " + codes);
}

// CLOSE-1 with S26, CLOSE-2, CLOSE-3: receives posted on this thread are
// ended when another thread closes the socket, each with one failing
// indication; a routine is queued to this thread, not run by the closer.
WSAC_CASE_P(Close, CloseFromAnotherThreadEndsReceives, "CLOSE-1", "S26", "CLOSE-2", "CLOSE-3", "WIN-1", "APC-7") {
  std::vector<PendingOp> pending;
  for (int i = 0; i < 3; ++i) pending.push_back({&PostPendingRecv(256), "recv" + std::to_string(i), OpKind::Receive});
  SOCKET s = pair.a;
  pair.a = INVALID_SOCKET;
  int ret = -2;
  int error = 0;
  Worker closer(p, Worker::ExitAfterStep, [&] {
    ret = p.closesocket(s);
    error = ret == 0 ? 0 : p.WSAGetLastError();
  });
  WSAC_ASSERT_TRUE("CLOSE-1", closer.Finish()) << "closesocket on another thread did not return";
  Observe("closesocket.ret", ret);
  if (ret != 0) throw SetupFailed("closesocket on another thread failed with " + std::to_string(error));
  ExpectRoutinesQueuedNotRun(pending, true);
  std::string codes = ExpectEndedByClose(pending, true);
  Report("WIN-1", "receives ended by closesocket on another thread: " + codes);
}

// IOCTL-3 with S26: a pending SIO_ADDRESS_LIST_CHANGE ends at closesocket
// with one failing indication.
WSAC_CASE_P(Close, CloseEndsPendingAddressListChange, "S26", "IOCTL-3", "APC-7", "APC-2") {
  Operation& ioctl = PostAddressListChange();
  ObserveCall("ioctl", ioctl.call_ret, ioctl.call_error);
  if (ioctl.outcome != Outcome::Pending)
    throw NotSupported("SIO_ADDRESS_LIST_CHANGE did not pend (ret " + std::to_string(ioctl.call_ret) + ", error " +
                       std::to_string(ioctl.call_error) + ")");
  std::vector<PendingOp> pending{{&ioctl, "ioctl", OpKind::Ioctl}};
  CloseHere(pending);
  (void)ExpectEndedByClose(pending, false);
  if (observer.mechanism() == Mechanism::Event || observer.mechanism() == Mechanism::Polling)
    NotExercised("S26", "an event cannot show a second indication, and the ioctl's failure status is IOCTL-3's");
}

// CLOSE-9, CLOSE-10: a receive pending at shutdown(SD_RECEIVE) stays
// pending; a new receive fails at once with WSAESHUTDOWN.
WSAC_CASE_P(Close, ShutdownReceiveKeepsPendingReceive, "CLOSE-9", "CLOSE-10") {
  Operation& op = PostPendingRecv(256);
  int ret = p.shutdown(pair.a, SD_RECEIVE);
  ObserveCall("shutdown", ret, ret == 0 ? 0 : p.WSAGetLastError());
  if (ret != 0) throw SetupFailed("shutdown(SD_RECEIVE) failed with " + std::to_string(p.WSAGetLastError()));

  Operation& next = PostRecv(256);
  ObserveCall("recv_after_shutdown", next.call_ret, next.call_error);
  WSAC_EXPECT_EQ("CLOSE-10", next.outcome, Outcome::Failed)
      << "a receive after shutdown(SD_RECEIVE) was accepted: " << observer.Describe(next);
  WSAC_EXPECT_EQ("CLOSE-10", next.call_error, WSAESHUTDOWN) << observer.Describe(next);

  bool ended = observer.IndicatedWithin(op);
  Observe("pending_receive_ended", ended ? "yes" : "no");
  WSAC_EXPECT_FALSE("CLOSE-9", ended) << "shutdown(SD_RECEIVE) ended the pending receive: " << observer.Describe(op);
}

// CLOSE-4, CLOSE-7: CancelIoEx from another thread with one receive's
// WSAOVERLAPPED ends that one (995) and leaves the other pending, which
// then receives data normally.
WSAC_CASE_P(Close, CancelIoExOneLeavesOthers, "CLOSE-4", "CLOSE-7") {
  Operation& r0 = PostPendingRecv(256);
  char* b1 = nullptr;
  Operation& r1 = PostPendingRecv(256, &b1);
  BOOL ok = FALSE;
  DWORD error = 0;
  Worker canceller(p, Worker::ExitAfterStep, [&] {
    ok = p.CancelIoEx(AsHandle(pair.a), &r0.ov);
    error = ok ? 0 : p.GetLastError();
  });
  WSAC_ASSERT_TRUE("CLOSE-4", canceller.Finish()) << "CancelIoEx on another thread did not return";
  Observe("cancelioex.ret", ok);
  Observe("cancelioex.error", error);
  WSAC_ASSERT_TRUE("CLOSE-4", ok) << "CancelIoEx from another thread on a pending receive failed with " << error;
  std::optional<Indication> i0 = observer.Wait(r0);
  ObserveIndication("cancelled", i0);
  WSAC_ASSERT_TRUE("CLOSE-4", i0.has_value()) << "the receive CancelIoEx named did not end: " << observer.Describe(r0);
  WSAC_EXPECT_EQ("CLOSE-7", i0->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED));

  WSAC_EXPECT_FALSE("CLOSE-4", observer.IndicatedWithin(r1)) << "the other receive was ended too: " << observer.Describe(r1);
  pair.SendFromPeer(CounterPattern(0, 50));
  std::optional<Indication> i1 = observer.Wait(r1);
  ObserveIndication("other", i1);
  WSAC_ASSERT_TRUE("CLOSE-4", i1.has_value()) << "the receive left pending did not complete: " << observer.Describe(r1);
  WSAC_EXPECT_EQ("CLOSE-4", i1->error, 0u) << "the receive left pending did not receive the data";
  WSAC_EXPECT_GT("CLOSE-4", i1->bytes, 0u);
  WSAC_EXPECT_EQ("CLOSE-4", FirstMismatch(b1, i1->bytes, 0), -1);
}

// CLOSE-5, CLOSE-7: CancelIoEx(NULL) ends the receives of this thread and of
// another thread, each with one 995 indication.
WSAC_CASE_P(Close, CancelIoExAllEndsEveryThreadsReceives, "CLOSE-5", "CLOSE-7") {
  Operation& r0 = PostPendingRecv(256);
  Operation& r1 = observer.NewOperation(pair.a);
  char* b1 = ReceiveBuffer(256);
  Worker other(p, StayForMechanism(), [&] { PostRecvHere(r1, b1, 256); });
  if (!other.WaitStepped()) throw SetupFailed("the worker thread did not post its receive");
  if (r1.outcome != Outcome::Pending)
    throw SetupFailed("the worker's receive with no data queued did not pend: " + observer.Describe(r1));

  BOOL ok = p.CancelIoEx(AsHandle(pair.a), nullptr);
  DWORD error = ok ? 0 : p.GetLastError();
  Observe("cancelioex.ret", ok);
  Observe("cancelioex.error", error);
  WSAC_ASSERT_TRUE("CLOSE-5", ok) << "CancelIoEx(NULL) with two receives pending failed with " << error;
  std::optional<Indication> i0 = observer.Wait(r0);
  std::optional<Indication> i1 = WaitElsewhere(r1);
  other.Stop();
  ObserveIndication("own", i0);
  ObserveIndication("other_thread", i1);
  WSAC_EXPECT_TRUE("CLOSE-5", i0.has_value()) << "this thread's receive was not ended: " << observer.Describe(r0);
  WSAC_EXPECT_TRUE("CLOSE-5", i1.has_value()) << "the other thread's receive was not ended: " << observer.Describe(r1);
  if (i0) {
    WSAC_EXPECT_EQ("CLOSE-7", i0->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED)) << "this thread's receive";
  }
  if (i1) {
    WSAC_EXPECT_EQ("CLOSE-7", i1->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED)) << "the other thread's receive";
  }
  if (!i0 && !i1) NotExercised("CLOSE-7", "neither receive was cancelled");
}

// CLOSE-6: CancelIoEx with nothing pending, and with the WSAOVERLAPPED of an
// operation already completed, fails with ERROR_NOT_FOUND (1168).
WSAC_CASE_P(Close, CancelIoExWithNothingToCancel, "CLOSE-6") {
  BOOL ok = p.CancelIoEx(AsHandle(pair.a), nullptr);
  DWORD error = ok ? 0 : p.GetLastError();
  Observe("cancel_all.ret", ok);
  Observe("cancel_all.error", error);
  WSAC_EXPECT_FALSE("CLOSE-6", ok) << "CancelIoEx(NULL) with nothing pending succeeded";
  if (!ok) {
    WSAC_EXPECT_EQ("CLOSE-6", error, static_cast<DWORD>(ERROR_NOT_FOUND));
  }

  static const std::vector<char> data = CounterPattern(0, 64);  // a send may outlive a failing case
  Operation& done = observer.NewOperation(pair.a);
  SendOn(pair.a, done, data.data(), static_cast<ULONG>(data.size()), LongLivedWord());
  if (done.outcome == Outcome::Failed) throw SetupFailed("a 64-byte send failed: " + observer.Describe(done));
  std::optional<Indication> ind = done.outcome == Outcome::Immediate ? observer.TakeImmediate(done) : observer.Wait(done);
  if (!ind) throw SetupFailed("a 64-byte send was never indicated: " + observer.Describe(done));
  ok = p.CancelIoEx(AsHandle(pair.a), &done.ov);
  error = ok ? 0 : p.GetLastError();
  Observe("cancel_completed.ret", ok);
  Observe("cancel_completed.error", error);
  WSAC_EXPECT_FALSE("CLOSE-6", ok) << "CancelIoEx of a completed operation succeeded";
  if (!ok) {
    WSAC_EXPECT_EQ("CLOSE-6", error, static_cast<DWORD>(ERROR_NOT_FOUND));
  }
}

// CLOSE-8, CLOSE-7: CancelIo ends the calling thread's receive (995) but
// not another thread's, which then receives data normally.
WSAC_CASE_P(Close, CancelIoEndsOnlyCallingThreads, "CLOSE-8", "CLOSE-7") {
  Operation& r0 = PostPendingRecv(256);
  Operation& r1 = observer.NewOperation(pair.a);
  char* b1 = ReceiveBuffer(256);
  Worker other(p, StayForMechanism(), [&] { PostRecvHere(r1, b1, 256); });
  if (!other.WaitStepped()) throw SetupFailed("the worker thread did not post its receive");
  if (r1.outcome != Outcome::Pending)
    throw SetupFailed("the worker's receive with no data queued did not pend: " + observer.Describe(r1));

  BOOL ok = p.CancelIo(AsHandle(pair.a));
  DWORD error = ok ? 0 : p.GetLastError();
  Observe("cancelio.ret", ok);
  Observe("cancelio.error", error);
  WSAC_ASSERT_TRUE("CLOSE-8", ok) << "CancelIo with a receive of this thread pending failed with " << error;
  std::optional<Indication> i0 = observer.Wait(r0);
  ObserveIndication("own", i0);
  WSAC_ASSERT_TRUE("CLOSE-8", i0.has_value()) << "CancelIo did not end the calling thread's receive: " << observer.Describe(r0);
  WSAC_EXPECT_EQ("CLOSE-7", i0->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED));

  WSAC_EXPECT_FALSE("CLOSE-8", IndicatedElsewhereWithin(r1, QuietWindow()))
      << "CancelIo ended another thread's receive: " << observer.Describe(r1);
  pair.SendFromPeer(CounterPattern(0, 40));
  std::optional<Indication> i1 = WaitElsewhere(r1);
  other.Stop();
  ObserveIndication("other_thread", i1);
  WSAC_ASSERT_TRUE("CLOSE-8", i1.has_value()) << "the other thread's receive did not complete: " << observer.Describe(r1);
  WSAC_EXPECT_EQ("CLOSE-8", i1->error, 0u) << "the other thread's receive did not receive the data";
  WSAC_EXPECT_GT("CLOSE-8", i1->bytes, 0u);
  WSAC_EXPECT_EQ("CLOSE-8", FirstMismatch(b1, i1->bytes, 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Close, Close, ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()})), ParamName);

class StreamClose : public CloseCase {};

// S26 with CLOSE-2, CLOSE-3: sends pending at closesocket (SO_SNDBUF 0,
// peer not reading) each get one indication with a failure status.
WSAC_CASE_P(StreamClose, CloseEndsPendingSends, "S26", "CLOSE-2", "CLOSE-3", "APC-7") {
  Operation* send = FillUntilSendPends();
  if (send == nullptr) throw NotSupported("16 MiB of sends to a peer that does not read all completed at once");
  Operation* second = FillUntilSendPends();  // queued behind the first, if the provider lets it pend too
  std::vector<PendingOp> pending{{send, "send0", OpKind::Send}};
  if (second != nullptr) pending.push_back({second, "send1", OpKind::Send});
  CloseHere(pending);
  (void)ExpectEndedByClose(pending, false);
}

// CLOSE-11: the peer's graceful close completes a pending receive with 0
// bytes and no error.
WSAC_CASE_P(StreamClose, PeerGracefulCloseCompletesReceiveWithZero, "CLOSE-11") {
  Operation& op = PostPendingRecv(256);
  pair.CloseB();
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("CLOSE-11", ind.has_value()) << "graceful close by the peer did not end the receive: "
                                                << observer.Describe(op);
  WSAC_EXPECT_EQ("CLOSE-11", ind->error, 0u) << "a graceful close must complete the receive successfully";
  WSAC_EXPECT_EQ("CLOSE-11", ind->bytes, 0u);
}

// CLOSE-12: the peer's abortive close (SO_LINGER {1,0}) fails a pending
// receive; WIN-2 reports the code (64 on Windows, or 10054).
WSAC_CASE_P(StreamClose, PeerAbortiveCloseFailsReceive, "CLOSE-12", "WIN-2") {
  Operation& op = PostPendingRecv(256);
  linger abortive{1, 0};
  if (p.setsockopt(pair.b, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&abortive), sizeof abortive) != 0)
    throw SetupFailed("setsockopt(SO_LINGER {1, 0}) on the peer failed with " + std::to_string(p.WSAGetLastError()));
  pair.CloseB();
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  Observe("recv.internal", static_cast<std::int64_t>(op.ov.Internal));
  WSAC_ASSERT_TRUE("CLOSE-12", ind.has_value()) << "the peer's reset did not end the receive: " << observer.Describe(op);
  WSAC_EXPECT_NE("CLOSE-12", ind->error, 0u) << "the receive reported success after the peer's reset";
  const std::vector<std::int64_t> codes = AcceptedCodes("WIN-2");
  Report("WIN-2", "receive pending at the peer's reset failed with " + std::to_string(ind->error) +
                      (OneOf(codes, ind->error) ? " (a code Windows gives)" : " (not 64 or 10054)"));
}

INSTANTIATE_TEST_SUITE_P(Close, StreamClose, ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = AllMechanisms()})),
                         ParamName);

class ThreadExit : public CloseCase {};

// CLOSE-13: a receive started by a thread that then exits is cancelled:
// its event / WSAGetOverlappedResult report ERROR_OPERATION_ABORTED.
WSAC_CASE_P(ThreadExit, ExitingThreadCancelsItsReceive, "CLOSE-13") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = ReceiveBuffer(256);
  Worker poster(p, Worker::ExitAfterStep, [&] { PostRecvHere(op, buf, 256); });
  if (!poster.Finish()) throw SetupFailed("the worker thread did not post its receive");
  if (op.outcome != Outcome::Pending)
    throw SetupFailed("the worker's receive with no data queued did not pend: " + observer.Describe(op));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("CLOSE-13", ind.has_value()) << "the exited thread's receive was not cancelled: "
                                                << observer.Describe(op);
  WSAC_EXPECT_EQ("CLOSE-13", ind->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED))
      << "an operation cancelled by its thread's exit";
}

INSTANTIATE_TEST_SUITE_P(Close, ThreadExit,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Event, Mechanism::Polling}})),
                         ParamName);

class ThreadExitPort : public CloseCase {};

// CLOSE-14: on a socket associated with a port, a receive started by a
// thread that exits is not cancelled: it completes later through the port.
WSAC_CASE_P(ThreadExitPort, ExitingThreadKeepsPortReceive, "CLOSE-14") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = ReceiveBuffer(256);
  Worker poster(p, Worker::ExitAfterStep, [&] { PostRecvHere(op, buf, 256); });
  if (!poster.Finish()) throw SetupFailed("the worker thread did not post its receive");
  if (op.outcome != Outcome::Pending)
    throw SetupFailed("the worker's receive with no data queued did not pend: " + observer.Describe(op));
  bool early = observer.IndicatedWithin(op);
  ObserveIndication("after_exit", op.indication);
  WSAC_ASSERT_FALSE("CLOSE-14", early) << "the receive ended when its thread exited: " << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 30));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("CLOSE-14", ind.has_value()) << "the receive never completed through the port: "
                                                << observer.Describe(op);
  WSAC_EXPECT_EQ("CLOSE-14", ind->error, 0u);
  WSAC_EXPECT_GT("CLOSE-14", ind->bytes, 0u);
  WSAC_EXPECT_EQ("CLOSE-14", FirstMismatch(buf, ind->bytes, 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Close, ThreadExitPort,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Port}})), ParamName);

}  // namespace
}  // namespace wsac
