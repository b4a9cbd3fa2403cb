// S27 and the WSAIoctl statements of part B: an overlapped WSAIoctl follows
// the same three-way result as sends and receives.
//   IOCTL-4  an ioctl that needs no waiting returns 0 ...
//   IOCTL-5  ... and still gives the chosen indication (event, routine)
//   IOCTL-6  ... and on a port socket still queues a packet
//   IOCTL-1  SIO_ADDRESS_LIST_CHANGE pends when overlapped
//   IOCTL-3  closesocket ends it, and it is still indicated
//   CLOSE-7  CancelIoEx ends it with ERROR_OPERATION_ABORTED, indicated
//   IOCTL-7  lpcbBytesReturned NULL fails with WSAEFAULT (and, S18, is never indicated)
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "suite/fixtures/pair_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;
using std::chrono::milliseconds;

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

struct IoctlParam {
  CaseParam pair;
  Ioctl ioctl = Ioctl::Fionread;
  std::string name;
};
void PrintTo(const IoctlParam& param, std::ostream* os) { *os << param.name; }
std::string IoctlParamName(const ::testing::TestParamInfo<IoctlParam>& info) { return info.param.name; }

std::vector<IoctlParam> CrossIoctls(const Dimensions& d, const std::vector<Ioctl>& ioctls) {
  std::vector<IoctlParam> out;
  for (const CaseParam& base : Cross(d))
    for (Ioctl ioctl : ioctls) {
      IoctlParam param{base, ioctl, base.name};
      if (ioctls.size() > 1) param.name += IoctlName(ioctl);
      out.push_back(param);
    }
  return out;
}

std::vector<Mechanism> NonPortMechanisms() { return {Mechanism::Event, Mechanism::Routine, Mechanism::Polling}; }
std::vector<SocketKind> StreamAndDatagram() { return {SocketKind::Tcp4, SocketKind::Udp4}; }

class IoctlCase : public ::testing::TestWithParam<IoctlParam> {
 protected:
  IoctlCase()
      : p(ActiveProvider()),
        observer(p, GetParam().pair.mechanism),
        pair(ConnectedPair::Open(p, GetParam().pair.kind,
                                 PairOptions{GetParam().pair.creation, GetParam().pair.nonblocking})) {
    observer.Attach(pair.a);
  }

  // The capability probe for the extension-pointer ioctl: a provider that
  // does not offer it at all (non-overlapped call fails) is NOT_SUPPORTED.
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

  // Starts the parameter's ioctl with op; what it needs lives in the fixture
  // (declared before the observer, so a late indication finds it alive).
  int Start(Operation& op, LPDWORD returned) {
    int ret = SOCKET_ERROR;
    switch (GetParam().ioctl) {
      case Ioctl::Fionread:
        ret = p.WSAIoctl(pair.a, static_cast<DWORD>(FIONREAD), nullptr, 0, &out_ulong_, sizeof out_ulong_, returned,
                         &op.ov, observer.routine());
        break;
      case Ioctl::Fionbio:
        in_ulong_ = 1;
        ret = p.WSAIoctl(pair.a, static_cast<DWORD>(FIONBIO), &in_ulong_, sizeof in_ulong_, nullptr, 0, returned,
                         &op.ov, observer.routine());
        break;
      case Ioctl::ExtensionPointer:
        guid_ = kAcceptExGuid;
        ret = p.WSAIoctl(pair.a, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid_, sizeof guid_, &out_pointer_,
                         sizeof out_pointer_, returned, &op.ov, observer.routine());
        break;
    }
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return ret;
  }

