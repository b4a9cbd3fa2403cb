// EVT-1..EVT-10 (with S14): events and WSAGetOverlappedResult.
//   - a call that pends resets hEvent (EVT-1); the provider signals it when
//     the operation ends (EVT-2); a call that returned 0 has signaled it
//     already (S14)
//   - WSAGetOverlappedResult(fWait FALSE) on a pending receive, send or
//     ioctl: FALSE, WSA_IO_INCOMPLETE (EVT-3)
//   - done: TRUE with the byte count (EVT-4) and receive flags (EVT-5);
//     failed: FALSE with the operation's error (EVT-6; the count it leaves
//     is reported, EVT-7)
//   - once indicated, WSAGetOverlappedResult answers at once, with fWait
//     TRUE too (EVT-9)
//   - WSACreateEvent gives a manual-reset, non-signaled event (EVT-10)
#include <chrono>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <thread>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr DWORD kBytesSentinel = 0xDEADBEEF;
constexpr DWORD kFlagsSentinel = 0xA5A5A5A5;
// WSA_IO_INCOMPLETE (996) under one name on every build, so the check's text
// (which expectations quote) does not depend on how the SDK spells it.
constexpr int kWsaIoIncomplete = WSA_IO_INCOMPLETE;

bool SignaledWithin(Provider& p, WSAEVENT event, std::chrono::milliseconds window) {
  return p.WSAWaitForMultipleEvents(1, &event, TRUE, static_cast<DWORD>(window.count()), FALSE) == WSA_WAIT_EVENT_0;
}
bool Signaled(Provider& p, WSAEVENT event) { return SignaledWithin(p, event, std::chrono::milliseconds(0)); }

std::vector<CallParam> PerKind(const std::vector<Call>& calls) { return WithCalls(Cross({.kinds = AllKinds()}), calls); }

// One WSAGetOverlappedResult(fWait FALSE) with sentinels in the
// out-parameters, recorded under `name`.
struct OverlappedResult {
  BOOL ok = FALSE;
  int error = 0;
  DWORD bytes = kBytesSentinel;
  DWORD flags = kFlagsSentinel;
};
OverlappedResult ResultNow(Provider& p, SOCKET s, LPWSAOVERLAPPED ov, const std::string& name) {
  OverlappedResult r;
  r.ok = p.WSAGetOverlappedResult(s, ov, &r.bytes, FALSE, &r.flags);
  r.error = r.ok ? 0 : p.WSAGetLastError();
  Observe(name + ".ok", r.ok);
  Observe(name + ".error", r.error);
  Observe(name + ".bytes", r.bytes);
  Observe(name + ".flags", r.flags);
  return r;
}

// What ExpectIncompleteWhilePending found the operation doing.
enum class Pendency { StillPending, EndedByItself, CancelledByProbe };

// EVT-3 on an operation that nothing has ended yet: asked twice, it must say
// FALSE with WSA_IO_INCOMPLETE. Any other answer claims the operation has
// ended; that is a violation only if it had not, which CancelIoEx proves
// when it still finds the operation afterwards (an operation that has ended
// cannot be cancelled). An operation that did end by itself (a send the
// provider took whole, an address change) leaves EVT-3 not exercised.
Pendency ExpectIncompleteWhilePending(Provider& p, SOCKET s, Operation& op) {
  for (int i = 0; i < 2; ++i) {
    OverlappedResult r = ResultNow(p, s, &op.ov, "pending_result_" + std::to_string(i));
    bool claims_ended = r.ok || r.error != WSA_IO_INCOMPLETE;
    if (claims_ended) {
      BOOL cancelled = p.CancelIoEx(AsHandle(s), &op.ov);
      DWORD cancel_error = cancelled ? 0 : p.GetLastError();
      Observe("probe_cancel.ok", cancelled);
      Observe("probe_cancel.error", cancel_error);
      if (!cancelled && cancel_error != ERROR_NOT_FOUND)
        throw SetupFailed("CancelIoEx, asked whether the operation was still pending, failed with " +
                          std::to_string(cancel_error));
      if (!cancelled) {
        if (i == 0) NotExercised("EVT-3", "the operation had ended before WSAGetOverlappedResult was first asked");
        return Pendency::EndedByItself;
      }
    }
    WSAC_EXPECT_FALSE("EVT-3", r.ok) << "TRUE (bytes " << r.bytes << ") for an operation still pending"
                                     << (claims_ended ? ": CancelIoEx found it afterwards" : "");
    WSAC_EXPECT_EQ("EVT-3", r.error, kWsaIoIncomplete) << "for an operation still pending";
    if (claims_ended) return Pendency::CancelledByProbe;
  }
  return Pendency::StillPending;
}

