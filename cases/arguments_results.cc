// ARG-1..ARG-12: arguments and results of the overlapped calls.
//   - a pending call writes neither the byte count nor the receive flags
//   - the byte-count pointer may be NULL when lpOverlapped is not
//   - the WSABUF array is captured before the call returns
//   - buffers are filled (sent) in array order, packed without holes
//   - lpOverlapped and lpCompletionRoutine both NULL: plain recv / send
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "suite/fixtures/call_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

bool IsReceive(Call c) { return c == Call::WSARecv || c == Call::WSARecvFrom; }
const std::vector<Call> kAllCalls{Call::WSARecv, Call::WSARecvFrom, Call::WSASend, Call::WSASendTo};
std::vector<CallParam> PerKind(const std::vector<Call>& calls) { return WithCalls(Cross({.kinds = AllKinds()}), calls); }

constexpr DWORD kBytesSentinel = 0xDEADBEEF;

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

class PendingOutParams : public CallCase {};

// ARG-1, ARG-3: a receive that pends leaves *lpNumberOfBytesRecvd (a
// sentinel) and *lpFlags (0, the input) as they were; the count comes with
// the indication.
WSAC_CASE_P(PendingOutParams, ReceiveLeavesBytesAndFlags, "ARG-1", "ARG-3", "S16") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = kBytesSentinel, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  Observe("bytes_after_call", bytes);
  Observe("flags_after_call", flags);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  EXPECT_EQ(bytes, kBytesSentinel) << "the pending call wrote *lpNumberOfBytesRecvd";
  EXPECT_EQ(flags, 0u) << "the pending call wrote *lpFlags";
  const std::vector<char> data = CounterPattern(0, 66);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  EXPECT_TRUE(ReceivedCount(pair.stream(), ind->bytes, data.size()));
}

INSTANTIATE_TEST_SUITE_P(Arguments, PendingOutParams,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()}), kReceives)),
                         CallParamName);

// ---- ARG-4, ARG-5: NULL byte-count pointer -------------------------------------

class NullByteCount : public CallCase {};

// ARG-4, ARG-5: with lpOverlapped set, lpNumberOfBytesRecvd / Sent may be
// NULL, for a call that completes at once and (receives) one that pends.
WSAC_CASE_P(NullByteCount, AllowedWithOverlapped, "ARG-4", "ARG-5") {
  const bool receive = IsReceive(call());
  std::vector<char> data = CounterPattern(0, 52);
  size_t received = 0;
  if (receive) {
    // Pending: no data yet.
    Operation& op = observer.NewOperation(pair.a);
    char* buf = LongLivedBuffer(256);
    DWORD flags = 0;
    int ret = Initiate(op, buf, 256, nullptr, &flags);
    ObserveCall("pending_recv", ret, op.call_error);
    ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
    pair.SendFromPeer(data);
    std::optional<Indication> ind = observer.Wait(op);
    ObserveIndication("pending_indication", ind);
    ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
    EXPECT_EQ(ind->error, 0u);
    EXPECT_TRUE(ReceivedCount(pair.stream(), ind->bytes, data.size()));
    EXPECT_EQ(FirstMismatch(buf, ind->bytes, 0), -1);
    received = ind->bytes;
    // Data already queued: may complete at once. On a stream, what the first
    // receive left comes first.
    size_t left = data.size() - received;
    data = CounterPattern(data.size(), 52);
    pair.SendFromPeer(data);
    pair.WaitUntilQueued(pair.a, data.size() + left);
  }
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD flags = 0;
  int ret = receive ? Initiate(op, buf, 256, nullptr, &flags)
                    : Initiate(op, const_cast<char*>(data.data()), static_cast<ULONG>(data.size()), nullptr, nullptr);
  ObserveCall("call", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << "a NULL byte-count pointer was refused: " << observer.Describe(op);
  std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  if (receive) {
    EXPECT_TRUE(ReceivedCount(pair.stream(), ind->bytes, 104 - received));
    EXPECT_EQ(FirstMismatch(buf, ind->bytes, received), -1);
  } else {
    EXPECT_EQ(ind->bytes, data.size());
    EXPECT_EQ(FirstMismatch(pair.ReceiveOnPeer(data.size()), 0), -1);
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

// ARG-6: a pending receive's WSABUF array is overwritten with entries
// pointing at a decoy right after the call (heap array), or goes out of scope
// and its stack is reused (stack array); the data lands in the original
// buffers, in order, and the decoy stays untouched.
WSAC_CASE_P(CapturedArray, ReceiveArrayMayChangeAfterCall, "ARG-6", "ARG-8") {
  for (int variant = 0; variant < 2; ++variant) {
    const char* name = variant == 0 ? "heap_overwritten" : "stack_out_of_scope";
    SCOPED_TRACE(name);
    ArrayTarget t = NewArrayTarget();
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0, flags = 0;
    int ret;
    if (variant == 0) {
      std::vector<WSABUF> array(3);
      FillArray(array.data(), t);
      ret = InitiateArray(p, call(), pair, array.data(), 3, &bytes, &flags, &op.ov, observer.routine());
      Scribble(array.data(), t);
    } else {
      ret = PostFromStack(p, call(), pair, t, &bytes, &flags, &op.ov, observer.routine());
      OverwriteStack(t);
    }
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    ObserveCall(std::string(name) + ".recv", ret, op.call_error);
    ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
    const std::vector<char> data = CounterPattern(0, kArrayTotal, variant);
    pair.SendFromPeer(data);
    std::optional<Indication> ind = observer.Wait(op);
    ObserveIndication(std::string(name) + ".indication", ind);
    ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
    EXPECT_EQ(ind->error, 0u);
    EXPECT_TRUE(ReceivedCount(pair.stream(), ind->bytes, kArrayTotal));
    std::vector<char> got;
    for (int i = 0; i < 3; ++i) got.insert(got.end(), t.pieces[i], t.pieces[i] + kPieces[i]);
    got.resize(ind->bytes);
    EXPECT_EQ(FirstMismatch(got, 0, variant), -1) << "data missing from the buffers the array named at the call";
    size_t decoy_written = 0;
    for (int i = 0; i < 256; ++i) decoy_written += t.decoy[i] != kDecoyFill ? 1 : 0;
    Observe(std::string(name) + ".decoy_bytes_written", static_cast<std::int64_t>(decoy_written));
    EXPECT_EQ(decoy_written, 0u) << "the provider read the WSABUF array after the call returned";
    if (pair.stream() && ind->bytes < kArrayTotal) return;  // leftovers would confuse the next variant
  }
}

INSTANTIATE_TEST_SUITE_P(Arguments, CapturedArray,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Event, Mechanism::Port}}),
                                            kReceives)),
                         CallParamName);

