// S19, S20, S21, S22, S23, S24 (and WIN-4): many outstanding operations on
// one socket, and the order of data and of completion indications.
//   S19/S20  several receives / sends can be outstanding at once
//   S21      sends are transmitted in the order supplied
//   S23      receive buffers are filled in the order supplied
//   S22/S24  (MAY) indications may come in another order: reported
// Content is CounterPattern throughout (stream offset, or a salt per
// datagram), so a misplaced byte is found at its offset.
#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "suite/fixtures/pair_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kFill = '\x7E';

// The order completion routines ran in, across the operations of one case.
std::mutex g_routine_mutex;
std::vector<LPWSAOVERLAPPED> g_routine_order;

// Records what the observer's routine records (so observer.Wait still finds
// it) plus the position at which it ran.
void WSAC_CALLBACK SequencedRoutine(DWORD error, DWORD transferred, LPWSAOVERLAPPED ov, DWORD flags) {
  auto* op = reinterpret_cast<Operation*>(ov);
  op->routine_error = error;
  op->routine_bytes = transferred;
  op->routine_flags = flags;
  op->routine_ov = ov;
  op->routine_thread = std::this_thread::get_id();
  {
    std::lock_guard lock(g_routine_mutex);
    g_routine_order.push_back(ov);
  }
  op->routine_runs.fetch_add(1);
}

// An overlapped receive on the peer, waited for with its own event.
struct PeerRecv {
  PeerRecv(Provider& p, SOCKET s, size_t len) : p(p), s(s), buf(len, kFill) {
    ov.hEvent = p.WSACreateEvent();
    if (ov.hEvent == nullptr) throw SetupFailed("WSACreateEvent for a peer receive");
    WSABUF wsabuf{static_cast<ULONG>(len), buf.data()};
    DWORD bytes = 0, flags = 0;
    int ret = p.WSARecv(s, &wsabuf, 1, &bytes, &flags, &ov, nullptr);
    if (ret != 0 && p.WSAGetLastError() != WSA_IO_PENDING) {
      int error = p.WSAGetLastError();
      p.WSACloseEvent(ov.hEvent);
      throw SetupFailed("peer WSARecv failed with " + std::to_string(error));
    }
    started = true;
  }
  ~PeerRecv() {
    if (started && !done) {
      p.CancelIoEx(AsHandle(s), &ov);
      p.WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE);
    }
    p.WSACloseEvent(ov.hEvent);
  }
  // Bytes received, or -1 (error in *error, WAIT_TIMEOUT if none came).
  long long Wait(int* error) {
    *error = 0;
    if (p.WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE) !=
        WSA_WAIT_EVENT_0) {
      *error = WAIT_TIMEOUT;
      return -1;
    }
    done = true;
    DWORD bytes = 0, flags = 0;
    if (!p.WSAGetOverlappedResult(s, &ov, &bytes, FALSE, &flags)) {
      *error = p.WSAGetLastError();
      return -1;
    }
    return bytes;
  }
  Provider& p;
  SOCKET s;
  std::vector<char> buf;
  WSAOVERLAPPED ov{};
  bool started = false, done = false;
};

