// S10, S11: SO_RCVBUF 0 on the receiving socket.
//   S10  reliable (stream): data goes only into posted buffers and none is
//        lost; the sender stalls until receives are posted
//   S11  unreliable (datagram): a datagram arriving while no receive is
//        posted is lost
// Loss is shown deterministically: datagram A is sent while nothing is
// posted, and a copy of it to a witness socket (default SO_RCVBUF, same
// sender, sent right after A) tells when A would have arrived. Then a
// receive is posted and datagram B sent: the receive must get B, not A.
#include <memory>
#include <string>
#include <vector>

#include "suite/fixtures/pair_case.h"

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

// An overlapped send on the peer that the case does not wait for at once.
// Owns its data and WSAOVERLAPPED; if the case ends early it cancels the
// send and waits for it, so nothing points into freed memory.
struct PeerSend {
  PeerSend(Provider& p, SOCKET s, std::vector<char> content) : p(p), s(s), data(std::move(content)) {
    ov.hEvent = p.WSACreateEvent();
    if (ov.hEvent == nullptr) throw SetupFailed("WSACreateEvent for the peer send");
    WSABUF buf{static_cast<ULONG>(data.size()), data.data()};
    DWORD bytes = 0;
    int ret = p.WSASend(s, &buf, 1, &bytes, 0, &ov, nullptr);
    int error = ret == 0 ? 0 : p.WSAGetLastError();
    if (ret != 0 && error != WSA_IO_PENDING) {
      p.WSACloseEvent(ov.hEvent);
      throw SetupFailed("peer WSASend failed with " + std::to_string(error));
    }
    pended = ret != 0;
    started = true;
  }
  ~PeerSend() {
    if (started && !done) {
      p.CancelIoEx(AsHandle(s), &ov);
      p.WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE);
    }
    p.WSACloseEvent(ov.hEvent);
  }
  // The send's byte count once it completed; -1 with the error in *error otherwise.
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
  std::vector<char> data;
  WSAOVERLAPPED ov{};
  bool started = false, pended = false, done = false;
};

class StreamRcvBufZero : public PairCase {
 protected:
  // Receives `len` bytes through the mechanism in receives of up to `chunk`
  // bytes each, appending them to *out.
  void ReceiveAll(std::vector<char>* out, size_t len, size_t chunk) {
    size_t done = 0;
    while (done < len) {
      size_t want = std::min(chunk, len - done);
      std::vector<char> buf(want, kFill);
      Operation& op = observer.NewOperation(pair.a);
      DWORD bytes = 0, flags = 0;
      int ret = RecvOn(pair.a, op, buf.data(), static_cast<ULONG>(want), &bytes, &flags);
      ASSERT_NE(op.outcome, Outcome::Failed) << "receive at offset " << done << ": " << observer.Describe(op);
      std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
      ASSERT_TRUE(ind.has_value()) << "receive at offset " << done << " not indicated: " << observer.Describe(op);
      ASSERT_EQ(ind->error, 0u) << "receive at offset " << done << ": " << observer.Describe(op);
      ASSERT_GT(ind->bytes, 0u) << "connection closed at offset " << done;
      out->insert(out->end(), buf.begin(), buf.begin() + ind->bytes);
      done += ind->bytes;
    }
  }
  void SetUp() override { SetRcvBufZero(p, pair.a); }
};

// S10: with SO_RCVBUF 0 a 64 KiB peer send started while nothing is posted
// is received completely and in order once receives are posted; the peer's
// send completes with its full count.
WSAC_CASE_P(StreamRcvBufZero, NothingLostWhenPostedLater, "S10") {
  // Small enough for a stack whose SO_RCVBUF 0 means a tiny TCP window.
  constexpr size_t kTotal = 64 * 1024;
  PeerSend send(p, pair.b, CounterPattern(0, kTotal));
  Report("S10", std::string("peer send of 64 KiB with nothing posted: ") + (send.pended ? "pended" : "completed at once"));
  std::vector<char> got;
  ReceiveAll(&got, kTotal, 16 * 1024);
  if (HasFatalFailure()) return;
  Observe("received", static_cast<std::int64_t>(got.size()));
  Observe("first_mismatch", FirstMismatch(got, 0));
  EXPECT_EQ(FirstMismatch(got, 0), -1) << "data lost, reordered or duplicated";
  int error = 0;
  long long sent = send.Wait(&error);
  Observe("peer_send.bytes", sent);
  Observe("peer_send.error", error);
  EXPECT_EQ(sent, static_cast<long long>(kTotal)) << "peer send error " << error;
}

