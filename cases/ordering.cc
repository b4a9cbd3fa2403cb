// S19, S20, S21, S22, S23, S24 (and WIN-4): many outstanding operations on
// one socket, and the order of data and of completion indications.
//   S19/S20  several receives / sends can be outstanding at once
//   S21      sends are transmitted in the order supplied
//   S23      receive buffers are filled in the order supplied
//   S22/S24  (MAY) indications may come in another order: reported
// and, with them, ARG-10 (the buffers of one send go out in array order),
// WIN-13 (a stream send completes with its full count) and WIN-4 (two
// 16-byte receives split one 32-byte send). Content is CounterPattern
// throughout (stream offset, or a salt per datagram), so a misplaced byte is
// found at its offset. Every buffer and result word of an operation, on
// either side, lives as long as the process: an operation still pending when
// a check ends the case writes into memory that is still ours.
#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kFill = '\x7E';

char* ReceiveBuffer(size_t len) {
  char* buf = LongLivedBuffer(len);
  std::memset(buf, kFill, len);
  return buf;
}
// Send content, which the provider reads until the send is indicated.
char* SendBuffer(const std::vector<char>& content) {
  char* buf = LongLivedBuffer(content.size());
  std::memcpy(buf, content.data(), content.size());
  return buf;
}

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

// One send of a series: the buffer it posts, cut into `parts` WSABUF
// entries, and what that buffer held when posted (the buffer itself is the
// provider's until the send is indicated, and a provider may write it: S12).
struct Payload {
  Payload(std::vector<char> content, size_t parts)
      : data(SendBuffer(content)), len(content.size()), parts(parts), posted(std::move(content)) {}
  char* data;
  size_t len;
  size_t parts;
  std::vector<char> posted;
};

// Whether two byte ranges hold the same bytes, in any order.
bool SameBytes(const char* a, size_t a_len, const char* b, size_t b_len) {
  if (a_len != b_len) return false;
  std::array<long, 256> count{};
  for (size_t i = 0; i < a_len; ++i) ++count[static_cast<unsigned char>(a[i])];
  for (size_t i = 0; i < b_len; ++i) --count[static_cast<unsigned char>(b[i])];
  return std::all_of(count.begin(), count.end(), [](long c) { return c == 0; });
}

// Where a send's bytes were found: as posted, as its own bytes in another
// order (a multi-buffer send put out of array order: ARG-10), or not there
// (another send's bytes: S21).
enum class Placement { AsPosted, ReorderedWithin, Elsewhere };
Placement Compare(const char* got, size_t got_len, const Payload& want) {
  if (got_len == want.len && std::equal(got, got + got_len, want.posted.begin())) return Placement::AsPosted;
  if (want.parts > 1 && SameBytes(got, got_len, want.posted.data(), want.len)) return Placement::ReorderedWithin;
  return Placement::Elsewhere;
}

// Where the bytes a receive holds came from: the place the order of the
// receives gives them (S23), another place in what was sent (S23 broken), or
// nowhere, because they were never sent (the data was not placed in the
// posted buffers: S7 broken, and the order cannot be read from them).
enum class Source { InPlace, OutOfPlace, NotSent };
Source StreamSource(const std::vector<char>& sent, const char* got, size_t n, size_t expected_at) {
  if (expected_at + n <= sent.size() && std::equal(got, got + n, sent.begin() + expected_at)) return Source::InPlace;
  return std::search(sent.begin(), sent.end(), got, got + n) != sent.end() ? Source::OutOfPlace : Source::NotSent;
}
Source DatagramSource(const std::vector<std::vector<char>>& sent, const char* got, size_t n, size_t expected) {
  auto holds = [&](const std::vector<char>& d) { return d.size() == n && std::equal(got, got + n, d.begin()); };
  if (expected < sent.size() && holds(sent[expected])) return Source::InPlace;
  return std::any_of(sent.begin(), sent.end(), holds) ? Source::OutOfPlace : Source::NotSent;
}
// The first receive of a series whose bytes were never sent, and the first
// whose bytes came from another place.
struct Sources {
  long long not_sent = -1, out_of_place = -1;
  void Add(size_t i, Source s) {
    long long& first = s == Source::NotSent ? not_sent : out_of_place;
    if (s != Source::InPlace && first < 0) first = static_cast<long long>(i);
  }
};