  // IOCTL-4/5/6, S27: the ioctl returns 0, its indication is already there
  // through the chosen mechanism, and its result is right.
  void ImmediateIoctlIndicated() {
    const std::vector<char> data = CounterPattern(0, 40);
    void* expected_fn = nullptr;
    switch (GetParam().ioctl) {
      case Ioctl::Fionread:
        pair.SendFromPeer(data);
        pair.WaitUntilQueued(pair.a, data.size());
        break;
      case Ioctl::Fionbio: break;
      case Ioctl::ExtensionPointer: expected_fn = ProbeExtensionPointer(); break;
    }

    Operation& op = observer.NewOperation(pair.a);
    DWORD returned = 0xDEAD;
    int ret = Start(op, &returned);
    ObserveCall("ioctl", ret, op.call_error);
    Observe("bytes_returned", static_cast<std::int64_t>(returned));
    ASSERT_NE(op.outcome, Outcome::Failed) << "overlapped " << IoctlName(GetParam().ioctl)
                                           << " failed: " << observer.Describe(op);
    EXPECT_EQ(ret, 0) << "an ioctl that needs no waiting must complete at once: " << observer.Describe(op);

    std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
    ObserveIndication("indication", ind);
    ASSERT_TRUE(ind.has_value()) << (ret == 0 ? "returned 0 but the chosen indication had not happened: "
                                              : "pended but was never indicated: ")
                                 << observer.Describe(op);
    EXPECT_EQ(ind->error, 0u);
    if (GetParam().pair.mechanism == Mechanism::Port) {
      EXPECT_EQ(ind->key, CompletionObserver::kKey) << "the packet must carry the association's key";
    }

    switch (GetParam().ioctl) {
      case Ioctl::Fionread:
        Observe("fionread", static_cast<std::int64_t>(out_ulong_));
        EXPECT_EQ(out_ulong_, data.size()) << "FIONREAD result";
        if (ret == 0) {
          EXPECT_EQ(returned, sizeof(u_long)) << "*lpcbBytesReturned of an immediate FIONREAD";
        }
        break;
      case Ioctl::Fionbio: {
        // Its effect: a plain receive now fails at once instead of blocking.
        std::vector<char> buf(16);
        WSABUF wsabuf{static_cast<ULONG>(buf.size()), buf.data()};
        DWORD bytes = 0, flags = 0;
        int plain = p.WSARecv(pair.a, &wsabuf, 1, &bytes, &flags, nullptr, nullptr);
        int error = plain == 0 ? 0 : p.WSAGetLastError();
        ObserveCall("plain_recv", plain, error);
        EXPECT_EQ(plain, SOCKET_ERROR);
        EXPECT_EQ(error, WSAEWOULDBLOCK) << "FIONBIO 1 through an overlapped WSAIoctl did not take effect";
        break;
      }
      case Ioctl::ExtensionPointer:
        Observe("pointer_matches", out_pointer_ == expected_fn ? "yes" : "no");
        EXPECT_EQ(out_pointer_, expected_fn) << "the overlapped call gave another pointer than the plain one";
        if (ret == 0) {
          EXPECT_EQ(returned, sizeof(void*)) << "*lpcbBytesReturned of an immediate extension lookup";
        }
        break;
    }
  }

  u_long in_ulong_ = 0;
  u_long out_ulong_ = 0xDEADBEEF;
  GUID guid_{};
  void* out_pointer_ = nullptr;
  Provider& p;
  CompletionObserver observer;
  ConnectedPair pair;
};

// ---- immediate ioctls -------------------------------------------------------

class ImmediateIoctl : public IoctlCase {};
// IOCTL-4, IOCTL-5, S27: returns 0 with its event already signaled or its routine queued.
WSAC_CASE_P(ImmediateIoctl, IndicatedAtReturn, "S27", "IOCTL-4", "IOCTL-5") { ImmediateIoctlIndicated(); }
INSTANTIATE_TEST_SUITE_P(Ioctl, ImmediateIoctl,
                         ValuesIn(CrossIoctls({.kinds = AllKinds(), .mechanisms = NonPortMechanisms()}, kAllIoctls)),
                         IoctlParamName);

class ImmediateIoctlPort : public IoctlCase {};
// IOCTL-4, IOCTL-6, S27: returns 0 with a packet already queued to the port.
WSAC_CASE_P(ImmediateIoctlPort, PacketQueuedAtReturn, "S27", "IOCTL-4", "IOCTL-6") { ImmediateIoctlIndicated(); }
INSTANTIATE_TEST_SUITE_P(Ioctl, ImmediateIoctlPort,
                         ValuesIn(CrossIoctls({.kinds = AllKinds(), .mechanisms = {Mechanism::Port}}, kAllIoctls)),
                         IoctlParamName);

