// S1, S2, S3: which sockets carry the overlapped attribute.
//   S1  WSASocket with WSA_FLAG_OVERLAPPED: overlapped send, receive and ioctl work
//   S2  socket(): the same, without any flag
//   S3  WSASocket without WSA_FLAG_OVERLAPPED: a call given a WSAOVERLAPPED
//       never pends; it runs synchronously or fails
//
// The S1 and S2 cases share their bodies (CreationCase); each is declared
// once per creation so that a failure names exactly the statement of the
// creation that broke it.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "suite/fixtures/pair_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

// ---- the operation dimension (local: the shared Dimensions has none) ----

enum class Call { WSARecv, WSARecvFrom, WSASend, WSASendTo, WSAIoctl };

const char* CallName(Call call) {
  switch (call) {
    case Call::WSARecv: return "WSARecv";
    case Call::WSARecvFrom: return "WSARecvFrom";
    case Call::WSASend: return "WSASend";
    case Call::WSASendTo: return "WSASendTo";
    case Call::WSAIoctl: return "WSAIoctl";
  }
  return "?";
}

struct CallParam {
  CaseParam pair;
  Call call = Call::WSARecv;
  std::string name;
};
void PrintTo(const CallParam& param, std::ostream* os) { *os << param.name; }
std::string CallParamName(const ::testing::TestParamInfo<CallParam>& info) { return info.param.name; }

std::vector<CallParam> CrossCalls(const Dimensions& d, const std::vector<Call>& calls) {
  std::vector<CallParam> out;
  for (const CaseParam& base : Cross(d))
    for (Call call : calls) {
      CallParam param{base, call, base.name};
      if (calls.size() > 1) param.name += CallName(call);
      out.push_back(param);
    }
  return out;
}

// What a receive of `sent` bytes may report: a datagram whole; a stream
// receive may complete with any non-empty prefix of the data (S17).
void ExpectReceivedPrefix(const ConnectedPair& pair, const char* buf, DWORD bytes, size_t sent, unsigned salt) {
  if (pair.stream()) {
    EXPECT_GE(bytes, 1u) << "a stream receive completed with no data although data had arrived";
    EXPECT_LE(bytes, sent);
  } else {
    EXPECT_EQ(bytes, sent) << "a datagram receive must deliver the whole datagram";
  }
  EXPECT_EQ(FirstMismatch(buf, bytes, 0, salt), -1) << "received bytes differ from what was sent";
}

// A connected pair watched by one observer, like PairCase, with the call
// under test as a further parameter.
class CallCase : public ::testing::TestWithParam<CallParam> {
 protected:
  CallCase()
      : p(ActiveProvider()),
        observer(p, GetParam().pair.mechanism),
        pair(ConnectedPair::Open(p, GetParam().pair.kind,
                                 PairOptions{GetParam().pair.creation, GetParam().pair.nonblocking})) {
    observer.Attach(pair.a);
  }

  Call call() const { return GetParam().call; }

  // Starts the parameter's call on the side under test with op: receives
  // fill buf, sends send it, WSAIoctl is FIONREAD into buf.
  int Start(Operation& op, char* buf, ULONG len, DWORD* bytes, DWORD* flags) {
    WSABUF wsabuf{len, buf};
    int ret = SOCKET_ERROR;
    switch (call()) {
      case Call::WSARecv: ret = p.WSARecv(pair.a, &wsabuf, 1, bytes, flags, &op.ov, observer.routine()); break;
      case Call::WSARecvFrom:
        from_len_ = sizeof from_;
        ret = p.WSARecvFrom(pair.a, &wsabuf, 1, bytes, flags, reinterpret_cast<sockaddr*>(&from_), &from_len_, &op.ov,
                            observer.routine());
        break;
      case Call::WSASend: ret = p.WSASend(pair.a, &wsabuf, 1, bytes, 0, &op.ov, observer.routine()); break;
      case Call::WSASendTo:
        ret = p.WSASendTo(pair.a, &wsabuf, 1, bytes, 0, reinterpret_cast<const sockaddr*>(&pair.b_addr), pair.addr_len,
                          &op.ov, observer.routine());
        break;
      case Call::WSAIoctl:
        ret = p.WSAIoctl(pair.a, static_cast<DWORD>(FIONREAD), nullptr, 0, buf, len, bytes, &op.ov, observer.routine());
        break;
    }
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return ret;
  }

