// S27 and the WSAIoctl statements of part B: an overlapped WSAIoctl follows
// the same three-way result as sends and receives (S27: 0 means already
// indicated, WSA_IO_PENDING a later indication, any other error none).
//   IOCTL-4  an ioctl that needs no waiting returns 0 ...
//   IOCTL-5  ... and still gives the chosen indication (event, routine)
//   IOCTL-6  ... and on a port socket still queues a packet
//   IOCTL-1  SIO_ADDRESS_LIST_CHANGE pends instead of waiting inside the call
//   IOCTL-2  SIO_ROUTING_INTERFACE_CHANGE pends instead of waiting inside the call
//   IOCTL-3  closesocket ends a pending one with a failure, still indicated
//   CLOSE-7  CancelIoEx ends it with ERROR_OPERATION_ABORTED, still indicated
//   EVT-3    while it pends, WSAGetOverlappedResult(fWait FALSE) says WSA_IO_INCOMPLETE
//   IOCTL-7  lpcbBytesReturned NULL fails with WSAEFAULT (and is never indicated)
//   ERR-5    an input or output buffer too small fails with WSAEFAULT, the
//            WSAIoctl page's code (and is never indicated)
// No statement says when a waiting ioctl may complete: one that completes
// before anything changed has still pended (IOCTL-1/2) and is still
// indicated (S27); the cases accept it and report it.
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "suite/fixtures/blocking_probe.h"
#include "suite/fixtures/case_dimensions.h"
#include "suite/fixtures/worker.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

// WSAID_ACCEPTEX, spelled out: mswsock.h is a Windows header.
constexpr GUID kAcceptExGuid{0xb5367df1, 0xcbac, 0x11cf, {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}};

// The ioctls that complete without waiting.
enum class Ioctl { Fionread, Fionbio, ExtensionPointer };
const char* IoctlName(Ioctl ioctl) {
  switch (ioctl) {
    case Ioctl::Fionread: return "Fionread";
    case Ioctl::Fionbio: return "Fionbio";
    case Ioctl::ExtensionPointer: return "ExtensionPointer";
  }
  return "?";
}
const std::vector<Ioctl> kAllIoctls{Ioctl::Fionread, Ioctl::Fionbio, Ioctl::ExtensionPointer};

std::vector<ParamWith<Ioctl>> Ioctls(const Dimensions& d, const std::vector<Ioctl>& ioctls) {
  return CrossWith(d, ioctls, IoctlName);
}

class IoctlCase : public ParamWithCase<Ioctl> {
 protected:
  Ioctl ioctl() const { return GetParam().value; }

  // The capability probe for the extension-pointer ioctl: a provider that
  // does not offer it at all (the non-overlapped call fails) is NOT_SUPPORTED.
  void* ProbeExtensionPointer() {
    GUID guid = kAcceptExGuid;
    void* fn = nullptr;
    DWORD returned = 0;
    if (p.WSAIoctl(pair.a, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, &fn, sizeof fn, &returned, nullptr,
                   nullptr) != 0)
      throw NotSupported("SIO_GET_EXTENSION_FUNCTION_POINTER(WSAID_ACCEPTEX) fails without overlapped too: " +
                         std::to_string(p.WSAGetLastError()));
    return fn;
  }

  // Starts the parameter's ioctl with op; with `short_buffer` its input
  // (FIONBIO) or output buffer is one byte long. Its input and output live
  // as long as the process: an ioctl that is wrongly still pending when the
  // case ends may write them at any time.
  int Start(Operation& op, LPDWORD returned, bool short_buffer = false) {
    int ret = SOCKET_ERROR;
    switch (ioctl()) {
      case Ioctl::Fionread:
        fionread_ = &LongLived<u_long>(0xDEADBEEF);
        ret = p.WSAIoctl(pair.a, static_cast<DWORD>(FIONREAD), nullptr, 0, fionread_,
                         short_buffer ? 1 : sizeof *fionread_, returned, &op.ov, observer.routine());
        break;
      case Ioctl::Fionbio: {
        u_long& on = LongLived<u_long>(1);
        ret = p.WSAIoctl(pair.a, static_cast<DWORD>(FIONBIO), &on, short_buffer ? 1 : sizeof on, nullptr, 0, returned,
                         &op.ov, observer.routine());
        break;
      }
      case Ioctl::ExtensionPointer: {
        GUID& guid = LongLived<GUID>(kAcceptExGuid);
        pointer_ = &LongLived<void*>(nullptr);
        ret = p.WSAIoctl(pair.a, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, pointer_,
                         short_buffer ? 1 : sizeof *pointer_, returned, &op.ov, observer.routine());
        break;
      }
    }
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return ret;
  }

