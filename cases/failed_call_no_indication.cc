// S18 and the bad input of part B: a call that fails with any error other
// than WSA_IO_PENDING started nothing, so no indication ever follows.
//   BAD-1  dwBufferCount 0                          WSAEINVAL
//   BAD-2  a handle that is not (or no longer) a socket  WSAENOTSOCK
//   BAD-3  a NULL buffer array or lpFlags           WSAEFAULT
//   BAD-4  none of them starts an operation or gives an indication
//   CLOSE-10  a receive after shutdown(SD_RECEIVE)  WSAESHUTDOWN
//   IOCP-10   a completion routine on a socket associated with a port is refused
// Every error path is checked with every mechanism: for QuietWindow() the
// event stays unsignaled, no routine runs in an alertable wait, no packet
// reaches the port.
#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "suite/fixtures/pair_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

enum class Call { WSARecv, WSARecvFrom, WSASend, WSASendTo, WSAIoctl };

const char* CallName(Call call) {
  switch (call) {
    case Call::WSARecv: return "WSARecv";
    case Call::WSARecvFrom: return "WSARecvFrom";
    case Call::WSASend: return "WSASend";
    case Call::WSASendTo: return "WSASendTo";
    case Call::WSAIoctl: return "WSAIoctl";
  }
  return "?";
}
const std::vector<Call> kReceives{Call::WSARecv, Call::WSARecvFrom};
const std::vector<Call> kSends{Call::WSASend, Call::WSASendTo};
const std::vector<Call> kTransfers{Call::WSARecv, Call::WSARecvFrom, Call::WSASend, Call::WSASendTo};
const std::vector<Call> kAllCalls{Call::WSARecv, Call::WSARecvFrom, Call::WSASend, Call::WSASendTo, Call::WSAIoctl};

struct CallParam {
  CaseParam pair;
  Call call = Call::WSARecv;
  std::string name;
};
void PrintTo(const CallParam& param, std::ostream* os) { *os << param.name; }
std::string CallParamName(const ::testing::TestParamInfo<CallParam>& info) { return info.param.name; }

std::vector<CallParam> CrossCalls(const Dimensions& d, const std::vector<Call>& calls) {
  std::vector<CallParam> out;
  for (const CaseParam& base : Cross(d))
    for (Call call : calls) {
      CallParam param{base, call, base.name};
      if (calls.size() > 1) param.name += CallName(call);
      out.push_back(param);
    }
  return out;
}

// Argument checks sit above the protocol, so one stream and one datagram
// kind cover them; every quiet window costs 100 ms per instance.
std::vector<SocketKind> StreamAndDatagram() { return {SocketKind::Tcp4, SocketKind::Udp4}; }

// The same bookkeeping as the observer's own routine, for the case that
// passes a routine although its mechanism is the port.
void WSAC_CALLBACK CountRoutine(DWORD error, DWORD transferred, LPWSAOVERLAPPED ov, DWORD flags) {
  auto* op = reinterpret_cast<Operation*>(ov);  // ov is Operation's first member
  op->routine_error = error;
  op->routine_bytes = transferred;
  op->routine_flags = flags;
  op->routine_ov = ov;
  op->routine_runs.fetch_add(1);
}

// The arguments of one call; each case spoils one of them.
struct Args {
  SOCKET s = INVALID_SOCKET;
  LPWSABUF buffers = nullptr;
  DWORD count = 1;
  LPDWORD bytes = nullptr;
  LPDWORD flags = nullptr;  // receives only
  LPWSAOVERLAPPED ov = nullptr;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine = nullptr;
};

class FailedCall : public ::testing::TestWithParam<CallParam> {
 protected:
  FailedCall()
      : p(ActiveProvider()),
        observer(p, GetParam().pair.mechanism),
        pair(ConnectedPair::Open(p, GetParam().pair.kind,
                                 PairOptions{GetParam().pair.creation, GetParam().pair.nonblocking})) {
    observer.Attach(pair.a);
  }

  Call call() const { return GetParam().call; }

