// Part B "Datagrams" (DGRAM-1..12): truncation, WSARecvFrom's address
// results, oversize sends, message boundaries.
//   DGRAM-1/2    a datagram larger than the posted buffers fills them; the
//                rest is lost
//   DGRAM-3/11   the indication reports WSAEMSGSIZE (ERROR_MORE_DATA through
//                a port) and the bytes placed; a truncation never succeeds
//   DGRAM-9/10   a receive finding the oversize datagram queued may pend or
//                fail at once with WSAEMSGSIZE (reported); after the latter
//                the indication still follows: the receive ran
//   DGRAM-4/5    WSARecvFrom fills lpFrom / lpFromlen at completion
//   DGRAM-6/7/12 a send above the maximum message size fails with
//                WSAEMSGSIZE, at once (then S18: no indication) or through
//                the indication of a send that pended (reported), and
//                transmits nothing
//   DGRAM-8      one receive, one datagram
// WSAEMSGSIZE is the one error a call may return for an operation that ran:
// a receive that placed data reports it like a warning and is indicated, a
// send that transmitted nothing is refused and is not.
#include <cstring>
#include <string>
#include <vector>

#include "suite/catalog/catalog.h"
#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kFill = '\x61';
// The 300-byte datagram meets buffers of 40 + 60 bytes.
constexpr ULONG kFirstBuffer = 40, kSecondBuffer = 60, kPlaced = kFirstBuffer + kSecondBuffer;

bool Accepted(const char* id, std::int64_t code) {
  const Statement* s = FindStatement(id);
  if (s == nullptr || s->accepted_codes.empty()) throw SetupFailed(std::string("catalog gives no accepted_codes for ") + id);
  for (auto c : s->accepted_codes)
    if (c == code) return true;
  return false;
}

class Datagrams : public PairCase {
 protected:
  Datagrams() : peer_observer(p, Mechanism::Event) {}
  // The sockets close before peer_observer drains, so a peer receive still
  // pending ends by the close rather than being waited for.
  ~Datagrams() override {
    if (pair.b != INVALID_SOCKET) pair.CloseB();
    if (pair.a != INVALID_SOCKET) pair.CloseA();
  }