  // An ioctl with one argument spoiled must fail with `expected`, the code
  // `code_statement` names, and then no indication may follow (S18, S27).
  // One that is accepted instead still owes S27 the promise of what it
  // returned.
  void ExpectRefused(Operation& op, int ret, int expected, const char* code_statement, const char* spoiled) {
    ObserveCall("ioctl", ret, op.call_error);
    WSAC_EXPECT_EQ(code_statement, op.outcome, Outcome::Failed)
        << "accepted with " << spoiled << ": " << observer.Describe(op);
    if (op.outcome != Outcome::Failed) {
      NotExercised("S18", std::string("the ioctl was not refused (") + OutcomeName(op.outcome) + ")");
      std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
      ObserveIndication("indication", ind);
      WSAC_EXPECT_TRUE("S27", ind.has_value()) << (ret == 0 ? "returned 0 but no indication had happened yet: "
                                                            : "pended but was never indicated: ")
                                               << observer.Describe(op);
      return;
    }
    WSAC_EXPECT_EQ(code_statement, op.call_error, expected);
    bool indicated = observer.IndicatedWithin(op);
    Observe("indicated", indicated ? "yes" : "no");
    WSAC_EXPECT_FALSE("S18", indicated) << "a refused ioctl was indicated: " << observer.Describe(op);
    WSAC_EXPECT_FALSE("S27", indicated) << "a refused ioctl was indicated: " << observer.Describe(op);
  }