  // Well-formed arguments for op on s, as a correct call would pass them.
  Args Normal(Operation& op, SOCKET s) {
    wsabuf_ = WSABUF{static_cast<ULONG>(buf_.size()), buf_.data()};
    return Args{s, &wsabuf_, 1, &bytes_, &flags_, &op.ov, observer.routine()};
  }

  int Issue(const Args& a) {
    switch (call()) {
      case Call::WSARecv: return p.WSARecv(a.s, a.buffers, a.count, a.bytes, a.flags, a.ov, a.routine);
      case Call::WSARecvFrom:
        from_len_ = sizeof from_;
        return p.WSARecvFrom(a.s, a.buffers, a.count, a.bytes, a.flags, reinterpret_cast<sockaddr*>(&from_),
                             &from_len_, a.ov, a.routine);
      case Call::WSASend: return p.WSASend(a.s, a.buffers, a.count, a.bytes, 0, a.ov, a.routine);
      case Call::WSASendTo:
        return p.WSASendTo(a.s, a.buffers, a.count, a.bytes, 0, reinterpret_cast<const sockaddr*>(&pair.b_addr),
                           pair.addr_len, a.ov, a.routine);
      case Call::WSAIoctl:
        return p.WSAIoctl(a.s, static_cast<DWORD>(FIONREAD), nullptr, 0, &ioctl_out_, sizeof ioctl_out_, a.bytes,
                          a.ov, a.routine);
    }
    return 0;
  }

  // The call must fail with `expected`, and then no indication may follow
  // through the mechanism for QuietWindow().
  void ExpectRefusedWithoutIndication(Operation& op, const Args& a, int expected) {
    int ret = Issue(a);
    int error = ret == 0 ? 0 : p.WSAGetLastError();
    observer.Track(op, ret, error);
    ObserveCall("call", ret, error);
    Observe("expected_error", expected);
    Observe("routine_runs_in_call", op.routine_runs.load());
    EXPECT_EQ(op.routine_runs.load(), 0) << "a completion routine ran inside the call";
    if (op.outcome != Outcome::Failed) {
      ADD_FAILURE() << "the call was accepted (" << OutcomeName(op.outcome) << ") instead of failing with "
                    << expected << ": " << observer.Describe(op);
      return;
    }
    EXPECT_EQ(error, expected) << "wrong error for the refused call";
    bool indicated = observer.IndicatedWithin(op);
    Observe("indicated", indicated ? "yes" : "no");
    Observe("Internal", static_cast<std::int64_t>(op.ov.Internal));
    EXPECT_FALSE(indicated) << "a call that failed with " << error << " was indicated: " << observer.Describe(op);
  }

  // Declared before the observer: a provider that (wrongly) started the
  // operation may write into them until the observer's final drain.
  std::vector<char> buf_ = std::vector<char>(128, 'q');
  WSABUF wsabuf_{};
  DWORD bytes_ = 0, flags_ = 0;
  u_long ioctl_out_ = 0;
  sockaddr_storage from_{};
  int from_len_ = 0;
  Provider& p;
  CompletionObserver observer;
  ConnectedPair pair;
};

// ---- bad input ------------------------------------------------------------

class BadInput : public FailedCall {};

// BAD-1, BAD-4, S18: dwBufferCount 0 fails with WSAEINVAL and is never indicated.
WSAC_CASE_P(BadInput, BufferCountZero, "S18", "BAD-1", "BAD-4") {
  Operation& op = observer.NewOperation(pair.a);
  Args a = Normal(op, pair.a);
  a.count = 0;
  ExpectRefusedWithoutIndication(op, a, WSAEINVAL);
}

// BAD-3, BAD-4, S18: a NULL buffer array fails with WSAEFAULT and is never indicated.
WSAC_CASE_P(BadInput, NullBufferArray, "S18", "BAD-3", "BAD-4") {
  Operation& op = observer.NewOperation(pair.a);
  Args a = Normal(op, pair.a);
  a.buffers = nullptr;
  ExpectRefusedWithoutIndication(op, a, WSAEFAULT);
}