  // A receive on the side under test through `call`; the buffers must
  // outlive the case (LongLivedBuffer), and so do lpFrom / lpFromlen.
  Operation& PostRecv(Call call, std::vector<WSABUF> bufs, FromSlot* from = nullptr) {
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0, flags = 0;
    int ret = SOCKET_ERROR;
    if (call == Call::WSARecvFrom) {
      if (from == nullptr) from = &NewFromSlot();
      ret = p.WSARecvFrom(pair.a, bufs.data(), static_cast<DWORD>(bufs.size()), &bytes, &flags,
                          reinterpret_cast<sockaddr*>(&from->addr), &from->len, &op.ov, observer.routine());
    } else {
      ret = p.WSARecv(pair.a, bufs.data(), static_cast<DWORD>(bufs.size()), &bytes, &flags, &op.ov,
                      observer.routine());
    }
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  Operation& PostRecv(char* buf, ULONG len) { return PostRecv(Call::WSARecv, {{len, buf}}); }
  Operation& Send(Call call, const char* data, ULONG len) {
    Operation& op = observer.NewOperation(pair.a);
    WSABUF buf{len, const_cast<char*>(data)};
    DWORD bytes = 0;
    int ret = call == Call::WSASendTo
                  ? p.WSASendTo(pair.a, &buf, 1, &bytes, 0, reinterpret_cast<const sockaddr*>(&pair.b_addr),
                                pair.addr_len, &op.ov, observer.routine())
                  : p.WSASend(pair.a, &buf, 1, &bytes, 0, &op.ov, observer.routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  std::optional<Indication> Finish(Operation& op) {
    return op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op);
  }
  static char* Filled(size_t len) {
    char* buf = LongLivedBuffer(len);
    std::memset(buf, kFill, len);
    return buf;
  }

  // DGRAM-1: the 40 + 60 byte buffers hold the datagram's first 100 bytes.
  void ExpectLeadingBytes(const char* b0, const char* b1, unsigned salt, const std::string& key) {
    Observe(key + ".buffer0.first_mismatch", FirstMismatch(b0, kFirstBuffer, 0, salt));
    Observe(key + ".buffer1.first_mismatch", FirstMismatch(b1, kSecondBuffer, kFirstBuffer, salt));
    WSAC_EXPECT_EQ("DGRAM-1", FirstMismatch(b0, kFirstBuffer, 0, salt), -1)
        << key << ": the first buffer does not hold the datagram's bytes 0-39";
    WSAC_EXPECT_EQ("DGRAM-1", FirstMismatch(b1, kSecondBuffer, kFirstBuffer, salt), -1)
        << key << ": the second buffer does not hold the datagram's bytes 40-99";
  }
  // DGRAM-3, DGRAM-11: what the indication of a truncated receive reports.
  void ExpectTruncationIndicated(const Indication& ind, const std::string& key) {
    WSAC_EXPECT_TRUE("DGRAM-3", Accepted("DGRAM-3", ind.error)) << key << ": truncation reported as " << ind.error;
    WSAC_EXPECT_EQ("DGRAM-11", ind.bytes, kPlaced) << key << ": the indication does not count the bytes placed";
  }

  // DGRAM-4, DGRAM-5: the sender's address and its length.
  void ExpectPeerAddress(const sockaddr_storage& from, int fromlen) {
    Observe("fromlen", fromlen);
    Observe("from.family", from.ss_family);
    WSAC_EXPECT_EQ("DGRAM-5", fromlen, pair.addr_len) << "*lpFromlen is not the length of the sender's address";
    WSAC_ASSERT_EQ("DGRAM-4", from.ss_family, pair.b_addr.ss_family) << "*lpFrom does not hold the sender's family";
    if (from.ss_family == AF_INET) {
      auto& got = reinterpret_cast<const sockaddr_in&>(from);
      auto& want = reinterpret_cast<const sockaddr_in&>(pair.b_addr);
      Observe("from.port", ntohs(got.sin_port));
      WSAC_EXPECT_EQ("DGRAM-4", got.sin_port, want.sin_port);
      WSAC_EXPECT_EQ("DGRAM-4", got.sin_addr.s_addr, want.sin_addr.s_addr);
    } else {
      auto& got = reinterpret_cast<const sockaddr_in6&>(from);
      auto& want = reinterpret_cast<const sockaddr_in6&>(pair.b_addr);
      Observe("from.port", ntohs(got.sin6_port));
      WSAC_EXPECT_EQ("DGRAM-4", got.sin6_port, want.sin6_port);
      WSAC_EXPECT_EQ("DGRAM-4", std::memcmp(&got.sin6_addr, &want.sin6_addr, sizeof got.sin6_addr), 0);
    }
  }

  // A receive on the peer, which is not under test: refused or failed, the
  // setup is broken.
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

// DGRAM-1, DGRAM-3, DGRAM-11 (S7): a 300-byte datagram arriving at a
// pending receive of 40 + 60 bytes fills both buffers with its first 100
// bytes, and the indication reports the truncation and the 100 bytes.
WSAC_CASE_P(Datagrams, OversizeDatagramFillsBuffersAndReportsMsgSize, "DGRAM-1", "DGRAM-3", "DGRAM-11", "S7") {
  char* b0 = Filled(kFirstBuffer);
  char* b1 = Filled(kSecondBuffer);
  Operation& op = PostRecv(Call::WSARecv, {{kFirstBuffer, b0}, {kSecondBuffer, b1}});
  WSAC_ASSERT_EQ("S7", op.outcome, Outcome::Pending)
      << "a receive posted before any datagram must wait for one: " << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 300, 1));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  Observe("recv.internal", static_cast<std::int64_t>(op.ov.Internal));
  WSAC_ASSERT_TRUE("DGRAM-3", ind.has_value()) << "the truncated receive was not indicated: " << observer.Describe(op);
  ExpectTruncationIndicated(*ind, "recv");
  Report("DGRAM-3", std::string(MechanismName(observer.mechanism())) + ": truncation reported as " +
                        std::to_string(ind->error) + ", bytes " + std::to_string(ind->bytes));
  ExpectLeadingBytes(b0, b1, 1, "recv");
}

// DGRAM-1, DGRAM-3, DGRAM-9, DGRAM-10, DGRAM-11: the same with the
// datagram already queued, for WSARecv and WSARecvFrom. The call pends or
// fails at once with WSAEMSGSIZE (DGRAM-9, reported), never returns 0
// (DGRAM-3); after WSAEMSGSIZE the indication still comes (DGRAM-10).
// Either way it reports the truncation and the 100 bytes placed.
WSAC_CASE_P(Datagrams, QueuedOversizeDatagramTruncated, "DGRAM-1", "DGRAM-3", "DGRAM-9", "DGRAM-10", "DGRAM-11") {
  std::string seen;
  unsigned salt = 2;
  for (Call call : kReceives) {
    const std::string key = CallName(call);
    pair.SendFromPeer(CounterPattern(0, 300, salt));
    pair.WaitUntilQueued(pair.a, 1);
    char* b0 = Filled(kFirstBuffer);
    char* b1 = Filled(kSecondBuffer);
    Operation& op = PostRecv(call, {{kFirstBuffer, b0}, {kSecondBuffer, b1}});
    ObserveCall(key, op.call_ret, op.call_error);
    seen += (seen.empty() ? "" : "; ") + key + " " + OutcomeName(op.outcome) +
            (op.outcome == Outcome::Failed ? " with " + std::to_string(op.call_error) : "");

    std::optional<Indication> ind;
    if (op.outcome == Outcome::Immediate) {
      WSAC_ADD_FAILURE("DGRAM-3") << key << ": the call returned 0 for a truncated datagram: " << observer.Describe(op);
      NotExercised("DGRAM-10", "the receive returned 0");
      ind = observer.TakeImmediate(op);
    } else if (op.outcome == Outcome::Failed) {
      WSAC_EXPECT_EQ("DGRAM-3", op.call_error, WSAEMSGSIZE) << key << ": the call failed at once with another code";
      if (op.call_error != WSAEMSGSIZE) {
        NotExercised("DGRAM-10", "the receive failed with another code");
        ++salt;
        continue;
      }
      // The receive ran, so its indication follows the failed call; it is
      // waited for as for any indication that must come.
      bool indicated = observer.IndicatedWithin(op, IndicationTimeout());
      if (indicated) ind = op.indication ? op.indication : observer.Wait(op);
      WSAC_EXPECT_TRUE("DGRAM-10", ind.has_value())
          << key << ": failed at once with WSAEMSGSIZE and no indication followed: " << observer.Describe(op);
    } else {
      NotExercised("DGRAM-10", "the receive pended");
      ind = observer.Wait(op);
      WSAC_EXPECT_TRUE("DGRAM-3", ind.has_value()) << key << ": the truncated receive pended and was never indicated";
    }
    ObserveIndication(key, ind);
    if (ind) ExpectTruncationIndicated(*ind, key);
    ExpectLeadingBytes(b0, b1, salt, key);
    ++salt;
  }
  Report("DGRAM-9", std::string(MechanismName(observer.mechanism())) + ": " + seen);
}

// DGRAM-2 (DGRAM-3, S7): after a truncated receive the rest of that
// datagram is gone; the next receive waits for the next datagram and gets it
// whole.
WSAC_CASE_P(Datagrams, TruncatedRemainderDiscarded, "DGRAM-2", "DGRAM-3", "S7") {
  char* small = Filled(64);
  Operation& first = PostRecv(small, 64);
  WSAC_ASSERT_EQ("S7", first.outcome, Outcome::Pending)
      << "a receive posted before any datagram must wait for one: " << observer.Describe(first);
  pair.SendFromPeer(CounterPattern(0, 500, 3));
  std::optional<Indication> i0 = observer.Wait(first);
  ObserveIndication("truncated", i0);
  WSAC_ASSERT_TRUE("DGRAM-3", i0.has_value()) << "the truncated receive was not indicated: " << observer.Describe(first);
  WSAC_EXPECT_TRUE("DGRAM-3", Accepted("DGRAM-3", i0->error)) << "truncation reported as " << i0->error;

  char* big = Filled(1024);
  Operation& second = PostRecv(big, 1024);
  ObserveCall("next", second.call_ret, second.call_error);
  WSAC_ASSERT_NE("DGRAM-2", second.outcome, Outcome::Failed) << observer.Describe(second);
  WSAC_EXPECT_EQ("DGRAM-2", second.outcome, Outcome::Pending)
      << "the next receive found data queued: the truncated rest was kept";
  if (second.outcome == Outcome::Pending) pair.SendFromPeer(CounterPattern(0, 50, 4));
  std::optional<Indication> i1 = Finish(second);
  ObserveIndication("next", i1);
  WSAC_ASSERT_TRUE("DGRAM-2", i1.has_value()) << observer.Describe(second);
  WSAC_EXPECT_EQ("DGRAM-2", i1->error, 0u);
  WSAC_EXPECT_EQ("DGRAM-2", i1->bytes, 50u);
  WSAC_EXPECT_EQ("DGRAM-2", FirstMismatch(big, i1->bytes, 0, 4), -1) << "the next receive did not get the next datagram";
}

// DGRAM-4, DGRAM-5 (S7): a pending WSARecvFrom with lpFrom preset to garbage
// holds the sender's address and length after its indication.
WSAC_CASE_P(Datagrams, RecvFromFillsAddressAtCompletion, "DGRAM-4", "DGRAM-5", "S7") {
  char* buf = Filled(512);
  FromSlot& from = NewFromSlot();
  std::memset(&from.addr, 0xCC, sizeof from.addr);
  Operation& op = PostRecv(Call::WSARecvFrom, {{512, buf}}, &from);
  WSAC_ASSERT_EQ("S7", op.outcome, Outcome::Pending)
      << "a receive posted before any datagram must wait for one: " << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 77, 5));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recvfrom", ind);
  WSAC_ASSERT_TRUE("S7", ind.has_value()) << "a datagram arrived, the receive was not indicated: " << observer.Describe(op);
  WSAC_ASSERT_EQ("S7", ind->error, 0u) << observer.Describe(op);
  WSAC_EXPECT_EQ("S7", ind->bytes, 77u);
  WSAC_EXPECT_EQ("S7", FirstMismatch(buf, ind->bytes, 0, 5), -1) << "the receive does not hold the datagram";
  ExpectPeerAddress(from.addr, from.len);
}