class OrderingCase : public PairCase {
 protected:
  OrderingCase() {
    std::lock_guard lock(g_routine_mutex);
    g_routine_order.clear();
  }
  // The routine argument: the sequencing one for the Routine mechanism.
  LPWSAOVERLAPPED_COMPLETION_ROUTINE Routine() const {
    return observer.mechanism() == Mechanism::Routine ? &SequencedRoutine : nullptr;
  }
  Operation& PostRecv(std::vector<char>& buf) {
    Operation& op = observer.NewOperation(pair.a);
    WSABUF wsabuf{static_cast<ULONG>(buf.size()), buf.data()};
    DWORD bytes = 0, flags = 0;
    int ret = p.WSARecv(pair.a, &wsabuf, 1, &bytes, &flags, &op.ov, Routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  Operation& PostSend(std::vector<WSABUF> bufs) {
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0;
    int ret = p.WSASend(pair.a, bufs.data(), static_cast<DWORD>(bufs.size()), &bytes, 0, &op.ov, Routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  // An indication already there, without waiting.
  std::optional<Indication> Poll(Operation& op) {
    if (op.indication) return op.indication;
    if (observer.mechanism() == Mechanism::Routine) return observer.Wait(op, Deadline(std::chrono::milliseconds(0)));
    return observer.TakeImmediate(op);
  }

  // Collects the indications of `ops` until all came or the deadline passed,
  // returning the indices in the order they were seen. Routine and Port see
  // the true order (routine runs, packet dequeues); Event and Polling see it
  // to the resolution of a poll.
  std::vector<size_t> CollectInOrder(const std::vector<Operation*>& ops) {
    Deadline deadline(IndicationTimeout());
    std::vector<size_t> order;
    std::vector<bool> seen(ops.size(), false);
    auto index_of = [&](LPWSAOVERLAPPED ov) -> long long {
      for (size_t i = 0; i < ops.size(); ++i)
        if (&ops[i]->ov == ov) return static_cast<long long>(i);
      return -1;
    };
    switch (observer.mechanism()) {
      case Mechanism::Port:
        while (order.size() < ops.size() && !deadline.Expired()) {
          DWORD bytes = 0;
          ULONG_PTR key = 0;
          LPOVERLAPPED ov = nullptr;
          BOOL ok = p.GetQueuedCompletionStatus(observer.port(), &bytes, &key, &ov, deadline.RemainingMs());
          DWORD error = ok ? 0 : p.GetLastError();
          if (ov == nullptr) break;
          long long i = index_of(ov);
          if (i < 0) continue;
          Operation& op = *ops[i];
          ++op.indications_seen;
          if (seen[i]) continue;  // a second packet: caught by the callers' checks on indications_seen
          op.indication = Indication{error, bytes, 0, key, ov, {}};
          seen[i] = true;
          order.push_back(static_cast<size_t>(i));
        }
        break;
      case Mechanism::Routine: {
        auto all_ran = [&] {
          return std::all_of(ops.begin(), ops.end(), [](Operation* op) { return op->routine_runs.load() > 0; });
        };
        while (!all_ran() && !deadline.Expired()) p.SleepEx(deadline.RemainingMs(), TRUE);
        std::lock_guard lock(g_routine_mutex);
        for (LPWSAOVERLAPPED ov : g_routine_order) {
          long long i = index_of(ov);
          if (i < 0 || seen[i]) continue;
          seen[i] = true;
          order.push_back(static_cast<size_t>(i));
        }
        break;
      }
      case Mechanism::Event:
      case Mechanism::Polling:
        // Records every operation that has newly completed; true if any did.
        auto take_new = [&] {
          bool progressed = false;
          for (size_t i = 0; i < ops.size(); ++i) {
            if (seen[i] || !Poll(*ops[i])) continue;
            seen[i] = true;
            order.push_back(i);
            progressed = true;
          }
          return progressed;
        };
        while (order.size() < ops.size() && !deadline.Expired()) {
          if (take_new() || order.size() == ops.size()) continue;
          if (observer.mechanism() == Mechanism::Event) {
            std::vector<WSAEVENT> events;
            for (size_t i = 0; i < ops.size() && events.size() < WSA_MAXIMUM_WAIT_EVENTS; ++i)
              if (!seen[i]) events.push_back(ops[i]->event);
            p.WSAWaitForMultipleEvents(static_cast<DWORD>(events.size()), events.data(), FALSE,
                                       deadline.RemainingMs(), FALSE);
          } else {
            PollUntil(p, deadline, take_new);
          }
        }
        break;
    }
    // Routine and Polling leave op.indication to the observer.
    for (size_t i : order)
      if (!ops[i]->indication) (void)Poll(*ops[i]);
    return order;
  }

  static std::string OrderText(const std::vector<size_t>& order, size_t count, Mechanism m) {
    size_t in_place = 0;
    for (size_t i = 0; i < order.size(); ++i)
      if (order[i] == i) ++in_place;
    std::string text = "completions in supplied order in " + std::to_string(in_place) + " of " + std::to_string(count);
    if (m == Mechanism::Event || m == Mechanism::Polling) text += " (order as seen by polling)";
    return text;
  }
};

class Ordering : public OrderingCase {};

// S19, S23 (S24 reported): 64 receives of varying sizes posted at once are
// all accepted; the data that arrives fills them in the order supplied.
WSAC_CASE_P(Ordering, ManyReceivesFilledInOrder, "S19", "S23", "S24") {
  constexpr size_t kCount = 64;
  std::vector<size_t> sizes;
  std::vector<std::vector<char>> bufs;
  std::vector<Operation*> ops;
  for (size_t i = 0; i < kCount; ++i) {
    sizes.push_back(pair.stream() ? 100 + (i * 37) % 400 : 100 + i * 13);
    bufs.emplace_back(pair.stream() ? sizes[i] : 2048, kFill);
    Operation& op = PostRecv(bufs.back());
    ASSERT_EQ(op.outcome, Outcome::Pending) << "receive " << i << " of " << kCount << ": " << observer.Describe(op);
    ops.push_back(&op);
  }
  // Stream: exactly the posted capacity, so every receive completes however
  // the provider chunks it (S17). Datagram: one per receive.
  size_t total = 0;
  if (pair.stream()) {
    for (size_t s : sizes) total += s;
    pair.SendFromPeer(CounterPattern(0, total));
  } else {
    for (size_t i = 0; i < kCount; ++i) pair.SendFromPeer(CounterPattern(0, sizes[i], 200 + static_cast<unsigned>(i)));
  }
  std::vector<size_t> order = CollectInOrder(ops);
  Observe("indicated", static_cast<std::int64_t>(order.size()));
  if (order.size() != kCount) {
    size_t missing = 0;
    while (missing < kCount && ops[missing]->indication) ++missing;
    FAIL() << order.size() << " of " << kCount << " posted receives indicated; receive " << missing
           << ": " << observer.Describe(*ops[std::min(missing, kCount - 1)]);
  }
  Report("S24", OrderText(order, kCount, observer.mechanism()));

  std::vector<char> stream;
  for (size_t i = 0; i < kCount; ++i) {
    const Indication& ind = *ops[i]->indication;
    ASSERT_EQ(ind.error, 0u) << "receive " << i << ": " << observer.Describe(*ops[i]);
    if (pair.stream()) {
      ASSERT_GT(ind.bytes, 0u) << "receive " << i;
      stream.insert(stream.end(), bufs[i].begin(), bufs[i].begin() + ind.bytes);
    } else {
      Observe("receive" + std::to_string(i) + ".bytes", ind.bytes);
      ASSERT_EQ(ind.bytes, sizes[i]) << "receive " << i << " did not get datagram " << i;
      ASSERT_EQ(FirstMismatch(bufs[i].data(), ind.bytes, 0, 200 + static_cast<unsigned>(i)), -1)
          << "receive " << i << " did not get datagram " << i;
    }
  }
  if (pair.stream()) {
    Observe("first_mismatch", FirstMismatch(stream, 0));
    EXPECT_EQ(FirstMismatch(stream, 0), -1) << "receives not filled in supplied order (stream offset shown)";
  }
}

// S23, S19: eight receives posted; data arrives one piece at a time, and
// each piece goes to the earliest receive still pending.
WSAC_CASE_P(Ordering, EarliestPostedReceiveGetsEachArrival, "S23", "S19") {
  constexpr size_t kCount = 8, kPiece = 100;
  std::deque<std::vector<char>> bufs(kCount, std::vector<char>(pair.stream() ? kPiece : 1024, kFill));
  std::vector<Operation*> ops;
  for (size_t i = 0; i < kCount; ++i) {
    Operation& op = PostRecv(bufs[i]);
    ASSERT_EQ(op.outcome, Outcome::Pending) << "receive " << i << ": " << observer.Describe(op);
    ops.push_back(&op);
  }
  size_t next = 0;  // first receive not yet indicated
  std::vector<char> stream;
  for (size_t k = 0; k < kCount; ++k) {
    pair.SendFromPeer(pair.stream() ? CounterPattern(k * kPiece, kPiece) : CounterPattern(0, kPiece + k, 300 + k));
    if (pair.stream()) {
      // A stream piece may be split over consecutive receives, never skip one.
      while (stream.size() < (k + 1) * kPiece) {
        if (next == ops.size()) {
          // Short reads used up the posted receives; more keep the sequence going.
          bufs.emplace_back(kPiece, kFill);
          Operation& more = PostRecv(bufs.back());
          ASSERT_NE(more.outcome, Outcome::Failed) << observer.Describe(more);
          ops.push_back(&more);
        }
        std::optional<Indication> ind = observer.Wait(*ops[next]);
        ASSERT_TRUE(ind.has_value()) << "piece " << k << " did not complete receive " << next
                                     << " (the earliest pending): " << observer.Describe(*ops[next]);
        ASSERT_EQ(ind->error, 0u);
        stream.insert(stream.end(), bufs[next].begin(), bufs[next].begin() + ind->bytes);
        ++next;
      }
    } else {
      std::optional<Indication> ind = observer.Wait(*ops[k]);
      ASSERT_TRUE(ind.has_value()) << "datagram " << k << " did not complete receive " << k
                                   << " (the earliest pending): " << observer.Describe(*ops[k]);
      ASSERT_EQ(ind->error, 0u);
      EXPECT_EQ(ind->bytes, kPiece + k);
      EXPECT_EQ(FirstMismatch(bufs[k].data(), ind->bytes, 0, 300 + static_cast<unsigned>(k)), -1) << "receive " << k;
      next = k + 1;
    }
    if (next < ops.size()) {
      std::optional<Indication> early = Poll(*ops[next]);
      EXPECT_FALSE(early.has_value()) << "receive " << next << " completed with no data left for it: "
                                      << observer.Describe(*ops[next]);
      if (early) return;
    }
  }
  if (pair.stream()) {
    Observe("first_mismatch", FirstMismatch(stream, 0));
    EXPECT_EQ(FirstMismatch(stream, 0), -1);
  }
}

// S21, S20: 32 sends of one to three buffers each, queued at once: the peer
// receives them in the order supplied (one datagram per send on UDP).
WSAC_CASE_P(Ordering, MixedSizeSendsInOrder, "S21", "S20") {
  constexpr size_t kCount = 32;
  std::vector<std::vector<char>> payloads;
  std::vector<std::unique_ptr<PeerRecv>> peer;
  size_t total = 0;
  for (size_t i = 0; i < kCount; ++i) {
    size_t len = pair.stream() ? 1 + (i * 977) % 6000 : 50 + (i * 29) % 900;
    payloads.push_back(pair.stream() ? CounterPattern(total, len) : CounterPattern(0, len, 400 + static_cast<unsigned>(i)));
    total += len;
    // Datagram receives are posted first so no datagram depends on buffering.
    if (!pair.stream()) peer.push_back(std::make_unique<PeerRecv>(p, pair.b, 1024));
  }
  std::vector<Operation*> ops;
  for (size_t i = 0; i < kCount; ++i) {
    std::vector<char>& d = payloads[i];
    size_t parts = 1 + i % 3, cut1 = d.size() / 3, cut2 = 2 * d.size() / 3;
    std::vector<WSABUF> bufs;
    if (parts == 1) bufs = {{static_cast<ULONG>(d.size()), d.data()}};
    if (parts == 2) bufs = {{static_cast<ULONG>(cut1), d.data()}, {static_cast<ULONG>(d.size() - cut1), d.data() + cut1}};
    if (parts == 3)
      bufs = {{static_cast<ULONG>(cut1), d.data()},
              {static_cast<ULONG>(cut2 - cut1), d.data() + cut1},
              {static_cast<ULONG>(d.size() - cut2), d.data() + cut2}};
    Operation& op = PostSend(bufs);
    ASSERT_NE(op.outcome, Outcome::Failed) << "send " << i << ": " << observer.Describe(op);
    ops.push_back(&op);
  }
  if (pair.stream()) {
    std::vector<char> got = pair.ReceiveOnPeer(total);
    Observe("first_mismatch", FirstMismatch(got, 0));
    EXPECT_EQ(FirstMismatch(got, 0), -1) << "sends not transmitted in supplied order (stream offset shown)";
  } else {
    for (size_t i = 0; i < kCount; ++i) {
      int error = 0;
      long long n = peer[i]->Wait(&error);
      ASSERT_EQ(n, static_cast<long long>(payloads[i].size())) << "peer receive " << i << " error " << error;
      EXPECT_EQ(FirstMismatch(peer[i]->buf.data(), n, 0, 400 + static_cast<unsigned>(i)), -1)
          << "peer receive " << i << " did not get datagram " << i;
    }
  }
  std::vector<size_t> order = CollectInOrder(ops);
  ASSERT_EQ(order.size(), kCount) << "not every send was indicated";
  for (size_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(ops[i]->indication->error, 0u) << "send " << i;
    EXPECT_EQ(ops[i]->indication->bytes, payloads[i].size()) << "send " << i;
  }
  Report("S22", OrderText(order, kCount, observer.mechanism()));
}

INSTANTIATE_TEST_SUITE_P(Ordering, Ordering, ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()})),
                         ParamName);

class StreamOrdering : public OrderingCase {};

// S20, S21 (S22 reported): 1 MiB as 64 queued 16 KiB sends arrives at the
// peer byte-exact in supplied order; every send completes with its count.
WSAC_CASE_P(StreamOrdering, QueuedSendsTransmittedInOrder, "S20", "S21", "S22") {
  constexpr size_t kCount = 64, kEach = 16 * 1024;
  std::vector<std::vector<char>> payloads;
  std::vector<Operation*> ops;
  for (size_t i = 0; i < kCount; ++i) {
    payloads.push_back(CounterPattern(i * kEach, kEach));
    Operation& op = PostSend({{static_cast<ULONG>(kEach), payloads.back().data()}});
    ASSERT_NE(op.outcome, Outcome::Failed) << "send " << i << ": " << observer.Describe(op);
    ops.push_back(&op);
  }
  std::vector<char> got = pair.ReceiveOnPeer(kCount * kEach);
  Observe("first_mismatch", FirstMismatch(got, 0));
  EXPECT_EQ(FirstMismatch(got, 0), -1) << "sends not transmitted in supplied order (stream offset shown)";
  std::vector<size_t> order = CollectInOrder(ops);
  ASSERT_EQ(order.size(), kCount) << "not every send was indicated";
  for (size_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(ops[i]->indication->error, 0u) << "send " << i;
    EXPECT_EQ(ops[i]->indication->bytes, kEach) << "send " << i;
  }
  Report("S22", OrderText(order, kCount, observer.mechanism()));
}

// S19, S23 (WIN-4): two pending 16-byte receives and one 32-byte send: the
// first receive gets bytes 0-15, the second bytes 16-31.
WSAC_CASE_P(StreamOrdering, TwoSixteenByteReceivesSplitOneSend, "S19", "S23", "WIN-4") {
  std::vector<char> first(16, kFill), second(16, kFill);
  Operation& r0 = PostRecv(first);
  Operation& r1 = PostRecv(second);
  ASSERT_EQ(r0.outcome, Outcome::Pending) << observer.Describe(r0);
  ASSERT_EQ(r1.outcome, Outcome::Pending) << observer.Describe(r1);
  pair.SendFromPeer(CounterPattern(0, 32));
  std::optional<Indication> i0 = observer.Wait(r0);
  std::optional<Indication> i1 = observer.Wait(r1);
  ObserveIndication("recv0", i0);
  ObserveIndication("recv1", i1);
  ASSERT_TRUE(i0.has_value()) << observer.Describe(r0);
  ASSERT_TRUE(i1.has_value()) << observer.Describe(r1);
  EXPECT_EQ(i0->error, 0u);
  EXPECT_EQ(i1->error, 0u);
  EXPECT_EQ(i0->bytes, 16u);
  EXPECT_EQ(i1->bytes, 16u);
  Observe("recv0.first_mismatch", FirstMismatch(first, 0));
  Observe("recv1.first_mismatch", FirstMismatch(second, 16));
  EXPECT_EQ(FirstMismatch(first, 0), -1) << "first receive does not hold bytes 0-15";
  EXPECT_EQ(FirstMismatch(second, 16), -1) << "second receive does not hold bytes 16-31";
}

INSTANTIATE_TEST_SUITE_P(Ordering, StreamOrdering,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = AllMechanisms()})), ParamName);