// After EVT-3's violation the probe has cancelled the operation, so what the
// case would have looked at next is gone.
void NotExercisedAfterProbe(std::initializer_list<const char*> statements) {
  for (const char* id : statements)
    NotExercised(id, "the operation was cancelled to prove it was still pending when reported ended (EVT-3)");
}

// ---- pending operations and their event -----------------------------------

class PendingEvent : public CallCase {};

// EVT-1, EVT-2, EVT-4, EVT-5: a receive that pends resets the (pre-signaled)
// event; the event is signaled once data arrives, and the result is TRUE
// with the byte count and no result flags (the sentinels show both are
// written).
WSAC_CASE_P(PendingEvent, CallResetsEventAndCompletionSignalsIt, "EVT-1", "EVT-2", "EVT-4", "EVT-5") {
  Operation& op = observer.NewOperation(pair.a);
  if (!p.WSASetEvent(op.event)) throw SetupFailed("WSASetEvent failed with " + std::to_string(p.WSAGetLastError()));
  char* buf = LongLivedBuffer(256);
  DWORD* bytes = LongLivedWord(0);
  DWORD* flags = LongLivedWord(0);
  int ret = Initiate(op, buf, 256, bytes, flags);
  const bool signaled_after_call = Signaled(p, op.event);
  ObserveCall("recv", ret, op.call_error);
  Observe("event_signaled_after_call", signaled_after_call ? 1 : 0);
  if (op.outcome != Outcome::Pending)
    throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(op));
  WSAC_EXPECT_FALSE("EVT-1", signaled_after_call) << "the call pended but left the pre-signaled hEvent signaled";

  const std::vector<char> data = CounterPattern(0, 100);
  pair.SendFromPeer(data);
  WSAC_ASSERT_TRUE("EVT-2", SignaledWithin(p, op.event, IndicationTimeout()))
      << "hEvent not signaled after data arrived: " << observer.Describe(op);
  OverlappedResult r = ResultNow(p, pair.a, &op.ov, "result");
  WSAC_ASSERT_TRUE("EVT-4", r.ok) << "WSAGetOverlappedResult failed with " << r.error;
  WSAC_EXPECT_TRUE("EVT-4", ReceivedCount(pair.stream(), r.bytes, data.size()));
  WSAC_EXPECT_EQ("EVT-5", r.flags, 0u) << "a plain receive has no result flags";
}

INSTANTIATE_TEST_SUITE_P(Events, PendingEvent, ValuesIn(PerKind(kReceives)), CallParamName);

class IncompleteResult : public CallCase {};

// EVT-3, EVT-4: while a receive is pending, WSAGetOverlappedResult(fWait
// FALSE) returns FALSE with WSA_IO_INCOMPLETE, as often as it is asked;
// after the data arrives it returns TRUE with the count.
WSAC_CASE_P(IncompleteResult, PendingGivesIoIncomplete, "EVT-3", "EVT-4") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD* bytes = LongLivedWord(0);
  DWORD* flags = LongLivedWord(0);
  int ret = Initiate(op, buf, 256, bytes, flags);
  ObserveCall("recv", ret, op.call_error);
  if (op.outcome != Outcome::Pending)
    throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(op));
  Pendency pendency = ExpectIncompleteWhilePending(p, pair.a, op);
  if (pendency == Pendency::CancelledByProbe) {
    NotExercisedAfterProbe({"EVT-4"});
    return;
  }
  if (pendency == Pendency::EndedByItself)
    throw SetupFailed("a receive ended before any data was sent: " + observer.Describe(op));

  const std::vector<char> data = CounterPattern(0, 40);
  pair.SendFromPeer(data);
  if (!observer.Wait(op)) throw SetupFailed("the receive was not indicated after data arrived: " + observer.Describe(op));
  OverlappedResult r = ResultNow(p, pair.a, &op.ov, "done_result");
  WSAC_EXPECT_TRUE("EVT-4", r.ok) << "still FALSE after the indication, error " << r.error;
  WSAC_EXPECT_TRUE("EVT-4", ReceivedCount(pair.stream(), r.bytes, data.size()));
}