class ImmediateIoctlNonBlocking : public IoctlCase {};
// S6, IOCTL-4, S27: on a non-blocking socket the same: 0 and indicated, never WSAEWOULDBLOCK.
WSAC_CASE_P(ImmediateIoctlNonBlocking, IndicatedAtReturn, "S27", "S6", "IOCTL-4") { ImmediateIoctlIndicated(); }
INSTANTIATE_TEST_SUITE_P(Ioctl, ImmediateIoctlNonBlocking,
                         ValuesIn(CrossIoctls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms(),
                                               .nonblocking = {true}},
                                              kAllIoctls)),
                         IoctlParamName);

// ---- lpcbBytesReturned NULL -------------------------------------------------

class NullBytesReturned : public IoctlCase {};

// IOCTL-7, S27, S18: with lpcbBytesReturned NULL the ioctl fails with
// WSAEFAULT and no indication follows through the chosen mechanism.
WSAC_CASE_P(NullBytesReturned, RefusedWithoutIndication, "S27", "S18", "IOCTL-7") {
  if (GetParam().ioctl == Ioctl::ExtensionPointer) (void)ProbeExtensionPointer();
  Operation& op = observer.NewOperation(pair.a);
  int ret = Start(op, nullptr);
  ObserveCall("ioctl", ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Failed) << "accepted with lpcbBytesReturned NULL: " << observer.Describe(op);
  EXPECT_EQ(op.call_error, WSAEFAULT);
  bool indicated = observer.IndicatedWithin(op);
  Observe("indicated", indicated ? "yes" : "no");
  EXPECT_FALSE(indicated) << "a refused ioctl was indicated: " << observer.Describe(op);
}
INSTANTIATE_TEST_SUITE_P(Ioctl, NullBytesReturned,
                         ValuesIn(CrossIoctls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()}, kAllIoctls)),
                         IoctlParamName);

// ---- a waiting ioctl: SIO_ADDRESS_LIST_CHANGE --------------------------------

// Flags a worker raises and the case waits for with a deadline.
class Milestones {
 public:
  void Raise(bool Milestones::*flag) {
    {
      std::lock_guard lock(mu_);
      this->*flag = true;
    }
    cv_.notify_all();
  }
  bool WaitFor(bool Milestones::*flag, milliseconds budget) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, budget, [&] { return this->*flag; });
  }
  bool returned = false;
  bool watched = false;
  bool done = false;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

milliseconds ReturnDeadline() { return std::min(IndicationTimeout(), milliseconds(2000)); }

class WaitingIoctl : public IoctlCase {
 protected:
  struct Run {
    Milestones milestones;
    bool early = false;
    std::optional<Indication> indication;
  };

