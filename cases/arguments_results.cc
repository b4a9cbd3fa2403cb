// ARG-1..ARG-12, ARG-15: arguments and results of the overlapped calls.
//   - a pending receive writes neither the byte count nor *lpFlags (ARG-1, ARG-3)
//   - the byte-count pointer may be NULL when lpOverlapped is not (ARG-4, ARG-5)
//   - the WSABUF array is captured before the call returns (ARG-6)
//   - buffers are filled in array order, packed without gaps (ARG-8, ARG-9),
//     and sent in array order (ARG-10)
//   - lpOverlapped and lpCompletionRoutine both NULL: plain recv / send
//     (ARG-11, ARG-12); non-blocking with nothing queued: WSAEWOULDBLOCK (ARG-15)
#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

bool IsReceive(Call c) { return c == Call::WSARecv || c == Call::WSARecvFrom; }
const std::vector<Call> kAllCalls{Call::WSARecv, Call::WSARecvFrom, Call::WSASend, Call::WSASendTo};
std::vector<CallParam> PerKind(const std::vector<Call>& calls) { return WithCalls(Cross({.kinds = AllKinds()}), calls); }

constexpr DWORD kBytesSentinel = 0xDEADBEEF;

// The result of an operation, for cases about something other than how it
// is indicated. A call that returned 0 has finished whatever its event says
// (that is S14's business), so with an event its result is read with
// WSAGetOverlappedResult at once; otherwise the observer waits for it.
std::optional<Indication> ResultOf(Provider& p, CompletionObserver& observer, Operation& op) {
  if (op.outcome == Outcome::Immediate && op.event != nullptr) {
    Indication ind;
    BOOL ok = p.WSAGetOverlappedResult(op.socket, &op.ov, &ind.bytes, FALSE, &ind.flags);
    ind.error = ok ? 0 : static_cast<DWORD>(p.WSAGetLastError());
    ind.overlapped = &op.ov;
    if (ind.error != WSA_IO_INCOMPLETE) return ind;
  }
  return observer.Wait(op);
}

// This case's call with a whole WSABUF array and no other conveniences.
int InitiateArray(Provider& p, Call call, const ConnectedPair& pair, WSABUF* bufs, DWORD count, DWORD* bytes,
                  DWORD* flags, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
  switch (call) {
    case Call::WSARecv: return p.WSARecv(pair.a, bufs, count, bytes, flags, ov, routine);
    case Call::WSARecvFrom: {
      FromSlot& from = NewFromSlot();
      return p.WSARecvFrom(pair.a, bufs, count, bytes, flags, reinterpret_cast<sockaddr*>(&from.addr), &from.len, ov,
                           routine);
    }
    case Call::WSASend: return p.WSASend(pair.a, bufs, count, bytes, 0, ov, routine);
    case Call::WSASendTo:
      return p.WSASendTo(pair.a, bufs, count, bytes, 0, reinterpret_cast<const sockaddr*>(&pair.b_addr), pair.addr_len,
                         ov, routine);
  }
  return SOCKET_ERROR;
}

// ---- ARG-1, ARG-3: a pending call leaves the out-parameters alone -------------

// A receive flag that changes nothing in these cases' results:
// MSG_PUSH_IMMEDIATE, a hint to complete a partly filled receive without
// delay (WSARecv, lpFlags remarks; spelled out because SDK headers define it
// only for Windows 8.1 targets). 0, the input most callers pass, is also the
// result flags a plain receive ends with, so a provider that writes the
// result early would go unseen with it.
constexpr DWORD kHarmlessInputFlag = 0x20;

class PendingOutParams : public CallCase {};

