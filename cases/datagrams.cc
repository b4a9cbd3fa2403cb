// Part B "Datagrams" (DGRAM-1..8): truncation, WSARecvFrom's address
// results, oversize sends, message boundaries.
//   DGRAM-1/2/3  a datagram larger than the posted buffers fills them, the
//                rest is lost, and the indication reports WSAEMSGSIZE (or
//                ERROR_MORE_DATA where the catalog accepts it; reported)
//   DGRAM-4/5    WSARecvFrom fills lpFrom / lpFromlen at completion
//   DGRAM-6/7    a send above the maximum message size fails with
//                WSAEMSGSIZE and transmits nothing
//   DGRAM-8      one receive, one datagram
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "suite/catalog/catalog.h"
#include "suite/fixtures/pair_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kFill = '\x61';

std::vector<std::int64_t> AcceptedCodes(const char* id) {
  const Statement* s = FindStatement(id);
  if (s == nullptr || s->accepted_codes.empty()) throw SetupFailed(std::string("catalog gives no accepted_codes for ") + id);
  return {s->accepted_codes.begin(), s->accepted_codes.end()};
}
bool Accepted(const std::vector<std::int64_t>& codes, std::int64_t code) {
  for (auto c : codes)
    if (c == code) return true;
  return false;
}

// An overlapped receive on the peer, waited for with its own event.
struct PeerRecv {
  PeerRecv(Provider& p, SOCKET s, size_t len) : p(p), s(s), buf(len, kFill) {
    ov.hEvent = p.WSACreateEvent();
    if (ov.hEvent == nullptr) throw SetupFailed("WSACreateEvent for a peer receive");
    WSABUF wsabuf{static_cast<ULONG>(len), buf.data()};
    DWORD bytes = 0, flags = 0;
    int ret = p.WSARecv(s, &wsabuf, 1, &bytes, &flags, &ov, nullptr);
    int error = ret == 0 ? 0 : p.WSAGetLastError();
    if (ret != 0 && error != WSA_IO_PENDING) {
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

class Datagrams : public PairCase {
 protected:
  Operation& PostRecv(std::vector<WSABUF> bufs) {
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0, flags = 0;
    int ret = p.WSARecv(pair.a, bufs.data(), static_cast<DWORD>(bufs.size()), &bytes, &flags, &op.ov, observer.routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  std::optional<Indication> Finish(Operation& op) {
    return op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op);
  }
  // Checks that the 40 + 60 byte buffers hold the datagram's first 100 bytes.
  void ExpectLeadingBytes(const std::vector<char>& b0, const std::vector<char>& b1, unsigned salt) {
    Observe("buffer0.first_mismatch", FirstMismatch(b0, 0, salt));
    Observe("buffer1.first_mismatch", FirstMismatch(b1, 40, salt));
    EXPECT_EQ(FirstMismatch(b0, 0, salt), -1) << "first buffer does not hold the datagram's bytes 0-39";
    EXPECT_EQ(FirstMismatch(b1, 40, salt), -1) << "second buffer does not hold the datagram's bytes 40-99";
  }
  // Address checks shared by the WSARecvFrom cases.
  void ExpectPeerAddress(const sockaddr_storage& from, int fromlen) {
    Observe("fromlen", fromlen);
    Observe("from.family", from.ss_family);
    EXPECT_EQ(fromlen, pair.addr_len) << "*lpFromlen is not the length of the sender's address";
    ASSERT_EQ(from.ss_family, pair.b_addr.ss_family) << "*lpFrom does not hold the sender's family";
    if (from.ss_family == AF_INET) {
      auto& got = reinterpret_cast<const sockaddr_in&>(from);
      auto& want = reinterpret_cast<const sockaddr_in&>(pair.b_addr);
      Observe("from.port", ntohs(got.sin_port));
      EXPECT_EQ(got.sin_port, want.sin_port);
      EXPECT_EQ(got.sin_addr.s_addr, want.sin_addr.s_addr);
    } else {
      auto& got = reinterpret_cast<const sockaddr_in6&>(from);
      auto& want = reinterpret_cast<const sockaddr_in6&>(pair.b_addr);
      Observe("from.port", ntohs(got.sin6_port));
      EXPECT_EQ(got.sin6_port, want.sin6_port);
      EXPECT_EQ(std::memcmp(&got.sin6_addr, &want.sin6_addr, sizeof got.sin6_addr), 0);
    }
  }
};

// DGRAM-1, DGRAM-3: a 300-byte datagram arriving at a pending receive of
// 40 + 60 bytes fills both buffers with its first 100 bytes and the
// indication reports the truncation with an accepted code.
WSAC_CASE_P(Datagrams, OversizeDatagramFillsBuffersAndReportsMsgSize, "DGRAM-1", "DGRAM-3") {
  std::vector<char> b0(40, kFill), b1(60, kFill);
  Operation& op = PostRecv({{40, b0.data()}, {60, b1.data()}});
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 300, 1));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  Observe("recv.internal", static_cast<std::int64_t>(op.ov.Internal));
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  std::vector<std::int64_t> codes = AcceptedCodes("DGRAM-3");
  EXPECT_TRUE(Accepted(codes, ind->error)) << "truncation reported as " << ind->error;
  Report("DGRAM-3", std::string(MechanismName(observer.mechanism())) + ": truncation reported as " +
                        std::to_string(ind->error) + ", bytes " + std::to_string(ind->bytes));
  ExpectLeadingBytes(b0, b1, 1);
}

// DGRAM-1, DGRAM-3: the same with the datagram already queued; the receive
// may pend or fail at once with WSAEMSGSIZE, but never report success.
WSAC_CASE_P(Datagrams, QueuedOversizeDatagramTruncated, "DGRAM-1", "DGRAM-3") {
  pair.SendFromPeer(CounterPattern(0, 300, 2));
  pair.WaitUntilQueued(pair.a, 1);
  std::vector<char> b0(40, kFill), b1(60, kFill);
  Operation& op = PostRecv({{40, b0.data()}, {60, b1.data()}});
  ObserveCall("recv", op.call_ret, op.call_error);
  std::vector<std::int64_t> codes = AcceptedCodes("DGRAM-3");
  ASSERT_NE(op.outcome, Outcome::Immediate) << "a truncated datagram was reported as a plain success";
  if (op.outcome == Outcome::Failed) {
    EXPECT_EQ(op.call_error, WSAEMSGSIZE) << observer.Describe(op);
    Report("DGRAM-3", "queued oversize datagram: the call failed at once with " + std::to_string(op.call_error));
  } else {
    std::optional<Indication> ind = observer.Wait(op);
    ObserveIndication("recv", ind);
    ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
    EXPECT_TRUE(Accepted(codes, ind->error)) << "truncation reported as " << ind->error;
    Report("DGRAM-3", "queued oversize datagram: pended, indication " + std::to_string(ind->error));
  }
  ExpectLeadingBytes(b0, b1, 2);
}

// DGRAM-2: after a truncated receive the rest of that datagram is gone; the
// next receive gets the next datagram whole.
WSAC_CASE_P(Datagrams, TruncatedRemainderDiscarded, "DGRAM-2") {
  std::vector<char> small(64, kFill);
  Operation& first = PostRecv({{64, small.data()}});
  ASSERT_EQ(first.outcome, Outcome::Pending) << observer.Describe(first);
  pair.SendFromPeer(CounterPattern(0, 500, 3));
  std::optional<Indication> i0 = observer.Wait(first);
  ObserveIndication("truncated", i0);
  ASSERT_TRUE(i0.has_value()) << observer.Describe(first);

  std::vector<char> big(1024, kFill);
  Operation& second = PostRecv({{1024, big.data()}});
  ObserveCall("next", second.call_ret, second.call_error);
  ASSERT_NE(second.outcome, Outcome::Failed) << observer.Describe(second);
  if (second.outcome == Outcome::Pending) pair.SendFromPeer(CounterPattern(0, 50, 4));
  std::optional<Indication> i1 = Finish(second);
  ObserveIndication("next", i1);
  ASSERT_TRUE(i1.has_value()) << observer.Describe(second);
  EXPECT_EQ(second.outcome, Outcome::Pending) << "the next receive found data queued: the truncated rest was kept";
  EXPECT_EQ(i1->error, 0u);
  EXPECT_EQ(i1->bytes, 50u);
  EXPECT_EQ(FirstMismatch(big.data(), i1->bytes, 0, 4), -1) << "the next receive did not get the next datagram";
}

// DGRAM-4, DGRAM-5: a pending WSARecvFrom with lpFrom preset to garbage
// holds the sender's address and length after its indication.
WSAC_CASE_P(Datagrams, RecvFromFillsAddressAtCompletion, "DGRAM-4", "DGRAM-5") {
  std::vector<char> buf(512, kFill);
  WSABUF wsabuf{512, buf.data()};
  sockaddr_storage from;
  std::memset(&from, 0xCC, sizeof from);
  int fromlen = sizeof from;
  DWORD bytes = 0, flags = 0;
  Operation& op = observer.NewOperation(pair.a);
  int ret = p.WSARecvFrom(pair.a, &wsabuf, 1, &bytes, &flags, reinterpret_cast<sockaddr*>(&from), &fromlen, &op.ov,
                          observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 77, 5));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recvfrom", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  EXPECT_EQ(ind->bytes, 77u);
  ExpectPeerAddress(from, fromlen);
}

// DGRAM-4, DGRAM-5: with the datagram already queued, WSARecvFrom (at once
// or pending) fills the sender's address and length too.
WSAC_CASE_P(Datagrams, RecvFromQueuedFillsAddress, "DGRAM-4", "DGRAM-5") {
  pair.SendFromPeer(CounterPattern(0, 33, 6));
  pair.WaitUntilQueued(pair.a, 33);
  std::vector<char> buf(512, kFill);
  WSABUF wsabuf{512, buf.data()};
  sockaddr_storage from;
  std::memset(&from, 0xCC, sizeof from);
  int fromlen = sizeof from;
  DWORD bytes = 0, flags = 0;
  Operation& op = observer.NewOperation(pair.a);
  int ret = p.WSARecvFrom(pair.a, &wsabuf, 1, &bytes, &flags, reinterpret_cast<sockaddr*>(&from), &fromlen, &op.ov,
                          observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("recvfrom", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  EXPECT_EQ(ind->bytes, 33u);
  EXPECT_EQ(FirstMismatch(buf.data(), ind->bytes, 0, 6), -1);
  ExpectPeerAddress(from, fromlen);
}

// DGRAM-6, DGRAM-7 (S18): a 70000-byte datagram send fails with WSAEMSGSIZE
// and no indication; the peer's next datagram is the small one sent after.
WSAC_CASE_P(Datagrams, OversizeSendFailsAndSendsNothing, "DGRAM-6", "DGRAM-7", "S18") {
  PeerRecv peer(p, pair.b, 80000);
  std::vector<char> huge = CounterPattern(0, 70000, 7);
  Operation& op = observer.NewOperation(pair.a);
  DWORD bytes = 0;
  SendOn(pair.a, op, huge.data(), static_cast<ULONG>(huge.size()), &bytes);
  ObserveCall("send", op.call_ret, op.call_error);
  EXPECT_EQ(op.outcome, Outcome::Failed) << "a 70000-byte datagram send was accepted: " << observer.Describe(op);
  EXPECT_EQ(op.call_error, WSAEMSGSIZE);
  if (op.outcome == Outcome::Failed) {
    EXPECT_FALSE(observer.IndicatedWithin(op)) << "the refused send was indicated: " << observer.Describe(op);
  }

  const std::vector<char> marker = CounterPattern(0, 20, 8);
  Operation& small = observer.NewOperation(pair.a);
  SendOn(pair.a, small, marker.data(), static_cast<ULONG>(marker.size()), &bytes);
  ASSERT_NE(small.outcome, Outcome::Failed) << observer.Describe(small);
  int error = 0;
  long long n = peer.Wait(&error);
  Observe("peer.bytes", n);
  ASSERT_GE(n, 0) << "peer receive failed with " << error;
  EXPECT_EQ(n, 20) << "the peer received something other than the small datagram first";
  EXPECT_EQ(FirstMismatch(peer.buf.data(), static_cast<size_t>(n), 0, 8), -1);
}

// DGRAM-8: three receives posted with room for anything; three datagrams of
// 10, 20 and 30 bytes give one to each, never two in one.
WSAC_CASE_P(Datagrams, OneDatagramPerReceive, "DGRAM-8") {
  std::vector<std::vector<char>> bufs(3, std::vector<char>(1024, kFill));
  std::vector<Operation*> ops;
  for (auto& b : bufs) {
    Operation& op = PostRecv({{1024, b.data()}});
    ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
    ops.push_back(&op);
  }
  for (unsigned i = 0; i < 3; ++i) pair.SendFromPeer(CounterPattern(0, 10 * (i + 1), 20 + i));
  for (unsigned i = 0; i < 3; ++i) {
    std::optional<Indication> ind = ops[i]->indication ? ops[i]->indication : observer.Wait(*ops[i]);
    ObserveIndication("recv" + std::to_string(i), ind);
    ASSERT_TRUE(ind.has_value()) << observer.Describe(*ops[i]);
    EXPECT_EQ(ind->error, 0u);
    EXPECT_EQ(ind->bytes, 10u * (i + 1)) << "receive " << i;
    EXPECT_EQ(FirstMismatch(bufs[i].data(), ind->bytes, 0, 20 + i), -1) << "receive " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Datagrams, Datagrams,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms()})), ParamName);

}  // namespace
}  // namespace wsac
