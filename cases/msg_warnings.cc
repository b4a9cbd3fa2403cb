// DGRAM-1/2/3/9/10/11 and DGRAM-6/7/12 through WSARecvMsg and WSASendMsg:
// the warning-class result WSAEMSGSIZE on the extension functions.
//   DGRAM-1/2    an oversize datagram fills lpMsg->lpBuffers; the rest is lost
//   DGRAM-3/11   the indication reports WSAEMSGSIZE (ERROR_MORE_DATA through
//                a port) and the bytes placed; a truncation never succeeds
//   DGRAM-9/10   with the datagram queued the call pends or fails at once
//                with WSAEMSGSIZE (reported per mechanism); after the latter
//                the indication still follows
//   DGRAM-6/7/12 a WSASendMsg above the maximum message size fails with
//                WSAEMSGSIZE, at once (then MSG-8: no indication) or through
//                the indication of a send that pended (reported), and
//                transmits nothing
// MSG_TRUNC in lpMsg->dwFlags is MSG-7's (msg_transfer.cc).
#include <cstring>
#include <string>
#include <vector>

#include "suite/catalog/catalog.h"
#include "suite/fixtures/msg_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

// The 300-byte datagram meets buffers of 40 + 60 bytes.
constexpr ULONG kFirstBuffer = 40, kSecondBuffer = 60, kPlaced = kFirstBuffer + kSecondBuffer;

bool Accepted(const char* id, std::int64_t code) {
  const Statement* s = FindStatement(id);
  if (s == nullptr || s->accepted_codes.empty())
    throw SetupFailed(std::string("catalog gives no accepted_codes for ") + id);
  for (auto c : s->accepted_codes)
    if (c == code) return true;
  return false;
}

class MsgWarnings : public MsgCase {
 protected:
  MsgWarnings() : peer_observer(p, Mechanism::Event) {}
  // The sockets close before peer_observer drains, so a peer receive still
  // pending ends by the close rather than being waited for.
  ~MsgWarnings() override {
    if (pair.b != INVALID_SOCKET) pair.CloseB();
    if (pair.a != INVALID_SOCKET) pair.CloseA();
  }

  void ExpectLeadingBytes(const char* b0, const char* b1, unsigned salt, const std::string& key) {
    Observe(key + ".buffer0.first_mismatch", FirstMismatch(b0, kFirstBuffer, 0, salt));
    Observe(key + ".buffer1.first_mismatch", FirstMismatch(b1, kSecondBuffer, kFirstBuffer, salt));
    WSAC_EXPECT_EQ("DGRAM-1", FirstMismatch(b0, kFirstBuffer, 0, salt), -1)
        << key << ": the first buffer does not hold the datagram's bytes 0-39";
    WSAC_EXPECT_EQ("DGRAM-1", FirstMismatch(b1, kSecondBuffer, kFirstBuffer, salt), -1)
        << key << ": the second buffer does not hold the datagram's bytes 40-99";
  }
  void ExpectTruncationIndicated(const Indication& ind, const std::string& key) {
    WSAC_EXPECT_TRUE("DGRAM-3", Accepted("DGRAM-3", ind.error)) << key << ": truncation reported as " << ind.error;
    WSAC_EXPECT_EQ("DGRAM-11", ind.bytes, kPlaced) << key << ": the indication does not count the bytes placed";
  }
  Operation& PostPeerRecv(char* buf, ULONG len) {
    Operation& op = peer_observer.NewOperation(pair.b);
    WSABUF wsabuf{len, buf};
    DWORD bytes = 0, flags = 0;
    int ret = p.WSARecv(pair.b, &wsabuf, 1, &bytes, &flags, &op.ov, nullptr);
    if (peer_observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError()) == Outcome::Failed)
      throw SetupFailed("the peer's receive was refused: " + peer_observer.Describe(op));
    return op;
  }
  DWORD FinishPeerRecv(Operation& op) {
    std::optional<Indication> ind =
        op.outcome == Outcome::Immediate ? peer_observer.TakeImmediate(op) : peer_observer.Wait(op);
    if (!ind || ind->error != 0) throw SetupFailed("the peer's receive did not complete: " + peer_observer.Describe(op));
    return ind->bytes;
  }

  CompletionObserver peer_observer;
};