// ARG-1, ARG-3, S16: a receive that pends leaves *lpNumberOfBytesRecvd (a
// sentinel) and *lpFlags (MSG_PUSH_IMMEDIATE, the input) as they were; the
// indication that follows reports the data that arrived.
WSAC_CASE_P(PendingOutParams, ReceiveLeavesBytesAndFlags, "ARG-1", "ARG-3", "S16") {
  char* buf = LongLivedBuffer(256);
  DWORD* bytes = LongLivedWord(kBytesSentinel);
  DWORD input_flags = kHarmlessInputFlag;
  DWORD* flags = LongLivedWord(input_flags);
  Operation* op = &observer.NewOperation(pair.a);
  int ret = Initiate(*op, buf, 256, bytes, flags);
  if (op->outcome == Outcome::Failed && (op->call_error == WSAEINVAL || op->call_error == WSAEOPNOTSUPP)) {
    // A provider older than the flag, or one that takes it on streams only,
    // may refuse it; 0 still catches a provider that writes a non-zero value.
    ObserveCall("recv_with_push_immediate", ret, op->call_error);
    op = &observer.NewOperation(pair.a);
    *bytes = kBytesSentinel;
    *flags = input_flags = 0;
    ret = Initiate(*op, buf, 256, bytes, flags);
  }
  ObserveCall("recv", ret, op->call_error);
  Observe("flags_before_call", input_flags);
  Observe("bytes_after_call", *bytes);
  Observe("flags_after_call", *flags);
  if (op->outcome != Outcome::Pending)
    throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(*op));
  WSAC_EXPECT_EQ("ARG-1", *bytes, kBytesSentinel) << "the pending call wrote *lpNumberOfBytesRecvd";
  WSAC_EXPECT_EQ("ARG-3", *flags, input_flags) << "the pending call wrote *lpFlags";

  const std::vector<char> data = CounterPattern(0, 66);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(*op);
  ObserveIndication("indication", ind);
  WSAC_ASSERT_TRUE("S16", ind.has_value()) << "the receive pended and was not indicated: " << observer.Describe(*op);
  WSAC_EXPECT_EQ("S16", ind->error, 0u) << "the indication reports a failure for a receive that got data";
}

INSTANTIATE_TEST_SUITE_P(Arguments, PendingOutParams,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()}), kReceives)),
                         CallParamName);

// ---- ARG-4, ARG-5: NULL byte-count pointer -------------------------------------

class NullByteCount : public CallCase {};

// ARG-4 (receives), ARG-5 (sends): with lpOverlapped set, a NULL
// lpNumberOfBytesRecvd / lpNumberOfBytesSent is accepted and the operation
// works: a receive that pends and one of data already queued, a send.
WSAC_CASE_P(NullByteCount, AllowedWithOverlapped, "ARG-4", "ARG-5") {
  const bool receive = IsReceive(call());
  const char* const works = receive ? "ARG-4" : "ARG-5";
  NotExercised(receive ? "ARG-5" : "ARG-4", receive ? "a receive instance" : "a send instance");
  if (!receive) {
    constexpr ULONG kLen = 52;
    char* buf = LongLivedBuffer(kLen);
    std::memcpy(buf, CounterPattern(0, kLen).data(), kLen);
    Operation& op = observer.NewOperation(pair.a);
    int ret = Initiate(op, buf, kLen, nullptr, nullptr);
    ObserveCall("send", ret, op.call_error);
    WSAC_ASSERT_NE(works, op.outcome, Outcome::Failed)
        << "refused with lpNumberOfBytesSent NULL: " << observer.Describe(op);
    std::vector<char> got = pair.ReceiveOnPeer(kLen);
    std::optional<Indication> ind = ResultOf(p, observer, op);
    ObserveIndication("indication", ind);
    WSAC_ASSERT_TRUE(works, ind.has_value()) << "not indicated: " << observer.Describe(op);
    WSAC_EXPECT_EQ(works, ind->error, 0u);
    WSAC_EXPECT_EQ(works, ind->bytes, kLen) << "the peer received the whole send";
    WSAC_EXPECT_EQ(works, FirstMismatch(got, 0), -1) << "the peer did not receive what was sent";
    return;
  }
  // First with no data yet (the receive pends), then with data queued (it
  // may complete at once); on a stream what the first left comes first.
  size_t sent = 0, received = 0;
  for (const char* name : {"pending", "queued"}) {
    const std::vector<char> data = CounterPattern(sent, 52);
    Operation& op = observer.NewOperation(pair.a);
    char* buf = LongLivedBuffer(256);
    if (sent > 0) {
      pair.SendFromPeer(data);
      sent += data.size();
      pair.WaitUntilQueued(pair.a, sent - received);
    }
    int ret = Initiate(op, buf, 256, nullptr, LongLivedWord(0));
    ObserveCall(std::string(name) + ".recv", ret, op.call_error);
    WSAC_ASSERT_NE(works, op.outcome, Outcome::Failed)
        << "refused with lpNumberOfBytesRecvd NULL: " << observer.Describe(op);
    if (sent == 0) {
      if (op.outcome != Outcome::Pending)
        throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(op));
      pair.SendFromPeer(data);
      sent += data.size();
    }
    std::optional<Indication> ind = ResultOf(p, observer, op);
    ObserveIndication(std::string(name) + ".indication", ind);
    WSAC_ASSERT_TRUE(works, ind.has_value()) << name << " receive not indicated: " << observer.Describe(op);
    WSAC_EXPECT_EQ(works, ind->error, 0u) << name;
    WSAC_EXPECT_TRUE(works, ReceivedCount(pair.stream(), ind->bytes, sent - received)) << name;
    WSAC_EXPECT_EQ(works, FirstMismatch(buf, ind->bytes, received), -1) << name << ": not the data sent";
    received += ind->bytes;
  }
}

