// S7, S8, S9, S17: where received data goes and when a receive completes.
//   S7   data arriving while receives are posted is placed into those buffers
//   S8   data already queued when a receive is posted goes into it at once
//   S9   data arriving with no receive posted is held for a later receive
//   S17  a stream receive completes with what is available, not when full
// and, where a receive has several buffers, how they are laid out (ARG-8
// array order, ARG-9 no gaps). Every transfer carries CounterPattern content,
// so a lost, duplicated or misplaced byte is reported at its stream offset.
// Receive buffers and the words a receive may write (*lpFlags, the byte
// count, lpFrom/lpFromlen) outlive the case: a receive still pending when a
// check ends the case writes into memory that is still ours.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kFill = '\x5C';  // what untouched buffer bytes hold

char* ReceiveBuffer(size_t len) {
  char* buf = LongLivedBuffer(len);
  std::memset(buf, kFill, len);
  return buf;
}
// Whether every one of the n first bytes of `sent` is somewhere in the
// buffers, counted as a multiset: the data was placed into the posted
// buffers, however they were laid out (the layout is ARG-8/ARG-9's).
::testing::AssertionResult HoldsTheBytes(const std::vector<char>& sent, size_t n,
                                         const std::vector<std::pair<const char*, size_t>>& bufs) {
  std::array<long, 256> count{};
  for (size_t i = 0; i < n; ++i) ++count[static_cast<unsigned char>(sent[i])];
  for (const auto& [buf, len] : bufs)
    for (size_t i = 0; i < len; ++i) --count[static_cast<unsigned char>(buf[i])];
  long missing = 0;
  for (long c : count) missing += c > 0 ? c : 0;
  if (missing == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << missing << " of the " << n << " bytes reported are not in the buffers";
}

// Where the n bytes at chunk occur in what was sent, or -1 when they occur
// nowhere: bytes found elsewhere were delivered out of place, bytes found
// nowhere were never copied from what was sent.
long long Locate(const std::vector<char>& sent, const char* chunk, size_t n) {
  auto at = std::search(sent.begin(), sent.end(), chunk, chunk + n);
  return at == sent.end() && n > 0 ? -1 : static_cast<long long>(at - sent.begin());
}

class BufferingCase : public PairCase {
 protected:
  // Posts one receive over `bufs` (the array itself may go: ARG-6).
  Operation& Post(std::vector<WSABUF> bufs) {
    Operation& op = observer.NewOperation(pair.a);
    int ret = p.WSARecv(pair.a, bufs.data(), static_cast<DWORD>(bufs.size()), LongLivedWord(0xB17E5), LongLivedWord(0),
                        &op.ov, observer.routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  // A receive posted while nothing was sent. A refusal is no statement of
  // this file (the case cannot start); whether it pends is the case's check,
  // of the statement it tests.
  Operation& PostBeforeData(std::vector<WSABUF> bufs) {
    Operation& op = Post(std::move(bufs));
    ObserveCall("recv", op.call_ret, op.call_error);
    if (op.outcome == Outcome::Failed)
      throw SetupFailed("a receive on a fresh pair failed: " + observer.Describe(op));
    return op;
  }
  // The indication of a receive however its call ended. After a return of 0
  // the indication should already be there; whether it was is S14's
  // business, so a late one is still waited for.
  std::optional<Indication> Finish(Operation& op) {
    if (op.outcome == Outcome::Immediate)
      if (std::optional<Indication> ind = observer.TakeImmediate(op)) return ind;
    return observer.Wait(op);
  }
  // Receives exactly `len` stream bytes (or one datagram) on the side under
  // test, appending them to *out (and each receive's count to *counts);
  // every step is a check of `statement`.
  void ReceiveInto(const char* statement, std::vector<char>* out, size_t len, const char* what,
                   std::vector<size_t>* counts = nullptr) {
    size_t done = 0;
    while (done < len) {
      const size_t room = len - done;
      char* buf = ReceiveBuffer(room);
      Operation& op = Post({{static_cast<ULONG>(room), buf}});
      WSAC_ASSERT_NE(statement, op.outcome, Outcome::Failed) << what << ": WSARecv failed: " << observer.Describe(op);
      std::optional<Indication> ind = Finish(op);
      WSAC_ASSERT_TRUE(statement, ind.has_value()) << what << ": no indication: " << observer.Describe(op);
      WSAC_ASSERT_EQ(statement, ind->error, 0u) << what << ": " << observer.Describe(op);
      WSAC_ASSERT_GT(statement, ind->bytes, 0u) << what << ": receive completed with 0 bytes (connection closed?)";
      out->insert(out->end(), buf, buf + ind->bytes);
      if (counts != nullptr) counts->push_back(ind->bytes);
      done += ind->bytes;
      if (!pair.stream()) return;
    }
  }
  // A stream receive may return fewer bytes than are queued (S17 lets it
  // complete with what has arrived); a datagram receive returns the whole
  // datagram. Checks the first receive's count, collects whatever it left
  // with further receives of the same data, then checks every byte.
  void ExpectAllDelivered(const char* statement, const char* first, DWORD n, size_t total, unsigned salt) {
    Observe("first_receive.bytes_of_queued", std::to_string(n) + " of " + std::to_string(total));
    WSAC_ASSERT_TRUE(statement, ReceivedCount(pair.stream(), n, total));
    std::vector<char> all(first, first + n);
    if (all.size() < total) ReceiveInto(statement, &all, total - all.size(), "rest of the queued data");
    if (HasFatalFailure()) return;
    Observe("first_mismatch", FirstMismatch(all, 0, salt));
    WSAC_EXPECT_EQ(statement, FirstMismatch(all, 0, salt), -1) << "queued data lost, reordered or duplicated";
  }
};

// Bytes a receive wrote beyond the count it reported: no statement forbids
// them, so they are observed, never checked.
long long WrittenPastCount(const char* buf, size_t count, size_t len) {
  for (size_t i = count; i < len; ++i)
    if (buf[i] != kFill) return static_cast<long long>(i);
  return -1;
}

class ReceiveBuffering : public BufferingCase {};

// S7: a receive over two buffers posted before data arrives gets the data
// in those buffers; ARG-8: the first buffer gets the leading bytes and the
// second continues where the first ends. The data fills both exactly, so
// when a stream receive completes is no question here (that is S17's).
WSAC_CASE_P(ReceiveBuffering, PostedBuffersFilledOnArrival, "S7", "ARG-8") {
  char* first = ReceiveBuffer(64);
  char* second = ReceiveBuffer(64);
  Operation& op = PostBeforeData({{64, first}, {64, second}});
  WSAC_ASSERT_EQ("S7", op.outcome, Outcome::Pending)
      << "nothing was queued, so the receive must wait for the data: " << observer.Describe(op);

  const std::vector<char> data = CounterPattern(0, 128);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("S7", ind.has_value())
      << "data arrived but the posted receive was not indicated: " << observer.Describe(op);
  WSAC_ASSERT_EQ("S7", ind->error, 0u) << "the receive that got the data reported a failure: " << observer.Describe(op);
  // A stream may deliver a prefix first (S17); a datagram comes whole.
  WSAC_ASSERT_TRUE("S7", ReceivedCount(pair.stream(), ind->bytes, data.size()));
  const size_t n = ind->bytes, in_first = n < 64 ? n : 64, in_second = n - in_first;
  const ::testing::AssertionResult placed = HoldsTheBytes(data, n, {{first, 64}, {second, 64}});
  WSAC_EXPECT_TRUE("S7", placed);

  if (in_second == 0) {
    NotExercised("ARG-8", "every byte received fit the first buffer");
  } else if (!placed) {
    NotExercised("ARG-8", "the data is not in the buffers (S7), so how it is laid out says nothing");
  } else {
    std::vector<char> laid_out(first, first + in_first);
    laid_out.insert(laid_out.end(), second, second + in_second);
    Observe("first_mismatch", FirstMismatch(laid_out, 0));
    WSAC_EXPECT_EQ("ARG-8", FirstMismatch(laid_out, 0), -1)
        << "the first buffer must hold bytes 0-63 and the second continue at byte 64";
  }
}

// S8: data already queued goes into a newly posted receive without any more
// data arriving; immediate completion or a later indication are both allowed.
// The buffer is the size of the queued data, so a stream receive that waits
// to fill its buffer (S17's business) still completes.
WSAC_CASE_P(ReceiveBuffering, QueuedDataCopiedAtPost, "S8") {
  const std::vector<char> data = CounterPattern(0, 300);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());

  char* buf = ReceiveBuffer(300);
  Operation& op = Post({{300, buf}});
  ObserveCall("recv", op.call_ret, op.call_error);
  Observe("recv.outcome", OutcomeName(op.outcome));
  WSAC_ASSERT_NE("S8", op.outcome, Outcome::Failed) << "a receive with data queued failed: " << observer.Describe(op);
  // No further data is sent: a receive that waits for more is never indicated.
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("S8", ind.has_value())
      << "queued data was not copied into the posted receive: " << observer.Describe(op);
  WSAC_ASSERT_EQ("S8", ind->error, 0u) << observer.Describe(op);
  ExpectAllDelivered("S8", buf, ind->bytes, data.size(), 0u);
}

// S8: when the receive returns 0 the queued bytes are in the buffer before
// any wait or dequeue has happened; ARG-13: the call stored the count its
// indication reports. The buffer is the size of the queued data (as above).
WSAC_CASE_P(ReceiveBuffering, ImmediateResultAlreadyInBuffer, "S8", "ARG-13") {
  const std::vector<char> data = CounterPattern(0, 200, 3);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());

  char* buf = ReceiveBuffer(200);
  DWORD* bytes = LongLivedWord(0xB17E5);
  Operation& op = observer.NewOperation(pair.a);
  WSABUF wsabuf{200, buf};
  int ret = p.WSARecv(pair.a, &wsabuf, 1, bytes, LongLivedWord(0), &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  // What the buffer and the count held when the call returned, before
  // anything (an alertable wait, a dequeue) could let a provider finish late.
  const std::vector<char> at_return(buf, buf + 200);
  const DWORD bytes_at_return = *bytes;
  ObserveCall("recv", op.call_ret, op.call_error);
  Observe("recv.outcome", OutcomeName(op.outcome));
  WSAC_ASSERT_NE("S8", op.outcome, Outcome::Failed) << "a receive with data queued failed: " << observer.Describe(op);

  std::optional<Indication> ind = Finish(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("S8", ind.has_value()) << observer.Describe(op);
  WSAC_ASSERT_EQ("S8", ind->error, 0u) << observer.Describe(op);
  if (op.outcome == Outcome::Immediate) {
    Observe("recv.bytes_at_return", bytes_at_return);
    WSAC_EXPECT_EQ("ARG-13", bytes_at_return, ind->bytes) << "the count stored by the call differs from the indication's";
    const size_t n = ind->bytes < at_return.size() ? ind->bytes : at_return.size();
    Observe("first_mismatch_at_return", FirstMismatch(at_return.data(), n, 0, 3));
    WSAC_EXPECT_EQ("S8", FirstMismatch(at_return.data(), n, 0, 3), -1) << "returned 0 before the data was in the buffer";
  } else {
    NotExercised("ARG-13", "the receive pended");
  }
  ExpectAllDelivered("S8", buf, ind->bytes, data.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Buffering, ReceiveBuffering,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .nonblocking = BothModes()})),
                         ParamName);

class DatagramReceiveBuffering : public BufferingCase {};

// S7: a WSARecvFrom posted before a datagram arrives receives it whole.
WSAC_CASE_P(DatagramReceiveBuffering, RecvFromPostedBufferFilled, "S7") {
  char* buf = ReceiveBuffer(2048);
  WSABUF wsabuf{2048, buf};
  FromSlot& from = NewFromSlot();
  Operation& op = observer.NewOperation(pair.a);
  int ret = p.WSARecvFrom(pair.a, &wsabuf, 1, LongLivedWord(0xB17E5), LongLivedWord(0),
                          reinterpret_cast<sockaddr*>(&from.addr), &from.len, &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("recvfrom", op.call_ret, op.call_error);
  if (op.outcome == Outcome::Failed) throw SetupFailed("a WSARecvFrom on a fresh pair failed: " + observer.Describe(op));
  WSAC_ASSERT_EQ("S7", op.outcome, Outcome::Pending)
      << "nothing was queued, so the receive must wait for the datagram: " << observer.Describe(op);

  const std::vector<char> data = CounterPattern(0, 1200, 5);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recvfrom", ind);
  WSAC_ASSERT_TRUE("S7", ind.has_value()) << "a datagram arrived but the posted receive was not indicated: "
                                          << observer.Describe(op);
  WSAC_ASSERT_EQ("S7", ind->error, 0u) << observer.Describe(op);
  WSAC_EXPECT_EQ("S7", ind->bytes, data.size()) << "the posted buffer had room for the whole datagram";
  Observe("first_mismatch", FirstMismatch(buf, ind->bytes, 0, 5));
  WSAC_EXPECT_EQ("S7", FirstMismatch(buf, ind->bytes, 0, 5), -1) << "the posted buffer does not hold the datagram";
  Observe("written_past_count", WrittenPastCount(buf, ind->bytes, 2048));
}

// S9: datagrams that arrive while no receive is posted are each handed,
// whole, to receives posted afterwards; none is lost. S8: each later
// receive, posted with its datagram queued, holds that datagram's bytes. (In
// which order they come out is no statement's: the order is observed.)
WSAC_CASE_P(DatagramReceiveBuffering, DatagramsHeldUntilReceive, "S9", "S8") {
  constexpr size_t kSizes[] = {1, 700, 33, 1400, 256};  // distinct: a size names its datagram
  constexpr unsigned kSalt = 100;
  for (unsigned i = 0; i < std::size(kSizes); ++i) pair.SendFromPeer(CounterPattern(0, kSizes[i], kSalt + i));
  // FIONREAD counts at least the first datagram once it has arrived. Data
  // the peer sent that never becomes available was dropped: that is the
  // violation, not a setup failure.
  u_long queued = 0;
  bool held = pair.QueuedWithin(pair.a, kSizes[0], &queued);
  Observe("fionread", static_cast<std::int64_t>(queued));
  WSAC_ASSERT_TRUE("S9", held) << "datagrams sent while no receive was posted were not held (FIONREAD " << queued
                               << ")";
  std::vector<bool> seen(std::size(kSizes), false);
  std::string order;
  for (size_t k = 0; k < std::size(kSizes); ++k) {
    std::vector<char> got;
    ReceiveInto("S9", &got, 2048, "held datagram");
    if (HasFatalFailure()) return;
    size_t i = 0;
    while (i < std::size(kSizes) && kSizes[i] != got.size()) ++i;
    WSAC_ASSERT_LT("S9", i, std::size(kSizes)) << "receive " << k << " got " << got.size()
                                                << " bytes, the size of no datagram sent (lost or merged)";
    WSAC_ASSERT_FALSE("S9", seen[i]) << "datagram " << i << " was delivered twice";
    WSAC_EXPECT_EQ("S8", FirstMismatch(got, 0, kSalt + static_cast<unsigned>(i)), -1)
        << "the receive reported datagram " << i << "'s size but its buffer does not hold that datagram";
    seen[i] = true;
    order += (order.empty() ? "" : ",") + std::to_string(i);
  }
  Observe("delivery_order", order);
}

INSTANTIATE_TEST_SUITE_P(Buffering, DatagramReceiveBuffering,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms()})), ParamName);

