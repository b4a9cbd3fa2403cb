// MSG-1..9: WSARecvMsg and WSASendMsg, the extension functions an
// application obtains per socket with SIO_GET_EXTENSION_FUNCTION_POINTER.
//   MSG-1/8   the seed page's indication contract for each: 0 already
//             indicated, WSA_IO_PENDING indicated later, other errors never
//   MSG-2..4  the WSAMSG arguments WSARecvMsg refuses with WSAEFAULT
//   MSG-5/9   scatter into / gather from lpMsg->lpBuffers, one datagram
//   MSG-6     the sender's address in lpMsg->name / namelen
//   MSG-7     MSG_TRUNC in lpMsg->dwFlags, written at completion
//   MSG-10    MSG_PEEK in lpMsg->dwFlags leaves the datagram queued
// Datagram sockets only: the pages make WSARecvMsg a datagram (and raw)
// socket function, and what either does on a stream socket is not said.
#include <cstring>
#include <string>
#include <vector>

#include "suite/fixtures/msg_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

class MsgTransfer : public MsgCase {};

// MSG-1 (0 or WSA_IO_PENDING), MSG-5, MSG-6, MSG-7: a 70-byte datagram
// already queued meets buffers of 40 + 60 bytes. Either return is
// permitted; each instance checks the branch it took.
WSAC_CASE_P(MsgTransfer, RecvMsgOfQueuedDatagram, "MSG-1", "MSG-5", "MSG-6", "MSG-7") {
  const std::vector<char> data = CounterPattern(0, 70, 11);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());
  char* b0 = FilledBuffer(40);
  char* b1 = FilledBuffer(60);
  MsgSlot* slot = nullptr;
  DWORD* bytes = LongLivedWord(0xDEAD);
  Operation& op = PostRecvMsg({{40, b0}, {60, b1}}, &slot, bytes);
  ObserveCall("recvmsg", op.call_ret, op.call_error);
  WSAC_ASSERT_NE("MSG-1", op.outcome, Outcome::Failed)
      << "WSARecvMsg of a queued datagram failed: " << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("indication", ind);
  if (op.outcome == Outcome::Immediate) {
    WSAC_ASSERT_TRUE("MSG-1", ind.has_value()) << "returned 0 but no indication had happened: " << observer.Describe(op);
    Observe("recvmsg.bytes", *bytes);
    WSAC_EXPECT_EQ("MSG-5", *bytes, 70u) << "the count stored by the call is not the datagram's size";
  } else {
    WSAC_ASSERT_TRUE("MSG-1", ind.has_value()) << "pended and no indication came: " << observer.Describe(op);
  }
  WSAC_EXPECT_EQ("MSG-1", ind->error, 0u) << "the receive of a whole queued datagram reported a failure";
  WSAC_EXPECT_EQ("MSG-5", ind->bytes, 70u);
  WSAC_EXPECT_EQ("MSG-5", FirstMismatch(b0, 40, 0, 11), -1) << "the first buffer does not hold bytes 0-39";
  WSAC_EXPECT_EQ("MSG-5", FirstMismatch(b1, 30, 40, 11), -1) << "the second buffer does not hold bytes 40-69";
  WSAC_EXPECT_TRUE("MSG-6", HoldsPeerAddress(*slot));
  Observe("msg.dwFlags", slot->msg.dwFlags);
  WSAC_EXPECT_EQ("MSG-7", slot->msg.dwFlags & MSG_TRUNC, 0u) << "MSG_TRUNC set for a datagram that fitted";
}