INSTANTIATE_TEST_SUITE_P(Arguments, NullByteCount, ValuesIn(PerKind(kAllCalls)), CallParamName);

// ---- ARG-6: the WSABUF array is captured -----------------------------------------

constexpr ULONG kPieces[] = {8, 8, 16};
constexpr size_t kArrayTotal = 32;
constexpr char kDecoyFill = 'Z';

struct ArrayTarget {
  char* pieces[3];
  char* decoy;  // where a provider that read the array late would write
};
ArrayTarget NewArrayTarget() {
  ArrayTarget t{};
  for (int i = 0; i < 3; ++i) t.pieces[i] = LongLivedBuffer(kPieces[i]);
  t.decoy = LongLivedBuffer(256);
  std::memset(t.decoy, kDecoyFill, 256);
  return t;
}
void FillArray(WSABUF* array, const ArrayTarget& t) {
  for (int i = 0; i < 3; ++i) array[i] = WSABUF{kPieces[i], t.pieces[i]};
}
// What a late reader of the array would now find: other lengths, the decoy.
void Scribble(WSABUF* array, const ArrayTarget& t) {
  for (int i = 0; i < 3; ++i) array[i] = WSABUF{64, t.decoy + 64 * i};
}

// The array lives in this frame only; its memory is reused after return.
int PostFromStack(Provider& p, Call call, const ConnectedPair& pair, const ArrayTarget& t, DWORD* bytes, DWORD* flags,
                  LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
  WSABUF array[3];
  FillArray(array, t);
  return InitiateArray(p, call, pair, array, 3, bytes, flags, ov, routine);
}
// Reuses stack like the frame PostFromStack had, with decoy entries.
void OverwriteStack(const ArrayTarget& t) {
  volatile WSABUF junk[64];
  for (int i = 0; i < 64; ++i) {
    junk[i].len = 64;
    junk[i].buf = t.decoy;
  }
  (void)junk[0].len;
}

class CapturedArray : public CallCase {};

// ARG-6, ARG-8: a pending receive's WSABUF array is overwritten with entries
// pointing at a decoy right after the call (an array that stays allocated),
// or goes out of scope and its stack is reused; the receive still works,
// the decoy stays untouched, and the data lands in the buffers the array
// named at the call, in array order.
WSAC_CASE_P(CapturedArray, ReceiveArrayMayChangeAfterCall, "ARG-6", "ARG-8") {
  for (int variant = 0; variant < 2; ++variant) {
    const std::string name = variant == 0 ? "heap_overwritten" : "stack_out_of_scope";
    ArrayTarget t = NewArrayTarget();
    Operation& op = observer.NewOperation(pair.a);
    DWORD* bytes = LongLivedWord(0);
    DWORD* flags = LongLivedWord(0);
    int ret;
    if (variant == 0) {
      auto* array = reinterpret_cast<WSABUF*>(LongLivedBuffer(3 * sizeof(WSABUF)));
      FillArray(array, t);
      ret = InitiateArray(p, call(), pair, array, 3, bytes, flags, &op.ov, observer.routine());
      Scribble(array, t);
    } else {
      ret = PostFromStack(p, call(), pair, t, bytes, flags, &op.ov, observer.routine());
      OverwriteStack(t);
    }
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    ObserveCall(name + ".recv", ret, op.call_error);
    if (op.outcome != Outcome::Pending)
      throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(op));
    const std::vector<char> data = CounterPattern(0, kArrayTotal, variant);
    pair.SendFromPeer(data);
    std::optional<Indication> ind = observer.Wait(op);
    ObserveIndication(name + ".indication", ind);
    WSAC_ASSERT_TRUE("ARG-6", ind.has_value()) << name << ": not indicated after data arrived: " << observer.Describe(op);
    WSAC_EXPECT_EQ("ARG-6", ind->error, 0u) << name << ": the receive failed after its array changed";
    WSAC_EXPECT_TRUE("ARG-6", ReceivedCount(pair.stream(), ind->bytes, kArrayTotal)) << name;
    size_t decoy_written = 0;
    for (int i = 0; i < 256; ++i) decoy_written += t.decoy[i] != kDecoyFill ? 1 : 0;
    Observe(name + ".decoy_bytes_written", static_cast<std::int64_t>(decoy_written));
    WSAC_EXPECT_EQ("ARG-6", decoy_written, 0u) << name << ": the provider read the WSABUF array after the call returned";
    if (decoy_written == 0) {
      std::vector<char> got;
      for (int i = 0; i < 3; ++i) got.insert(got.end(), t.pieces[i], t.pieces[i] + kPieces[i]);
      got.resize(std::min<size_t>(ind->bytes, kArrayTotal));
      WSAC_EXPECT_EQ("ARG-8", FirstMismatch(got, 0, variant), -1)
          << name << ": the buffers, read in array order, do not hold the data in order";
    } else {
      NotExercised("ARG-8", "the data did not go to the buffers the array named");
    }
    if (pair.stream() && ind->bytes < kArrayTotal) {
      // The rest is still queued and would come first in the next variant.
      Observe("stack_out_of_scope", "not run: the first receive took part of the stream");
      break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Arguments, CapturedArray,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Event, Mechanism::Port}}),
                                            kReceives)),
                         CallParamName);