  // IOCTL-4: the ioctl returns 0. S27: whatever it returned keeps its
  // promise, and a 0 or an indication means it has completed, its result in
  // place. `indication_statement` (IOCTL-5 or IOCTL-6, if the case claims
  // one) owns the chosen indication of a 0 return; `mode_statement` (S6, on
  // a non-blocking socket) that the mode never makes it fail WSAEWOULDBLOCK.
  void ImmediateIoctlIndicated(const char* indication_statement, const char* mode_statement) {
    const std::vector<char> data = CounterPattern(0, 40);
    void* expected_fn = nullptr;
    switch (ioctl()) {
      case Ioctl::Fionread:
        pair.SendFromPeer(data);
        pair.WaitUntilQueued(pair.a, data.size());
        break;
      case Ioctl::Fionbio: break;
      case Ioctl::ExtensionPointer: expected_fn = ProbeExtensionPointer(); break;
    }

    Operation& op = observer.NewOperation(pair.a);
    DWORD& returned = LongLived<DWORD>(0xDEAD);
    int ret = Start(op, &returned);
    ObserveCall("ioctl", ret, op.call_error);
    Observe("ioctl.outcome", OutcomeName(op.outcome));
    Observe("bytes_returned", static_cast<std::int64_t>(returned));
    if (mode_statement != nullptr) {
      WSAC_EXPECT_NE(mode_statement, op.call_error, WSAEWOULDBLOCK)
          << "an overlapped ioctl failed because of the socket's mode";
    }
    WSAC_EXPECT_EQ("IOCTL-4", ret, 0) << "an ioctl that needs no waiting returns 0: " << observer.Describe(op);

    std::optional<Indication> ind;
    switch (op.outcome) {
      case Outcome::Failed: {
        if (indication_statement != nullptr) NotExercised(indication_statement, "the ioctl failed");
        bool indicated = observer.IndicatedWithin(op);
        Observe("indicated", indicated ? "yes" : "no");
        WSAC_EXPECT_FALSE("S27", indicated) << "a failed ioctl was indicated: " << observer.Describe(op);
        return;
      }
      case Outcome::Immediate:
        ind = observer.TakeImmediate(op);
        ObserveIndication("indication", ind);
        if (indication_statement != nullptr) {
          WSAC_EXPECT_TRUE(indication_statement, ind.has_value())
              << "returned 0 but the chosen indication had not happened: " << observer.Describe(op);
        }
        WSAC_ASSERT_TRUE("S27", ind.has_value())
            << "returned 0 but no indication had happened yet: " << observer.Describe(op);
        break;
      case Outcome::Pending:
        if (indication_statement != nullptr) NotExercised(indication_statement, "the ioctl pended");
        ind = observer.Wait(op);
        ObserveIndication("indication", ind);
        WSAC_ASSERT_TRUE("S27", ind.has_value()) << "pended but was never indicated: " << observer.Describe(op);
        break;
    }
    if (mechanism() == Mechanism::Port) Observe("indication.key", static_cast<std::int64_t>(ind->key));
    WSAC_EXPECT_EQ("S27", ind->error, 0u) << "the indication of an ioctl that needs no waiting reports a failure";

    switch (ioctl()) {
      case Ioctl::Fionread:
        Observe("fionread", static_cast<std::int64_t>(*fionread_));
        WSAC_EXPECT_EQ("S27", *fionread_, data.size()) << "the FIONREAD result of the completed ioctl";
        break;
      case Ioctl::Fionbio:
        // Its effect: a plain receive now fails at once instead of waiting.
        WSAC_EXPECT_EQ("S27", ProbeBlockingMode(p, pair, "after_ioctl"), BlockingMode::WouldBlock)
            << "FIONBIO 1 through an overlapped WSAIoctl did not take effect by its completion";
        break;
      case Ioctl::ExtensionPointer:
        Observe("pointer_matches", *pointer_ == expected_fn ? "yes" : "no");
        WSAC_EXPECT_EQ("S27", *pointer_, expected_fn) << "the overlapped call gave another pointer than the plain one";
        break;
    }
  }

  u_long* fionread_ = nullptr;
  void** pointer_ = nullptr;
};

// ---- immediate ioctls -------------------------------------------------------

class ImmediateIoctl : public IoctlCase {};
// IOCTL-4, IOCTL-5, S27: returns 0 with its event already signaled or its routine queued.
WSAC_CASE_P(ImmediateIoctl, IndicatedAtReturn, "S27", "IOCTL-4", "IOCTL-5") {
  ImmediateIoctlIndicated("IOCTL-5", nullptr);
}
INSTANTIATE_TEST_SUITE_P(Ioctl, ImmediateIoctl,
                         ValuesIn(Ioctls({.kinds = AllKinds(), .mechanisms = NonPortMechanisms()}, kAllIoctls)),
                         ParamWithName<Ioctl>);

class ImmediateIoctlPort : public IoctlCase {};
// IOCTL-4, IOCTL-6, S27: returns 0 with a packet already queued to the port.
WSAC_CASE_P(ImmediateIoctlPort, PacketQueuedAtReturn, "S27", "IOCTL-4", "IOCTL-6") {
  ImmediateIoctlIndicated("IOCTL-6", nullptr);
}
INSTANTIATE_TEST_SUITE_P(Ioctl, ImmediateIoctlPort,
                         ValuesIn(Ioctls({.kinds = AllKinds(), .mechanisms = {Mechanism::Port}}, kAllIoctls)),
                         ParamWithName<Ioctl>);

class ImmediateIoctlNonBlocking : public IoctlCase {};
// S6, IOCTL-4, S27: on a non-blocking socket the same: 0 and indicated, never WSAEWOULDBLOCK.
WSAC_CASE_P(ImmediateIoctlNonBlocking, IndicatedAtReturn, "S27", "S6", "IOCTL-4") {
  ImmediateIoctlIndicated(nullptr, "S6");
}
INSTANTIATE_TEST_SUITE_P(Ioctl, ImmediateIoctlNonBlocking,
                         ValuesIn(Ioctls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms(),
                                          .nonblocking = {true}},
                                         kAllIoctls)),
                         ParamWithName<Ioctl>);