// DGRAM-4, DGRAM-5 (S8): with the datagram already queued, WSARecvFrom (at
// once or pending) fills the sender's address and length too.
WSAC_CASE_P(Datagrams, RecvFromQueuedFillsAddress, "DGRAM-4", "DGRAM-5", "S8") {
  pair.SendFromPeer(CounterPattern(0, 33, 6));
  pair.WaitUntilQueued(pair.a, 33);
  char* buf = Filled(512);
  FromSlot& from = NewFromSlot();
  std::memset(&from.addr, 0xCC, sizeof from.addr);
  Operation& op = PostRecv(Call::WSARecvFrom, {{512, buf}}, &from);
  ObserveCall("recvfrom", op.call_ret, op.call_error);
  WSAC_ASSERT_NE("S8", op.outcome, Outcome::Failed) << "the receive of a queued datagram failed: " << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("recvfrom", ind);
  WSAC_ASSERT_TRUE("S8", ind.has_value()) << "the receive of a queued datagram was not indicated: " << observer.Describe(op);
  WSAC_ASSERT_EQ("S8", ind->error, 0u) << observer.Describe(op);
  WSAC_EXPECT_EQ("S8", ind->bytes, 33u);
  WSAC_EXPECT_EQ("S8", FirstMismatch(buf, ind->bytes, 0, 6), -1) << "the receive does not hold the datagram";
  ExpectPeerAddress(from.addr, from.len);
}