class OrderingCase : public PairCase {
 protected:
  OrderingCase() : peer_observer_(p, Mechanism::Event) {
    std::lock_guard lock(g_routine_mutex);
    g_routine_order.clear();
  }
  // The peer goes first, so its receives still pending are ended by the
  // close and the peer observer's drain finds them indicated.
  ~OrderingCase() override {
    if (pair.b != INVALID_SOCKET) pair.CloseB();
  }

  // Whether the running case claims the statement: the shared steps check
  // ARG-10 and WIN-13 only for the cases that do.
  static bool Claims(const char* id) {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::vector<std::string> ids = StatementsOfTest(info->test_suite_name(), info->name());
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }
  // The routine argument: the sequencing one for the Routine mechanism.
  LPWSAOVERLAPPED_COMPLETION_ROUTINE Routine() const {
    return observer.mechanism() == Mechanism::Routine ? &SequencedRoutine : nullptr;
  }
  Operation& PostRecv(char* buf, size_t len) {
    Operation& op = observer.NewOperation(pair.a);
    WSABUF wsabuf{static_cast<ULONG>(len), buf};
    DWORD* flags = LongLivedWord();
    *flags = 0;
    int ret = p.WSARecv(pair.a, &wsabuf, 1, LongLivedWord(), flags, &op.ov, Routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  // Posts a series of receives (into recv_bufs_, recvs_) before any data is
  // sent. The first must pend for the case to start; each later one is
  // posted while the earlier ones are outstanding, and S19 says the provider
  // accepts it (with no data there, accepted means pending).
  void PostOutstandingRecvs(const std::vector<size_t>& lens) {
    for (size_t i = 0; i < lens.size(); ++i) {
      recv_bufs_.push_back(ReceiveBuffer(lens[i]));
      Operation& op = PostRecv(recv_bufs_.back(), lens[i]);
      recvs_.push_back(&op);
      if (i == 0 && op.outcome != Outcome::Pending)
        throw SetupFailed("a receive posted before any data was sent did not pend: " + observer.Describe(op));
      if (i > 0) {
        WSAC_ASSERT_EQ("S19", op.outcome, Outcome::Pending)
            << "receive " << i << ", posted while " << i << " were outstanding and no data was sent: "
            << observer.Describe(op);
      }
    }
  }

  // With no send buffer a stream send waits for the peer to take its bytes,
  // so the sends of a series stay outstanding behind one another (S20) on
  // real stacks too, whose buffers otherwise take a whole series at once.
  void NoSendBuffer() {
    int zero = 0;
    if (pair.stream() &&
        p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero) != 0)
      throw SetupFailed("setsockopt(SO_SNDBUF, 0) failed with " + std::to_string(p.WSAGetLastError()));
  }

  // A series of sends, and for each whether it was issued while an earlier
  // one of the series had pended: only then were two outstanding at once.
  struct SendSeries {
    std::vector<Payload> payloads;
    std::vector<Operation*> ops;
    std::vector<bool> behind;
    bool any_pended = false;
  };
  // Issues the next send of the series, cut into its parts. A refusal while
  // an earlier send is outstanding breaks S20; with none outstanding the
  // case cannot start (a plain send is no statement of this file).
  void IssueSend(size_t i) {
    SendSeries& s = s_;
    const Payload& d = s.payloads[i];
    std::vector<WSABUF> bufs;
    for (size_t k = 0, at = 0; k < d.parts; ++k) {
      size_t end = k + 1 == d.parts ? d.len : (k + 1) * d.len / d.parts;
      bufs.push_back({static_cast<ULONG>(end - at), d.data + at});
      at = end;
    }
    Operation& op = observer.NewOperation(pair.a);
    int ret = p.WSASend(pair.a, bufs.data(), static_cast<DWORD>(bufs.size()), LongLivedWord(), 0, &op.ov, Routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    s.ops.push_back(&op);
    s.behind.push_back(s.any_pended);
    if (!s.any_pended && op.outcome == Outcome::Failed)
      throw SetupFailed("send " + std::to_string(i) + " failed with no other send outstanding: " +
                        observer.Describe(op));
    if (s.any_pended) {
      WSAC_ASSERT_NE("S20", op.outcome, Outcome::Failed)
          << "send " << i << " was refused while an earlier send was pending: " << observer.Describe(op);
    }
    s.any_pended = s.any_pended || op.outcome == Outcome::Pending;
  }
  // Collects the indications of the series (S22 reported). A send issued
  // behind an outstanding one must be indicated with success (S20); the
  // others are no statement of this file, so a missing one stops the case.
  // On a stream each completes with its full count (WIN-13).
  void FinishSeries() {
    SendSeries& s = s_;
    const size_t count = s.ops.size();
    std::vector<size_t> order = CollectInOrder(s.ops);
    bool any_behind = false;
    for (size_t i = 0; i < count; ++i) {
      const std::optional<Indication>& ind = s.ops[i]->indication;
      if (!s.behind[i]) {
        if (!ind) throw SetupFailed("send " + std::to_string(i) + " was never indicated: " + observer.Describe(*s.ops[i]));
      } else {
        any_behind = true;
        WSAC_ASSERT_TRUE("S20", ind.has_value()) << "send " << i << ", queued behind a pending one, was never indicated: "
                                                 << observer.Describe(*s.ops[i]);
        WSAC_EXPECT_EQ("S20", ind->error, 0u) << "send " << i << ", queued behind a pending one, failed";
      }
      if (pair.stream() && Claims("WIN-13")) {
        WSAC_EXPECT_EQ("WIN-13", ind->bytes, s.payloads[i].len) << "send " << i;
      }
    }
    if (!any_behind) NotExercised("S20", "no send pended before the last was issued: none was outstanding with another");
    if (!pair.stream() && Claims("WIN-13")) NotExercised("WIN-13", "datagram socket");
    Observe("sends_issued_behind_a_pending_one",
            static_cast<std::int64_t>(std::count(s.behind.begin(), s.behind.end(), true)));
    Report("S22", OrderText(order, count, observer.mechanism()));
  }
  // Checks the stream the peer received against the series: every send's
  // bytes in its place in the order supplied (S21), and a multi-buffer
  // send's buffers in array order (ARG-10). Bytes no send posted are no
  // order at all: what was transmitted (S12) or the peer's receive is
  // broken, and the order cannot be judged.
  void ExpectStreamInOrder(const std::vector<char>& got) {
    std::vector<char> sent;
    for (const Payload& d : s_.payloads) sent.insert(sent.end(), d.posted.begin(), d.posted.end());
    if (!SameBytes(got.data(), got.size(), sent.data(), sent.size()))
      throw SetupFailed("the peer received bytes no send posted (first difference at stream offset " +
                        std::to_string(FirstMismatch(got, 0)) + "): not an order the sends could be judged by");
    long long misplaced = -1, reordered = -1;
    size_t at = 0;
    for (size_t i = 0; i < s_.payloads.size(); ++i) {
      const Payload& d = s_.payloads[i];
      Placement where = at + d.len <= got.size() ? Compare(got.data() + at, d.len, d) : Placement::Elsewhere;
      if (where == Placement::Elsewhere && misplaced < 0) misplaced = static_cast<long long>(i);
      if (where == Placement::ReorderedWithin && reordered < 0) reordered = static_cast<long long>(i);
      at += d.len;
    }
    Observe("first_mismatch", FirstMismatch(got, 0));
    Observe("first_send_not_in_place", misplaced);
    WSAC_EXPECT_EQ("S21", misplaced, -1) << "the stream does not hold the sends in the order supplied (first send "
                                            "whose place holds other bytes; stream offset "
                                         << FirstMismatch(got, 0) << ")";
    ExpectArrayOrder(reordered);
  }
  // The same for datagrams, one peer receive per send.
  void ExpectDatagramsInOrder(const std::vector<Operation*>& peer, const std::vector<char*>& peer_bufs) {
    long long misplaced = -1, reordered = -1;
    for (size_t i = 0; i < s_.payloads.size(); ++i) {
      std::optional<Indication> ind = peer_observer_.Wait(*peer[i]);
      WSAC_ASSERT_TRUE("S21", ind.has_value() && ind->error == 0)
          << "datagram " << i << " of the series never reached the peer: " << peer_observer_.Describe(*peer[i]);
      Placement where = Compare(peer_bufs[i], ind->bytes, s_.payloads[i]);
      auto holds = [&](const Payload& d) { return Compare(peer_bufs[i], ind->bytes, d) == Placement::AsPosted; };
      if (where == Placement::Elsewhere && std::none_of(s_.payloads.begin(), s_.payloads.end(), holds))
        throw SetupFailed("peer receive " + std::to_string(i) + " got " + std::to_string(ind->bytes) +
                          " bytes that no send posted: not an order the sends could be judged by");
      if (where == Placement::Elsewhere && misplaced < 0) misplaced = static_cast<long long>(i);
      if (where == Placement::ReorderedWithin && reordered < 0) reordered = static_cast<long long>(i);
    }
    Observe("first_datagram_not_in_place", misplaced);
    WSAC_EXPECT_EQ("S21", misplaced, -1) << "the peer's receive of that index did not get that send's datagram";
    ExpectArrayOrder(reordered);
  }
  void ExpectArrayOrder(long long reordered) {
    if (!Claims("ARG-10")) return;
    Observe("first_send_out_of_array_order", reordered);
    WSAC_EXPECT_EQ("ARG-10", reordered, -1) << "a send's own bytes went out in another order than its WSABUF array";
  }
  // Peer receives posted before the series, so no datagram depends on
  // buffering (S9 is another file's).
  std::vector<Operation*> PostPeerReceives(size_t count, size_t len, std::vector<char*>* bufs) {
    std::vector<Operation*> ops;
    for (size_t i = 0; i < count; ++i) {
      char* buf = ReceiveBuffer(len);
      Operation& op = peer_observer_.NewOperation(pair.b);
      WSABUF wsabuf{static_cast<ULONG>(len), buf};
      DWORD* flags = LongLivedWord();
      *flags = 0;
      int ret = p.WSARecv(pair.b, &wsabuf, 1, LongLivedWord(), flags, &op.ov, nullptr);
      if (peer_observer_.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError()) == Outcome::Failed)
        throw SetupFailed("peer receive " + std::to_string(i) + " failed: " + peer_observer_.Describe(op));
      ops.push_back(&op);
      bufs->push_back(buf);
    }
    return ops;
  }

  // S7 and S23 over where the bytes of a series of receives came from.
  void ExpectSources(const Sources& from) {
    Observe("first_receive_not_sent", from.not_sent);
    Observe("first_receive_out_of_place", from.out_of_place);
    WSAC_EXPECT_EQ("S7", from.not_sent, -1) << "that receive's buffer holds bytes that were never sent";
    WSAC_EXPECT_EQ("S23", from.out_of_place, -1)
        << "that receive holds bytes meant for another receive: not filled in the order supplied";
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
          if (seen[i]) continue;  // a second packet: another file's statement (one indication per operation)
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

  CompletionObserver peer_observer_;  // the peer's own receives, by event
  SendSeries s_;
  std::vector<char*> recv_bufs_;  // the receives of the side under test
  std::vector<Operation*> recvs_;
};

class Ordering : public OrderingCase {};

// S19: 64 receives of varying sizes posted at once are all accepted and all
// complete; S23: the data that arrives fills them in the order supplied;
// S7: what they hold is data that was sent (S24: in which order they are
// indicated is reported).
WSAC_CASE_P(Ordering, ManyReceivesFilledInOrder, "S19", "S23", "S24", "S7") {
  constexpr size_t kCount = 64;
  std::vector<size_t> sizes, lens;
  for (size_t i = 0; i < kCount; ++i) {
    sizes.push_back(pair.stream() ? 100 + (i * 37) % 400 : 100 + i * 13);
    lens.push_back(pair.stream() ? sizes[i] : 2048);
  }
  PostOutstandingRecvs(lens);
  if (HasFatalFailure()) return;
  const std::vector<char*>& bufs = recv_bufs_;
  const std::vector<Operation*>& ops = recvs_;
  // Stream: exactly the posted capacity, so every receive completes however
  // the provider chunks it (S17). Datagram: one per receive.
  std::vector<char> stream_sent;
  std::vector<std::vector<char>> datagrams_sent;
  if (pair.stream()) {
    size_t total = 0;
    for (size_t s : sizes) total += s;
    stream_sent = CounterPattern(0, total);
    pair.SendFromPeer(stream_sent);
  } else {
    for (size_t i = 0; i < kCount; ++i) {
      datagrams_sent.push_back(CounterPattern(0, sizes[i], 200 + static_cast<unsigned>(i)));
      pair.SendFromPeer(datagrams_sent.back());
    }
  }
  std::vector<size_t> order = CollectInOrder(ops);
  Observe("indicated", static_cast<std::int64_t>(order.size()));
  Report("S24", OrderText(order, kCount, observer.mechanism()));

  Sources from;
  size_t at = 0;  // where receive i's bytes start in the stream, if filled in order
  for (size_t i = 0; i < kCount; ++i) {
    const std::optional<Indication>& ind = ops[i]->indication;
    WSAC_ASSERT_TRUE("S19", ind.has_value())
        << "receive " << i << " of " << kCount << " outstanding was never indicated although data for every one "
        << "was sent: " << observer.Describe(*ops[i]);
    WSAC_ASSERT_EQ("S19", ind->error, 0u) << "receive " << i << " of " << kCount << " outstanding failed: "
                                          << observer.Describe(*ops[i]);
    WSAC_ASSERT_GT("S19", ind->bytes, 0u) << "receive " << i << " of " << kCount << " outstanding completed empty";
    from.Add(i, pair.stream() ? StreamSource(stream_sent, bufs[i], ind->bytes, at)
                              : DatagramSource(datagrams_sent, bufs[i], ind->bytes, i));
    at += ind->bytes;
  }
  ExpectSources(from);
}

// S23: eight receives posted; data arrives one piece at a time, and each
// piece goes to the earliest receive still pending; S19: all eight are
// accepted while the others are outstanding; S7: what they hold is data that
// was sent.
WSAC_CASE_P(Ordering, EarliestPostedReceiveGetsEachArrival, "S23", "S19", "S7") {
  constexpr size_t kCount = 8, kPiece = 100;
  PostOutstandingRecvs(std::vector<size_t>(kCount, pair.stream() ? kPiece : 1024));
  if (HasFatalFailure()) return;
  std::vector<char*>& bufs = recv_bufs_;
  std::vector<Operation*>& ops = recvs_;
  size_t next = 0;      // first receive not yet indicated
  size_t received = 0;  // stream bytes received so far
  const std::vector<char> stream_sent = CounterPattern(0, kCount * kPiece);
  std::vector<std::vector<char>> datagrams_sent;
  Sources from;
  for (size_t k = 0; k < kCount; ++k) {
    if (pair.stream()) {
      pair.SendFromPeer(CounterPattern(k * kPiece, kPiece));
    } else {
      datagrams_sent.push_back(CounterPattern(0, kPiece + k, 300 + static_cast<unsigned>(k)));
      pair.SendFromPeer(datagrams_sent.back());
    }
    if (pair.stream()) {
      // A stream piece may be split over consecutive receives, never skip one.
      while (received < (k + 1) * kPiece) {
        if (next == ops.size()) {
          // Short reads used up the posted receives; more keep the sequence going.
          bufs.push_back(ReceiveBuffer(kPiece));
          Operation& more = PostRecv(bufs.back(), kPiece);
          WSAC_ASSERT_NE("S19", more.outcome, Outcome::Failed) << observer.Describe(more);
          ops.push_back(&more);
        }
        std::optional<Indication> ind = observer.Wait(*ops[next]);
        WSAC_ASSERT_TRUE("S23", ind.has_value()) << "piece " << k << " did not complete receive " << next
                                                 << " (the earliest pending): " << observer.Describe(*ops[next]);
        WSAC_ASSERT_EQ("S23", ind->error, 0u) << "receive " << next << ": " << observer.Describe(*ops[next]);
        WSAC_ASSERT_GT("S23", ind->bytes, 0u) << "receive " << next << " completed empty while piece " << k << " was there";
        from.Add(next, StreamSource(stream_sent, bufs[next], ind->bytes, received));
        received += ind->bytes;
        ++next;
      }
    } else {
      std::optional<Indication> ind = observer.Wait(*ops[k]);
      WSAC_ASSERT_TRUE("S23", ind.has_value()) << "datagram " << k << " did not complete receive " << k
                                               << " (the earliest pending): " << observer.Describe(*ops[k]);
      WSAC_ASSERT_EQ("S23", ind->error, 0u) << "receive " << k << ": " << observer.Describe(*ops[k]);
      from.Add(k, DatagramSource(datagrams_sent, bufs[k], ind->bytes, k));
      next = k + 1;
    }
    // Everything sent so far has been received: the next receive has
    // nothing to complete with.
    if (next < ops.size()) {
      std::optional<Indication> early = Poll(*ops[next]);
      WSAC_ASSERT_FALSE("S23", early.has_value())
          << "receive " << next << " completed with no data left for it: " << observer.Describe(*ops[next]);
    }
  }
  ExpectSources(from);
}

// S21: 32 sends of one to three buffers each, queued at once (on a stream
// with SO_SNDBUF 0, so they queue behind one another): the peer receives
// them in the order supplied (one datagram per send on UDP), each send's
// buffers in array order (ARG-10); S20: those issued while an earlier one
// pended are accepted and complete; WIN-13: on a stream with their full
// count (S22: the order of their indications is reported).
WSAC_CASE_P(Ordering, MixedSizeSendsInOrder, "S21", "S20", "S22", "ARG-10", "WIN-13") {
  constexpr size_t kCount = 32;
  size_t total = 0;
  for (size_t i = 0; i < kCount; ++i) {
    // Lengths are distinct, so a datagram's length names its send.
    size_t len = pair.stream() ? 1 + (i * 977) % 6000 : 50 + (i * 29) % 900;
    std::vector<char> content =
        pair.stream() ? CounterPattern(total, len) : CounterPattern(0, len, 400 + static_cast<unsigned>(i));
    s_.payloads.emplace_back(std::move(content), 1 + i % 3);
    total += len;
  }
  std::vector<char*> peer_bufs;
  std::vector<Operation*> peer;
  if (!pair.stream()) peer = PostPeerReceives(kCount, 1024, &peer_bufs);
  NoSendBuffer();
  for (size_t i = 0; i < kCount; ++i) {
    IssueSend(i);
    if (HasFatalFailure()) return;
  }
  if (pair.stream())
    ExpectStreamInOrder(pair.ReceiveOnPeer(total));
  else
    ExpectDatagramsInOrder(peer, peer_bufs);
  if (HasFatalFailure()) return;
  FinishSeries();
}

INSTANTIATE_TEST_SUITE_P(Ordering, Ordering, ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()})),
                         ParamName);