// DGRAM-1, DGRAM-3, DGRAM-11: a 300-byte datagram arriving at a pending
// WSARecvMsg of 40 + 60 bytes fills both buffers with its first 100 bytes,
// and the indication reports the truncation and the 100 bytes.
WSAC_CASE_P(MsgWarnings, OversizeDatagramAtPendingRecvMsg, "DGRAM-1", "DGRAM-3", "DGRAM-11") {
  char* b0 = FilledBuffer(kFirstBuffer);
  char* b1 = FilledBuffer(kSecondBuffer);
  Operation& op = PostRecvMsg({{kFirstBuffer, b0}, {kSecondBuffer, b1}});
  if (op.outcome != Outcome::Pending)
    throw SetupFailed("WSARecvMsg with no datagram queued did not pend: " + observer.Describe(op));
  pair.SendFromPeer(CounterPattern(0, 300, 21));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recvmsg", ind);
  Observe("recvmsg.internal", static_cast<std::int64_t>(op.ov.Internal));
  WSAC_ASSERT_TRUE("DGRAM-3", ind.has_value()) << "the truncated receive was not indicated: " << observer.Describe(op);
  ExpectTruncationIndicated(*ind, "recvmsg");
  Report("DGRAM-3", std::string(MechanismName(observer.mechanism())) + ": WSARecvMsg truncation reported as " +
                        std::to_string(ind->error) + ", bytes " + std::to_string(ind->bytes));
  ExpectLeadingBytes(b0, b1, 21, "recvmsg");
}

// DGRAM-1, DGRAM-3, DGRAM-9, DGRAM-10, DGRAM-11: the datagram already
// queued. WSARecvMsg pends or fails at once with WSAEMSGSIZE (DGRAM-9,
// reported), never returns 0 (DGRAM-3); after WSAEMSGSIZE the indication
// still comes (DGRAM-10). Either way it reports the truncation and the 100
// bytes placed.
WSAC_CASE_P(MsgWarnings, QueuedOversizeDatagramRecvMsg, "DGRAM-1", "DGRAM-3", "DGRAM-9", "DGRAM-10", "DGRAM-11") {
  pair.SendFromPeer(CounterPattern(0, 300, 22));
  pair.WaitUntilQueued(pair.a, 1);
  char* b0 = FilledBuffer(kFirstBuffer);
  char* b1 = FilledBuffer(kSecondBuffer);
  Operation& op = PostRecvMsg({{kFirstBuffer, b0}, {kSecondBuffer, b1}});
  ObserveCall("recvmsg", op.call_ret, op.call_error);
  std::string seen = std::string("WSARecvMsg ") + OutcomeName(op.outcome) +
                     (op.outcome == Outcome::Failed ? " with " + std::to_string(op.call_error) : "");
  std::optional<Indication> ind;
  if (op.outcome == Outcome::Immediate) {
    WSAC_ADD_FAILURE("DGRAM-3") << "the call returned 0 for a truncated datagram: " << observer.Describe(op);
    NotExercised("DGRAM-10", "the receive returned 0");
    ind = observer.TakeImmediate(op);
  } else if (op.outcome == Outcome::Failed) {
    WSAC_EXPECT_EQ("DGRAM-3", op.call_error, WSAEMSGSIZE) << "the call failed at once with another code";
    if (op.call_error != WSAEMSGSIZE) {
      NotExercised("DGRAM-10", "the receive failed with another code");
      Report("DGRAM-9", std::string(MechanismName(observer.mechanism())) + ": " + seen);
      return;
    }
    // The receive ran, so its indication follows the failed call.
    bool indicated = observer.IndicatedWithin(op, IndicationTimeout());
    if (indicated) ind = op.indication ? op.indication : observer.Wait(op);
    WSAC_EXPECT_TRUE("DGRAM-10", ind.has_value())
        << "failed at once with WSAEMSGSIZE and no indication followed: " << observer.Describe(op);
  } else {
    NotExercised("DGRAM-10", "the receive pended");
    ind = observer.Wait(op);
    WSAC_EXPECT_TRUE("DGRAM-3", ind.has_value()) << "the truncated receive pended and was never indicated";
  }
  ObserveIndication("recvmsg", ind);
  if (ind) ExpectTruncationIndicated(*ind, "recvmsg");
  ExpectLeadingBytes(b0, b1, 22, "recvmsg");
  Report("DGRAM-9", std::string(MechanismName(observer.mechanism())) + ": " + seen);
}