// ---- ARG-8, ARG-9: receive buffers in array order, packed ---------------------------

class ReceiveArrayOrder : public CallCase {};

// ARG-8, ARG-9: 20 bytes into buffers of 5, 7 and 11. The bytes written,
// read in array order, are the data in order (ARG-8); and they sit at
// positions 0..19 of the buffers laid end to end, so every buffer is full
// before the next one gets any (ARG-9), the third's tail untouched.
WSAC_CASE_P(ReceiveArrayOrder, FilledInOrderWithoutHoles, "ARG-8", "ARG-9") {
  constexpr ULONG kSizes[] = {5, 7, 11};
  const std::vector<char> data = CounterPattern(0, 20);
  char untouched = 0;  // a byte value the data does not contain
  while (std::find(data.begin(), data.end(), untouched) != data.end()) ++untouched;
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());
  char* pieces[3];
  WSABUF array[3];
  for (int i = 0; i < 3; ++i) {
    pieces[i] = LongLivedBuffer(kSizes[i]);
    std::memset(pieces[i], untouched, kSizes[i]);
    array[i] = WSABUF{kSizes[i], pieces[i]};
  }
  Operation& op = observer.NewOperation(pair.a);
  int ret = InitiateArray(p, call(), pair, array, 3, LongLivedWord(0), LongLivedWord(0), &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("recv", ret, op.call_error);
  if (op.outcome == Outcome::Failed) throw SetupFailed("a receive of queued data failed: " + observer.Describe(op));
  std::optional<Indication> ind = ResultOf(p, observer, op);
  ObserveIndication("indication", ind);
  if (!ind || ind->error != 0 || ind->bytes == 0)
    throw SetupFailed("the receive did not end with data: " + observer.Describe(op));
  // The count is another statement's (S17, APC-6, ...); the layout is judged
  // for what it says arrived, at most what was sent.
  const size_t n = std::min<size_t>(ind->bytes, data.size());

  std::vector<char> in_array_order;
  std::vector<size_t> positions;
  size_t pos = 0;
  for (int i = 0; i < 3; ++i)
    for (ULONG j = 0; j < kSizes[i]; ++j, ++pos)
      if (pieces[i][j] != untouched) {
        in_array_order.push_back(pieces[i][j]);
        positions.push_back(pos);
      }
  long long first_out_of_order = -1;
  for (size_t i = 0; i < std::max(in_array_order.size(), n) && first_out_of_order < 0; ++i)
    if (i >= in_array_order.size() || i >= n || in_array_order[i] != data[i])
      first_out_of_order = static_cast<long long>(i);
  Observe("bytes_written", static_cast<std::int64_t>(in_array_order.size()));
  Observe("first_out_of_order", first_out_of_order);
  WSAC_EXPECT_EQ("ARG-8", first_out_of_order, -1)
      << "the bytes written, read in array order, are not the " << n << " bytes received, in order";
  if (first_out_of_order >= 0) {
    NotExercised("ARG-9", "the buffers were not filled in array order, so packing in that order cannot be judged");
    return;
  }
  long long first_gap = -1;
  for (size_t i = 0; i < positions.size() && first_gap < 0; ++i)
    if (positions[i] != i) first_gap = static_cast<long long>(i);
  Observe("first_gap", first_gap);
  WSAC_EXPECT_EQ("ARG-9", first_gap, -1) << "a buffer got bytes before the one ahead of it was full";
}

