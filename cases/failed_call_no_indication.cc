// S18 and the refusals of part B: a call that fails with any error other
// than WSA_IO_PENDING started nothing, so no indication ever follows (S18).
// Which error it fails with belongs to the statement that names the code:
//   BAD-1  dwBufferCount 0                               WSAEINVAL
//   BAD-2  a handle that is not (or no longer) a socket  WSAENOTSOCK
//   BAD-3  a NULL buffer array or lpFlags                WSAEFAULT
//   BAD-4  none of them starts an operation or gives an indication
//   CLOSE-10  a receive after shutdown(SD_RECEIVE)       WSAESHUTDOWN
//   ERR-1..ERR-4  the codes of the WSARecv, WSARecvFrom, WSASend and
//          WSASendTo pages (WSAESHUTDOWN after SD_SEND, WSAENOTCONN)
//   IOCP-10   a completion routine on a socket associated with a port is refused
//   WIN-14    ... with WSAEINVAL, as Windows does
// A call that is not refused at all leaves S18 and BAD-4 without their
// premise: the statement naming the refusal is the one it broke.
// Every error path is checked with every mechanism: for QuietWindow() the
// event stays unsignaled, no routine runs in an alertable wait, no packet
// reaches the port.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "suite/fixtures/case_dimensions.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

std::vector<ParamWith<AnyCall>> Params(Dimensions d, const std::vector<AnyCall>& calls) {
  return CrossWith(d, calls, AnyCallName);
}

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

// What a refusal is expected to look like: the code, and the statement that
// names it.
struct Refusal {
  int error;
  const char* code_statement;
};

class FailedCall : public ParamWithCase<AnyCall> {
 protected:
  AnyCall call() const { return GetParam().value; }

  // Well-formed arguments for op on s, as a correct call would pass them.
  // What they point at outlives the case: a provider that wrongly started
  // the operation may write into it at any time.
  Args Normal(Operation& op, SOCKET s) {
    char* buf = LongLivedBuffer(128);
    WSABUF& wsabuf = LongLived<WSABUF>(WSABUF{128, buf});
    return Args{s, &wsabuf, 1, &LongLived<DWORD>(), &LongLived<DWORD>(), &op.ov, observer.routine()};
  }

  int Issue(const Args& a) {
    switch (call()) {
      case AnyCall::WSARecv: return p.WSARecv(a.s, a.buffers, a.count, a.bytes, a.flags, a.ov, a.routine);
      case AnyCall::WSARecvFrom: {
        FromSlot& from = NewFromSlot();
        return p.WSARecvFrom(a.s, a.buffers, a.count, a.bytes, a.flags, reinterpret_cast<sockaddr*>(&from.addr),
                             &from.len, a.ov, a.routine);
      }
      case AnyCall::WSASend: return p.WSASend(a.s, a.buffers, a.count, a.bytes, 0, a.ov, a.routine);
      case AnyCall::WSASendTo:
        return p.WSASendTo(a.s, a.buffers, a.count, a.bytes, 0, reinterpret_cast<const sockaddr*>(&pair.b_addr),
                           pair.addr_len, a.ov, a.routine);
      case AnyCall::WSAIoctl: {
        u_long& out = LongLived<u_long>();
        return p.WSAIoctl(a.s, static_cast<DWORD>(FIONREAD), nullptr, 0, &out, sizeof out, a.bytes, a.ov, a.routine);
      }
    }
    return 0;
  }

  // The call must be refused with `refusal.error` (the code statement's
  // check); then, for S18 and for each of `also_no_indication` (BAD-4 for
  // bad input), no indication may follow through the mechanism for
  // QuietWindow().
  void ExpectRefusedWithoutIndication(Operation& op, const Args& a, Refusal refusal,
                                      std::vector<const char*> also_no_indication = {}) {
    int ret = Issue(a);
    int error = ret == 0 ? 0 : p.WSAGetLastError();
    observer.Track(op, ret, error);
    ObserveCall("call", ret, error);
    Observe("expected_error", refusal.error);
    Observe("routine_runs_in_call", op.routine_runs_at_return);
    WSAC_EXPECT_EQ(refusal.code_statement, op.outcome, Outcome::Failed)
        << "the call was accepted instead of failing with " << refusal.error << ": " << observer.Describe(op);
    if (op.outcome != Outcome::Failed) {
      const std::string why = std::string("the call was not refused (") + OutcomeName(op.outcome) + ")";
      NotExercised("S18", why);
      for (const char* statement : also_no_indication) NotExercised(statement, why);
      return;
    }
    WSAC_EXPECT_EQ(refusal.code_statement, error, refusal.error) << "wrong error for the refused call";
    bool indicated = observer.IndicatedWithin(op);
    Observe("indicated", indicated ? "yes" : "no");
    Observe("Internal", static_cast<std::int64_t>(op.ov.Internal));
    WSAC_EXPECT_FALSE("S18", indicated) << "a call that failed with " << error << " was indicated: "
                                        << observer.Describe(op);
    for (const char* statement : also_no_indication) {
      WSAC_EXPECT_FALSE(statement, indicated) << "a call refused for bad input was indicated: "
                                              << observer.Describe(op);
    }
  }