// MSG-1 (WSA_IO_PENDING), MSG-5, MSG-6, MSG-7: posted before any datagram,
// the receive pends; the datagram's arrival is indicated once, and the
// WSAMSG written at completion holds the address and clear flags.
WSAC_CASE_P(MsgTransfer, PendingRecvMsgCompletedByArrival, "MSG-1", "MSG-5", "MSG-6", "MSG-7") {
  char* b0 = FilledBuffer(16);
  char* b1 = FilledBuffer(16);
  char* b2 = FilledBuffer(64);
  MsgSlot* slot = nullptr;
  Operation& op = PostRecvMsg({{16, b0}, {16, b1}, {64, b2}}, &slot);
  ObserveCall("recvmsg", op.call_ret, op.call_error);
  if (op.outcome != Outcome::Pending)
    throw SetupFailed("WSARecvMsg with no datagram queued did not pend: " + observer.Describe(op));
  WSAC_EXPECT_FALSE("MSG-1", observer.IndicatedWithin(op)) << "indicated before any datagram arrived";
  pair.SendFromPeer(CounterPattern(0, 50, 12));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("indication", ind);
  WSAC_ASSERT_TRUE("MSG-1", ind.has_value()) << "pended and no indication came: " << observer.Describe(op);
  WSAC_EXPECT_EQ("MSG-1", ind->error, 0u) << "the indication reports a failure for a whole datagram";
  WSAC_EXPECT_EQ("MSG-5", ind->bytes, 50u);
  WSAC_EXPECT_EQ("MSG-5", FirstMismatch(b0, 16, 0, 12), -1) << "buffer 0 does not hold bytes 0-15";
  WSAC_EXPECT_EQ("MSG-5", FirstMismatch(b1, 16, 16, 12), -1) << "buffer 1 does not hold bytes 16-31";
  WSAC_EXPECT_EQ("MSG-5", FirstMismatch(b2, 18, 32, 12), -1) << "buffer 2 does not hold bytes 32-49";
  WSAC_EXPECT_TRUE("MSG-6", HoldsPeerAddress(*slot));
  Observe("msg.dwFlags", slot->msg.dwFlags);
  WSAC_EXPECT_EQ("MSG-7", slot->msg.dwFlags & MSG_TRUNC, 0u) << "MSG_TRUNC set for a datagram that fitted";
}

// MSG-7: a 300-byte datagram meets 40 + 60 bytes of buffers, once arriving
// at a pending receive and once already queued. lpMsg->dwFlags carries
// MSG_TRUNC by the indication. What the call returns and what the
// indication reports are the DGRAM statements' (msg_warnings.cc).
WSAC_CASE_P(MsgTransfer, TruncatedDatagramSetsMsgTrunc, "MSG-7") {
  // Pending first.
  {
    MsgSlot* slot = nullptr;
    Operation& op = PostRecvMsg({{40, FilledBuffer(40)}, {60, FilledBuffer(60)}}, &slot);
    if (op.outcome != Outcome::Pending)
      throw SetupFailed("WSARecvMsg with no datagram queued did not pend: " + observer.Describe(op));
    pair.SendFromPeer(CounterPattern(0, 300, 13));
    std::optional<Indication> ind = observer.Wait(op);
    ObserveIndication("pending", ind);
    if (!ind) throw SetupFailed("the truncated receive was never indicated: " + observer.Describe(op));
    Observe("pending.msg.dwFlags", slot->msg.dwFlags);
    WSAC_EXPECT_NE("MSG-7", slot->msg.dwFlags & MSG_TRUNC, 0u)
        << "a pending receive of a truncated datagram left MSG_TRUNC out of lpMsg->dwFlags";
  }
  // Then queued.
  pair.SendFromPeer(CounterPattern(0, 300, 14));
  pair.WaitUntilQueued(pair.a, 1);
  MsgSlot* slot = nullptr;
  Operation& op = PostRecvMsg({{40, FilledBuffer(40)}, {60, FilledBuffer(60)}}, &slot);
  ObserveCall("queued", op.call_ret, op.call_error);
  std::optional<Indication> ind;
  if (op.outcome == Outcome::Failed) {
    if (op.call_error != WSAEMSGSIZE)
      throw SetupFailed("WSARecvMsg of a queued oversize datagram failed: " + observer.Describe(op));
    if (observer.IndicatedWithin(op, IndicationTimeout())) ind = op.indication ? op.indication : observer.Wait(op);
  } else {
    ind = Finish(op);
  }
  ObserveIndication("queued", ind);
  Observe("queued.msg.dwFlags", slot->msg.dwFlags);
  WSAC_EXPECT_NE("MSG-7", slot->msg.dwFlags & MSG_TRUNC, 0u)
      << "a receive of a queued truncated datagram left MSG_TRUNC out of lpMsg->dwFlags";
}

