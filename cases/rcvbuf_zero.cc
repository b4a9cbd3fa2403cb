// S10, S11: SO_RCVBUF 0 on the receiving socket.
//   S10  reliable (stream): data is taken in only into posted buffers (with
//        nothing posted the socket holds nothing: FIONREAD stays 0) and
//        none of it is lost once receives are posted
//   S11  unreliable (datagram): a datagram arriving while no receive is
//        posted is lost
// Loss is shown deterministically: datagram A is sent while nothing is
// posted, and a copy of it to a witness socket (default SO_RCVBUF, same
// sender, sent right after A) tells when A would have arrived. Then a
// receive is posted and datagram B sent: the receive must get B, not A (B's
// delivery into the posted receive is S7's).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kFill = '\x3A';

void SetRcvBufZero(Provider& p, SOCKET s) {
  int zero = 0;
  if (p.setsockopt(s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&zero), sizeof zero) != 0)
    throw SetupFailed("setsockopt(SO_RCVBUF, 0) failed with " + std::to_string(p.WSAGetLastError()));
  int value = -1, len = sizeof value;
  if (p.getsockopt(s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char*>(&value), &len) == 0) Observe("so_rcvbuf", value);
}

// Stream content whose every 16-byte run occurs at one offset only (unlike
// CounterPattern, whose runs repeat every 256 bytes), so the receives' bytes
// can be located in what was sent: a reordered stream tells apart from a
// damaged one.
std::vector<char> LocatableBytes(size_t offset, size_t len) {
  std::vector<char> out(len);
  for (size_t i = 0; i < len; ++i) {
    std::uint32_t x = static_cast<std::uint32_t>(offset + i) * 0x9E3779B1u;
    x ^= x >> 15;
    x *= 0x85EBCA77u;
    x ^= x >> 13;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

u_long Queued(Provider& p, SOCKET s) {
  u_long queued = 0;
  if (p.ioctlsocket(s, FIONREAD, &queued) != 0)
    throw SetupFailed("FIONREAD failed with " + std::to_string(p.WSAGetLastError()));
  return queued;
}

// Overlapped sends that are not the subject of the case (the peer's, the
// datagram sender's), watched with events. Data and WSAOVERLAPPED live as
// long as the process (LongLivedBuffer, the observer's operations), so a
// send still pending when a case ends early never points into freed memory.
// A send the provider refuses or never finishes is a broken setup.
class HelperSends {
 public:
  HelperSends(Provider& p, SOCKET s) : p_(p), s_(s), observer_(p, Mechanism::Event) {}

  Operation& Start(const std::vector<char>& content, const sockaddr_storage* to = nullptr, int to_len = 0) {
    char* data = LongLivedBuffer(content.size());
    std::memcpy(data, content.data(), content.size());
    WSABUF buf{static_cast<ULONG>(content.size()), data};
    Operation& op = observer_.NewOperation(s_);
    DWORD bytes = 0;
    int ret = to == nullptr ? p_.WSASend(s_, &buf, 1, &bytes, 0, &op.ov, nullptr)
                            : p_.WSASendTo(s_, &buf, 1, &bytes, 0, reinterpret_cast<const sockaddr*>(to), to_len,
                                           &op.ov, nullptr);
    if (observer_.Track(op, ret, ret == 0 ? 0 : p_.WSAGetLastError()) == Outcome::Failed)
      throw SetupFailed("a helper send was refused: " + observer_.Describe(op));
    return op;
  }
  // The send's byte count once it has completed successfully.
  DWORD Finish(Operation& op) {
    std::optional<Indication> ind =
        op.outcome == Outcome::Immediate ? observer_.TakeImmediate(op) : observer_.Wait(op);
    if (!ind || ind->error != 0) throw SetupFailed("a helper send did not complete: " + observer_.Describe(op));
    return ind->bytes;
  }

 private:
  Provider& p_;
  SOCKET s_;
  CompletionObserver observer_;
};

class StreamRcvBufZero : public PairCase {
 protected:
  StreamRcvBufZero() : peer(p, pair.b) {}
  // The sockets close before `peer` drains, so the peer's sends still
  // pending are ended by the close rather than waited for.
  ~StreamRcvBufZero() override {
    if (pair.b != INVALID_SOCKET) pair.CloseB();
    if (pair.a != INVALID_SOCKET) pair.CloseA();
  }
  void SetUp() override { SetRcvBufZero(p, pair.a); }

  // S10's first half: with no receive posted, the side under test takes in
  // nothing of what the peer sent. Data that must not arrive can only be
  // watched for, so FIONREAD is asked for the quiet window.
  void ExpectNothingTakenIn() {
    u_long queued = 0;
    PollUntil(p, Deadline(QuietWindow()), [&] { return (queued = Queued(p, pair.a)) > 0; });
    Observe("fionread_with_nothing_posted", static_cast<std::int64_t>(queued));
    // The check compares "took in anything", not the count: how much had
    // arrived when the poll first saw data depends on the peer's timing, and
    // a deviation's signature must not.
    const bool took_in_data = queued > 0;
    WSAC_EXPECT_FALSE("S10", took_in_data)
        << "with SO_RCVBUF 0 and no receive posted, the socket took in " << queued << " bytes (FIONREAD)";
  }

  // Receives `len` bytes through the mechanism in receives of up to `chunk`
  // bytes each, appending what each receive got to *parts. A receive that
  // fails, is never indicated or sees the connection end loses the rest
  // (S10).
  void ReceiveAll(std::vector<std::vector<char>>* parts, size_t len, size_t chunk) {
    size_t done = 0;
    while (done < len) {
      size_t want = std::min(chunk, len - done);
      char* buf = LongLivedBuffer(want);
      Operation& op = observer.NewOperation(pair.a);
      DWORD bytes = 0, flags = 0;
      int ret = RecvOn(pair.a, op, buf, static_cast<ULONG>(want), &bytes, &flags);
      WSAC_ASSERT_NE("S10", op.outcome, Outcome::Failed)
          << "receive at offset " << done << " refused: " << observer.Describe(op);
      std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
      WSAC_ASSERT_TRUE("S10", ind.has_value())
          << "receive at offset " << done << " not indicated: " << observer.Describe(op);
      WSAC_ASSERT_EQ("S10", ind->error, 0u) << "receive at offset " << done << ": " << observer.Describe(op);
      WSAC_ASSERT_GT("S10", ind->bytes, 0u) << "the connection ended at offset " << done << " of " << len;
      parts->emplace_back(buf, buf + ind->bytes);
      done += ind->bytes;
    }
  }

  // The receives' bytes, in posting order, against the `total` bytes sent,
  // split into runs of the sent bytes. Bytes that are no run of them, or
  // runs that miss or repeat some of the sent bytes, mean data was lost or
  // replaced (S10); runs that cover the sent bytes once but not one after
  // another mean they came out of order, which `order` owns (S23 for the
  // receives, S21 for the peer's sends).
  void ExpectStreamIntact(const std::vector<std::vector<char>>& parts, size_t total, const char* order) {
    const std::vector<char> sent = LocatableBytes(0, total);
    struct Run {
      size_t at, len;
    };
    std::vector<Run> runs;
    bool foreign = false;
    size_t next = 0;  // where an in-order run starts
    for (const std::vector<char>& part : parts) {
      for (size_t j = 0; j < part.size() && !foreign;) {
        // A short probe locates the run; the next in-order position is tried first.
        const size_t probe = std::min<size_t>(16, part.size() - j);
        auto probe_begin = part.begin() + static_cast<std::ptrdiff_t>(j);
        size_t at = next;
        if (at + probe > total || !std::equal(probe_begin, probe_begin + static_cast<std::ptrdiff_t>(probe),
                                              sent.begin() + static_cast<std::ptrdiff_t>(at))) {
          auto found = std::search(sent.begin(), sent.end(), probe_begin, probe_begin + static_cast<std::ptrdiff_t>(probe));
          foreign = found == sent.end();
          at = static_cast<size_t>(found - sent.begin());
        }
        if (foreign) break;
        size_t len = probe;
        while (j + len < part.size() && at + len < total && part[j + len] == sent[at + len]) ++len;
        runs.push_back({at, len});
        j += len;
        next = at + len;
      }
    }
    bool in_order = !foreign;
    for (size_t k = 0; k < runs.size() && in_order; ++k) in_order = runs[k].at == (k == 0 ? 0 : runs[k - 1].at + runs[k - 1].len);
    std::vector<Run> sorted = runs;
    std::sort(sorted.begin(), sorted.end(), [](const Run& x, const Run& y) { return x.at < y.at; });
    size_t covered = 0;  // sent bytes covered once, from offset 0 on
    for (const Run& r : sorted) {
      if (r.at != covered) break;
      covered += r.len;
    }
    const bool intact = !foreign && covered == total;
    Observe("runs", static_cast<std::int64_t>(runs.size()));
    Observe("bytes_covered_once", static_cast<std::int64_t>(covered));
    WSAC_EXPECT_TRUE("S10", intact) << (foreign ? "a receive got bytes that were never sent"
                                                : "the receives do not hold every sent byte exactly once")
                                    << ": data lost or replaced";
    if (intact) {
      WSAC_EXPECT_TRUE(order, in_order) << "every sent byte arrived once, but out of order";
    } else {
      NotExercised(order, "data was lost or replaced, so the order of what arrived says nothing");
    }
  }

  HelperSends peer;
};

// S10, S23: a 64 KiB peer send started while nothing is posted is not taken
// in until receives are posted, then received completely (S10), in the
// order the receives were posted (S23); the peer's send completes with its
// full count.
WSAC_CASE_P(StreamRcvBufZero, NothingLostWhenPostedLater, "S10", "S23") {
  // Small enough for a stack whose SO_RCVBUF 0 means a tiny TCP window.
  constexpr size_t kTotal = 64 * 1024;
  Operation& send = peer.Start(LocatableBytes(0, kTotal));
  Observe("peer_send.outcome", OutcomeName(send.outcome));
  ExpectNothingTakenIn();
  std::vector<std::vector<char>> parts;
  ReceiveAll(&parts, kTotal, 16 * 1024);
  if (HasFatalFailure()) return;
  ExpectStreamIntact(parts, kTotal, "S23");
  Observe("peer_send.bytes", static_cast<std::int64_t>(peer.Finish(send)));
}

// S7, S19, S10, S23: four 1 KiB receives posted before 4 KiB arrive wait
// for it (S7 for the first, S19 for the others outstanding with it), take
// all of it with nothing lost (S10), and are filled in posting order (S23).
WSAC_CASE_P(StreamRcvBufZero, PostedBeforeArrivalTakeEverything, "S7", "S19", "S10", "S23") {
  constexpr size_t kEach = 1024, kCount = 4;
  std::vector<char*> bufs;
  std::vector<Operation*> ops;
  for (size_t i = 0; i < kCount; ++i) {
    bufs.push_back(LongLivedBuffer(kEach));
    std::memset(bufs.back(), kFill, kEach);
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0, flags = 0;
    RecvOn(pair.a, op, bufs.back(), kEach, &bytes, &flags);
    WSAC_ASSERT_EQ(i == 0 ? "S7" : "S19", op.outcome, Outcome::Pending)
        << "receive " << i << " posted before any data must wait for it: " << observer.Describe(op);
    ops.push_back(&op);
  }
  pair.SendFromPeer(LocatableBytes(0, kEach * kCount));
  std::vector<std::vector<char>> parts;
  size_t received = 0;
  for (size_t i = 0; i < kCount; ++i) {
    std::optional<Indication> ind = observer.Wait(*ops[i]);
    ObserveIndication("recv" + std::to_string(i), ind);
    const char* statement = i == 0 ? "S7" : "S19";
    WSAC_ASSERT_TRUE(statement, ind.has_value()) << "data arrived, receive " << i << " not indicated: "
                                                 << observer.Describe(*ops[i]);
    WSAC_ASSERT_EQ(statement, ind->error, 0u) << observer.Describe(*ops[i]);
    WSAC_ASSERT_GT(statement, ind->bytes, 0u) << "receive " << i << " completed without data: " << observer.Describe(*ops[i]);
    parts.emplace_back(bufs[i], bufs[i] + ind->bytes);
    received += ind->bytes;
  }
  // A provider may fill them partially (S17); then the rest is still to come.
  if (received < kEach * kCount) ReceiveAll(&parts, kEach * kCount - received, kEach);
  if (HasFatalFailure()) return;
  ExpectStreamIntact(parts, kEach * kCount, "S23");
}

// S10, S21: 16 peer sends of varying sizes queued at once while nothing is
// posted are not taken in; then the side under test receives in varying
// sizes and gets every byte (S10), in the order the sends were queued (S21).
WSAC_CASE_P(StreamRcvBufZero, QueuedPeerSendsAllArrive, "S10", "S21") {
  std::vector<Operation*> sends;
  std::vector<size_t> lengths;
  size_t total = 0;
  for (int i = 0; i < 16; ++i) {
    size_t len = 500 + static_cast<size_t>(i) * 397;
    sends.push_back(&peer.Start(LocatableBytes(total, len)));
    lengths.push_back(len);
    total += len;
  }
  ExpectNothingTakenIn();
  std::vector<std::vector<char>> parts;
  ReceiveAll(&parts, total, 3000);
  if (HasFatalFailure()) return;
  ExpectStreamIntact(parts, total, "S21");
  for (size_t i = 0; i < sends.size(); ++i)
    if (peer.Finish(*sends[i]) != lengths[i]) throw SetupFailed("peer send " + std::to_string(i) + " completed part-way");
}

INSTANTIATE_TEST_SUITE_P(RcvBufZero, StreamRcvBufZero,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = AllMechanisms(),
                                         .creations = OverlappedCreations()})),
                         ParamName);