  // Declared before the observer: WSARecvFrom writes the sender's address at
  // completion, which may come as late as the observer's final drain.
  sockaddr_storage from_{};
  int from_len_ = 0;
  Provider& p;
  CompletionObserver observer;
  ConnectedPair pair;
};

// ---- S1, S2: the overlapped attribute is there ---------------------------

class CreationCase : public CallCase {
 protected:
  // No data queued: the receive pends, and the data sent afterwards is
  // indicated through the chosen mechanism and lands in the buffer.
  void PendingReceiveIndicated() {
    Operation& op = observer.NewOperation(pair.a);
    std::vector<char> buf(256, '\0');
    DWORD bytes = 0, flags = 0;
    Start(op, buf.data(), static_cast<ULONG>(buf.size()), &bytes, &flags);
    ObserveCall("recv", op.call_ret, op.call_error);
    ASSERT_EQ(op.outcome, Outcome::Pending)
        << "an overlapped receive with no data queued must pend: " << observer.Describe(op);

    const std::vector<char> data = CounterPattern(0, 80);
    pair.SendFromPeer(data);
    std::optional<Indication> ind = observer.Wait(op);
    ObserveIndication("indication", ind);
    Observe("Internal", static_cast<std::int64_t>(op.ov.Internal));
    ASSERT_TRUE(ind.has_value()) << "pending receive never indicated: " << observer.Describe(op);
    EXPECT_EQ(ind->error, 0u);
    ExpectReceivedPrefix(pair, buf.data(), ind->bytes, data.size(), 0);
  }

  // An overlapped send is accepted (immediate or pending), indicated, and the
  // peer receives its bytes.
  void SendIndicated() {
    const std::vector<char> data = CounterPattern(0, 300, 3);
    std::vector<char> copy = data;
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0xDEAD;
    int ret = Start(op, copy.data(), static_cast<ULONG>(copy.size()), &bytes, nullptr);
    ObserveCall("send", ret, op.call_error);
    ASSERT_NE(op.outcome, Outcome::Failed) << "overlapped send refused: " << observer.Describe(op);
    Report("S16", std::string("small send: ") + OutcomeName(op.outcome));

    std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
    ObserveIndication("indication", ind);
    ASSERT_TRUE(ind.has_value()) << (ret == 0 ? "returned 0 but no indication had happened: "
                                              : "pending send never indicated: ")
                                 << observer.Describe(op);
    EXPECT_EQ(ind->error, 0u);
    EXPECT_EQ(ind->bytes, data.size());
    std::vector<char> got = pair.ReceiveOnPeer(data.size());
    ASSERT_EQ(got.size(), data.size());
    EXPECT_EQ(FirstMismatch(got, 0, 3), -1) << "the peer received other bytes than were sent";
  }

  // An overlapped ioctl (FIONREAD) is accepted, indicated, and reports the
  // bytes queued. Pending is S27's business (ioctl_deferral.cc); here it is
  // accepted as long as the indication follows.
  void IoctlIndicated() {
    const std::vector<char> data = CounterPattern(0, 40);
    pair.SendFromPeer(data);
    pair.WaitUntilQueued(pair.a, data.size());

    Operation& op = observer.NewOperation(pair.a);
    u_long queued = 0xDEADBEEF;
    DWORD returned = 0;
    int ret = Start(op, reinterpret_cast<char*>(&queued), sizeof queued, &returned, nullptr);
    ObserveCall("ioctl", ret, op.call_error);
    ASSERT_NE(op.outcome, Outcome::Failed) << "overlapped WSAIoctl(FIONREAD) refused: " << observer.Describe(op);
    std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
    ObserveIndication("indication", ind);
    Observe("fionread", static_cast<std::int64_t>(queued));
    ASSERT_TRUE(ind.has_value()) << "overlapped ioctl never indicated: " << observer.Describe(op);
    EXPECT_EQ(ind->error, 0u);
    EXPECT_EQ(queued, data.size()) << "FIONREAD through an overlapped WSAIoctl";
  }
};