// S10: four 1 KiB receives posted before 4 KiB arrive take all of it, in
// posting order, with nothing left over or lost.
WSAC_CASE_P(StreamRcvBufZero, PostedBeforeArrivalTakeEverything, "S10") {
  constexpr size_t kEach = 1024, kCount = 4;
  std::vector<std::vector<char>> bufs(kCount, std::vector<char>(kEach, kFill));
  std::vector<Operation*> ops;
  for (auto& buf : bufs) {
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0, flags = 0;
    RecvOn(pair.a, op, buf.data(), kEach, &bytes, &flags);
    ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
    ops.push_back(&op);
  }
  pair.SendFromPeer(CounterPattern(0, kEach * kCount));
  std::vector<char> got;
  for (size_t i = 0; i < kCount; ++i) {
    std::optional<Indication> ind = observer.Wait(*ops[i]);
    ObserveIndication("recv" + std::to_string(i), ind);
    ASSERT_TRUE(ind.has_value()) << "receive " << i << ": " << observer.Describe(*ops[i]);
    ASSERT_EQ(ind->error, 0u) << observer.Describe(*ops[i]);
    got.insert(got.end(), bufs[i].begin(), bufs[i].begin() + ind->bytes);
  }
  // A provider may fill them partially (S17); then the rest is still queued.
  if (got.size() < kEach * kCount) ReceiveAll(&got, kEach * kCount - got.size(), kEach);
  if (HasFatalFailure()) return;
  Observe("first_mismatch", FirstMismatch(got, 0));
  EXPECT_EQ(FirstMismatch(got, 0), -1);
}

// S10: 16 peer sends of varying sizes queued at once while the side under
// test receives in varying sizes: every byte arrives once, in order.
WSAC_CASE_P(StreamRcvBufZero, QueuedPeerSendsAllArrive, "S10") {
  std::vector<std::unique_ptr<PeerSend>> sends;
  size_t total = 0;
  for (int i = 0; i < 16; ++i) {
    size_t len = 500 + static_cast<size_t>(i) * 397;
    sends.push_back(std::make_unique<PeerSend>(p, pair.b, CounterPattern(total, len)));
    total += len;
  }
  std::vector<char> got;
  ReceiveAll(&got, total, 3000);
  if (HasFatalFailure()) return;
  Observe("received", static_cast<std::int64_t>(got.size()));
  Observe("first_mismatch", FirstMismatch(got, 0));
  EXPECT_EQ(FirstMismatch(got, 0), -1);
  for (size_t i = 0; i < sends.size(); ++i) {
    int error = 0;
    long long sent = sends[i]->Wait(&error);
    EXPECT_EQ(sent, static_cast<long long>(sends[i]->data.size())) << "peer send " << i << " error " << error;
  }
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
  ~DatagramRcvBufZero() override {
    for (SOCKET s : {a, sender, witness})
      if (s != INVALID_SOCKET) p.closesocket(s);
  }
  void SetUp() override {
    a = Open(GetParam().creation, &a_addr);
    sender = Open(Creation::WSASocketOverlapped, nullptr);
    witness = Open(Creation::WSASocketOverlapped, &witness_addr);
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
  // One datagram from the sender to `to`, waited for with an event.
  void SendTo(const std::vector<char>& data, const sockaddr_storage& to) {
    WSAOVERLAPPED ov{};
    ov.hEvent = p.WSACreateEvent();
    if (ov.hEvent == nullptr) throw SetupFailed("WSACreateEvent");
    WSABUF buf{static_cast<ULONG>(data.size()), const_cast<char*>(data.data())};
    DWORD bytes = 0;
    int ret = p.WSASendTo(sender, &buf, 1, &bytes, 0, reinterpret_cast<const sockaddr*>(&to), addr_len, &ov, nullptr);
    int error = ret == 0 ? 0 : p.WSAGetLastError();
    bool ok = ret == 0 || error == WSA_IO_PENDING;
    if (ok) ok = p.WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE, static_cast<DWORD>(IndicationTimeout().count()),
                                            FALSE) == WSA_WAIT_EVENT_0;
    if (!ok && error == WSA_IO_PENDING) {
      p.CancelIoEx(AsHandle(sender), &ov);
      p.WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE);
    }
    p.WSACloseEvent(ov.hEvent);
    if (!ok) throw SetupFailed("sender WSASendTo failed with " + std::to_string(error));
  }
  // Sends `lost` to a, then its copy to the witness, and waits until the copy
  // arrived: by then `lost` has reached a (and been dropped, or not).
  void SendWhileNothingPosted(const std::vector<char>& lost) {
    SendTo(lost, a_addr);
    SendTo(lost, witness_addr);
    // Loopback delivery is asynchronous on real stacks.
    bool arrived = PollUntil(p, Deadline(IndicationTimeout()), [&] {
      u_long queued = 0;
      if (p.ioctlsocket(witness, FIONREAD, &queued) != 0) throw SetupFailed("FIONREAD on the witness");
      return queued > 0;
    });
    if (!arrived) throw SetupFailed("the witness never received its copy");
  }
  u_long QueuedOnA() {
    u_long queued = 0;
    if (p.ioctlsocket(a, FIONREAD, &queued) != 0) throw SetupFailed("FIONREAD on the side under test");
    return queued;
  }
  Operation& PostReceive(std::vector<char>& buf) {
    Operation& op = observer.NewOperation(a);
    WSABUF wsabuf{static_cast<ULONG>(buf.size()), buf.data()};
    DWORD bytes = 0, flags = 0;
    int ret = p.WSARecv(a, &wsabuf, 1, &bytes, &flags, &op.ov, observer.routine());
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return op;
  }
  std::optional<Indication> Finish(Operation& op) {
    return op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op);
  }

  Provider& p;
  CompletionObserver observer;
  SOCKET a = INVALID_SOCKET, sender = INVALID_SOCKET, witness = INVALID_SOCKET;
  sockaddr_storage a_addr{}, witness_addr{};
  int addr_len = 0;
};