class StreamReceiveBuffering : public BufferingCase {};

// S9: stream data sent in several pieces while nothing is posted is held
// and delivered, complete and in order, to receives posted afterwards. S8:
// each of those receives, posted with data queued, holds bytes that were
// sent; a receive holding sent bytes from another place in the stream means
// held data was lost or duplicated (S9).
WSAC_CASE_P(StreamReceiveBuffering, StreamArrivalsHeldUntilReceive, "S9", "S8") {
  const size_t sizes[] = {1, 4000, 17, 9000, 2500};
  size_t total = 0;
  for (size_t s : sizes) {
    pair.SendFromPeer(CounterPattern(total, s));
    total += s;
  }
  u_long queued = 0;
  bool held = pair.QueuedWithin(pair.a, total, &queued);
  Observe("fionread", static_cast<std::int64_t>(queued));
  WSAC_ASSERT_TRUE("S9", held) << "of " << total << " bytes sent while no receive was posted, only " << queued
                               << " were held";
  std::vector<char> got;
  std::vector<size_t> counts;
  ReceiveInto("S9", &got, total, "held stream data", &counts);
  if (HasFatalFailure()) return;
  Observe("first_mismatch", FirstMismatch(got, 0));
  const std::vector<char> sent = CounterPattern(0, total);
  long long not_sent = -1, out_of_place = -1;
  for (size_t k = 0, at = 0; k < counts.size(); at += counts[k], ++k) {
    if (FirstMismatch(got.data() + at, counts[k], at) == -1) continue;
    long long& first = Locate(sent, got.data() + at, counts[k]) < 0 ? not_sent : out_of_place;
    if (first < 0) first = static_cast<long long>(k);
  }
  Observe("first_receive_not_sent", not_sent);
  Observe("first_receive_out_of_place", out_of_place);
  WSAC_EXPECT_EQ("S8", not_sent, -1) << "that receive's buffer holds bytes that were never sent";
  WSAC_EXPECT_EQ("S9", out_of_place, -1) << "that receive holds sent bytes from another stream offset: held data "
                                            "was lost or duplicated (first mismatch at stream offset "
                                         << FirstMismatch(got, 0) << ")";
}

