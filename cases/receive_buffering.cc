// S7, S8, S9, S17: where received data goes and when a receive completes.
//   S7   data arriving while receives are posted is placed into those buffers
//   S8   data already queued when a receive is posted is copied in at once
//   S9   data arriving with no receive posted is held for a later receive
//   S17  a stream receive completes with what is available, not when full
// Every transfer carries CounterPattern content, so a lost, duplicated or
// misplaced byte is reported at its stream offset.
#include <cstring>
#include <string>
#include <vector>

#include "suite/fixtures/pair_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kFill = '\x5C';  // what untouched buffer bytes hold

// Receives into a fresh operation through the fixture's mechanism and waits
// for its indication; fails the case (not the setup) when none comes.
class BufferingCase : public PairCase {
 protected:
  // Posts one receive over `bufs` and records how the call ended.
  Operation& Post(std::vector<WSABUF>& bufs, DWORD* bytes, DWORD* flags) {
    Operation& op = observer.NewOperation(pair.a);
    int ret = p.WSARecv(pair.a, bufs.data(), static_cast<DWORD>(bufs.size()), bytes, flags, &op.ov,
                        observer.routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  std::optional<Indication> Finish(Operation& op) {
    return op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op);
  }
  // Receives exactly `len` stream bytes (or one datagram) on the side under
  // test, through the mechanism, appending them to *out.
  void ReceiveInto(std::vector<char>* out, size_t len, const char* what) {
    size_t done = 0;
    while (done < len) {
      std::vector<char> buf(len - done, kFill);
      std::vector<WSABUF> bufs{{static_cast<ULONG>(buf.size()), buf.data()}};
      DWORD bytes = 0, flags = 0;
      Operation& op = Post(bufs, &bytes, &flags);
      ASSERT_NE(op.outcome, Outcome::Failed) << what << ": WSARecv failed: " << observer.Describe(op);
      std::optional<Indication> ind = Finish(op);
      ASSERT_TRUE(ind.has_value()) << what << ": no indication: " << observer.Describe(op);
      ASSERT_EQ(ind->error, 0u) << what << ": " << observer.Describe(op);
      ASSERT_GT(ind->bytes, 0u) << what << ": receive completed with 0 bytes (connection closed?)";
      out->insert(out->end(), buf.begin(), buf.begin() + ind->bytes);
      done += ind->bytes;
      if (!pair.stream()) return;
    }
  }
  // A stream receive may return fewer bytes than are queued (a short read);
  // a datagram receive returns the whole datagram. Checks the count, then
  // collects whatever the first receive left and checks the whole transfer.
  void ExpectAllDelivered(const char* first, DWORD n, size_t total, unsigned salt) {
    if (pair.stream()) {
      ASSERT_GE(n, 1u);
      ASSERT_LE(n, total);
      Observe("first_receive.bytes_of_queued", std::to_string(n) + " of " + std::to_string(total));
    } else {
      ASSERT_EQ(n, total);
    }
    std::vector<char> all(first, first + n);
    if (all.size() < total) ReceiveInto(&all, total - all.size(), "rest of the queued data");
    if (HasFatalFailure()) return;
    Observe("first_mismatch", FirstMismatch(all, 0, salt));
    EXPECT_EQ(FirstMismatch(all, 0, salt), -1) << "queued data lost, reordered or duplicated";
  }
};

class ReceiveBuffering : public BufferingCase {};

// S7: a receive over two buffers posted before data arrives gets the data in
// those buffers, first buffer filled first, nothing written past the count.
WSAC_CASE_P(ReceiveBuffering, PostedBuffersFilledOnArrival, "S7") {
  std::vector<char> first(64, kFill), second(64, kFill);
  std::vector<WSABUF> bufs{{64, first.data()}, {64, second.data()}};
  DWORD bytes = 0, flags = 0;
  Operation& op = Post(bufs, &bytes, &flags);
  ObserveCall("recv", op.call_ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Pending) << "nothing was queued, so the receive must pend: " << observer.Describe(op);

  const std::vector<char> data = CounterPattern(0, 100);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << "data arrived but the posted receive was not indicated: " << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u) << observer.Describe(op);
  // A stream may deliver a prefix first (S17); a datagram comes whole.
  if (pair.stream()) {
    ASSERT_GE(ind->bytes, 1u);
    ASSERT_LE(ind->bytes, data.size());
  } else {
    ASSERT_EQ(ind->bytes, data.size()) << "the posted buffers had room for the whole datagram";
  }
  const size_t n = ind->bytes, in_first = n < 64 ? n : 64, in_second = n - in_first;
  Observe("first_mismatch.buffer1", FirstMismatch(first.data(), in_first, 0));
  EXPECT_EQ(FirstMismatch(first.data(), in_first, 0), -1) << "first buffer does not hold the leading bytes";
  EXPECT_EQ(FirstMismatch(second.data(), in_second, 64), -1) << "second buffer does not continue at byte 64";
  for (size_t i = in_first; i < first.size(); ++i)
    ASSERT_EQ(first[i], kFill) << "byte " << i << " of the first buffer written past the data";
  for (size_t i = in_second; i < second.size(); ++i)
    ASSERT_EQ(second[i], kFill) << "byte " << i << " of the second buffer written past the data";
  if (pair.stream() && n < data.size()) {
    std::vector<char> rest;
    ReceiveInto(&rest, data.size() - n, "rest of the stream data");
    if (HasFatalFailure()) return;
    EXPECT_EQ(FirstMismatch(rest, n), -1);
  }
}