INSTANTIATE_TEST_SUITE_P(Events, IncompleteResult, ValuesIn(PerKind(kReceives)), CallParamName);

// Flow control makes only stream sends pend; datagrams are sent or dropped.
class IncompleteSendResult : public CallCase {};

// EVT-3, EVT-2, EVT-4: with SO_SNDBUF 0 and a peer that does not read, a
// send eventually pends; while it is pending WSAGetOverlappedResult says
// WSA_IO_INCOMPLETE. Once the peer has read everything, the send's event is
// signaled and the result is TRUE with its full count.
WSAC_CASE_P(IncompleteSendResult, PendingSendGivesIoIncomplete, "EVT-3", "EVT-2", "EVT-4") {
  int zero = 0;
  if (p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero) != 0)
    throw SetupFailed("setsockopt(SO_SNDBUF, 0) failed with " + std::to_string(p.WSAGetLastError()));
  constexpr ULONG kChunk = 1 << 20;
  char* chunk = LongLivedBuffer(kChunk);  // read by sends until they are indicated
  std::memcpy(chunk, CounterPattern(0, kChunk).data(), kChunk);
  Operation* pending = nullptr;
  size_t sent_before = 0;
  for (int i = 0; i < 64; ++i) {
    Operation& op = observer.NewOperation(pair.a);
    DWORD* bytes = LongLivedWord(0);
    (void)Initiate(op, chunk, kChunk, bytes, nullptr);
    if (op.outcome == Outcome::Pending) {
      pending = &op;
      break;
    }
    std::optional<Indication> done = op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : std::nullopt;
    if (!done) throw SetupFailed("a filling send failed, or returned 0 with no indication: " + observer.Describe(op));
    sent_before += done->bytes;
  }
  Observe("bytes_before_pending", static_cast<std::int64_t>(sent_before));
  if (pending == nullptr) throw NotSupported("64 MiB of sends to a peer that does not read all completed at once");
  ObserveCall("send", pending->call_ret, pending->call_error);

  Pendency pendency = ExpectIncompleteWhilePending(p, pair.a, *pending);
  if (pendency == Pendency::CancelledByProbe) {
    NotExercisedAfterProbe({"EVT-2", "EVT-4"});
    return;
  }
  (void)pair.ReceiveOnPeer(sent_before + kChunk);
  WSAC_ASSERT_TRUE("EVT-2", SignaledWithin(p, pending->event, IndicationTimeout()))
      << "the peer has read the send's data and its event is not signaled: " << observer.Describe(*pending);
  OverlappedResult r = ResultNow(p, pair.a, &pending->ov, "done_result");
  WSAC_EXPECT_TRUE("EVT-4", r.ok) << "error " << r.error;
  WSAC_EXPECT_EQ("EVT-4", r.bytes, kChunk) << "the peer received the whole send";
}

INSTANTIATE_TEST_SUITE_P(Events, IncompleteSendResult, ValuesIn(WithCalls(Cross({.kinds = StreamKinds()}), kSends)),
                         CallParamName);

class IncompleteIoctlResult : public PairCase {};

// EVT-3, EVT-2, EVT-6: an overlapped SIO_ADDRESS_LIST_CHANGE waits for an
// address change that does not come; meanwhile WSAGetOverlappedResult says
// WSA_IO_INCOMPLETE. Cancelled, the ioctl signals its event and its result
// is FALSE with a failure.
WSAC_CASE_P(IncompleteIoctlResult, PendingIoctlGivesIoIncomplete, "EVT-3", "EVT-2", "EVT-6") {
  Operation& op = observer.NewOperation(pair.a);
  DWORD returned = 0;
  int ret = p.WSAIoctl(pair.a, SIO_ADDRESS_LIST_CHANGE, nullptr, 0, nullptr, 0, &returned, &op.ov, nullptr);
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("ioctl", ret, op.call_error);
  Observe("Internal_after_call", static_cast<std::int64_t>(op.ov.Internal));
  if (op.outcome != Outcome::Pending)
    throw NotSupported("an overlapped SIO_ADDRESS_LIST_CHANGE did not pend: " + observer.Describe(op));

  Pendency pendency = ExpectIncompleteWhilePending(p, pair.a, op);
  if (pendency == Pendency::CancelledByProbe) {
    NotExercisedAfterProbe({"EVT-2", "EVT-6"});
    return;
  }
  if (pendency == Pendency::StillPending && !p.CancelIoEx(AsHandle(pair.a), &op.ov))
    throw SetupFailed("CancelIoEx of the pending ioctl failed with " + std::to_string(p.GetLastError()));
  WSAC_ASSERT_TRUE("EVT-2", SignaledWithin(p, op.event, IndicationTimeout()))
      << "the ioctl has ended and its event is not signaled: " << observer.Describe(op);
  OverlappedResult r = ResultNow(p, pair.a, &op.ov, "done_result");
  if (pendency == Pendency::EndedByItself) {
    NotExercised("EVT-6", "the ioctl ended by itself before it could be cancelled");
    return;
  }
  WSAC_EXPECT_FALSE("EVT-6", r.ok) << "TRUE for a cancelled ioctl";
  WSAC_EXPECT_TRUE("EVT-6", r.error != 0 && r.error != WSA_IO_INCOMPLETE) << "error " << r.error;
}