class StreamOrdering : public OrderingCase {};

// S21: 1 MiB as 64 queued 16 KiB sends (SO_SNDBUF 0, so they queue behind
// one another) arrives at the peer byte-exact in supplied order; S20: the
// sends queued behind pending ones are accepted and complete; WIN-13: each
// with its full count (S22: the order of their indications is reported).
WSAC_CASE_P(StreamOrdering, QueuedSendsTransmittedInOrder, "S20", "S21", "S22", "WIN-13") {
  constexpr size_t kCount = 64, kEach = 16 * 1024;
  for (size_t i = 0; i < kCount; ++i) s_.payloads.emplace_back(CounterPattern(i * kEach, kEach), 1);
  NoSendBuffer();
  for (size_t i = 0; i < kCount; ++i) {
    IssueSend(i);
    if (HasFatalFailure()) return;
  }
  ExpectStreamInOrder(pair.ReceiveOnPeer(kCount * kEach));
  FinishSeries();
}

// WIN-4: two pending 16-byte receives and one 32-byte send: the first
// receive gets bytes 0-15, the second bytes 16-31. S23: whatever each got,
// the first holds the earlier bytes; S7: what they hold was sent. S19: the
// second is accepted while the first is outstanding.
WSAC_CASE_P(StreamOrdering, TwoSixteenByteReceivesSplitOneSend, "S19", "S23", "WIN-4", "S7") {
  PostOutstandingRecvs({16, 16});
  if (HasFatalFailure()) return;
  char* first = recv_bufs_[0];
  char* second = recv_bufs_[1];
  Operation& r0 = *recvs_[0];
  Operation& r1 = *recvs_[1];
  const std::vector<char> sent = CounterPattern(0, 32);
  pair.SendFromPeer(sent);
  std::optional<Indication> i0 = observer.Wait(r0);
  std::optional<Indication> i1 = observer.Wait(r1);
  ObserveIndication("recv0", i0);
  ObserveIndication("recv1", i1);
  WSAC_ASSERT_TRUE("WIN-4", i0.has_value() && i1.has_value())
      << "32 bytes arrived for two 16-byte receives: " << observer.Describe(r0) << " / " << observer.Describe(r1);
  WSAC_EXPECT_EQ("WIN-4", i0->error, 0u);
  WSAC_EXPECT_EQ("WIN-4", i1->error, 0u);
  WSAC_EXPECT_EQ("WIN-4", i0->bytes, 16u);
  WSAC_EXPECT_EQ("WIN-4", i1->bytes, 16u);
  if (i0->error != 0 || i1->error != 0) {
    NotExercised("S23", "a receive failed, so no data order can be read from them");
    NotExercised("S7", "a receive failed, so it was given no data");
    return;
  }
  // The first receive holds the stream's start, the second continues where
  // the first ended; bytes never sent are S7's, and say nothing of the order.
  const DWORD n0 = std::min<DWORD>(i0->bytes, 16), n1 = std::min<DWORD>(i1->bytes, 16);
  Sources from;
  from.Add(0, StreamSource(sent, first, n0, 0));
  from.Add(1, StreamSource(sent, second, n1, n0));
  ExpectSources(from);
  Observe("recv0.first_mismatch", FirstMismatch(first, 16, 0));
  Observe("recv1.first_mismatch", FirstMismatch(second, 16, 16));
  if (from.not_sent < 0) {
    WSAC_EXPECT_EQ("WIN-4", FirstMismatch(first, 16, 0), -1) << "the first receive does not hold bytes 0-15";
    WSAC_EXPECT_EQ("WIN-4", FirstMismatch(second, 16, 16), -1) << "the second receive does not hold bytes 16-31";
  }
}