INSTANTIATE_TEST_SUITE_P(Arguments, ReceiveArrayOrder,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Event, Mechanism::Routine}}),
                                            kReceives)),
                         CallParamName);

// ---- ARG-10: send buffers in array order -----------------------------------------

class SendArrayOrder : public CallCase {};

// ARG-10, S12: three buffers of 5, 300 and 17 bytes, allocated apart, arrive
// at the peer as one run of 322 bytes in array order (ARG-10), and the
// provider has not written into them (S12).
WSAC_CASE_P(SendArrayOrder, TransmittedInOrder, "ARG-10", "S12") {
  constexpr ULONG kSizes[] = {5, 300, 17};
  const std::vector<char> data = CounterPattern(0, 322);
  WSABUF array[3];
  size_t offset = 0;
  for (int i = 0; i < 3; ++i) {
    char* piece = LongLivedBuffer(kSizes[i]);
    std::memcpy(piece, data.data() + offset, kSizes[i]);
    array[i] = WSABUF{kSizes[i], piece};
    offset += kSizes[i];
  }
  Operation& op = observer.NewOperation(pair.a);
  int ret = InitiateArray(p, call(), pair, array, 3, LongLivedWord(0), nullptr, &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("send", ret, op.call_error);
  if (op.outcome == Outcome::Failed) throw SetupFailed("a send of 322 bytes failed: " + observer.Describe(op));
  std::vector<char> got = pair.ReceiveOnPeer(data.size());
  std::optional<Indication> ind = ResultOf(p, observer, op);
  ObserveIndication("indication", ind);
  if (!ind) throw SetupFailed("the send was not indicated: " + observer.Describe(op));
  Observe("peer.bytes", static_cast<std::int64_t>(got.size()));
  WSAC_EXPECT_EQ("ARG-10", got.size(), data.size());
  WSAC_EXPECT_EQ("ARG-10", FirstMismatch(got, 0), -1) << "buffers not transmitted in array order";
  offset = 0;
  long long first_written = -1;
  for (int i = 0; i < 3 && first_written < 0; offset += kSizes[i], ++i)
    if (long long at = FirstMismatch(array[i].buf, kSizes[i], offset); at >= 0) first_written = at;
  WSAC_EXPECT_EQ("S12", first_written, -1) << "the provider wrote into the send's buffers";
}

INSTANTIATE_TEST_SUITE_P(Arguments, SendArrayOrder,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Event, Mechanism::Routine}}),
                                            kSends)),
                         CallParamName);

// ---- ARG-11, ARG-12, ARG-15: no overlapped, no routine ------------------------------

class PlainCallReceive : public CallCase {};