// DGRAM-6, DGRAM-7, DGRAM-12, S18: a 70000-byte datagram sent with WSASend,
// then with WSASendTo, fails with WSAEMSGSIZE: at once, and then with no
// indication (S18), or through the indication of a send that pended
// (DGRAM-12, reported). Each time the peer's next datagram is the small one
// sent right after (DGRAM-7).
WSAC_CASE_P(Datagrams, OversizeSendFailsAndSendsNothing, "DGRAM-6", "DGRAM-7", "DGRAM-12", "S18") {
  constexpr ULONG kHuge = 70000, kMarker = 20;
  std::string seen;
  bool refused = false;
  unsigned salt = 7;
  for (Call call : kSends) {
    const std::string key = CallName(call);
    char* peer_buf = LongLivedBuffer(80000);
    Operation& peer = PostPeerRecv(peer_buf, 80000);
    const std::vector<char> pattern = CounterPattern(0, kHuge, salt);
    char* huge = LongLivedBuffer(kHuge);
    std::memcpy(huge, pattern.data(), kHuge);
    Operation& op = Send(call, huge, kHuge);
    ObserveCall(key, op.call_ret, op.call_error);
    seen += (seen.empty() ? "" : "; ") + key + " " + OutcomeName(op.outcome);
    if (op.outcome == Outcome::Failed) {
      refused = true;
      WSAC_EXPECT_EQ("DGRAM-6", op.call_error, WSAEMSGSIZE) << key << ": refused with another code";
      bool indicated = observer.IndicatedWithin(op);
      Observe(key + ".indicated_after_refusal", indicated ? "yes" : "no");
      WSAC_EXPECT_FALSE("S18", indicated) << key << ": the refused send was indicated: " << observer.Describe(op);
    } else {
      std::optional<Indication> ind = Finish(op);
      ObserveIndication(key, ind);
      if (op.outcome == Outcome::Immediate) {
        WSAC_ADD_FAILURE("DGRAM-6") << key << ": a 70000-byte datagram send returned 0";
      } else {
        WSAC_ASSERT_TRUE("DGRAM-6", ind.has_value()) << key << ": the oversize send pended and was never indicated";
        WSAC_EXPECT_EQ("DGRAM-6", ind->error, static_cast<DWORD>(WSAEMSGSIZE))
            << key << ": the oversize send's indication does not report WSAEMSGSIZE";
        seen += " then " + std::to_string(ind->error);
      }
    }

    const std::vector<char> marker = CounterPattern(0, kMarker, salt + 1);
    char* marker_buf = LongLivedBuffer(kMarker);
    std::memcpy(marker_buf, marker.data(), kMarker);
    Operation& small = Send(call, marker_buf, kMarker);
    if (small.outcome == Outcome::Failed)
      throw SetupFailed(key + " of a 20-byte datagram was refused: " + observer.Describe(small));
    DWORD n = FinishPeerRecv(peer);
    Observe(key + ".peer.bytes", static_cast<std::int64_t>(n));
    WSAC_EXPECT_EQ("DGRAM-7", n, kMarker) << key << ": the peer received something other than the small datagram first";
    WSAC_EXPECT_EQ("DGRAM-7", FirstMismatch(peer_buf, n, 0, salt + 1), -1) << key << ": the peer's datagram is not the marker";
    ObserveIndication(key + ".marker", Finish(small));
    salt += 2;
  }
  if (!refused) NotExercised("S18", "no oversize send was refused at once");
  Report("DGRAM-12", std::string(MechanismName(observer.mechanism())) + ": " + seen);
}