// MSG-2, MSG-1: lpMsg NULL is refused with WSAEFAULT, and the refusal is
// never indicated.
WSAC_CASE_P(MsgTransfer, RecvMsgWithoutMsgRefused, "MSG-2", "MSG-1") {
  Operation& op = RecvMsg(nullptr);
  ObserveCall("recvmsg", op.call_ret, op.call_error);
  WSAC_ASSERT_EQ("MSG-2", op.outcome, Outcome::Failed) << observer.Describe(op);
  WSAC_EXPECT_EQ("MSG-2", op.call_error, WSAEFAULT);
  WSAC_EXPECT_FALSE("MSG-1", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
}

// MSG-3, MSG-1: name NULL with a non-zero namelen.
WSAC_CASE_P(MsgTransfer, RecvMsgNullNameWithLengthRefused, "MSG-3", "MSG-1") {
  MsgSlot& slot = NewMsgSlot();
  slot.bufs[0] = WSABUF{64, FilledBuffer(64)};
  slot.msg = WSAMSG{};
  slot.msg.name = nullptr;
  slot.msg.namelen = static_cast<INT>(sizeof(sockaddr_storage));
  slot.msg.lpBuffers = slot.bufs.data();
  slot.msg.dwBufferCount = 1;
  Operation& op = RecvMsg(&slot.msg);
  ObserveCall("recvmsg", op.call_ret, op.call_error);
  WSAC_ASSERT_EQ("MSG-3", op.outcome, Outcome::Failed) << observer.Describe(op);
  WSAC_EXPECT_EQ("MSG-3", op.call_error, WSAEFAULT);
  WSAC_EXPECT_FALSE("MSG-1", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
}

// MSG-4, MSG-1: Control.buf NULL with a non-zero Control.len.
WSAC_CASE_P(MsgTransfer, RecvMsgNullControlWithLengthRefused, "MSG-4", "MSG-1") {
  MsgSlot& slot = NewMsgSlot();
  slot.bufs[0] = WSABUF{64, FilledBuffer(64)};
  slot.msg = WSAMSG{};
  slot.msg.name = reinterpret_cast<sockaddr*>(&slot.name);
  slot.msg.namelen = static_cast<INT>(sizeof slot.name);
  slot.msg.lpBuffers = slot.bufs.data();
  slot.msg.dwBufferCount = 1;
  slot.msg.Control = WSABUF{64, nullptr};
  Operation& op = RecvMsg(&slot.msg);
  ObserveCall("recvmsg", op.call_ret, op.call_error);
  WSAC_ASSERT_EQ("MSG-4", op.outcome, Outcome::Failed) << observer.Describe(op);
  WSAC_EXPECT_EQ("MSG-4", op.call_error, WSAEFAULT);
  WSAC_EXPECT_FALSE("MSG-1", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
}

// MSG-8, MSG-9: 10 + 20 + 30 bytes in three buffers go out as one 60-byte
// datagram in buffer order; the call returns 0 (indicated already, count
// stored) or pends (indicated later).
WSAC_CASE_P(MsgTransfer, SendMsgGathersOneDatagram, "MSG-8", "MSG-9") {
  const std::vector<char> data = CounterPattern(0, 60, 15);
  char* all = LongLivedBuffer(60);
  std::memcpy(all, data.data(), 60);
  DWORD* bytes = LongLivedWord(0xDEAD);
  Operation& op = SendMsg({{10, all}, {20, all + 10}, {30, all + 30}}, 0, bytes);
  ObserveCall("sendmsg", op.call_ret, op.call_error);
  WSAC_ASSERT_NE("MSG-8", op.outcome, Outcome::Failed) << "a 60-byte WSASendMsg failed: " << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("indication", ind);
  if (op.outcome == Outcome::Immediate) {
    WSAC_ASSERT_TRUE("MSG-8", ind.has_value()) << "returned 0 but no indication had happened: " << observer.Describe(op);
    Observe("sendmsg.bytes", *bytes);
    WSAC_EXPECT_EQ("MSG-9", *bytes, 60u) << "the count stored by the call is not the bytes of all buffers";
  } else {
    WSAC_ASSERT_TRUE("MSG-8", ind.has_value()) << "pended and no indication came: " << observer.Describe(op);
  }
  WSAC_EXPECT_EQ("MSG-8", ind->error, 0u) << "the indication reports a failure for a datagram that was sent";
  WSAC_EXPECT_EQ("MSG-9", ind->bytes, 60u);
  std::vector<char> got = pair.ReceiveOnPeer(100);
  Observe("peer.bytes", static_cast<std::int64_t>(got.size()));
  WSAC_EXPECT_EQ("MSG-9", got.size(), 60u) << "the peer's datagram is not the three buffers together";
  WSAC_EXPECT_EQ("MSG-9", FirstMismatch(got, 0, 15), -1) << "the peer's datagram does not hold the buffers in order";
}

// MSG-8: a WSASendMsg refused at once (MSG_OOB on a datagram socket, which
// the WSASendMsg page refuses with WSAEOPNOTSUPP) is never indicated. If the
// provider accepts it instead, the contract's other branches apply.
WSAC_CASE_P(MsgTransfer, RefusedSendMsgNotIndicated, "MSG-8") {
  char* buf = LongLivedBuffer(8);
  Operation& op = SendMsg({{8, buf}}, MSG_OOB);
  ObserveCall("sendmsg", op.call_ret, op.call_error);
  if (op.outcome == Outcome::Failed) {
    WSAC_EXPECT_FALSE("MSG-8", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
  } else {
    std::optional<Indication> ind = Finish(op);
    ObserveIndication("indication", ind);
    WSAC_EXPECT_TRUE("MSG-8", ind.has_value()) << "an accepted WSASendMsg was not indicated: " << observer.Describe(op);
  }
}

// MSG-10: a WSARecvMsg with MSG_PEEK gets the queued 40-byte datagram and
// leaves it there; the next WSARecvMsg, without MSG_PEEK, gets it again.
WSAC_CASE_P(MsgTransfer, PeekingRecvMsgLeavesDatagramQueued, "MSG-10") {
  pair.SendFromPeer(CounterPattern(0, 40, 16));
  pair.WaitUntilQueued(pair.a, 40);
  char* peeked = FilledBuffer(100);
  Operation& peek = PostRecvMsg({{100, peeked}}, nullptr, nullptr, MSG_PEEK);
  ObserveCall("peek", peek.call_ret, peek.call_error);
  WSAC_ASSERT_NE("MSG-10", peek.outcome, Outcome::Failed) << "a WSARecvMsg with MSG_PEEK failed: " << observer.Describe(peek);
  std::optional<Indication> first = Finish(peek);
  ObserveIndication("peek", first);
  if (!first || first->error != 0) throw SetupFailed("the peeking WSARecvMsg did not complete: " + observer.Describe(peek));
  WSAC_EXPECT_EQ("MSG-10", first->bytes, 40u);
  WSAC_EXPECT_EQ("MSG-10", FirstMismatch(peeked, 40, 0, 16), -1) << "the peek did not copy the datagram";

  char* taken = FilledBuffer(100);
  Operation& take = PostRecvMsg({{100, taken}});
  ObserveCall("take", take.call_ret, take.call_error);
  if (take.outcome == Outcome::Failed)
    throw SetupFailed("the WSARecvMsg after the peek was refused: " + observer.Describe(take));
  std::optional<Indication> second = Finish(take);
  ObserveIndication("take", second);
  WSAC_ASSERT_TRUE("MSG-10", second.has_value()) << "the datagram peeked at was no longer queued: " << observer.Describe(take);
  WSAC_EXPECT_EQ("MSG-10", second->error, 0u);
  WSAC_EXPECT_EQ("MSG-10", second->bytes, 40u);
  WSAC_EXPECT_EQ("MSG-10", FirstMismatch(taken, 40, 0, 16), -1) << "the receive after the peek got another datagram";
}

INSTANTIATE_TEST_SUITE_P(Msg, MsgTransfer,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms()})), ParamName);
INSTANTIATE_TEST_SUITE_P(MsgModes, MsgTransfer, ValuesIn(OtherCreationsAndModes(DatagramKinds())), ParamName);

}  // namespace
}  // namespace wsac