// S11: datagram A arrives while nothing is posted and is lost: the receive
// posted afterwards gets datagram B, sent after it was posted.
WSAC_CASE_P(DatagramRcvBufZero, UnpostedDatagramLost, "S11") {
  const std::vector<char> lost = CounterPattern(0, 200, 1), kept = CounterPattern(0, 300, 2);
  SendWhileNothingPosted(lost);
  Observe("fionread_after_A", static_cast<std::int64_t>(QueuedOnA()));

  std::vector<char> buf(1024, kFill);
  Operation& op = PostReceive(buf);
  ObserveCall("recv", op.call_ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  if (op.outcome == Outcome::Pending) SendTo(kept, a_addr);
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u) << observer.Describe(op);
  bool got_lost = ind->bytes == lost.size() && FirstMismatch(buf.data(), ind->bytes, 0, 1) == -1;
  Observe("received", got_lost ? "A (should have been lost)" : "B");
  EXPECT_FALSE(got_lost) << "datagram A arrived with no receive posted and SO_RCVBUF 0, yet was delivered";
  EXPECT_EQ(op.outcome, Outcome::Pending) << "nothing should have been queued when the receive was posted";
  if (!got_lost) {
    EXPECT_EQ(ind->bytes, kept.size());
    EXPECT_EQ(FirstMismatch(buf.data(), ind->bytes, 0, 2), -1);
  }
}

// S11 (with S7): SO_RCVBUF 0 does not drop a datagram that finds a receive
// posted: it is delivered whole.
WSAC_CASE_P(DatagramRcvBufZero, PostedDatagramDelivered, "S11", "S7") {
  std::vector<char> buf(1024, kFill);
  Operation& op = PostReceive(buf);
  ASSERT_EQ(op.outcome, Outcome::Pending) << observer.Describe(op);
  const std::vector<char> data = CounterPattern(0, 500, 4);
  SendTo(data, a_addr);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("recv", ind);
  ASSERT_TRUE(ind.has_value()) << "a datagram sent to a posted receive was lost: " << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  EXPECT_EQ(ind->bytes, data.size());
  EXPECT_EQ(FirstMismatch(buf.data(), ind->bytes, 0, 4), -1);
}

// S11: two receives posted, three datagrams sent: the first two are
// delivered in order, the third (no receive left) is lost, and a receive
// posted afterwards gets the fourth.
WSAC_CASE_P(DatagramRcvBufZero, OnlyPostedReceivesGetDatagrams, "S11", "S19") {
  std::vector<std::vector<char>> bufs(3, std::vector<char>(1024, kFill));
  Operation& r0 = PostReceive(bufs[0]);
  Operation& r1 = PostReceive(bufs[1]);
  ASSERT_EQ(r0.outcome, Outcome::Pending) << observer.Describe(r0);
  ASSERT_EQ(r1.outcome, Outcome::Pending) << observer.Describe(r1);
  SendTo(CounterPattern(0, 100, 10), a_addr);
  SendTo(CounterPattern(0, 110, 11), a_addr);
  SendWhileNothingPosted(CounterPattern(0, 120, 12));
  for (int i = 0; i < 2; ++i) {
    Operation& op = i == 0 ? r0 : r1;
    std::optional<Indication> ind = observer.Wait(op);
    ObserveIndication("recv" + std::to_string(i), ind);
    ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
    ASSERT_EQ(ind->error, 0u);
    EXPECT_EQ(ind->bytes, 100u + 10u * i);
    EXPECT_EQ(FirstMismatch(bufs[i].data(), ind->bytes, 0, 10 + i), -1) << "receive " << i;
  }
  Observe("fionread_after_third", static_cast<std::int64_t>(QueuedOnA()));

  Operation& r2 = PostReceive(bufs[2]);
  ObserveCall("recv2", r2.call_ret, r2.call_error);
  ASSERT_NE(r2.outcome, Outcome::Failed) << observer.Describe(r2);
  if (r2.outcome == Outcome::Pending) SendTo(CounterPattern(0, 130, 13), a_addr);
  std::optional<Indication> ind = Finish(r2);
  ObserveIndication("recv2", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(r2);
  bool got_third = ind->bytes == 120 && FirstMismatch(bufs[2].data(), 120, 0, 12) == -1;
  EXPECT_FALSE(got_third) << "the third datagram arrived with no receive posted, yet was delivered";
  if (!got_third) {
    EXPECT_EQ(ind->bytes, 130u);
    EXPECT_EQ(FirstMismatch(bufs[2].data(), ind->bytes, 0, 13), -1);
  }
}

INSTANTIATE_TEST_SUITE_P(RcvBufZero, DatagramRcvBufZero,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms(),
                                         .creations = OverlappedCreations()})),
                         ParamName);

}  // namespace
}  // namespace wsac