// ---- lpcbBytesReturned NULL -------------------------------------------------

class NullBytesReturned : public IoctlCase {};

// IOCTL-7, S18, S27: with lpcbBytesReturned NULL the ioctl fails with
// WSAEFAULT (IOCTL-7), and a failed ioctl is never indicated through the
// chosen mechanism (S18, S27).
WSAC_CASE_P(NullBytesReturned, RefusedWithoutIndication, "S27", "S18", "IOCTL-7") {
  if (ioctl() == Ioctl::ExtensionPointer) (void)ProbeExtensionPointer();
  Operation& op = observer.NewOperation(pair.a);
  int ret = Start(op, nullptr);
  ExpectRefused(op, ret, WSAEFAULT, "IOCTL-7", "lpcbBytesReturned NULL");
}
INSTANTIATE_TEST_SUITE_P(Ioctl, NullBytesReturned,
                         ValuesIn(Ioctls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()}, kAllIoctls)),
                         ParamWithName<Ioctl>);

// ---- a buffer too small -------------------------------------------------------

class BufferTooSmall : public IoctlCase {};

// ERR-5, S18, S27: an input (FIONBIO) or output (FIONREAD) buffer one byte
// long fails with WSAEFAULT, the code the WSAIoctl page names for a
// cbInBuffer or cbOutBuffer too small (ERR-5), and the failed ioctl is never
// indicated (S18, S27). SIO_GET_EXTENSION_FUNCTION_POINTER is left out:
// providers modelled on Windows are seen to answer a short output buffer
// with WSAEINVAL there, so which code the page means for it is not settled.
WSAC_CASE_P(BufferTooSmall, RefusedWithoutIndication, "S27", "S18", "ERR-5") {
  Operation& op = observer.NewOperation(pair.a);
  int ret = Start(op, &LongLived<DWORD>(0xDEAD), true);
  ExpectRefused(op, ret, WSAEFAULT, "ERR-5", "a one-byte buffer");
}
INSTANTIATE_TEST_SUITE_P(Ioctl, BufferTooSmall,
                         ValuesIn(Ioctls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()},
                                         {Ioctl::Fionread, Ioctl::Fionbio})),
                         ParamWithName<Ioctl>);

// ---- waiting ioctls: SIO_ADDRESS_LIST_CHANGE, SIO_ROUTING_INTERFACE_CHANGE ---

// What WSAGetOverlappedResult(fWait FALSE) said at one moment.
struct PolledResult {
  bool done = false;  // anything but FALSE with WSA_IO_INCOMPLETE
  DWORD error = 0;    // 0 for TRUE, else the error
  DWORD bytes = 0;
};

class WaitingIoctl : public IoctlCase {
 protected:
  // How one waiting ioctl went: polled, ended by the case, collected.
  struct Run {
    std::optional<PolledResult> before_end;  // Event, Polling, if asked: polled before the case ended it
    std::optional<Indication> indication;    // through the mechanism, once ended
    std::optional<PolledResult> final;       // after the event, when the Polling caller's poll had said done
    bool polled_done() const { return before_end && before_end->done; }
  };