// ARG-11, ARG-15: lpOverlapped and lpCompletionRoutine NULL make a plain
// receive: data queued gives 0 with the count at once (ARG-11); with
// nothing queued a non-blocking socket fails with WSAEWOULDBLOCK (ARG-15)
// and a blocking one waits in the call until the case sends data (ARG-11).
WSAC_CASE_P(PlainCallReceive, ReceiveBehavesLikeRecv, "ARG-11", "ARG-15") {
  const bool nonblocking = GetParam().base.nonblocking;
  const std::vector<char> data = CounterPattern(0, 44);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());
  char buf[256];
  WSABUF wsabuf{sizeof buf, buf};
  DWORD bytes = kBytesSentinel, flags = 0;
  int ret = InitiateArray(p, call(), pair, &wsabuf, 1, &bytes, &flags, nullptr, nullptr);
  int error = ret == 0 ? 0 : p.WSAGetLastError();
  ObserveCall("with_data", ret, error);
  Observe("with_data.bytes", bytes);
  WSAC_ASSERT_EQ("ARG-11", ret, 0) << "a plain receive of queued data failed with " << error;
  WSAC_EXPECT_TRUE("ARG-11", ReceivedCount(pair.stream(), bytes, data.size()));
  WSAC_EXPECT_EQ("ARG-11", flags, 0u) << "the result flags of a plain receive";
  WSAC_EXPECT_EQ("ARG-11", FirstMismatch(buf, bytes, 0), -1);
  // A stream may have returned part of it: take the rest, so that nothing
  // is queued below.
  for (size_t got = bytes; pair.stream() && got < data.size() && bytes > 0 && bytes != kBytesSentinel; got += bytes) {
    wsabuf = WSABUF{static_cast<ULONG>(data.size() - got), buf + got};
    if (InitiateArray(p, call(), pair, &wsabuf, 1, &bytes, &flags, nullptr, nullptr) != 0) break;
  }

  if (nonblocking) {
    bytes = kBytesSentinel;
    ret = InitiateArray(p, call(), pair, &wsabuf, 1, &bytes, &flags, nullptr, nullptr);
    error = ret == 0 ? 0 : p.WSAGetLastError();
    ObserveCall("without_data", ret, error);
    WSAC_EXPECT_EQ("ARG-15", ret, SOCKET_ERROR) << "a plain non-blocking receive with nothing queued";
    WSAC_EXPECT_EQ("ARG-15", error, WSAEWOULDBLOCK) << "a plain non-blocking receive with nothing queued";
    return;
  }
  NotExercised("ARG-15", "a blocking socket");
  // Blocking: the call runs on a worker, which signals `returned` once it
  // has; it must not before the case sends (a quiet window), and must after.
  WSAEVENT returned = p.WSACreateEvent();
  if (returned == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed");
  struct Result {  // written by the worker before it signals, read after the join
    int ret = 0, error = 0;
    DWORD bytes = kBytesSentinel;
    char buf[256];
  } result;
  std::thread receiver([&] {
    WSABUF b{sizeof result.buf, result.buf};
    DWORD f = 0;
    result.ret = InitiateArray(p, call(), pair, &b, 1, &result.bytes, &f, nullptr, nullptr);
    result.error = result.ret == 0 ? 0 : p.WSAGetLastError();
    p.WSASetEvent(returned);
  });
  auto signaled_within = [&](std::chrono::milliseconds window) {
    return p.WSAWaitForMultipleEvents(1, &returned, TRUE, static_cast<DWORD>(window.count()), FALSE) == WSA_WAIT_EVENT_0;
  };
  const bool early = signaled_within(QuietWindow());
  const std::vector<char> later = CounterPattern(0, 21, 5);
  if (!early) pair.SendFromPeer(later);
  const bool returned_in_time = signaled_within(IndicationTimeout());
  if (!returned_in_time) pair.CloseA();  // frees the blocked call
  receiver.join();
  p.WSACloseEvent(returned);
  Observe("returned_before_data", early ? 1 : 0);
  ObserveCall("blocked", result.ret, result.error);
  Observe("blocked.bytes", result.bytes);
  WSAC_EXPECT_FALSE("ARG-11", early) << "a plain blocking receive returned with nothing queued (ret " << result.ret
                                     << ", error " << result.error << ")";
  WSAC_ASSERT_TRUE("ARG-11", returned_in_time) << "the blocking receive did not return after data arrived";
  if (early) return;
  WSAC_EXPECT_EQ("ARG-11", result.ret, 0) << "error " << result.error;
  WSAC_EXPECT_TRUE("ARG-11", ReceivedCount(pair.stream(), result.bytes, later.size()));
  WSAC_EXPECT_EQ("ARG-11", FirstMismatch(result.buf, result.bytes, 0, 5), -1);
}

INSTANTIATE_TEST_SUITE_P(Arguments, PlainCallReceive,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .nonblocking = BothModes()}), kReceives)),
                         CallParamName);

class PlainCallSend : public CallCase {};

// ARG-12: lpOverlapped and lpCompletionRoutine NULL make a plain send: it
// returns 0 with the full count in the out-parameter, and the peer gets it.
WSAC_CASE_P(PlainCallSend, SendBehavesLikeSend, "ARG-12") {
  const std::vector<char> data = CounterPattern(0, 150);
  WSABUF wsabuf{static_cast<ULONG>(data.size()), const_cast<char*>(data.data())};
  DWORD bytes = kBytesSentinel;
  int ret = InitiateArray(p, call(), pair, &wsabuf, 1, &bytes, nullptr, nullptr, nullptr);
  int error = ret == 0 ? 0 : p.WSAGetLastError();
  ObserveCall("send", ret, error);
  Observe("send.bytes", bytes);
  WSAC_ASSERT_EQ("ARG-12", ret, 0) << "a plain send with buffer space failed with " << error;
  WSAC_EXPECT_EQ("ARG-12", bytes, data.size());
  WSAC_EXPECT_EQ("ARG-12", FirstMismatch(pair.ReceiveOnPeer(data.size()), 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Arguments, PlainCallSend,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .nonblocking = BothModes()}), kSends)),
                         CallParamName);

}  // namespace
}  // namespace wsac