INSTANTIATE_TEST_SUITE_P(Events, IncompleteIoctlResult, ValuesIn(Cross({.kinds = AllKinds()})), ParamName);

// ---- results of finished operations --------------------------------------

class FinishedResult : public CallCase {};

// S14, EVT-2, EVT-4, EVT-5: a receive of data already queued. If the call
// returns 0 its event is signaled already (S14); if it pends, the event is
// signaled later (EVT-2). Then the result is TRUE with the byte count and no
// result flags (the sentinels show both are written).
WSAC_CASE_P(FinishedResult, ReceiveGivesBytesAndFlags, "EVT-4", "EVT-5", "S14", "EVT-2") {
  const std::vector<char> data = CounterPattern(0, 77);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD* bytes = LongLivedWord(kBytesSentinel);
  DWORD* flags = LongLivedWord(0);
  int ret = Initiate(op, buf, 256, bytes, flags);
  const bool signaled_at_return = Signaled(p, op.event);
  ObserveCall("recv", ret, op.call_error);
  Observe("recv.outcome", OutcomeName(op.outcome));
  Observe("event_signaled_at_return", signaled_at_return ? 1 : 0);
  if (op.outcome == Outcome::Failed) throw SetupFailed("a receive of queued data failed: " + observer.Describe(op));
  if (ret == 0) {
    NotExercised("EVT-2", "the receive returned 0; its event at return is S14's");
    WSAC_EXPECT_TRUE("S14", signaled_at_return) << "the receive returned 0 but hEvent was not signaled";
  } else {
    NotExercised("S14", "the receive pended");
    WSAC_ASSERT_TRUE("EVT-2", SignaledWithin(p, op.event, IndicationTimeout()))
        << "the pending receive's event was never signaled: " << observer.Describe(op);
  }
  OverlappedResult r = ResultNow(p, pair.a, &op.ov, "result");
  WSAC_ASSERT_TRUE("EVT-4", r.ok) << "WSAGetOverlappedResult failed with " << r.error;
  WSAC_EXPECT_TRUE("EVT-4", ReceivedCount(pair.stream(), r.bytes, data.size()));
  WSAC_EXPECT_EQ("EVT-5", r.flags, 0u) << "a plain receive has no result flags";
}

INSTANTIATE_TEST_SUITE_P(Events, FinishedResult, ValuesIn(PerKind(kReceives)), CallParamName);

class FinishedSendResult : public CallCase {};