INSTANTIATE_TEST_SUITE_P(Ordering, StreamOrdering,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = AllMechanisms()})), ParamName);

class DatagramOrdering : public OrderingCase {};

// S21: 64 datagram sends queued at once arrive in the order supplied (the
// peer has a receive posted for each); S20: those issued while an earlier
// one pended are accepted and complete (S22: the order of their indications
// is reported).
WSAC_CASE_P(DatagramOrdering, QueuedDatagramsTransmittedInOrder, "S20", "S21", "S22") {
  constexpr size_t kCount = 64;
  std::vector<char*> peer_bufs;
  std::vector<Operation*> peer = PostPeerReceives(kCount, 1024, &peer_bufs);
  for (size_t i = 0; i < kCount; ++i) {
    s_.payloads.emplace_back(CounterPattern(0, 200 + i * 10, 500 + static_cast<unsigned>(i)), 1);
  }
  for (size_t i = 0; i < kCount; ++i) {
    IssueSend(i);
    if (HasFatalFailure()) return;
  }
  ExpectDatagramsInOrder(peer, peer_bufs);
  if (HasFatalFailure()) return;
  FinishSeries();
}

INSTANTIATE_TEST_SUITE_P(Ordering, DatagramOrdering,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms()})), ParamName);

}  // namespace
}  // namespace wsac