// ---- ARG-8, ARG-9: receive buffers in array order, packed ---------------------------

class ReceiveArrayOrder : public CallCase {};

// ARG-8, ARG-9: 20 bytes into buffers of 5, 7 and 11: the first five go to
// the first buffer, the next seven to the second, the rest to the start of
// the third, whose tail stays untouched.
WSAC_CASE_P(ReceiveArrayOrder, FilledInOrderWithoutHoles, "ARG-8", "ARG-9") {
  constexpr ULONG kSizes[] = {5, 7, 11};
  constexpr char kUntouched = '#';
  const std::vector<char> data = CounterPattern(0, 20);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());
  char* pieces[3];
  WSABUF array[3];
  for (int i = 0; i < 3; ++i) {
    pieces[i] = LongLivedBuffer(kSizes[i]);
    std::memset(pieces[i], kUntouched, kSizes[i]);
    array[i] = WSABUF{kSizes[i], pieces[i]};
  }
  Operation& op = observer.NewOperation(pair.a);
  DWORD bytes = 0, flags = 0;
  int ret = InitiateArray(p, call(), pair, array, 3, &bytes, &flags, &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("recv", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  if (pair.stream()) {
    EXPECT_GE(ind->bytes, 1u);
    EXPECT_LE(ind->bytes, data.size());
  } else {
    EXPECT_EQ(ind->bytes, data.size()) << "a datagram that fits is received whole";
  }
  // Position i of the concatenated buffers holds stream byte i for i < n,
  // and nothing was written after n.
  size_t pos = 0;
  long long first_bad = -1;
  for (int i = 0; i < 3; ++i)
    for (ULONG j = 0; j < kSizes[i]; ++j, ++pos) {
      char want = pos < ind->bytes ? data[pos] : kUntouched;
      if (pieces[i][j] != want && first_bad < 0) first_bad = static_cast<long long>(pos);
    }
  Observe("first_misplaced_position", first_bad);
  EXPECT_EQ(first_bad, -1) << "buffers not filled in array order without holes";
}

INSTANTIATE_TEST_SUITE_P(Arguments, ReceiveArrayOrder,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Event, Mechanism::Routine}}),
                                            kReceives)),
                         CallParamName);

// ---- ARG-10: send buffers in array order -----------------------------------------

class SendArrayOrder : public CallCase {};