// DGRAM-8 (S19, S23): three receives outstanding with room for anything;
// three datagrams of 10, 20 and 30 bytes give each one exactly one datagram
// (DGRAM-8), to the receives in posting order (S23).
WSAC_CASE_P(Datagrams, OneDatagramPerReceive, "DGRAM-8", "S19", "S23") {
  std::vector<char*> bufs;
  std::vector<Operation*> ops;
  for (int i = 0; i < 3; ++i) {
    bufs.push_back(Filled(1024));
    Operation& op = PostRecv(bufs.back(), 1024);
    WSAC_ASSERT_EQ("S19", op.outcome, Outcome::Pending)
        << "receive " << i << " of three posted with nothing queued did not stay outstanding: " << observer.Describe(op);
    ops.push_back(&op);
  }
  for (unsigned i = 0; i < 3; ++i) pair.SendFromPeer(CounterPattern(0, 10 * (i + 1), 20 + i));
  for (unsigned i = 0; i < 3; ++i) {
    std::optional<Indication> ind = ops[i]->indication ? ops[i]->indication : observer.Wait(*ops[i]);
    ObserveIndication("recv" + std::to_string(i), ind);
    WSAC_ASSERT_TRUE("S19", ind.has_value()) << "outstanding receive " << i << " not indicated: " << observer.Describe(*ops[i]);
    WSAC_EXPECT_EQ("S19", ind->error, 0u) << observer.Describe(*ops[i]);
    int which = -1;  // the datagram this receive holds whole, if any
    for (unsigned d = 0; d < 3; ++d)
      if (ind->bytes == 10 * (d + 1) && FirstMismatch(bufs[i], ind->bytes, 0, 20 + d) == -1) which = static_cast<int>(d);
    WSAC_EXPECT_GE("DGRAM-8", which, 0) << "receive " << i << " does not hold exactly one of the datagrams ("
                                        << ind->bytes << " bytes)";
    if (which >= 0) {
      WSAC_EXPECT_EQ("S23", which, static_cast<int>(i)) << "receive " << i << " got another's datagram";
    }
  }
}

