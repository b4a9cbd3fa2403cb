// IND-1: an operation that was initiated is indicated exactly once, through
// the mechanism the caller chose. After a case has taken an operation's
// indication, a second one is what a provider shows when it indicates both
// at completion and again at cleanup (a second routine queued, a second
// packet posted, the event set again). The observers' drains report a
// surplus in every case; these cases claim the statement and check it where
// the count is visible: routine runs and port packets are counted, an event
// is reset once its result was read and must not be signaled again.
// The other half of IND-1 (a call that failed is never indicated) is S18's
// cases' business.
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

class IndicatedOnce : public CallCase {
 protected:
  // Watches op's mechanism for a quiet window after its indication was
  // taken; a further indication breaks IND-1.
  void ExpectNoSecondIndication(Operation& op) {
    switch (observer.mechanism()) {
      case Mechanism::Routine: {
        // Any routine queued again runs in this thread's alertable waits.
        Deadline deadline(QuietWindow());
        do p.SleepEx(deadline.RemainingMs(), TRUE);
        while (!deadline.Expired());
        Observe("routine_runs", op.routine_runs.load());
        WSAC_EXPECT_EQ("IND-1", op.routine_runs.load(), 1)
            << "the completion routine ran more than once: " << observer.Describe(op);
        break;
      }
      case Mechanism::Port: {
        const bool again = observer.IndicatedWithin(op);
        Observe("packets", op.indications_seen);
        WSAC_EXPECT_FALSE("IND-1", again) << "a second completion packet for it: " << observer.Describe(op);
        break;
      }
      case Mechanism::Event:
      case Mechanism::Polling: {
        // Polling reads the result without waiting, but the event in
        // hEvent is still signaled by the provider: once.
        p.WSAResetEvent(op.event);
        const bool again =
            p.WSAWaitForMultipleEvents(1, &op.event, TRUE, static_cast<DWORD>(QuietWindow().count()), FALSE) ==
            WSA_WAIT_EVENT_0;
        Observe("event_signaled_again", again ? "yes" : "no");
        WSAC_EXPECT_FALSE("IND-1", again)
            << "the event was signaled again after the result had been read: " << observer.Describe(op);
        break;
      }
    }
  }
};

// A call that can complete at once (queued data for a receive, buffer space
// for a small send), whichever way the provider reports it.
WSAC_CASE_P(IndicatedOnce, CompletedCall, "IND-1") {
  const bool receive = call() == Call::WSARecv || call() == Call::WSARecvFrom;
  const std::vector<char> data = CounterPattern(0, 64);
  if (receive) {
    pair.SendFromPeer(data);
    pair.WaitUntilQueued(pair.a, data.size());
  }
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  if (!receive) std::copy(data.begin(), data.end(), buf);
  DWORD bytes = 0, flags = 0;
  int ret = Initiate(op, buf, receive ? 256 : static_cast<ULONG>(data.size()), &bytes, &flags);
  ObserveCall("call", ret, op.call_error);
  Observe("call.outcome", OutcomeName(op.outcome));
  if (op.outcome == Outcome::Failed) {
    NotExercised("IND-1", "the call failed, so it owes no indication");
    return;
  }
  std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
  if (!ind) ind = observer.Wait(op);  // a late first indication is S14's finding, not IND-1's
  ObserveIndication("indication", ind);
  if (!ind) {
    NotExercised("IND-1", "no indication came at all (S14/S16 say what broke)");
    return;
  }
  ExpectNoSecondIndication(op);
}

// A receive posted before its data: the indication comes from the
// completion, later than the call.
class ReceiveIndicatedOnce : public IndicatedOnce {};

WSAC_CASE_P(ReceiveIndicatedOnce, PostedBeforeData, "IND-1") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  Observe("recv.outcome", OutcomeName(op.outcome));
  if (op.outcome == Outcome::Failed) {
    NotExercised("IND-1", "the receive failed, so it owes no indication");
    return;
  }
  pair.SendFromPeer(CounterPattern(0, 100));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("indication", ind);
  if (!ind) {
    NotExercised("IND-1", "no indication came at all (S16 says what broke)");
    return;
  }
  ExpectNoSecondIndication(op);
}

INSTANTIATE_TEST_SUITE_P(Once, IndicatedOnce, ValuesIn(PerMechanism(AllKinds(), {Call::WSARecv, Call::WSASend})),
                         CallParamName);
INSTANTIATE_TEST_SUITE_P(Once, ReceiveIndicatedOnce, ValuesIn(PerMechanism(AllKinds(), kReceives)), CallParamName);

}  // namespace
}  // namespace wsac