// S17: a pending 64 KiB receive completes once 100 bytes arrived: it does
// not wait for its buffer to fill. S7: they are in the buffer.
WSAC_CASE_P(StreamReceiveBuffering, LargeBufferCompletesWithAvailable, "S17", "S7") {
  constexpr size_t kLen = 64 * 1024;
  char* buf = ReceiveBuffer(kLen);
  Operation& op = PostBeforeData({{kLen, buf}});
  WSAC_ASSERT_EQ("S7", op.outcome, Outcome::Pending)
      << "nothing was queued, so the receive must wait for the data: " << observer.Describe(op);
  const std::vector<char> data = CounterPattern(0, 100);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("S17", ind.has_value()) << "the receive waited for its buffer to fill: " << observer.Describe(op);
  WSAC_ASSERT_EQ("S17", ind->error, 0u) << observer.Describe(op);
  WSAC_ASSERT_TRUE("S17", ReceivedCount(true, ind->bytes, data.size()));
  Observe("first_mismatch", FirstMismatch(buf, ind->bytes, 0));
  WSAC_EXPECT_EQ("S7", FirstMismatch(buf, ind->bytes, 0), -1) << "the posted buffer does not hold the data sent";
}

// S17: 100 bytes queued, a 64 KiB receive posted: it completes without
// further data; S8: with the queued bytes.
WSAC_CASE_P(StreamReceiveBuffering, LargeBufferTakesQueuedData, "S17", "S8") {
  constexpr size_t kLen = 64 * 1024;
  const std::vector<char> data = CounterPattern(0, 100, 9);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());
  char* buf = ReceiveBuffer(kLen);
  Operation& op = Post({{kLen, buf}});
  ObserveCall("recv", op.call_ret, op.call_error);
  WSAC_ASSERT_NE("S8", op.outcome, Outcome::Failed) << "a receive with data queued failed: " << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("S17", ind.has_value())
      << "a receive with 100 bytes queued waited for its buffer to fill: " << observer.Describe(op);
  WSAC_ASSERT_EQ("S17", ind->error, 0u) << observer.Describe(op);
  ExpectAllDelivered("S8", buf, ind->bytes, data.size(), 9u);
}