INSTANTIATE_TEST_SUITE_P(Failed, BadInput,
                         ValuesIn(CrossCalls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()},
                                             kTransfers)),
                         CallParamName);

class BadReceiveInput : public FailedCall {};

// BAD-3, BAD-4, S18: a receive with lpFlags NULL fails with WSAEFAULT and is never indicated.
WSAC_CASE_P(BadReceiveInput, NullFlags, "S18", "BAD-3", "BAD-4") {
  Operation& op = observer.NewOperation(pair.a);
  Args a = Normal(op, pair.a);
  a.flags = nullptr;
  ExpectRefusedWithoutIndication(op, a, WSAEFAULT);
}

INSTANTIATE_TEST_SUITE_P(Failed, BadReceiveInput,
                         ValuesIn(CrossCalls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()},
                                             kReceives)),
                         CallParamName);

// ---- handles that are not sockets -----------------------------------------

class NotASocket : public FailedCall {};

// BAD-2, BAD-4, S18: an event handle passed as the socket fails with
// WSAENOTSOCK and is never indicated.
WSAC_CASE_P(NotASocket, EventHandle, "S18", "BAD-2", "BAD-4") {
  WSAEVENT other = p.WSACreateEvent();
  if (other == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed with " + std::to_string(p.WSAGetLastError()));
  struct CloseEvent {
    Provider& p;
    WSAEVENT e;
    ~CloseEvent() { p.WSACloseEvent(e); }
  } close_event{p, other};
  Operation& op = observer.NewOperation(pair.a);
  Args a = Normal(op, static_cast<SOCKET>(reinterpret_cast<std::uintptr_t>(other)));
  ExpectRefusedWithoutIndication(op, a, WSAENOTSOCK);
}

// The handle, not the socket kind, is what is wrong.
INSTANTIATE_TEST_SUITE_P(Failed, NotASocket,
                         ValuesIn(CrossCalls({.mechanisms = AllMechanisms()}, kAllCalls)), CallParamName);

class ClosedSocket : public FailedCall {};

// BAD-2, BAD-4, S18: a call on a socket already closed fails with WSAENOTSOCK
// and is never indicated.
WSAC_CASE_P(ClosedSocket, CallAfterClose, "S18", "BAD-2", "BAD-4") {
  Operation& op = observer.NewOperation(pair.a);
  SOCKET dead = pair.a;
  ASSERT_EQ(pair.CloseA(), 0) << "closesocket failed with " << p.WSAGetLastError();
  ExpectRefusedWithoutIndication(op, Normal(op, dead), WSAENOTSOCK);
}

INSTANTIATE_TEST_SUITE_P(Failed, ClosedSocket,
                         ValuesIn(CrossCalls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()},
                                             kAllCalls)),
                         CallParamName);

// ---- shutdown ---------------------------------------------------------------

class ReceiveAfterShutdown : public FailedCall {};

// CLOSE-10, S18: after shutdown(SD_RECEIVE) a receive fails with WSAESHUTDOWN
// and is never indicated.
WSAC_CASE_P(ReceiveAfterShutdown, Refused, "S18", "CLOSE-10") {
  ASSERT_EQ(p.shutdown(pair.a, SD_RECEIVE), 0) << "shutdown(SD_RECEIVE) failed with " << p.WSAGetLastError();
  Operation& op = observer.NewOperation(pair.a);
  ExpectRefusedWithoutIndication(op, Normal(op, pair.a), WSAESHUTDOWN);
}

INSTANTIATE_TEST_SUITE_P(Failed, ReceiveAfterShutdown,
                         ValuesIn(CrossCalls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()},
                                             kReceives)),
                         CallParamName);

class SendAfterShutdown : public FailedCall {};

// S18: after shutdown(SD_SEND) a send fails with WSAESHUTDOWN and is never indicated.
WSAC_CASE_P(SendAfterShutdown, Refused, "S18") {
  ASSERT_EQ(p.shutdown(pair.a, SD_SEND), 0) << "shutdown(SD_SEND) failed with " << p.WSAGetLastError();
  Operation& op = observer.NewOperation(pair.a);
  ExpectRefusedWithoutIndication(op, Normal(op, pair.a), WSAESHUTDOWN);
}