// ARG-10: three buffers of 5, 300 and 17 bytes, allocated apart, arrive at
// the peer as one run of 322 bytes in array order.
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
  DWORD bytes = 0;
  int ret = InitiateArray(p, call(), pair, array, 3, &bytes, nullptr, &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("send", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  EXPECT_EQ(ind->bytes, data.size());
  std::vector<char> got = pair.ReceiveOnPeer(data.size());
  Observe("peer.bytes", static_cast<std::int64_t>(got.size()));
  EXPECT_EQ(got.size(), data.size());
  EXPECT_EQ(FirstMismatch(got, 0), -1) << "buffers not transmitted in array order";
}

INSTANTIATE_TEST_SUITE_P(Arguments, SendArrayOrder,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .mechanisms = {Mechanism::Event, Mechanism::Routine}}),
                                            kSends)),
                         CallParamName);

// ---- ARG-11, ARG-12: no overlapped, no routine ------------------------------------

class PlainCallReceive : public CallCase {};

// ARG-11: lpOverlapped and lpCompletionRoutine NULL make a plain receive:
// data queued gives 0 with the count at once; with nothing queued a
// non-blocking socket fails with WSAEWOULDBLOCK and a blocking one waits in
// the call until data arrives. It never pends.
WSAC_CASE_P(PlainCallReceive, ReceiveBehavesLikeRecv, "ARG-11") {
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
  ASSERT_EQ(ret, 0) << "a plain receive of queued data failed with " << error;
  EXPECT_TRUE(ReceivedCount(pair.stream(), bytes, data.size()));
  EXPECT_EQ(flags, 0u);
  EXPECT_EQ(FirstMismatch(buf, bytes, 0), -1);
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
    EXPECT_EQ(ret, SOCKET_ERROR);
    EXPECT_EQ(error, WSAEWOULDBLOCK) << "a plain non-blocking receive with nothing queued";
    return;
  }
  // Blocking: the call runs on a helper thread and must not return before
  // the peer sends.
  struct Shared {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    int ret = 0, error = 0;
    DWORD bytes = kBytesSentinel;
    char buf[256];
  } shared;
  Provider* provider = &p;
  Call c = call();
  const ConnectedPair* pp = &pair;
  std::thread receiver([&shared, provider, c, pp] {
    WSABUF b{sizeof shared.buf, shared.buf};
    DWORD n = kBytesSentinel, f = 0;
    int r = InitiateArray(*provider, c, *pp, &b, 1, &n, &f, nullptr, nullptr);
    int e = r == 0 ? 0 : provider->WSAGetLastError();
    std::lock_guard lock(shared.m);
    shared.ret = r;
    shared.error = e;
    shared.bytes = n;
    shared.done = true;
    shared.cv.notify_all();
  });
  bool early;
  {
    std::unique_lock lock(shared.m);
    early = shared.cv.wait_for(lock, QuietWindow(), [&] { return shared.done; });
  }
  Observe("returned_before_data", early ? 1 : 0);
  EXPECT_FALSE(early) << "a plain blocking receive returned with nothing queued (ret " << shared.ret << ", error "
                      << shared.error << ")";
  const std::vector<char> later = CounterPattern(0, 21, 5);
  if (!early) pair.SendFromPeer(later);
  bool returned;
  {
    std::unique_lock lock(shared.m);
    returned = shared.cv.wait_for(lock, IndicationTimeout(), [&] { return shared.done; });
  }
  if (!returned) pair.CloseA();  // frees the blocked call
  receiver.join();
  ObserveCall("blocked", shared.ret, shared.error);
  Observe("blocked.bytes", shared.bytes);
  ASSERT_TRUE(returned) << "the blocking receive did not return after data arrived";
  if (!early) {
    EXPECT_EQ(shared.ret, 0) << "error " << shared.error;
    EXPECT_TRUE(ReceivedCount(pair.stream(), shared.bytes, later.size()));
    EXPECT_EQ(FirstMismatch(shared.buf, shared.bytes, 0, 5), -1);
  }
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
  ASSERT_EQ(ret, 0) << "a plain send with buffer space failed with " << error;
  EXPECT_EQ(bytes, data.size());
  EXPECT_EQ(FirstMismatch(pair.ReceiveOnPeer(data.size()), 0), -1);
}

INSTANTIATE_TEST_SUITE_P(Arguments, PlainCallSend,
                         ValuesIn(WithCalls(Cross({.kinds = AllKinds(), .nonblocking = BothModes()}), kSends)),
                         CallParamName);

}  // namespace
}  // namespace wsac