// Datagram loss needs three sockets: the side under test `a` (SO_RCVBUF 0,
// bound, not connected, so any sender reaches it), a sender, and a witness
// with default buffering that receives a copy of what `a` should have lost.
class DatagramRcvBufZero : public ::testing::TestWithParam<CaseParam> {
 protected:
  DatagramRcvBufZero() : p(ActiveProvider()), observer(p, GetParam().mechanism) {}
  // Closed before the observers drain: what is still pending ends by the close.
  ~DatagramRcvBufZero() override {
    for (SOCKET s : {a, sender, witness})
      if (s != INVALID_SOCKET) p.closesocket(s);
  }
  void SetUp() override {
    a = Open(GetParam().creation, &a_addr);
    sender = Open(Creation::WSASocketOverlapped, nullptr);
    witness = Open(Creation::WSASocketOverlapped, &witness_addr);
    sends.emplace(p, sender);
    SetRcvBufZero(p, a);
    observer.Attach(a);
  }
  SOCKET Open(Creation creation, sockaddr_storage* addr) {
    SocketKind kind = GetParam().kind;
    SOCKET s = CreateSocket(p, kind, creation);
    int len = 0;
    sockaddr_storage any = LoopbackAddress(kind, 0, &len);
    if (s == INVALID_SOCKET || p.bind(s, reinterpret_cast<sockaddr*>(&any), len) != 0) {
      int error = p.WSAGetLastError();
      if (s != INVALID_SOCKET) p.closesocket(s);
      if (FamilyOf(kind) == AF_INET6 && (error == WSAEAFNOSUPPORT || error == WSAEADDRNOTAVAIL))
        throw NotSupported("no IPv6 loopback: " + std::to_string(error));
      throw SetupFailed("creating a bound datagram socket failed with " + std::to_string(error));
    }
    if (addr != nullptr) {
      int alen = sizeof *addr;
      if (p.getsockname(s, reinterpret_cast<sockaddr*>(addr), &alen) != 0) throw SetupFailed("getsockname");
      addr_len = alen;
    }
    return s;
  }
  // One datagram from the sender to `to`, sent completely.
  void SendTo(const std::vector<char>& data, const sockaddr_storage& to) {
    sends->Finish(sends->Start(data, &to, addr_len));
  }
  // Sends `lost` to a, then its copy to the witness, and waits until the copy
  // arrived: by then `lost` has reached a (and been dropped, or not).
  void SendWhileNothingPosted(const std::vector<char>& lost) {
    SendTo(lost, a_addr);
    SendTo(lost, witness_addr);
    // Loopback delivery is asynchronous on real stacks.
    if (!PollUntil(p, Deadline(IndicationTimeout()), [&] { return Queued(p, witness) > 0; }))
      throw SetupFailed("the witness never received its copy");
  }
  // S11: what arrived with no receive posted is not held for a later one.
  void ExpectNothingQueued(const char* key) {
    u_long queued = Queued(p, a);
    Observe(key, static_cast<std::int64_t>(queued));
    WSAC_EXPECT_EQ("S11", queued, 0u) << "a datagram that arrived with no receive posted is held by the socket";
  }
  // A receive posted on `a` while nothing should be queued there: it waits
  // for the next datagram (S7), or finds one that was kept (S11's failure).
  Operation& PostReceive(char* buf, ULONG len) {
    std::memset(buf, kFill, len);
    Operation& op = observer.NewOperation(a);
    WSABUF wsabuf{len, buf};
    DWORD bytes = 0, flags = 0;
    int ret = p.WSARecv(a, &wsabuf, 1, &bytes, &flags, &op.ov, observer.routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  std::optional<Indication> Finish(Operation& op) {
    return op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op);
  }
  // After the datagram `lost` (salt lost_salt) arrived with nothing posted,
  // a receive is posted; if it waits, datagram `next` (salt next_salt) is
  // sent. The receive must not get `lost` (S11); if it does not, it gets
  // `next` whole (S7).
  void ExpectNextReceiveSkips(const std::vector<char>& lost, unsigned lost_salt, const std::vector<char>& next,
                              unsigned next_salt) {
    char* buf = LongLivedBuffer(1024);
    Operation& op = PostReceive(buf, 1024);
    ObserveCall("recv_after", op.call_ret, op.call_error);
    WSAC_ASSERT_NE("S7", op.outcome, Outcome::Failed) << "a receive posted on the idle socket was refused: "
                                                      << observer.Describe(op);
    if (op.outcome == Outcome::Immediate) {
      ObserveIndication("recv_after", observer.TakeImmediate(op));
      WSAC_ADD_FAILURE("S11") << "the receive completed at once: the datagram that arrived with no receive posted "
                                 "was kept for it";
      NotExercised("S7", "the receive completed at once with a kept datagram, so no further datagram was sent");
      return;
    }
    SendTo(next, a_addr);
    std::optional<Indication> ind = observer.Wait(op);
    ObserveIndication("recv_after", ind);
    bool got_lost = ind.has_value() && ind->bytes == lost.size() && FirstMismatch(buf, ind->bytes, 0, lost_salt) == -1;
    Observe("recv_after.got", got_lost ? "the datagram that should have been lost" : "not it");
    WSAC_EXPECT_FALSE("S11", got_lost) << "a datagram that arrived with no receive posted and SO_RCVBUF 0 was delivered";
    if (got_lost) {
      NotExercised("S7", "the receive got the kept datagram instead of the one sent after it was posted");
      return;
    }
    WSAC_ASSERT_TRUE("S7", ind.has_value()) << "a datagram arrived at the posted receive, no indication: "
                                            << observer.Describe(op);
    WSAC_EXPECT_EQ("S7", ind->error, 0u) << observer.Describe(op);
    WSAC_EXPECT_EQ("S7", ind->bytes, next.size());
    WSAC_EXPECT_EQ("S7", FirstMismatch(buf, ind->bytes, 0, next_salt), -1) << "the receive does not hold the datagram";
  }

  Provider& p;
  CompletionObserver observer;
  SOCKET a = INVALID_SOCKET, sender = INVALID_SOCKET, witness = INVALID_SOCKET;
  sockaddr_storage a_addr{}, witness_addr{};
  int addr_len = 0;
  std::optional<HelperSends> sends;  // destroyed before `observer`, after the sockets closed
};

// S11, S7: datagram A arrives while nothing is posted and is lost: it is not
// queued, and the receive posted afterwards gets datagram B, sent after it
// was posted.
WSAC_CASE_P(DatagramRcvBufZero, UnpostedDatagramLost, "S11", "S7") {
  const std::vector<char> lost = CounterPattern(0, 200, 1), kept = CounterPattern(0, 300, 2);
  SendWhileNothingPosted(lost);
  ExpectNothingQueued("fionread_after_A");
  ExpectNextReceiveSkips(lost, 1, kept, 2);
}

// S7: SO_RCVBUF 0 does not drop a datagram that finds a receive posted: it
// is delivered whole.
WSAC_CASE_P(DatagramRcvBufZero, PostedDatagramDelivered, "S7") {
  char* buf = LongLivedBuffer(1024);
  Operation& op = PostReceive(buf, 1024);
  WSAC_ASSERT_EQ("S7", op.outcome, Outcome::Pending) << "a receive posted before any datagram must wait for one: "
                                                     << observer.Describe(op);
  const std::vector<char> data = CounterPattern(0, 500, 4);
  SendTo(data, a_addr);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  WSAC_ASSERT_TRUE("S7", ind.has_value()) << "a datagram sent to a posted receive was lost: " << observer.Describe(op);
  WSAC_EXPECT_EQ("S7", ind->error, 0u) << observer.Describe(op);
  WSAC_EXPECT_EQ("S7", ind->bytes, data.size());
  WSAC_EXPECT_EQ("S7", FirstMismatch(buf, ind->bytes, 0, 4), -1) << "the receive does not hold the datagram";
}

// S19, S11, S7: two receives outstanding at once each get one of the two
// datagrams sent (S19); the third datagram, arriving with no receive left,
// is lost (S11); a receive posted afterwards gets the fourth (S7).
WSAC_CASE_P(DatagramRcvBufZero, OnlyPostedReceivesGetDatagrams, "S11", "S19", "S7") {
  char* bufs[2] = {LongLivedBuffer(1024), LongLivedBuffer(1024)};
  Operation& r0 = PostReceive(bufs[0], 1024);
  Operation& r1 = PostReceive(bufs[1], 1024);
  WSAC_ASSERT_EQ("S7", r0.outcome, Outcome::Pending) << "a receive posted before any datagram must wait for one: "
                                                     << observer.Describe(r0);
  WSAC_ASSERT_EQ("S19", r1.outcome, Outcome::Pending)
      << "a second receive posted while the first is outstanding did not stay outstanding: " << observer.Describe(r1);
  SendTo(CounterPattern(0, 100, 10), a_addr);
  SendTo(CounterPattern(0, 110, 11), a_addr);
  const std::vector<char> third = CounterPattern(0, 120, 12);
  SendWhileNothingPosted(third);
  // Which receive gets which datagram is S23's business; each gets one.
  bool got[2] = {false, false};
  for (int i = 0; i < 2; ++i) {
    Operation& op = i == 0 ? r0 : r1;
    std::optional<Indication> ind = observer.Wait(op);
    ObserveIndication("recv" + std::to_string(i), ind);
    WSAC_ASSERT_TRUE("S19", ind.has_value()) << "outstanding receive " << i << " not indicated: " << observer.Describe(op);
    WSAC_EXPECT_EQ("S19", ind->error, 0u) << observer.Describe(op);
    int which = -1;
    for (int d = 0; d < 2; ++d)
      if (!got[d] && ind->bytes == 100u + 10u * d && FirstMismatch(bufs[i], ind->bytes, 0, 10 + d) == -1) which = d;
    WSAC_EXPECT_GE("S19", which, 0) << "outstanding receive " << i << " did not get one of the two datagrams whole";
    if (which >= 0) got[which] = true;
  }
  ExpectNothingQueued("fionread_after_third");
  ExpectNextReceiveSkips(third, 12, CounterPattern(0, 130, 13), 13);
}

INSTANTIATE_TEST_SUITE_P(RcvBufZero, DatagramRcvBufZero,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms(),
                                         .creations = OverlappedCreations()})),
                         ParamName);

}  // namespace
}  // namespace wsac