  // Starts the waiting ioctl on a worker (a provider that waits inside the
  // call must not hang the case; a routine runs only on the thread that
  // made the call). In order, with nothing of the worker running meanwhile:
  // the call must pend; with `poll_before_end`, Event and Polling ask
  // WSAGetOverlappedResult once (EVT-3); `end` ends the ioctl; then the
  // worker collects its indication. Returns false when there is no pending
  // ioctl to end (the case has failed or thrown).
  bool RunPending(Operation& op, Run& run, bool poll_before_end, const std::function<void()>& end) {
    DWORD& returned = LongLived<DWORD>(0xDEAD);
    const bool polling = mechanism() == Mechanism::Polling;
    WorkerCall worker(
        p,
        [&] {
          int ret = p.WSAIoctl(pair.a, code_, in_, in_len_, nullptr, 0, &returned, &op.ov, observer.routine());
          observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
        },
        [&] {
          if (op.outcome != Outcome::Pending) return;
          // A poll that already said done was the Polling caller's
          // indication; the event tells what the ioctl really came to.
          if (polling && run.polled_done())
            run.final = ResultAfterEvent(op);
          else
            run.indication = observer.Wait(op);
        });
    worker.ReleaseWith([&] {
      if (pair.a != INVALID_SOCKET) pair.CloseA();
    });
    if (!worker.Returned(ReturnWatchdog())) {
      Observe("call", "waited inside the call; released by closesocket");
      pair.CloseA();
      (void)worker.Returned(IndicationTimeout());
      WSAC_ADD_FAILURE(pends_statement_) << "overlapped " << code_name_ << " waited inside the call until the case "
                                         << "closed the socket: " << observer.Describe(op);
      return false;
    }
    ObserveCall("ioctl", op.call_ret, op.call_error);
    Observe("ioctl.outcome", OutcomeName(op.outcome));
    if (op.outcome == Outcome::Failed && op.call_error == WSAEOPNOTSUPP)
      throw NotSupported(std::string(code_name_) + ": WSAEOPNOTSUPP");
    WSAC_EXPECT_NE("S27", op.call_error, WSAEWOULDBLOCK)
        << "an overlapped ioctl that has to wait is deferred like a send or receive, not refused as would-block";
    WSAC_EXPECT_EQ(pends_statement_, op.outcome, Outcome::Pending)
        << "an overlapped " << code_name_ << " must pend: " << observer.Describe(op);
    if (op.outcome != Outcome::Pending) return false;
    if (poll_before_end && (mechanism() == Mechanism::Event || polling)) {
      run.before_end = Poll(op);
      Observe("before_end.done", run.before_end->done ? "yes" : "no");
      Observe("before_end.error", static_cast<std::int64_t>(run.before_end->error));
    }
    Observe("Internal_before_end", static_cast<std::int64_t>(op.ov.Internal));
    end();
    if (!worker.Collect(IndicationTimeout() + ReturnWatchdog()))
      throw SetupFailed("the worker did not finish collecting the indication: " + observer.Describe(op));
    ObserveIndication("indication", run.indication);
    if (run.final) Observe("final.error", static_cast<std::int64_t>(run.final->error));
    Observe("Internal", static_cast<std::int64_t>(op.ov.Internal));
    return true;
  }

  // Polling, and the poll before the end said done: that was the caller's
  // indication, whatever came after.
  bool PolledDone(const Run& run) const { return mechanism() == Mechanism::Polling && run.polled_done(); }

  PolledResult Poll(Operation& op) {
    DWORD bytes = 0, flags = 0;
    BOOL ok = p.WSAGetOverlappedResult(op.socket, &op.ov, &bytes, FALSE, &flags);
    int error = ok ? 0 : p.WSAGetLastError();
    return {ok || error != WSA_IO_INCOMPLETE, static_cast<DWORD>(error), bytes};
  }

  // The ioctl's result once the provider has signaled its event; after
  // closesocket the status the provider left in the WSAOVERLAPPED.
  std::optional<PolledResult> ResultAfterEvent(Operation& op) {
    if (p.WSAWaitForMultipleEvents(1, &op.event, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE) !=
        WSA_WAIT_EVENT_0)
      return std::nullopt;
    PolledResult r = Poll(op);
    if (r.done && r.error == static_cast<DWORD>(WSAENOTSOCK)) r.error = ErrorFromStatus(op.ov.Internal);
    return r;
  }

  // The indication the mechanism gave: for Polling, the first poll that
  // said done.
  std::optional<Indication> IndicationOf(const Run& run) const {
    if (PolledDone(run)) {
      Indication ind;
      ind.error = run.before_end->error;
      ind.bytes = run.before_end->bytes;
      return ind;
    }
    return run.indication;
  }