// S8: data already queued goes into a newly posted receive without any more
// data arriving; immediate completion or a later indication are both allowed.
WSAC_CASE_P(ReceiveBuffering, QueuedDataCopiedAtPost, "S8") {
  const std::vector<char> data = CounterPattern(0, 300);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());

  std::vector<char> buf(1024, kFill);
  std::vector<WSABUF> bufs{{static_cast<ULONG>(buf.size()), buf.data()}};
  DWORD bytes = 0, flags = 0;
  Operation& op = Post(bufs, &bytes, &flags);
  ObserveCall("recv", op.call_ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  Report("S8", std::string("receive with data queued: ") + OutcomeName(op.outcome));
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << "queued data was not copied into the posted receive: " << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u) << observer.Describe(op);
  ExpectAllDelivered(buf.data(), ind->bytes, data.size(), 0u);
}

// S8: when the receive returns 0 the queued bytes are in the buffer and the
// count in *lpNumberOfBytesRecvd before any wait or dequeue happens.
WSAC_CASE_P(ReceiveBuffering, ImmediateResultAlreadyInBuffer, "S8") {
  const std::vector<char> data = CounterPattern(0, 200, 3);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());

  std::vector<char> buf(512, kFill);
  std::vector<WSABUF> bufs{{static_cast<ULONG>(buf.size()), buf.data()}};
  DWORD bytes = 0xDEAD, flags = 0;
  Operation& op = Post(bufs, &bytes, &flags);
  ObserveCall("recv", op.call_ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  Report("S8", std::string("receive with data queued: ") + OutcomeName(op.outcome));
  if (op.outcome == Outcome::Immediate) {
    // Read before TakeImmediate: nothing may have to run for the data to land.
    Observe("bytes_at_return", bytes);
    ASSERT_GE(bytes, 1u) << "returned 0 without a byte count";
    ASSERT_LE(bytes, data.size()) << "returned 0 with an impossible byte count";
    EXPECT_EQ(FirstMismatch(buf.data(), bytes, 0, 3), -1) << "returned 0 before the data was in the buffer";
  }
  const DWORD at_return = bytes;
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  if (op.outcome == Outcome::Immediate) {
    EXPECT_EQ(ind->bytes, at_return) << "the indication's count differs from the one stored at return";
  }
  ExpectAllDelivered(buf.data(), ind->bytes, data.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Buffering, ReceiveBuffering,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .nonblocking = BothModes()})),
                         ParamName);

class DatagramReceiveBuffering : public BufferingCase {};

// S7: a WSARecvFrom posted before a datagram arrives receives it whole.
WSAC_CASE_P(DatagramReceiveBuffering, RecvFromPostedBufferFilled, "S7") {
  std::vector<char> buf(2048, kFill);
  WSABUF wsabuf{static_cast<ULONG>(buf.size()), buf.data()};
  sockaddr_storage from{};
  int fromlen = sizeof from;
  DWORD bytes = 0, flags = 0;
  Operation& op = observer.NewOperation(pair.a);
  int ret = p.WSARecvFrom(pair.a, &wsabuf, 1, &bytes, &flags, reinterpret_cast<sockaddr*>(&from), &fromlen, &op.ov,
                          observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("recvfrom", op.call_ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);

  const std::vector<char> data = CounterPattern(0, 1200, 5);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recvfrom", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  EXPECT_EQ(ind->bytes, data.size());
  EXPECT_EQ(FirstMismatch(buf.data(), ind->bytes, 0, 5), -1);
  EXPECT_EQ(buf[data.size()], kFill) << "written past the datagram";
}

// S9: datagrams that arrive while no receive is posted are each handed,
// whole and in order, to receives posted afterwards.
WSAC_CASE_P(DatagramReceiveBuffering, DatagramsHeldUntilReceive, "S9") {
  const size_t sizes[] = {1, 700, 33, 1400, 256};
  for (unsigned i = 0; i < std::size(sizes); ++i) pair.SendFromPeer(CounterPattern(0, sizes[i], 100 + i));
  // FIONREAD reports at least the first datagram once it has arrived; the
  // rest were sent before it on the same path. Data the peer sent that never
  // becomes available was lost: that is the violation, not a setup failure.
  u_long queued = 0;
  bool held = pair.QueuedWithin(pair.a, sizes[0], &queued);
  Observe("fionread", static_cast<std::int64_t>(queued));
  ASSERT_TRUE(held) << "datagrams sent while no receive was posted were not held (FIONREAD " << queued << ")";
  for (unsigned i = 0; i < std::size(sizes); ++i) {
    std::vector<char> got;
    ReceiveInto(&got, 2048, "held datagram");
    if (HasFatalFailure()) return;
    Observe("datagram" + std::to_string(i) + ".bytes", static_cast<std::int64_t>(got.size()));
    ASSERT_EQ(got.size(), sizes[i]) << "datagram " << i << " lost or merged";
    ASSERT_EQ(FirstMismatch(got, 0, 100 + i), -1) << "datagram " << i << " content";
  }
}

INSTANTIATE_TEST_SUITE_P(Buffering, DatagramReceiveBuffering,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms()})), ParamName);

