// EVT-1..EVT-10 (with S14, S16): events and WSAGetOverlappedResult.
//   - a call that pends resets hEvent; the event is signaled at completion
//   - WSAGetOverlappedResult(fWait FALSE) on a pending operation: FALSE, 996
//   - done: TRUE with bytes (and receive flags); failed: FALSE with its error
//   - once indicated, WSAGetOverlappedResult answers at once, fWait TRUE too
//   - WSACreateEvent gives a manual-reset, non-signaled event
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "suite/fixtures/call_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr DWORD kBytesSentinel = 0xDEADBEEF;
constexpr DWORD kFlagsSentinel = 0xA5A5A5A5;

bool Signaled(Provider& p, WSAEVENT event) {
  return p.WSAWaitForMultipleEvents(1, &event, TRUE, 0, FALSE) == WSA_WAIT_EVENT_0;
}

std::vector<CallParam> PerKind(const std::vector<Call>& calls) { return WithCalls(Cross({.kinds = AllKinds()}), calls); }

// ---- pending operations and their event -----------------------------------

class PendingEvent : public CallCase {};

// EVT-1, EVT-2, EVT-4, EVT-5: a receive that pends resets the (pre-signaled)
// event; the event is signaled once data arrives, and the result is TRUE
// with the byte count and no result flags.
WSAC_CASE_P(PendingEvent, CallResetsEventAndCompletionSignalsIt, "EVT-1", "EVT-2", "EVT-4", "EVT-5", "S16") {
  Operation& op = observer.NewOperation(pair.a);
  ASSERT_TRUE(p.WSASetEvent(op.event)) << "WSASetEvent failed with " << p.WSAGetLastError();
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Pending) << "a receive with no data queued must pend: " << observer.Describe(op);
  bool signaled_after_call = Signaled(p, op.event);
  Observe("event_signaled_after_call", signaled_after_call ? 1 : 0);
  EXPECT_FALSE(signaled_after_call) << "the call pended but left the pre-signaled hEvent signaled";

  const std::vector<char> data = CounterPattern(0, 100);
  pair.SendFromPeer(data);
  DWORD wait = p.WSAWaitForMultipleEvents(1, &op.event, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE);
  Observe("wait", wait);
  ASSERT_EQ(wait, WSA_WAIT_EVENT_0) << "hEvent not signaled after data arrived: " << observer.Describe(op);

  DWORD got = kBytesSentinel, got_flags = kFlagsSentinel;
  BOOL ok = p.WSAGetOverlappedResult(pair.a, &op.ov, &got, FALSE, &got_flags);
  int error = ok ? 0 : p.WSAGetLastError();
  Observe("result.ok", ok);
  Observe("result.error", error);
  Observe("result.bytes", got);
  Observe("result.flags", got_flags);
  Observe("Internal", static_cast<std::int64_t>(op.ov.Internal));
  ASSERT_TRUE(ok) << "WSAGetOverlappedResult failed with " << error;
  EXPECT_TRUE(ReceivedCount(pair.stream(), got, data.size()));
  EXPECT_EQ(got_flags, 0u) << "a plain receive has no result flags";
  EXPECT_EQ(FirstMismatch(buf, got, 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Events, PendingEvent, ValuesIn(PerKind(kReceives)), CallParamName);

class IncompleteResult : public CallCase {};

// EVT-3: while a receive is pending, WSAGetOverlappedResult(fWait FALSE)
// returns FALSE with WSA_IO_INCOMPLETE, as often as it is asked; after the
// data arrives it turns TRUE.
WSAC_CASE_P(IncompleteResult, PendingGivesIoIncomplete, "EVT-3", "EVT-4") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);

  for (int i = 0; i < 2; ++i) {
    DWORD got = kBytesSentinel, got_flags = kFlagsSentinel;
    BOOL ok = p.WSAGetOverlappedResult(pair.a, &op.ov, &got, FALSE, &got_flags);
    int error = ok ? 0 : p.WSAGetLastError();
    Observe("pending_result.ok", ok);
    Observe("pending_result.error", error);
    EXPECT_FALSE(ok) << "TRUE for an operation that is still pending (bytes " << got << ")";
    EXPECT_EQ(error, WSA_IO_INCOMPLETE);
  }

  const std::vector<char> data = CounterPattern(0, 40);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  DWORD got = kBytesSentinel, got_flags = kFlagsSentinel;
  BOOL ok = p.WSAGetOverlappedResult(pair.a, &op.ov, &got, FALSE, &got_flags);
  Observe("done_result.ok", ok);
  EXPECT_TRUE(ok) << "still FALSE after the indication, error " << p.WSAGetLastError();
  EXPECT_EQ(got, ind->bytes) << "WSAGetOverlappedResult disagrees with the indication";
  EXPECT_TRUE(ReceivedCount(pair.stream(), got, data.size()));
}