std::vector<CallParam> ReceiveParams(Creation creation) {
  return CrossCalls({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .creations = {creation}},
                    {Call::WSARecv, Call::WSARecvFrom});
}
std::vector<CallParam> SendParams(Creation creation) {
  return CrossCalls({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .creations = {creation}},
                    {Call::WSASend, Call::WSASendTo});
}
std::vector<CallParam> IoctlParams(Creation creation) {
  return CrossCalls({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .creations = {creation}}, {Call::WSAIoctl});
}

// Sockets from WSASocketW(..., WSA_FLAG_OVERLAPPED).
class FlaggedReceive : public CreationCase {};
class FlaggedSend : public CreationCase {};
class FlaggedIoctl : public CreationCase {};
// S1: a pending receive on a WSA_FLAG_OVERLAPPED socket is indicated with the data.
WSAC_CASE_P(FlaggedReceive, PendingReceiveIndicated, "S1") { PendingReceiveIndicated(); }
// S1: an overlapped send on a WSA_FLAG_OVERLAPPED socket is indicated and delivered.
WSAC_CASE_P(FlaggedSend, SendIndicated, "S1") { SendIndicated(); }
// S1: an overlapped WSAIoctl on a WSA_FLAG_OVERLAPPED socket is indicated with its result.
WSAC_CASE_P(FlaggedIoctl, IoctlIndicated, "S1") { IoctlIndicated(); }
INSTANTIATE_TEST_SUITE_P(Creation, FlaggedReceive, ValuesIn(ReceiveParams(Creation::WSASocketOverlapped)),
                         CallParamName);
INSTANTIATE_TEST_SUITE_P(Creation, FlaggedSend, ValuesIn(SendParams(Creation::WSASocketOverlapped)), CallParamName);
INSTANTIATE_TEST_SUITE_P(Creation, FlaggedIoctl, ValuesIn(IoctlParams(Creation::WSASocketOverlapped)), CallParamName);

// Sockets from socket().
class SocketFunctionReceive : public CreationCase {};
class SocketFunctionSend : public CreationCase {};
class SocketFunctionIoctl : public CreationCase {};
// S2: a pending receive on a socket() socket is indicated with the data.
WSAC_CASE_P(SocketFunctionReceive, PendingReceiveIndicated, "S2") { PendingReceiveIndicated(); }
// S2: an overlapped send on a socket() socket is indicated and delivered.
WSAC_CASE_P(SocketFunctionSend, SendIndicated, "S2") { SendIndicated(); }
// S2: an overlapped WSAIoctl on a socket() socket is indicated with its result.
WSAC_CASE_P(SocketFunctionIoctl, IoctlIndicated, "S2") { IoctlIndicated(); }
INSTANTIATE_TEST_SUITE_P(Creation, SocketFunctionReceive, ValuesIn(ReceiveParams(Creation::SocketFunction)),
                         CallParamName);
INSTANTIATE_TEST_SUITE_P(Creation, SocketFunctionSend, ValuesIn(SendParams(Creation::SocketFunction)), CallParamName);
INSTANTIATE_TEST_SUITE_P(Creation, SocketFunctionIoctl, ValuesIn(IoctlParams(Creation::SocketFunction)),
                         CallParamName);

// ---- S3: without the attribute nothing pends ------------------------------
//
// The Port mechanism is left out: a handle without the overlapped attribute
// cannot be associated with a completion port on Windows (the association
// is refused for synchronous handles), so there is no port to watch.

std::vector<Mechanism> NonPortMechanisms() { return {Mechanism::Event, Mechanism::Routine, Mechanism::Polling}; }

// How long a call that must not block may take before the case calls it
// blocked: generous, and short enough to release it within the case timeout.
std::chrono::milliseconds ReturnDeadline() { return std::min(IndicationTimeout(), std::chrono::milliseconds(2000)); }

// Flags a worker thread raises and the case waits for with a deadline.
class Milestones {
 public:
  void Raise(bool Milestones::*flag) {
    {
      std::lock_guard lock(mu_);
      this->*flag = true;
    }
    cv_.notify_all();
  }
  bool WaitFor(bool Milestones::*flag, std::chrono::milliseconds budget) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, budget, [&] { return this->*flag; });
  }
  bool returned = false;
  bool sent = false;
  bool done = false;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