INSTANTIATE_TEST_SUITE_P(Failed, SendAfterShutdown,
                         ValuesIn(CrossCalls({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()}, kSends)),
                         CallParamName);

// ---- a connection that is not there ---------------------------------------

class NotConnected : public FailedCall {};

// S18: receive and send on a stream socket that never connected fail with
// WSAENOTCONN and are never indicated.
WSAC_CASE_P(NotConnected, FreshStreamSocket, "S18") {
  SOCKET fresh = CreateSocket(p, GetParam().pair.kind, Creation::WSASocketOverlapped);
  if (fresh == INVALID_SOCKET) throw SetupFailed("creating an unconnected socket failed with " +
                                                 std::to_string(p.WSAGetLastError()));
  struct CloseFresh {
    Provider& p;
    SOCKET s;
    ~CloseFresh() { p.closesocket(s); }
  } close_fresh{p, fresh};
  observer.Attach(fresh);
  Operation& op = observer.NewOperation(fresh);
  ExpectRefusedWithoutIndication(op, Normal(op, fresh), WSAENOTCONN);
}

INSTANTIATE_TEST_SUITE_P(Failed, NotConnected,
                         ValuesIn(CrossCalls({.kinds = StreamKinds(), .mechanisms = AllMechanisms()},
                                             {Call::WSARecv, Call::WSASend})),
                         CallParamName);

// ---- a routine on a port socket -------------------------------------------

class RoutineOnPortSocket : public FailedCall {};

// IOCP-10, S18: a completion routine passed on a socket associated with a
// port is refused with WSAEINVAL; no routine runs, no packet comes, and the
// event in hEvent stays unsignaled.
WSAC_CASE_P(RoutineOnPortSocket, Refused, "S18", "IOCP-10") {
  WSAEVENT event = p.WSACreateEvent();
  if (event == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed with " + std::to_string(p.WSAGetLastError()));
  Operation& op = observer.NewOperation(pair.a);
  op.ov.hEvent = event;
  op.event = event;  // the observer closes it
  Args a = Normal(op, pair.a);
  a.routine = &CountRoutine;

  int ret = Issue(a);
  int error = ret == 0 ? 0 : p.WSAGetLastError();
  observer.Track(op, ret, error);
  ObserveCall("call", ret, error);
  EXPECT_EQ(op.routine_runs.load(), 0) << "the routine ran inside the call";
  ASSERT_EQ(op.outcome, Outcome::Failed) << "a routine on a port-associated socket was accepted ("
                                         << OutcomeName(op.outcome) << ")";
  EXPECT_EQ(error, WSAEINVAL);

  // One quiet window in alertable waits, then the port and the event.
  Deadline quiet(QuietWindow());
  do {
    p.SleepEx(quiet.RemainingMs(), TRUE);
  } while (!quiet.Expired() && op.routine_runs.load() == 0);
  bool packet = observer.IndicatedWithin(op, std::chrono::milliseconds(0));
  bool signaled = p.WSAWaitForMultipleEvents(1, &event, TRUE, 0, FALSE) == WSA_WAIT_EVENT_0;
  Observe("routine_runs", op.routine_runs.load());
  Observe("packet", packet ? "yes" : "no");
  Observe("event_signaled", signaled ? "yes" : "no");
  EXPECT_EQ(op.routine_runs.load(), 0) << "a routine ran for a refused call";
  EXPECT_FALSE(packet) << "a packet was queued for a refused call";
  EXPECT_FALSE(signaled) << "the event was signaled for a refused call";
}

INSTANTIATE_TEST_SUITE_P(Failed, RoutineOnPortSocket,
                         ValuesIn(CrossCalls({.kinds = StreamAndDatagram(), .mechanisms = {Mechanism::Port}},
                                             kAllCalls)),
                         CallParamName);

}  // namespace
}  // namespace wsac