  // EVT-3: a poll before the end that said done must have told the ioctl's
  // real result; one that contradicts how the ioctl then completed came
  // while it was still pending.
  void ExpectNoEarlyCompletionInPoll(const Run& run) {
    if (!run.before_end) {
      NotExercised("EVT-3", std::string("the ") + MechanismName(mechanism()) +
                                " mechanism does not ask WSAGetOverlappedResult while the ioctl pends");
      return;
    }
    std::optional<DWORD> final_error;
    if (run.final) final_error = run.final->error;
    else if (mechanism() == Mechanism::Event && run.indication) final_error = run.indication->error;
    if (run.before_end->done && !final_error) {
      NotExercised("EVT-3", "the poll said done and the ioctl never signaled its event: its real state is unknown");
      return;
    }
    const bool contradicted = run.before_end->done && *final_error != run.before_end->error;
    WSAC_EXPECT_FALSE("EVT-3", contradicted)
        << "WSAGetOverlappedResult(fWait FALSE) reported the pending " << code_name_ << " done with error "
        << run.before_end->error << " before anything ended it; it then completed with " << final_error.value_or(0);
  }

  // The waiting ioctl this fixture starts: SIO_ADDRESS_LIST_CHANGE unless a
  // case chooses SIO_ROUTING_INTERFACE_CHANGE (whose input is a destination).
  DWORD code_ = SIO_ADDRESS_LIST_CHANGE;
  const char* code_name_ = "SIO_ADDRESS_LIST_CHANGE";
  const char* pends_statement_ = "IOCTL-1";
  char* in_ = nullptr;
  DWORD in_len_ = 0;
};

// CancelIoEx on the pending ioctl: whether it found it still pending.
bool CancelPending(Provider& p, SOCKET s, Operation& op) {
  BOOL ok = p.CancelIoEx(AsHandle(s), &op.ov);
  DWORD error = ok ? 0 : p.GetLastError();
  Observe("cancel.ok", ok);
  Observe("cancel.error", static_cast<std::int64_t>(error));
  if (!ok && error != ERROR_NOT_FOUND) throw SetupFailed("CancelIoEx of the ioctl failed with " + std::to_string(error));
  return ok != FALSE;
}

class PendingIoctlCancelled : public WaitingIoctl {};

// IOCTL-1, S27, CLOSE-7, EVT-3: SIO_ADDRESS_LIST_CHANGE pends in either mode
// (IOCTL-1); while it pends WSAGetOverlappedResult says WSA_IO_INCOMPLETE
// (EVT-3); CancelIoEx ends it, and it is indicated (S27) with
// ERROR_OPERATION_ABORTED (CLOSE-7).
WSAC_CASE_P(PendingIoctlCancelled, IndicatedByCancelIoEx, "S27", "IOCTL-1", "CLOSE-7", "EVT-3") {
  Operation& op = observer.NewOperation(pair.a);
  Run run;
  bool cancelled = false;
  if (!RunPending(op, run, true, [&] { cancelled = CancelPending(p, pair.a, op); })) return;
  std::optional<Indication> ind = IndicationOf(run);
  WSAC_ASSERT_TRUE("S27", ind.has_value()) << "the pending ioctl was never indicated: " << observer.Describe(op);
  ExpectNoEarlyCompletionInPoll(run);
  if (!cancelled) {
    NotExercised("CLOSE-7", "the ioctl had completed before the cancel (CancelIoEx: ERROR_NOT_FOUND)");
  } else if (PolledDone(run)) {
    NotExercised("CLOSE-7", "WSAGetOverlappedResult had reported the ioctl done before the cancel; "
                            "the cancel's status cannot reach the polling caller");
  } else {
    WSAC_EXPECT_EQ("CLOSE-7", ind->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED))
        << "a cancelled operation reports ERROR_OPERATION_ABORTED";
  }
}
INSTANTIATE_TEST_SUITE_P(Ioctl, PendingIoctlCancelled,
                         ValuesIn(Ioctls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms(),
                                          .nonblocking = BothModes()},
                                         {Ioctl::Fionread})),
                         ParamWithName<Ioctl>);