  // Starts an overlapped SIO_ADDRESS_LIST_CHANGE on a worker thread (a
  // provider that waits inside the call must not hang the case), checks it
  // pended, optionally watches that nothing is indicated while no address
  // changes, then lets `end` finish it and collects the indication on the
  // worker (a completion routine runs only on the thread that started it).
  // Returns false (the case has failed or thrown) when there is no pending
  // operation to end.
  bool RunPending(Operation& op, Run& run, bool watch_quiet, const std::function<void()>& end) {
    std::thread worker([&] {
      int ret = p.WSAIoctl(pair.a, code_, in_.empty() ? nullptr : in_.data(), static_cast<DWORD>(in_.size()),
                           nullptr, 0, &returned_, &op.ov, observer.routine());
      observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
      run.milestones.Raise(&Milestones::returned);
      if (op.outcome == Outcome::Pending) {
        if (watch_quiet) run.early = observer.IndicatedWithin(op);
        run.milestones.Raise(&Milestones::watched);
        run.indication = observer.Wait(op);
      }
      run.milestones.Raise(&Milestones::done);
    });
    struct Join {
      std::thread& t;
      ~Join() { t.join(); }
    } join{worker};
    if (!run.milestones.WaitFor(&Milestones::returned, ReturnDeadline())) {
      ADD_FAILURE() << "overlapped " << code_name_ << " did not return within " << ReturnDeadline().count()
                    << " ms; closing the socket to release it";
      Observe("call", "did not return");
      pair.CloseA();
      return false;
    }
    ObserveCall("ioctl", op.call_ret, op.call_error);
    if (op.outcome == Outcome::Failed && op.call_error == WSAEOPNOTSUPP)
      throw NotSupported(std::string(code_name_) + ": WSAEOPNOTSUPP");
    EXPECT_NE(op.call_error, WSAEWOULDBLOCK) << "an overlapped ioctl failed because of the socket's mode";
    if (op.outcome != Outcome::Pending) {
      ADD_FAILURE() << "an overlapped " << code_name_ << " must pend: " << observer.Describe(op);
      return false;
    }
    if (!run.milestones.WaitFor(&Milestones::watched, QuietWindow() + ReturnDeadline())) {
      ADD_FAILURE() << "the worker did not finish watching";
      pair.CloseA();
      return false;
    }
    Observe("indicated_before_end", run.early ? "yes" : "no");
    EXPECT_FALSE(run.early) << "indicated although no address changed: " << observer.Describe(op);
    end();
    if (!run.milestones.WaitFor(&Milestones::done, IndicationTimeout() + milliseconds(1000))) {
      ADD_FAILURE() << "the worker did not finish waiting for the indication";
      if (pair.a != INVALID_SOCKET) pair.CloseA();
      return false;
    }
    ObserveIndication("indication", run.indication);
    Observe("Internal", static_cast<std::int64_t>(op.ov.Internal));
    return true;
  }

  // The waiting ioctl this fixture starts: SIO_ADDRESS_LIST_CHANGE unless a
  // case chooses SIO_ROUTING_INTERFACE_CHANGE (whose input is a destination).
  DWORD code_ = SIO_ADDRESS_LIST_CHANGE;
  const char* code_name_ = "SIO_ADDRESS_LIST_CHANGE";
  std::vector<char> in_;
  DWORD returned_ = 0;
};

class PendingIoctlCancelled : public WaitingIoctl {};

// IOCTL-1, S27, CLOSE-7: the ioctl pends in either mode, nothing is indicated
// meanwhile, and CancelIoEx ends it with an ERROR_OPERATION_ABORTED indication.
WSAC_CASE_P(PendingIoctlCancelled, IndicatedByCancelIoEx, "S27", "IOCTL-1", "CLOSE-7") {
  Operation& op = observer.NewOperation(pair.a);
  Run run;
  bool ended = RunPending(op, run, true, [&] {
    BOOL ok = p.CancelIoEx(AsHandle(pair.a), &op.ov);
    int error = ok ? 0 : static_cast<int>(p.GetLastError());
    Observe("cancel.ok", ok);
    Observe("cancel.error", error);
    EXPECT_TRUE(ok) << "CancelIoEx of the pending ioctl failed with " << error;
  });
  if (!ended) return;
  ASSERT_TRUE(run.indication.has_value()) << "the cancelled ioctl was never indicated: " << observer.Describe(op);
  EXPECT_EQ(run.indication->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED))
      << "a cancelled operation reports ERROR_OPERATION_ABORTED";
}
INSTANTIATE_TEST_SUITE_P(Ioctl, PendingIoctlCancelled,
                         ValuesIn(CrossIoctls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms(),
                                               .nonblocking = BothModes()},
                                              {Ioctl::Fionread})),
                         IoctlParamName);

class PendingRoutingChange : public WaitingIoctl {};