// S17: three 1 KiB buffers, 10 bytes arrive: the receive completes with
// them. S7: the bytes are in the buffers; ARG-9: all of them at the start of
// the first buffer, the others untouched (the first is not full).
WSAC_CASE_P(StreamReceiveBuffering, PartialFillAcrossSeveralBuffers, "S17", "S7", "ARG-9") {
  char* b0 = ReceiveBuffer(1024);
  char* b1 = ReceiveBuffer(1024);
  char* b2 = ReceiveBuffer(1024);
  Operation& op = PostBeforeData({{1024, b0}, {1024, b1}, {1024, b2}});
  WSAC_ASSERT_EQ("S7", op.outcome, Outcome::Pending)
      << "nothing was queued, so the receive must wait for the data: " << observer.Describe(op);
  const std::vector<char> data = CounterPattern(0, 10);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("S17", ind.has_value())
      << "10 bytes arrived but the 3 KiB receive did not complete: " << observer.Describe(op);
  WSAC_ASSERT_EQ("S17", ind->error, 0u) << observer.Describe(op);
  WSAC_ASSERT_TRUE("S17", ReceivedCount(true, ind->bytes, data.size()));
  const size_t n = ind->bytes;
  const ::testing::AssertionResult placed = HoldsTheBytes(data, n, {{b0, 1024}, {b1, 1024}, {b2, 1024}});
  WSAC_EXPECT_TRUE("S7", placed);
  Observe("first_mismatch.buffer0", FirstMismatch(b0, n, 0));
  Observe("written.buffer1", WrittenPastCount(b1, 0, 1024));
  Observe("written.buffer2", WrittenPastCount(b2, 0, 1024));
  Observe("written_past_count.buffer0", WrittenPastCount(b0, n, 1024));
  if (!placed) {
    NotExercised("ARG-9", "the data is not in the buffers (S7), so how it is laid out says nothing");
    return;
  }
  WSAC_EXPECT_EQ("ARG-9", FirstMismatch(b0, n, 0), -1) << "the bytes are not packed at the start of the first buffer";
  WSAC_EXPECT_EQ("ARG-9", WrittenPastCount(b1, 0, 1024), -1) << "the second buffer got bytes before the first was full";
  WSAC_EXPECT_EQ("ARG-9", WrittenPastCount(b2, 0, 1024), -1) << "the third buffer got bytes before the first was full";
}

INSTANTIATE_TEST_SUITE_P(Buffering, StreamReceiveBuffering,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = AllMechanisms()})), ParamName);

}  // namespace
}  // namespace wsac