// Joins on every way out of a case body, so the fixture outlives the thread.
class Joiner {
 public:
  explicit Joiner(std::thread& t) : t_(t) {}
  ~Joiner() {
    if (t_.joinable()) t_.join();
  }

 private:
  std::thread& t_;
};

class NonOverlappedReceive : public CallCase {};

// S3, S18: non-blocking, no data: the call fails with WSAEWOULDBLOCK instead
// of pending, and nothing is indicated, not even once data arrives (a call
// that secretly pended would complete then).
WSAC_CASE_P(NonOverlappedReceive, NoDataFailsWithoutPending, "S3", "S18") {
  Operation& op = observer.NewOperation(pair.a);
  std::vector<char> buf(128, '\0');
  DWORD bytes = 0, flags = 0;
  const std::vector<char> data = CounterPattern(0, 24);
  // The call runs on a worker, so a provider that blocks here despite the
  // non-blocking mode gives a failure with evidence, not a hung case. The
  // worker also keeps the quiet watch: a routine would be queued to the
  // thread that made the call.
  Milestones milestones;
  int ret = 0;
  bool indicated = false;
  std::thread worker([&] {
    ret = Start(op, buf.data(), static_cast<ULONG>(buf.size()), &bytes, &flags);
    milestones.Raise(&Milestones::returned);
    milestones.WaitFor(&Milestones::sent, IndicationTimeout());
    if (op.outcome == Outcome::Failed) indicated = observer.IndicatedWithin(op);
    milestones.Raise(&Milestones::done);
  });
  Joiner join(worker);
  if (!milestones.WaitFor(&Milestones::returned, ReturnDeadline())) {
    Observe("call", "did not return");
    ADD_FAILURE() << "the receive blocked for " << ReturnDeadline().count()
                  << " ms on a non-blocking socket without data; releasing it with data from the peer";
    pair.SendFromPeer(data);
    milestones.Raise(&Milestones::sent);
    if (milestones.WaitFor(&Milestones::done, IndicationTimeout()))
      Observe("after_release", std::string(OutcomeName(op.outcome)) + " ret=" + std::to_string(op.call_ret) +
                                   " bytes=" + std::to_string(bytes));
    return;
  }
  Observe("call", "returned");
  ObserveCall("recv", ret, op.call_error);
  // Data arrives after the call: an operation that secretly pended would
  // complete now, and the quiet watch would see it.
  pair.SendFromPeer(data);
  milestones.Raise(&Milestones::sent);
  ASSERT_TRUE(milestones.WaitFor(&Milestones::done, QuietWindow() + IndicationTimeout()));
  ASSERT_NE(op.outcome, Outcome::Pending) << "pended on a socket without the overlapped attribute: "
                                          << observer.Describe(op);
  ASSERT_EQ(ret, SOCKET_ERROR) << "returned 0 with no data queued: " << observer.Describe(op);
  EXPECT_EQ(op.call_error, WSAEWOULDBLOCK) << "a synchronous receive on a non-blocking socket without data";
  Observe("indicated", indicated ? "yes" : "no");
  EXPECT_FALSE(indicated) << "a failed call was indicated: " << observer.Describe(op);

  // The data must still be there for the next receives: a hidden operation
  // would have taken some. Plain receives, since a stream may hand it out
  // in pieces.
  pair.WaitUntilQueued(pair.a, data.size());
  std::vector<char> again(data.size(), '\0');
  size_t got = 0;
  do {
    WSABUF wsabuf{static_cast<ULONG>(again.size() - got), again.data() + got};
    DWORD n = 0, got_flags = 0;
    int plain = p.WSARecv(pair.a, &wsabuf, 1, &n, &got_flags, nullptr, nullptr);
    ObserveCall("plain_recv", plain, plain == 0 ? 0 : p.WSAGetLastError());
    ASSERT_EQ(plain, 0) << "plain receive of the queued data failed with " << p.WSAGetLastError();
    ASSERT_NE(n, 0u) << "plain receive found the connection closed after " << got << " bytes";
    got += n;
  } while (pair.stream() && got < data.size());
  Observe("plain_recv.total", static_cast<std::int64_t>(got));
  EXPECT_EQ(got, data.size()) << "data sent after the failed call did not all reach the next receive";
  EXPECT_EQ(FirstMismatch(again.data(), got, 0), -1);
}
INSTANTIATE_TEST_SUITE_P(Creation, NonOverlappedReceive,
                         ValuesIn(CrossCalls({.kinds = AllKinds(),
                                              .mechanisms = NonPortMechanisms(),
                                              .creations = {Creation::WSASocketNonOverlapped},
                                              .nonblocking = {true}},
                                             {Call::WSARecv, Call::WSARecvFrom})),
                         CallParamName);