class DatagramOrdering : public OrderingCase {};

// S20, S21 (S22 reported): 64 datagram sends queued at once arrive in the
// order supplied (the peer has a receive posted for each).
WSAC_CASE_P(DatagramOrdering, QueuedDatagramsTransmittedInOrder, "S20", "S21", "S22") {
  constexpr size_t kCount = 64;
  std::vector<std::unique_ptr<PeerRecv>> peer;
  for (size_t i = 0; i < kCount; ++i) peer.push_back(std::make_unique<PeerRecv>(p, pair.b, 1024));
  std::vector<std::vector<char>> payloads;
  std::vector<Operation*> ops;
  for (size_t i = 0; i < kCount; ++i) {
    payloads.push_back(CounterPattern(0, 200 + i * 10, 500 + static_cast<unsigned>(i)));
    Operation& op = PostSend({{static_cast<ULONG>(payloads.back().size()), payloads.back().data()}});
    ASSERT_NE(op.outcome, Outcome::Failed) << "send " << i << ": " << observer.Describe(op);
    ops.push_back(&op);
  }
  for (size_t i = 0; i < kCount; ++i) {
    int error = 0;
    long long n = peer[i]->Wait(&error);
    Observe("peer_receive" + std::to_string(i) + ".bytes", n);
    ASSERT_EQ(n, static_cast<long long>(payloads[i].size())) << "peer receive " << i << " error " << error;
    ASSERT_EQ(FirstMismatch(peer[i]->buf.data(), n, 0, 500 + static_cast<unsigned>(i)), -1)
        << "peer receive " << i << " did not get datagram " << i;
  }
  std::vector<size_t> order = CollectInOrder(ops);
  ASSERT_EQ(order.size(), kCount) << "not every send was indicated";
  for (size_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(ops[i]->indication->error, 0u) << "send " << i;
    EXPECT_EQ(ops[i]->indication->bytes, payloads[i].size()) << "send " << i;
  }
  Report("S22", OrderText(order, kCount, observer.mechanism()));
}

INSTANTIATE_TEST_SUITE_P(Ordering, DatagramOrdering,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms()})), ParamName);

}  // namespace
}  // namespace wsac