INSTANTIATE_TEST_SUITE_P(Events, IncompleteResult, ValuesIn(PerKind(kReceives)), CallParamName);

// ---- results of finished operations --------------------------------------

class FinishedResult : public CallCase {};

// EVT-4, EVT-5 (S14): a receive of data already queued; once it is indicated
// (at return when the call gave 0), the result is TRUE with the byte count
// the call reported and no result flags. The sentinels show both are written.
WSAC_CASE_P(FinishedResult, ReceiveGivesBytesAndFlags, "EVT-4", "EVT-5", "S14") {
  const std::vector<char> data = CounterPattern(0, 77);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = kBytesSentinel, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  Report("S14", std::string("receive with data queued: ") + OutcomeName(op.outcome));
  if (ret != 0) {
    DWORD wait = p.WSAWaitForMultipleEvents(1, &op.event, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE);
    ASSERT_EQ(wait, WSA_WAIT_EVENT_0) << observer.Describe(op);
  }
  DWORD got = kBytesSentinel, got_flags = kFlagsSentinel;
  BOOL ok = p.WSAGetOverlappedResult(pair.a, &op.ov, &got, FALSE, &got_flags);
  int error = ok ? 0 : p.WSAGetLastError();
  Observe("result.ok", ok);
  Observe("result.error", error);
  Observe("result.bytes", got);
  Observe("result.flags", got_flags);
  ASSERT_TRUE(ok) << "WSAGetOverlappedResult failed with " << error;
  EXPECT_TRUE(ReceivedCount(pair.stream(), got, data.size()));
  if (ret == 0) { EXPECT_EQ(got, bytes) << "the result disagrees with the byte count the call returned"; }
  EXPECT_EQ(got_flags, 0u) << "a plain receive has no result flags";
  EXPECT_EQ(FirstMismatch(buf, got, 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Events, FinishedResult, ValuesIn(PerKind(kReceives)), CallParamName);

class FinishedSendResult : public CallCase {};

// EVT-4 (S14): a small send; once indicated, the result is TRUE with the full
// byte count.
WSAC_CASE_P(FinishedSendResult, SendGivesBytes, "EVT-4", "S14") {
  const std::vector<char> data = CounterPattern(0, 300);
  Operation& op = observer.NewOperation(pair.a);
  DWORD bytes = kBytesSentinel;
  int ret = Initiate(op, const_cast<char*>(data.data()), static_cast<ULONG>(data.size()), &bytes, nullptr);
  ObserveCall("send", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  if (ret != 0) {
    DWORD wait = p.WSAWaitForMultipleEvents(1, &op.event, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE);
    ASSERT_EQ(wait, WSA_WAIT_EVENT_0) << observer.Describe(op);
  }
  DWORD got = kBytesSentinel, got_flags = 0;
  BOOL ok = p.WSAGetOverlappedResult(pair.a, &op.ov, &got, FALSE, &got_flags);
  int error = ok ? 0 : p.WSAGetLastError();
  Observe("result.ok", ok);
  Observe("result.error", error);
  Observe("result.bytes", got);
  ASSERT_TRUE(ok) << "WSAGetOverlappedResult failed with " << error;
  EXPECT_EQ(got, data.size());
  EXPECT_EQ(FirstMismatch(pair.ReceiveOnPeer(data.size()), 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Events, FinishedSendResult, ValuesIn(PerKind(kSends)), CallParamName);

class FailedResult : public CallCase {};

// EVT-6, EVT-2 (EVT-7 reported): a pending receive cancelled with CancelIoEx
// signals its event, and WSAGetOverlappedResult returns FALSE with the
// operation's error, WSA_OPERATION_ABORTED.
WSAC_CASE_P(FailedResult, CancelledReceiveGivesItsError, "EVT-6", "EVT-2", "EVT-7") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  if (!p.CancelIoEx(AsHandle(pair.a), &op.ov))
    throw SetupFailed("CancelIoEx of the pending receive failed with " + std::to_string(p.GetLastError()) +
                      "; no failed operation to read");
  DWORD wait = p.WSAWaitForMultipleEvents(1, &op.event, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE);
  Observe("wait", wait);
  ASSERT_EQ(wait, WSA_WAIT_EVENT_0) << "hEvent not signaled for the failed operation: " << observer.Describe(op);

  DWORD got = kBytesSentinel, got_flags = kFlagsSentinel;
  BOOL ok = p.WSAGetOverlappedResult(pair.a, &op.ov, &got, FALSE, &got_flags);
  int error = ok ? 0 : p.WSAGetLastError();
  Observe("result.ok", ok);
  Observe("result.error", error);
  Observe("result.bytes", got);
  Observe("Internal", static_cast<std::int64_t>(op.ov.Internal));
  EXPECT_FALSE(ok) << "TRUE for a cancelled operation";
  EXPECT_EQ(error, WSA_OPERATION_ABORTED);
  Report("EVT-7", got == kBytesSentinel ? "byte count left untouched on failure"
                                        : "byte count written on failure: " + std::to_string(got));
}

INSTANTIATE_TEST_SUITE_P(Events, FailedResult, ValuesIn(PerKind(kReceives)), CallParamName);

// ---- fWait TRUE after the indication ----------------------------------------

class ResultAfterIndication : public CallCase {};

// EVT-9: once the operation was indicated, WSAGetOverlappedResult(fWait TRUE)
// returns its result at once, even after the application reset hEvent (a
// provider that waits on the event instead of reading the result hangs).
WSAC_CASE_P(ResultAfterIndication, WaitTrueReturnsAtOnce, "EVT-9", "EVT-4") {
  const bool receive = call() == Call::WSARecv;
  const std::vector<char> data = CounterPattern(0, 50);
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int ret = receive ? Initiate(op, buf, 256, &bytes, &flags)
                    : Initiate(op, const_cast<char*>(data.data()), static_cast<ULONG>(data.size()), &bytes, nullptr);
  ObserveCall("call", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  if (receive) pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  ASSERT_TRUE(p.WSAResetEvent(op.event));

  struct Shared {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    BOOL ok = FALSE;
    int error = 0;
    DWORD bytes = kBytesSentinel, flags = kFlagsSentinel;
  };
  auto shared = std::make_shared<Shared>();
  Provider* provider = &p;
  SOCKET s = pair.a;
  LPWSAOVERLAPPED ov = &op.ov;
  std::thread caller([shared, provider, s, ov] {
    DWORD b = kBytesSentinel, f = kFlagsSentinel;
    BOOL ok = provider->WSAGetOverlappedResult(s, ov, &b, TRUE, &f);
    int error = ok ? 0 : provider->WSAGetLastError();
    std::lock_guard lock(shared->m);
    shared->ok = ok;
    shared->error = error;
    shared->bytes = b;
    shared->flags = f;
    shared->done = true;
    shared->cv.notify_all();
  });
  bool returned;
  {
    std::unique_lock lock(shared->m);
    returned = shared->cv.wait_for(lock, IndicationTimeout(), [&] { return shared->done; });
  }
  Observe("returned_within_timeout", returned ? 1 : 0);
  if (!returned) p.WSASetEvent(op.event);  // frees a provider that waits on the event
  caller.join();
  EXPECT_TRUE(returned) << "WSAGetOverlappedResult(fWait TRUE) waited for an operation that was already indicated";
  Observe("result.ok", shared->ok);
  Observe("result.error", shared->error);
  Observe("result.bytes", shared->bytes);
  EXPECT_TRUE(shared->ok) << "error " << shared->error;
  EXPECT_EQ(shared->bytes, ind->bytes) << "WSAGetOverlappedResult disagrees with the indication";
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
  EXPECT_EQ(initial, WSA_WAIT_TIMEOUT) << "a new event is signaled";
  ASSERT_TRUE(p.WSASetEvent(event));
  DWORD first = p.WSAWaitForMultipleEvents(1, &event, TRUE, 0, FALSE);
  DWORD second = p.WSAWaitForMultipleEvents(1, &event, TRUE, 0, FALSE);
  Observe("wait.first", first);
  Observe("wait.second", second);
  EXPECT_EQ(first, WSA_WAIT_EVENT_0);
  EXPECT_EQ(second, WSA_WAIT_EVENT_0) << "the first wait reset the event: it is auto-reset";
  ASSERT_TRUE(p.WSAResetEvent(event));
  DWORD after_reset = p.WSAWaitForMultipleEvents(1, &event, TRUE, 0, FALSE);
  Observe("wait.after_reset", after_reset);
  EXPECT_EQ(after_reset, WSA_WAIT_TIMEOUT);
}

}  // namespace
}  // namespace wsac