  // For the pages' own codes (ERR-1..ERR-4): this instance's call names one
  // of the statements the case claims; the others are another call's.
  const char* ErrorCodeStatementOfThisCall(std::initializer_list<AnyCall> claimed) {
    for (AnyCall other : claimed)
      if (other != call())
        NotExercised(ErrorCodeStatement(other), std::string("this instance calls ") + AnyCallName(call()));
    return ErrorCodeStatement(call());
  }
};

// ---- bad input ------------------------------------------------------------

class BadInput : public FailedCall {};

// BAD-1, BAD-4, S18: dwBufferCount 0 fails with WSAEINVAL and is never indicated.
WSAC_CASE_P(BadInput, BufferCountZero, "S18", "BAD-1", "BAD-4") {
  Operation& op = observer.NewOperation(pair.a);
  Args a = Normal(op, pair.a);
  a.count = 0;
  ExpectRefusedWithoutIndication(op, a, {WSAEINVAL, "BAD-1"}, {"BAD-4"});
}

// BAD-3, BAD-4, S18: a NULL buffer array fails with WSAEFAULT and is never indicated.
WSAC_CASE_P(BadInput, NullBufferArray, "S18", "BAD-3", "BAD-4") {
  Operation& op = observer.NewOperation(pair.a);
  Args a = Normal(op, pair.a);
  a.buffers = nullptr;
  ExpectRefusedWithoutIndication(op, a, {WSAEFAULT, "BAD-3"}, {"BAD-4"});
}

INSTANTIATE_TEST_SUITE_P(Failed, BadInput,
                         ValuesIn(Params({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()}, kAnyTransfer)),
                         ParamWithName<AnyCall>);

class BadReceiveInput : public FailedCall {};

// BAD-3, BAD-4, S18: a receive with lpFlags NULL fails with WSAEFAULT and is never indicated.
WSAC_CASE_P(BadReceiveInput, NullFlags, "S18", "BAD-3", "BAD-4") {
  Operation& op = observer.NewOperation(pair.a);
  Args a = Normal(op, pair.a);
  a.flags = nullptr;
  ExpectRefusedWithoutIndication(op, a, {WSAEFAULT, "BAD-3"}, {"BAD-4"});
}

INSTANTIATE_TEST_SUITE_P(Failed, BadReceiveInput,
                         ValuesIn(Params({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()}, kAnyReceive)),
                         ParamWithName<AnyCall>);

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
  ExpectRefusedWithoutIndication(op, a, {WSAENOTSOCK, "BAD-2"}, {"BAD-4"});
}

// The handle, not the socket kind, is what is wrong.
INSTANTIATE_TEST_SUITE_P(Failed, NotASocket, ValuesIn(Params({.mechanisms = AllMechanisms()}, kAnyCall)),
                         ParamWithName<AnyCall>);

class ClosedSocket : public FailedCall {};

// BAD-2, BAD-4, S18: a call on a socket already closed fails with WSAENOTSOCK
// and is never indicated.
WSAC_CASE_P(ClosedSocket, CallAfterClose, "S18", "BAD-2", "BAD-4") {
  Operation& op = observer.NewOperation(pair.a);
  SOCKET dead = pair.a;
  if (pair.CloseA() != 0) throw SetupFailed("closesocket failed with " + std::to_string(p.WSAGetLastError()));
  ExpectRefusedWithoutIndication(op, Normal(op, dead), {WSAENOTSOCK, "BAD-2"}, {"BAD-4"});
}

INSTANTIATE_TEST_SUITE_P(Failed, ClosedSocket,
                         ValuesIn(Params({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()}, kAnyCall)),
                         ParamWithName<AnyCall>);

// ---- shutdown ---------------------------------------------------------------

class ReceiveAfterShutdown : public FailedCall {};

// CLOSE-10, S18: after shutdown(SD_RECEIVE) a receive fails with WSAESHUTDOWN
// and is never indicated.
WSAC_CASE_P(ReceiveAfterShutdown, Refused, "S18", "CLOSE-10") {
  if (p.shutdown(pair.a, SD_RECEIVE) != 0)
    throw SetupFailed("shutdown(SD_RECEIVE) failed with " + std::to_string(p.WSAGetLastError()));
  Operation& op = observer.NewOperation(pair.a);
  ExpectRefusedWithoutIndication(op, Normal(op, pair.a), {WSAESHUTDOWN, "CLOSE-10"});
}