// S14, EVT-2, EVT-4: a small send. If the call returns 0 its event is
// signaled already (S14); if it pends, the event is signaled later (EVT-2).
// Once the peer has all of it, the result is TRUE with the full count.
WSAC_CASE_P(FinishedSendResult, SendGivesBytes, "EVT-4", "S14", "EVT-2") {
  constexpr ULONG kLen = 300;
  char* buf = LongLivedBuffer(kLen);  // read by the send until it is indicated
  std::memcpy(buf, CounterPattern(0, kLen).data(), kLen);
  Operation& op = observer.NewOperation(pair.a);
  DWORD* bytes = LongLivedWord(kBytesSentinel);
  int ret = Initiate(op, buf, kLen, bytes, nullptr);
  const bool signaled_at_return = Signaled(p, op.event);
  ObserveCall("send", ret, op.call_error);
  Observe("send.outcome", OutcomeName(op.outcome));
  Observe("event_signaled_at_return", signaled_at_return ? 1 : 0);
  if (op.outcome == Outcome::Failed) throw SetupFailed("a small send failed: " + observer.Describe(op));
  if (ret == 0) {
    NotExercised("EVT-2", "the send returned 0; its event at return is S14's");
    WSAC_EXPECT_TRUE("S14", signaled_at_return) << "the send returned 0 but hEvent was not signaled";
  } else {
    NotExercised("S14", "the send pended");
  }
  (void)pair.ReceiveOnPeer(kLen);
  if (ret != 0) {
    WSAC_ASSERT_TRUE("EVT-2", SignaledWithin(p, op.event, IndicationTimeout()))
        << "the peer has the send's data and its event is not signaled: " << observer.Describe(op);
  }
  OverlappedResult r = ResultNow(p, pair.a, &op.ov, "result");
  WSAC_ASSERT_TRUE("EVT-4", r.ok) << "WSAGetOverlappedResult failed with " << r.error;
  WSAC_EXPECT_EQ("EVT-4", r.bytes, kLen) << "the peer received the whole send";
}

INSTANTIATE_TEST_SUITE_P(Events, FinishedSendResult, ValuesIn(PerKind(kSends)), CallParamName);

class FailedResult : public CallCase {};

// EVT-6, EVT-2, CLOSE-7 (EVT-7 reported): a pending receive cancelled with
// CancelIoEx signals its event, and WSAGetOverlappedResult returns FALSE
// with the operation's error, the WSA_OPERATION_ABORTED that CLOSE-7 names.
WSAC_CASE_P(FailedResult, CancelledReceiveGivesItsError, "EVT-6", "EVT-2", "EVT-7", "CLOSE-7") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD* bytes = LongLivedWord(0);
  DWORD* flags = LongLivedWord(0);
  int ret = Initiate(op, buf, 256, bytes, flags);
  ObserveCall("recv", ret, op.call_error);
  if (op.outcome != Outcome::Pending)
    throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(op));
  if (!p.CancelIoEx(AsHandle(pair.a), &op.ov))
    throw SetupFailed("CancelIoEx of the pending receive failed with " + std::to_string(p.GetLastError()) +
                      "; no failed operation to read");
  WSAC_ASSERT_TRUE("EVT-2", SignaledWithin(p, op.event, IndicationTimeout()))
      << "hEvent not signaled for the cancelled operation: " << observer.Describe(op);
  OverlappedResult r = ResultNow(p, pair.a, &op.ov, "result");
  Observe("Internal", static_cast<std::int64_t>(op.ov.Internal));
  WSAC_EXPECT_FALSE("EVT-6", r.ok) << "TRUE for a cancelled operation";
  WSAC_EXPECT_TRUE("EVT-6", r.error != 0 && r.error != WSA_IO_INCOMPLETE) << "error " << r.error;
  if (r.ok) {
    NotExercised("CLOSE-7", "WSAGetOverlappedResult reported no error to compare");
  } else {
    WSAC_EXPECT_EQ("CLOSE-7", r.error, WSA_OPERATION_ABORTED);
  }
  Report("EVT-7", r.bytes == kBytesSentinel ? "byte count left untouched on failure"
                                            : "byte count written on failure: " + std::to_string(r.bytes));
}

INSTANTIATE_TEST_SUITE_P(Events, FailedResult, ValuesIn(PerKind(kReceives)), CallParamName);

// ---- fWait TRUE after the indication ----------------------------------------

class ResultAfterIndication : public CallCase {};