class NonOverlappedDataPresent : public CallCase {};

// S3: with data queued, blocking or not, the call completes synchronously:
// 0, the byte count in *lpNumberOfBytesRecvd, the data in the buffer.
WSAC_CASE_P(NonOverlappedDataPresent, ReceiveCompletesSynchronously, "S3") {
  const std::vector<char> data = CounterPattern(0, 60, 5);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());

  Operation& op = observer.NewOperation(pair.a);
  std::vector<char> buf(128, '\0');
  DWORD bytes = 0xDEAD, flags = 0;
  int ret = Start(op, buf.data(), static_cast<ULONG>(buf.size()), &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  Observe("bytes", static_cast<std::int64_t>(bytes));
  Observe("Internal", static_cast<std::int64_t>(op.ov.Internal));
  ASSERT_NE(op.outcome, Outcome::Pending) << "pended on a socket without the overlapped attribute: "
                                          << observer.Describe(op);
  ASSERT_EQ(ret, 0) << "data was queued, yet the synchronous receive failed: " << observer.Describe(op);
  // A synchronous completion reports its byte count from the call.
  ExpectReceivedPrefix(pair, buf.data(), bytes, data.size(), 5);
  // Whether a synchronous socket also signals hEvent or queues the routine
  // is not specified; record it for the reader.
  std::optional<Indication> ind = observer.TakeImmediate(op);
  ObserveIndication("indication", ind);
}
INSTANTIATE_TEST_SUITE_P(Creation, NonOverlappedDataPresent,
                         ValuesIn(CrossCalls({.kinds = AllKinds(),
                                              .mechanisms = NonPortMechanisms(),
                                              .creations = {Creation::WSASocketNonOverlapped},
                                              .nonblocking = BothModes()},
                                             {Call::WSARecv})),
                         CallParamName);

class NonOverlappedSend : public CallCase {};

// S3: a small send given a WSAOVERLAPPED completes synchronously with 0 and
// its byte count, and the peer receives it.
WSAC_CASE_P(NonOverlappedSend, SendCompletesSynchronously, "S3") {
  const std::vector<char> data = CounterPattern(0, 200, 7);
  std::vector<char> copy = data;
  Operation& op = observer.NewOperation(pair.a);
  DWORD bytes = 0xDEAD;
  int ret = Start(op, copy.data(), static_cast<ULONG>(copy.size()), &bytes, nullptr);
  ObserveCall("send", ret, op.call_error);
  Observe("bytes", static_cast<std::int64_t>(bytes));
  ASSERT_NE(op.outcome, Outcome::Pending) << "pended on a socket without the overlapped attribute: "
                                          << observer.Describe(op);
  ASSERT_EQ(ret, 0) << "a small synchronous send failed: " << observer.Describe(op);
  EXPECT_EQ(bytes, data.size());
  std::optional<Indication> ind = observer.TakeImmediate(op);
  ObserveIndication("indication", ind);
  std::vector<char> got = pair.ReceiveOnPeer(data.size());
  ASSERT_EQ(got.size(), data.size());
  EXPECT_EQ(FirstMismatch(got, 0, 7), -1);
}
INSTANTIATE_TEST_SUITE_P(Creation, NonOverlappedSend,
                         ValuesIn(CrossCalls({.kinds = AllKinds(),
                                              .mechanisms = NonPortMechanisms(),
                                              .creations = {Creation::WSASocketNonOverlapped}},
                                             {Call::WSASend, Call::WSASendTo})),
                         CallParamName);

}  // namespace
}  // namespace wsac