class PendingRoutingChange : public WaitingIoctl {};

// IOCTL-2, S27, CLOSE-7: an overlapped SIO_ROUTING_INTERFACE_CHANGE for the
// peer's address pends (IOCTL-2) and is indicated later (S27), whether it
// completes by itself or CancelIoEx ends it (then with
// ERROR_OPERATION_ABORTED, CLOSE-7).
WSAC_CASE_P(PendingRoutingChange, PendsUntilCancelled, "S27", "IOCTL-2", "CLOSE-7") {
  code_ = SIO_ROUTING_INTERFACE_CHANGE;
  code_name_ = "SIO_ROUTING_INTERFACE_CHANGE";
  pends_statement_ = "IOCTL-2";
  in_ = LongLivedBuffer(static_cast<size_t>(pair.addr_len));
  std::memcpy(in_, &pair.b_addr, static_cast<size_t>(pair.addr_len));
  in_len_ = static_cast<DWORD>(pair.addr_len);
  Operation& op = observer.NewOperation(pair.a);
  Run run;
  bool cancelled = false;
  if (!RunPending(op, run, false, [&] { cancelled = CancelPending(p, pair.a, op); })) return;
  std::optional<Indication> ind = IndicationOf(run);
  WSAC_ASSERT_TRUE("S27", ind.has_value()) << "the pending ioctl was never indicated: " << observer.Describe(op);
  if (!cancelled) {
    Observe("ended_by", "itself, before the cancel");
    NotExercised("CLOSE-7", "the ioctl had completed before the cancel (CancelIoEx: ERROR_NOT_FOUND)");
  } else {
    WSAC_EXPECT_EQ("CLOSE-7", ind->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED))
        << "a cancelled operation reports ERROR_OPERATION_ABORTED";
  }
}
INSTANTIATE_TEST_SUITE_P(Ioctl, PendingRoutingChange,
                         ValuesIn(Ioctls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()},
                                         {Ioctl::Fionread})),
                         ParamWithName<Ioctl>);

class PendingIoctlClosed : public WaitingIoctl {};

// IOCTL-1, IOCTL-3, S26, S27, EVT-3: closesocket ends the pending
// SIO_ADDRESS_LIST_CHANGE; it is still indicated (S27) with a failure
// (IOCTL-3, S26). Which code is reported for the reader.
WSAC_CASE_P(PendingIoctlClosed, IndicatedByClosesocket, "S27", "S26", "IOCTL-1", "IOCTL-3", "EVT-3") {
  Operation& op = observer.NewOperation(pair.a);
  Run run;
  if (!RunPending(op, run, true, [&] {
        int ret = pair.CloseA();
        Observe("closesocket.ret", ret);
        if (ret != 0) throw SetupFailed("closesocket failed with " + std::to_string(p.WSAGetLastError()));
      }))
    return;
  std::optional<Indication> ind = IndicationOf(run);
  WSAC_ASSERT_TRUE("S27", ind.has_value())
      << "the ioctl ended by closesocket was never indicated: " << observer.Describe(op);
  ExpectNoEarlyCompletionInPoll(run);
  if (PolledDone(run)) {
    const char* why = "WSAGetOverlappedResult had reported the ioctl done before closesocket; "
                      "the close's status cannot reach the polling caller";
    NotExercised("IOCTL-3", why);
    NotExercised("S26", why);
    return;
  }
  Observe("close_error", static_cast<std::int64_t>(ind->error));
  WSAC_EXPECT_NE("IOCTL-3", ind->error, 0u) << "an ioctl ended by closesocket reports a failure";
  WSAC_EXPECT_NE("S26", ind->error, 0u) << "an operation ended by closesocket reports a failure";
}
INSTANTIATE_TEST_SUITE_P(Ioctl, PendingIoctlClosed,
                         ValuesIn(Ioctls({.kinds = AllKinds(), .mechanisms = AllMechanisms()}, {Ioctl::Fionread})),
                         ParamWithName<Ioctl>);

}  // namespace
}  // namespace wsac