// DGRAM-2, DGRAM-3: after a truncated WSARecvMsg the rest of that datagram
// is gone; the next WSARecvMsg waits for the next datagram and gets it whole.
WSAC_CASE_P(MsgWarnings, TruncatedRemainderDiscardedByRecvMsg, "DGRAM-2", "DGRAM-3") {
  char* small = FilledBuffer(64);
  Operation& first = PostRecvMsg({{64, small}});
  if (first.outcome != Outcome::Pending)
    throw SetupFailed("WSARecvMsg with no datagram queued did not pend: " + observer.Describe(first));
  pair.SendFromPeer(CounterPattern(0, 500, 23));
  std::optional<Indication> i0 = observer.Wait(first);
  ObserveIndication("truncated", i0);
  WSAC_ASSERT_TRUE("DGRAM-3", i0.has_value()) << "the truncated receive was not indicated: " << observer.Describe(first);
  WSAC_EXPECT_TRUE("DGRAM-3", Accepted("DGRAM-3", i0->error)) << "truncation reported as " << i0->error;

  char* big = FilledBuffer(1024);
  Operation& second = PostRecvMsg({{1024, big}});
  ObserveCall("next", second.call_ret, second.call_error);
  WSAC_ASSERT_NE("DGRAM-2", second.outcome, Outcome::Failed) << observer.Describe(second);
  WSAC_EXPECT_EQ("DGRAM-2", second.outcome, Outcome::Pending)
      << "the next receive found data queued: the truncated rest was kept";
  if (second.outcome == Outcome::Pending) pair.SendFromPeer(CounterPattern(0, 50, 24));
  std::optional<Indication> i1 = Finish(second);
  ObserveIndication("next", i1);
  WSAC_ASSERT_TRUE("DGRAM-2", i1.has_value()) << observer.Describe(second);
  WSAC_EXPECT_EQ("DGRAM-2", i1->error, 0u);
  WSAC_EXPECT_EQ("DGRAM-2", i1->bytes, 50u);
  WSAC_EXPECT_EQ("DGRAM-2", FirstMismatch(big, i1->bytes, 0, 24), -1) << "the next receive did not get the next datagram";
}

// DGRAM-6, DGRAM-7, DGRAM-12, MSG-8: a 70000-byte datagram in two buffers
// sent with WSASendMsg fails with WSAEMSGSIZE: at once, and then with no
// indication (MSG-8), or through the indication of a send that pended
// (DGRAM-12, reported). The peer's next datagram is the small one sent right
// after (DGRAM-7).
WSAC_CASE_P(MsgWarnings, OversizeSendMsgFailsAndSendsNothing, "DGRAM-6", "DGRAM-7", "DGRAM-12", "MSG-8") {
  constexpr ULONG kHalf = 35000, kMarker = 20;
  char* peer_buf = LongLivedBuffer(80000);
  Operation& peer = PostPeerRecv(peer_buf, 80000);
  const std::vector<char> pattern = CounterPattern(0, 2 * kHalf, 25);
  char* huge = LongLivedBuffer(2 * kHalf);
  std::memcpy(huge, pattern.data(), 2 * kHalf);
  Operation& op = SendMsg({{kHalf, huge}, {kHalf, huge + kHalf}});
  ObserveCall("sendmsg", op.call_ret, op.call_error);
  std::string seen = std::string("WSASendMsg ") + OutcomeName(op.outcome);
  if (op.outcome == Outcome::Failed) {
    WSAC_EXPECT_EQ("DGRAM-6", op.call_error, WSAEMSGSIZE) << "refused with another code";
    bool indicated = observer.IndicatedWithin(op);
    Observe("indicated_after_refusal", indicated ? "yes" : "no");
    WSAC_EXPECT_FALSE("MSG-8", indicated) << "the refused send was indicated: " << observer.Describe(op);
  } else {
    NotExercised("MSG-8", "the oversize send was not refused at once");
    std::optional<Indication> ind = Finish(op);
    ObserveIndication("sendmsg", ind);
    if (op.outcome == Outcome::Immediate) {
      WSAC_ADD_FAILURE("DGRAM-6") << "a 70000-byte datagram WSASendMsg returned 0";
    } else {
      WSAC_ASSERT_TRUE("DGRAM-6", ind.has_value()) << "the oversize send pended and was never indicated";
      WSAC_EXPECT_EQ("DGRAM-6", ind->error, static_cast<DWORD>(WSAEMSGSIZE))
          << "the oversize send's indication does not report WSAEMSGSIZE";
      seen += " then " + std::to_string(ind->error);
    }
  }
  const std::vector<char> marker = CounterPattern(0, kMarker, 26);
  char* marker_buf = LongLivedBuffer(kMarker);
  std::memcpy(marker_buf, marker.data(), kMarker);
  Operation& small = SendMsg({{kMarker, marker_buf}});
  if (small.outcome == Outcome::Failed)
    throw SetupFailed("WSASendMsg of a 20-byte datagram was refused: " + observer.Describe(small));
  DWORD n = FinishPeerRecv(peer);
  Observe("peer.bytes", static_cast<std::int64_t>(n));
  WSAC_EXPECT_EQ("DGRAM-7", n, kMarker) << "the peer received something other than the small datagram first";
  WSAC_EXPECT_EQ("DGRAM-7", FirstMismatch(peer_buf, n, 0, 26), -1) << "the peer's datagram is not the marker";
  ObserveIndication("marker", Finish(small));
  Report("DGRAM-12", std::string(MechanismName(observer.mechanism())) + ": " + seen);
}

INSTANTIATE_TEST_SUITE_P(Msg, MsgWarnings,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms()})), ParamName);
INSTANTIATE_TEST_SUITE_P(MsgModes, MsgWarnings, ValuesIn(OtherCreationsAndModes(DatagramKinds())), ParamName);

}  // namespace
}  // namespace wsac