class StreamReceiveBuffering : public BufferingCase {};

// S9: stream data sent in several pieces while nothing is posted is held
// and delivered, complete and in order, to receives posted afterwards.
WSAC_CASE_P(StreamReceiveBuffering, StreamArrivalsHeldUntilReceive, "S9") {
  const size_t sizes[] = {1, 4000, 17, 9000, 2500};
  size_t total = 0;
  for (size_t s : sizes) {
    pair.SendFromPeer(CounterPattern(total, s));
    total += s;
  }
  u_long queued = 0;
  bool held = pair.QueuedWithin(pair.a, total, &queued);
  Observe("fionread", static_cast<std::int64_t>(queued));
  ASSERT_TRUE(held) << "of " << total << " bytes sent while no receive was posted, only " << queued << " were held";
  std::vector<char> got;
  ReceiveInto(&got, total, "held stream data");
  if (HasFatalFailure()) return;
  Observe("received", static_cast<std::int64_t>(got.size()));
  Observe("first_mismatch", FirstMismatch(got, 0));
  EXPECT_EQ(FirstMismatch(got, 0), -1);
}

// S17: a pending 64 KiB receive completes as soon as 100 bytes arrived, and
// the next 50 bytes go to the next receive: it did not wait to fill.
WSAC_CASE_P(StreamReceiveBuffering, LargeBufferCompletesWithAvailable, "S17") {
  std::vector<char> buf(64 * 1024, kFill);
  std::vector<WSABUF> bufs{{static_cast<ULONG>(buf.size()), buf.data()}};
  DWORD bytes = 0, flags = 0;
  Operation& op = Post(bufs, &bytes, &flags);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 100));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << "the receive waited for its buffer to fill: " << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  ASSERT_GE(ind->bytes, 1u);
  ASSERT_LE(ind->bytes, 100u);
  EXPECT_EQ(FirstMismatch(buf.data(), ind->bytes, 0), -1);
  std::vector<char> got(buf.begin(), buf.begin() + ind->bytes);

  // What the first receive left, plus 50 more, belongs to later receives.
  pair.SendFromPeer(CounterPattern(100, 50));
  ReceiveInto(&got, 150 - got.size(), "rest");
  if (HasFatalFailure()) return;
  EXPECT_EQ(FirstMismatch(got, 0), -1);
}

// S17 (with S8): 100 bytes queued, a 64 KiB receive posted: it completes
// with the 100 bytes without further data.
WSAC_CASE_P(StreamReceiveBuffering, LargeBufferTakesQueuedData, "S17", "S8") {
  const std::vector<char> data = CounterPattern(0, 100, 9);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());
  std::vector<char> buf(64 * 1024, kFill);
  std::vector<WSABUF> bufs{{static_cast<ULONG>(buf.size()), buf.data()}};
  DWORD bytes = 0, flags = 0;
  Operation& op = Post(bufs, &bytes, &flags);
  ObserveCall("recv", op.call_ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << "receive with 100 bytes queued did not complete: " << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  ExpectAllDelivered(buf.data(), ind->bytes, data.size(), 9u);
}

// S17: three 1 KiB buffers, 10 bytes arrive: the receive completes with 10
// bytes, all in the first buffer, the others untouched.
WSAC_CASE_P(StreamReceiveBuffering, PartialFillAcrossSeveralBuffers, "S17") {
  std::vector<char> b0(1024, kFill), b1(1024, kFill), b2(1024, kFill);
  std::vector<WSABUF> bufs{{1024, b0.data()}, {1024, b1.data()}, {1024, b2.data()}};
  DWORD bytes = 0, flags = 0;
  Operation& op = Post(bufs, &bytes, &flags);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 10));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << "10 bytes arrived but the 3 KiB receive did not complete: " << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  ASSERT_GE(ind->bytes, 1u);
  ASSERT_LE(ind->bytes, 10u);
  EXPECT_EQ(FirstMismatch(b0.data(), ind->bytes, 0), -1);
  EXPECT_EQ(b0[ind->bytes], kFill);
  EXPECT_EQ(b1[0], kFill);
  EXPECT_EQ(b2[0], kFill);
}

INSTANTIATE_TEST_SUITE_P(Buffering, StreamReceiveBuffering,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = AllMechanisms()})), ParamName);

}  // namespace
}  // namespace wsac