// IOCTL-2, S27: an overlapped SIO_ROUTING_INTERFACE_CHANGE for the peer's
// address pends (no route changes), nothing is indicated meanwhile, and
// CancelIoEx ends it with an indication.
WSAC_CASE_P(PendingRoutingChange, PendsUntilCancelled, "S27", "IOCTL-2") {
  code_ = SIO_ROUTING_INTERFACE_CHANGE;
  code_name_ = "SIO_ROUTING_INTERFACE_CHANGE";
  in_.assign(reinterpret_cast<const char*>(&pair.b_addr), reinterpret_cast<const char*>(&pair.b_addr) + pair.addr_len);
  Operation& op = observer.NewOperation(pair.a);
  Run run;
  bool ended = RunPending(op, run, true, [&] {
    BOOL ok = p.CancelIoEx(AsHandle(pair.a), &op.ov);
    Observe("cancel.ok", ok);
    EXPECT_TRUE(ok) << "CancelIoEx of the pending ioctl failed with " << p.GetLastError();
  });
  if (!ended) return;
  ASSERT_TRUE(run.indication.has_value()) << "the cancelled ioctl was never indicated: " << observer.Describe(op);
  EXPECT_NE(run.indication->error, 0u) << "a cancelled ioctl reports a failure";
}
INSTANTIATE_TEST_SUITE_P(Ioctl, PendingRoutingChange,
                         ValuesIn(CrossIoctls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()},
                                              {Ioctl::Fionread})),
                         IoctlParamName);

// The Win32 error an operation's final NTSTATUS stands for, for the codes
// close and cancel produce (RtlNtStatusToDosError); others pass unchanged.
DWORD ErrorOfStatus(ULONG_PTR status) {
  switch (static_cast<DWORD>(status)) {
    case STATUS_SUCCESS: return 0;
    case STATUS_CANCELLED: return static_cast<DWORD>(ERROR_OPERATION_ABORTED);
    case STATUS_CONNECTION_ABORTED: return static_cast<DWORD>(ERROR_CONNECTION_ABORTED);
    case STATUS_LOCAL_DISCONNECT: return static_cast<DWORD>(ERROR_NETNAME_DELETED);
    default: return static_cast<DWORD>(status);
  }
}

class PendingIoctlClosed : public WaitingIoctl {};

// IOCTL-3, S27, S26: closesocket ends the pending ioctl; it is still
// indicated, with a failure (995, 1236 or 64; which one is reported).
WSAC_CASE_P(PendingIoctlClosed, IndicatedByClosesocket, "S27", "S26", "IOCTL-3") {
  Operation& op = observer.NewOperation(pair.a);
  Run run;
  bool ended = RunPending(op, run, false, [&] {
    int ret = pair.CloseA();
    Observe("closesocket.ret", ret);
    EXPECT_EQ(ret, 0) << "closesocket failed with " << p.WSAGetLastError();
  });
  if (!ended) return;
  ASSERT_TRUE(run.indication.has_value()) << "the ioctl ended by closesocket was never indicated: "
                                          << observer.Describe(op);
  DWORD error = run.indication->error;
  // Event and Polling read the result with WSAGetOverlappedResult, which
  // needs the socket handle; after closesocket it may refuse it with
  // WSAENOTSOCK although the event was signaled. The operation's own status
  // is then the NTSTATUS in OVERLAPPED.Internal.
  const Mechanism mechanism = GetParam().pair.mechanism;
  if ((mechanism == Mechanism::Event || mechanism == Mechanism::Polling) && error == static_cast<DWORD>(WSAENOTSOCK)) {
    error = ErrorOfStatus(op.ov.Internal);
    Observe("result_source", "Internal");
    Observe("error_from_internal", static_cast<std::int64_t>(error));
  }
  Report("WIN-1", "SIO_ADDRESS_LIST_CHANGE ended by closesocket: " + std::to_string(error));
  EXPECT_TRUE(error == static_cast<DWORD>(WSA_OPERATION_ABORTED) ||
              error == static_cast<DWORD>(ERROR_CONNECTION_ABORTED) ||
              error == static_cast<DWORD>(ERROR_NETNAME_DELETED))
      << "an operation ended by closesocket fails with 995, 1236 or 64, got " << error;
}
INSTANTIATE_TEST_SUITE_P(Ioctl, PendingIoctlClosed,
                         ValuesIn(CrossIoctls({.kinds = AllKinds(), .mechanisms = AllMechanisms()}, {Ioctl::Fionread})),
                         IoctlParamName);

}  // namespace
}  // namespace wsac