INSTANTIATE_TEST_SUITE_P(Failed, ReceiveAfterShutdown,
                         ValuesIn(Params({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()}, kAnyReceive)),
                         ParamWithName<AnyCall>);

class SendAfterShutdown : public FailedCall {};

// S18, ERR-3, ERR-4: after shutdown(SD_SEND) a send fails with WSAESHUTDOWN
// (the WSASend and WSASendTo pages' code) and is never indicated.
WSAC_CASE_P(SendAfterShutdown, Refused, "S18", "ERR-3", "ERR-4") {
  if (p.shutdown(pair.a, SD_SEND) != 0)
    throw SetupFailed("shutdown(SD_SEND) failed with " + std::to_string(p.WSAGetLastError()));
  Operation& op = observer.NewOperation(pair.a);
  const char* code_statement = ErrorCodeStatementOfThisCall({AnyCall::WSASend, AnyCall::WSASendTo});
  ExpectRefusedWithoutIndication(op, Normal(op, pair.a), {WSAESHUTDOWN, code_statement});
}

INSTANTIATE_TEST_SUITE_P(Failed, SendAfterShutdown,
                         ValuesIn(Params({.kinds = StreamAndDatagram(), .mechanisms = AllMechanisms()}, kAnySend)),
                         ParamWithName<AnyCall>);

// ---- a connection that is not there ---------------------------------------

class NotConnected : public FailedCall {};

// S18, ERR-1, ERR-2, ERR-3: receives and sends on a stream socket that
// never connected fail with WSAENOTCONN (the code the WSARecv, WSARecvFrom
// and WSASend pages name) and are never indicated.
WSAC_CASE_P(NotConnected, FreshStreamSocket, "S18", "ERR-1", "ERR-2", "ERR-3") {
  SOCKET fresh = CreateSocket(p, GetParam().base.kind, Creation::WSASocketOverlapped);
  if (fresh == INVALID_SOCKET)
    throw SetupFailed("creating an unconnected socket failed with " + std::to_string(p.WSAGetLastError()));
  struct CloseFresh {
    Provider& p;
    SOCKET s;
    ~CloseFresh() { p.closesocket(s); }
  } close_fresh{p, fresh};
  observer.Attach(fresh);
  Operation& op = observer.NewOperation(fresh);
  const char* code_statement =
      ErrorCodeStatementOfThisCall({AnyCall::WSARecv, AnyCall::WSARecvFrom, AnyCall::WSASend});
  ExpectRefusedWithoutIndication(op, Normal(op, fresh), {WSAENOTCONN, code_statement});
}

INSTANTIATE_TEST_SUITE_P(Failed, NotConnected,
                         ValuesIn(Params({.kinds = StreamKinds(), .mechanisms = AllMechanisms()},
                                         {AnyCall::WSARecv, AnyCall::WSASend, AnyCall::WSARecvFrom})),
                         ParamWithName<AnyCall>);

// ---- a routine on a port socket -------------------------------------------

class RoutineOnPortSocket : public FailedCall {};

// IOCP-10, WIN-14, S18: a completion routine passed on a socket associated
// with a port is refused (IOCP-10), with WSAEINVAL as on Windows (WIN-14);
// no routine runs, no packet comes, and the event in hEvent stays
// unsignaled (S18).
WSAC_CASE_P(RoutineOnPortSocket, Refused, "S18", "IOCP-10", "WIN-14") {
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
  Observe("routine_runs_in_call", op.routine_runs_at_return);
  if (op.outcome != Outcome::Failed) {
    NotExercised("S18", std::string("the call was not refused (") + OutcomeName(op.outcome) + ")");
    NotExercised("WIN-14", "the call was not refused; WIN-14 is about the refusal's code");
  }
  WSAC_ASSERT_EQ("IOCP-10", op.outcome, Outcome::Failed)
      << "a routine on a port-associated socket was accepted: " << observer.Describe(op);
  WSAC_EXPECT_EQ("WIN-14", error, WSAEINVAL) << "Windows refuses a routine on a port socket with WSAEINVAL";

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
  WSAC_EXPECT_EQ("S18", op.routine_runs.load(), 0) << "a routine ran for a refused call";
  WSAC_EXPECT_FALSE("S18", packet) << "a packet was queued for a refused call";
  WSAC_EXPECT_FALSE("S18", signaled) << "the event was signaled for a refused call";
}

INSTANTIATE_TEST_SUITE_P(Failed, RoutineOnPortSocket,
                         ValuesIn(Params({.kinds = StreamAndDatagram(), .mechanisms = {Mechanism::Port}}, kAnyCall)),
                         ParamWithName<AnyCall>);

}  // namespace
}  // namespace wsac