// EVT-9, EVT-4: once the operation was indicated, WSAGetOverlappedResult
// (fWait TRUE) returns its result at once, even after the application reset
// hEvent (a provider that waits on the event instead of reading the result
// would wait forever). The call runs on a worker, which hands its result
// back through an event.
WSAC_CASE_P(ResultAfterIndication, WaitTrueReturnsAtOnce, "EVT-9", "EVT-4") {
  const bool receive = call() == Call::WSARecv;
  const std::vector<char> data = CounterPattern(0, 50);
  char* buf = LongLivedBuffer(256);
  if (!receive) std::memcpy(buf, data.data(), data.size());
  Operation& op = observer.NewOperation(pair.a);
  DWORD* bytes = LongLivedWord(0);
  DWORD* flags = LongLivedWord(0);
  int ret = receive ? Initiate(op, buf, 256, bytes, flags)
                    : Initiate(op, buf, static_cast<ULONG>(data.size()), bytes, nullptr);
  ObserveCall("call", ret, op.call_error);
  if (op.outcome == Outcome::Failed) throw SetupFailed("the call failed: " + observer.Describe(op));
  if (receive) pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("indication", ind);
  if (!ind) throw SetupFailed("the operation was not indicated: " + observer.Describe(op));
  if (!p.WSAResetEvent(op.event)) throw SetupFailed("WSAResetEvent failed with " + std::to_string(p.WSAGetLastError()));

  WSAEVENT returned = p.WSACreateEvent();
  if (returned == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed");
  // Written by the worker before it signals `returned`, read after the join.
  struct Result {
    BOOL ok = FALSE;
    int error = 0;
    DWORD bytes = kBytesSentinel, flags = kFlagsSentinel;
  } result;
  std::thread caller([&] {
    result.ok = p.WSAGetOverlappedResult(pair.a, &op.ov, &result.bytes, TRUE, &result.flags);
    result.error = result.ok ? 0 : p.WSAGetLastError();
    p.WSASetEvent(returned);
  });
  const bool returned_in_time = SignaledWithin(p, returned, IndicationTimeout());
  if (!returned_in_time) p.WSASetEvent(op.event);  // frees a provider that waits on the event
  caller.join();
  p.WSACloseEvent(returned);
  Observe("returned_within_timeout", returned_in_time ? 1 : 0);
  Observe("result.ok", result.ok);
  Observe("result.error", result.error);
  Observe("result.bytes", result.bytes);
  WSAC_EXPECT_TRUE("EVT-9", returned_in_time)
      << "WSAGetOverlappedResult(fWait TRUE) waited for an operation that was already indicated";
  WSAC_EXPECT_TRUE("EVT-9", result.ok) << "error " << result.error;
  WSAC_EXPECT_EQ("EVT-4", result.bytes, ind->bytes) << "WSAGetOverlappedResult disagrees with the indication";
}

INSTANTIATE_TEST_SUITE_P(Events, ResultAfterIndication,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(),
                                                   .mechanisms = {Mechanism::Event, Mechanism::Polling}}),
                                            {Call::WSARecv, Call::WSASend})),
                         CallParamName);

// ---- WSACreateEvent -------------------------------------------------------

// EVT-10: a new event is non-signaled; after one WSASetEvent two waits both
// succeed (manual reset); WSAResetEvent makes it non-signaled again.
WSAC_CASE(EventCreation, ManualResetInitiallyNonSignaled, "EVT-10") {
  Provider& p = ActiveProvider();
  WSAEVENT event = p.WSACreateEvent();
  if (event == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed with " + std::to_string(p.WSAGetLastError()));
  struct CloseEvent {
    Provider& p;
    WSAEVENT e;
    ~CloseEvent() { p.WSACloseEvent(e); }
  } close_event{p, event};

  DWORD initial = p.WSAWaitForMultipleEvents(1, &event, TRUE, 0, FALSE);
  Observe("wait.initial", initial);
  WSAC_EXPECT_EQ("EVT-10", initial, WSA_WAIT_TIMEOUT) << "a new event is signaled";
  if (!p.WSASetEvent(event)) throw SetupFailed("WSASetEvent failed with " + std::to_string(p.WSAGetLastError()));
  DWORD first = p.WSAWaitForMultipleEvents(1, &event, TRUE, 0, FALSE);
  DWORD second = p.WSAWaitForMultipleEvents(1, &event, TRUE, 0, FALSE);
  Observe("wait.first", first);
  Observe("wait.second", second);
  WSAC_EXPECT_EQ("EVT-10", first, WSA_WAIT_EVENT_0) << "WSASetEvent did not signal the event";
  WSAC_EXPECT_EQ("EVT-10", second, WSA_WAIT_EVENT_0) << "the first wait reset the event: it is auto-reset";
  if (!p.WSAResetEvent(event)) throw SetupFailed("WSAResetEvent failed with " + std::to_string(p.WSAGetLastError()));
  DWORD after_reset = p.WSAWaitForMultipleEvents(1, &event, TRUE, 0, FALSE);
  Observe("wait.after_reset", after_reset);
  WSAC_EXPECT_EQ("EVT-10", after_reset, WSA_WAIT_TIMEOUT) << "WSAResetEvent left the event signaled";
}

}  // namespace
}  // namespace wsac