// DGRAM-8 with datagrams already queued: three datagrams of 10, 20 and 30
// bytes are sent before any receive, then three receives with room for all
// of them are posted one after another; each holds exactly one datagram.
// Where FIONREAD shows only the first one arrived, a receive may find one
// queued only: the check holds the same, and the count queued is observed.
WSAC_CASE_P(Datagrams, QueuedDatagramsOnePerReceive, "DGRAM-8") {
  for (unsigned i = 0; i < 3; ++i) pair.SendFromPeer(CounterPattern(0, 10 * (i + 1), 40 + i));
  pair.WaitUntilQueued(pair.a, 10);
  u_long queued = 0;
  p.ioctlsocket(pair.a, FIONREAD, &queued);
  Observe("fionread_before_receives", static_cast<std::int64_t>(queued));
  std::vector<bool> taken(3, false);
  for (int i = 0; i < 3; ++i) {
    char* buf = Filled(1024);
    Operation& op = PostRecv(buf, 1024);
    WSAC_ASSERT_NE("DGRAM-8", op.outcome, Outcome::Failed)
        << "receive " << i << " of queued datagrams failed: " << observer.Describe(op);
    std::optional<Indication> ind = Finish(op);
    ObserveIndication("recv" + std::to_string(i), ind);
    WSAC_ASSERT_TRUE("DGRAM-8", ind.has_value()) << "receive " << i << " not indicated: " << observer.Describe(op);
    int which = -1;  // the datagram this receive holds whole, if any
    for (unsigned d = 0; d < 3; ++d)
      if (!taken[d] && ind->bytes == 10 * (d + 1) && FirstMismatch(buf, ind->bytes, 0, 40 + d) == -1)
        which = static_cast<int>(d);
    WSAC_EXPECT_GE("DGRAM-8", which, 0) << "receive " << i << " with room for every queued datagram does not hold "
                                        << "exactly one of them (" << ind->bytes << " bytes)";
    if (which >= 0) taken[static_cast<size_t>(which)] = true;
  }
}

INSTANTIATE_TEST_SUITE_P(Datagrams, Datagrams,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms()})), ParamName);

}  // namespace
}  // namespace wsac
