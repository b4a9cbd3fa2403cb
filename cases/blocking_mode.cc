// S4, S5, S6, S13: overlapped I/O and the blocking mode.
//   S4   an overlapped socket starts blocking; FIONBIO switches it as usual
//   S5   overlapped I/O leaves the mode as it was
//   S6   overlapped calls behave the same in both modes: never block, never
//        WSAEWOULDBLOCK because of the mode
//   S13  overlapped send and receive calls return at once
//
// "Blocks" and "returns at once" are decided by a watchdog, not a sleep: the
// call runs on a worker thread and the case waits for it with a deadline.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "suite/fixtures/pair_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;
using std::chrono::milliseconds;

// How long a call that must return at once may take before the case calls
// it blocked. Generous (it only matters when the provider is broken) but
// short enough that closing the socket and joining fit in the case timeout.
milliseconds ReturnDeadline() { return std::min(IndicationTimeout(), milliseconds(2000)); }

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
  bool WaitFor(bool Milestones::*flag, milliseconds budget) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, budget, [&] { return this->*flag; });
  }
  bool returned = false;
  bool done = false;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

// Joins on every way out of a case body, so the fixture the thread uses
// outlives it.
class Joiner {
 public:
  explicit Joiner(std::thread& t) : t_(t) {}
  ~Joiner() {
    if (t_.joinable()) t_.join();
  }

 private:
  std::thread& t_;
};

// ---- the blocking-mode probe (S4, S5) -------------------------------------

enum class Mode { Blocks, WouldBlock, Other };
const char* ModeName(Mode m) {
  switch (m) {
    case Mode::Blocks: return "blocks";
    case Mode::WouldBlock: return "WSAEWOULDBLOCK";
    case Mode::Other: return "other";
  }
  return "?";
}
void PrintTo(Mode m, std::ostream* os) { *os << ModeName(m); }

// What the probe's thread touches; shared so that a thread that never
// returns can be left behind without dangling references.
struct PlainReceive {
  Milestones milestones;
  std::vector<char> buf = std::vector<char>(64, '\0');
  DWORD bytes = 0, flags = 0;
  int ret = 0, error = 0;
};

// The blocking mode as an application sees it: a plain (non-overlapped)
// WSARecv on a socket with nothing queued either blocks or fails with
// WSAEWOULDBLOCK. A receive that blocks is released by one byte from the
// peer, which it consumes, so the probe leaves the socket as it found it.
Mode ProbeMode(Provider& p, ConnectedPair& pair, const std::string& label) {
  auto state = std::make_shared<PlainReceive>();
  SOCKET s = pair.a;
  std::thread worker([state, &p, s] {
    WSABUF wsabuf{static_cast<ULONG>(state->buf.size()), state->buf.data()};
    state->ret = p.WSARecv(s, &wsabuf, 1, &state->bytes, &state->flags, nullptr, nullptr);
    state->error = state->ret == 0 ? 0 : p.WSAGetLastError();
    state->milestones.Raise(&Milestones::returned);
  });
  auto finish = [&](Mode mode) {
    Observe(label + ".mode", ModeName(mode));
    Observe(label + ".ret", state->ret);
    Observe(label + ".wsa_error", state->error);
    Observe(label + ".bytes", static_cast<std::int64_t>(state->bytes));
    return mode;
  };

  if (state->milestones.WaitFor(&Milestones::returned, QuietWindow())) {
    worker.join();
    return finish(state->ret == SOCKET_ERROR && state->error == WSAEWOULDBLOCK ? Mode::WouldBlock : Mode::Other);
  }
  const char one = 'x';
  pair.SendFromPeer(&one, 1);
  if (!state->milestones.WaitFor(&Milestones::returned, IndicationTimeout())) {
    ADD_FAILURE() << label << ": a plain receive blocked even after the peer sent data; closing the socket";
    pair.CloseA();
    if (state->milestones.WaitFor(&Milestones::returned, ReturnDeadline())) worker.join();
    else worker.detach();  // touches only `state` and the provider, both still alive
    return finish(Mode::Other);
  }
  worker.join();
  EXPECT_EQ(state->ret, 0) << label << ": the released plain receive failed with " << state->error;
  EXPECT_EQ(state->bytes, 1u) << label << ": the released plain receive got other than the peer's byte";
  return finish(Mode::Blocks);
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

// Takes the rest of a stream's data with plain receives once it is queued,
// so a later probe finds the socket empty.
void ReceiveRest(Provider& p, ConnectedPair& pair, size_t rest) {
  if (rest == 0) return;
  pair.WaitUntilQueued(pair.a, rest);
  std::vector<char> sink(rest);
  size_t got = 0;
  while (got < rest) {
    WSABUF wsabuf{static_cast<ULONG>(rest - got), sink.data() + got};
    DWORD n = 0, flags = 0;
    if (p.WSARecv(pair.a, &wsabuf, 1, &n, &flags, nullptr, nullptr) != 0 || n == 0)
      throw SetupFailed("plain receive of the rest of the data failed with " + std::to_string(p.WSAGetLastError()));
    got += n;
  }
}

int SetNonBlocking(Provider& p, SOCKET s, u_long on) { return p.ioctlsocket(s, FIONBIO, &on); }

class StartsBlocking : public PairCase {};

// S4: a freshly created overlapped socket is blocking: a plain receive with
// no data blocks until the peer sends.
WSAC_CASE_P(StartsBlocking, PlainReceiveBlocks, "S4") {
  EXPECT_EQ(ProbeMode(p, pair, "fresh"), Mode::Blocks) << "a new overlapped socket must start in blocking mode";
}

// S4: FIONBIO 1 makes the plain receive fail with WSAEWOULDBLOCK; FIONBIO 0
// makes it block again.
WSAC_CASE_P(StartsBlocking, FionbioSwitchesMode, "S4") {
  ASSERT_EQ(SetNonBlocking(p, pair.a, 1), 0) << "FIONBIO 1 failed with " << p.WSAGetLastError();
  EXPECT_EQ(ProbeMode(p, pair, "after_fionbio_1"), Mode::WouldBlock) << "FIONBIO 1 must make the socket non-blocking";
  ASSERT_EQ(SetNonBlocking(p, pair.a, 0), 0) << "FIONBIO 0 failed with " << p.WSAGetLastError();
  EXPECT_EQ(ProbeMode(p, pair, "after_fionbio_0"), Mode::Blocks) << "FIONBIO 0 must make the socket blocking again";
}

INSTANTIATE_TEST_SUITE_P(Mode, StartsBlocking,
                         ValuesIn(Cross({.kinds = AllKinds(), .creations = OverlappedCreations()})), ParamName);

// ---- S5 -------------------------------------------------------------------

class ModeAfterOverlappedIo : public PairCase {};

// S5: the mode probe gives the same answer before and after a completed
// overlapped receive and send.
WSAC_CASE_P(ModeAfterOverlappedIo, ModeUnchanged, "S5") {
  const Mode expected = GetParam().nonblocking ? Mode::WouldBlock : Mode::Blocks;
  const Mode before = ProbeMode(p, pair, "before");
  ASSERT_EQ(before, expected) << "the mode was not what the fixture set before any overlapped I/O";

  Operation& recv = observer.NewOperation(pair.a);
  std::vector<char> buf(128, '\0');
  DWORD bytes = 0, flags = 0;
  int ret = RecvOn(pair.a, recv, buf.data(), static_cast<ULONG>(buf.size()), &bytes, &flags);
  ObserveCall("recv", ret, recv.call_error);
  ASSERT_NE(recv.outcome, Outcome::Failed) << "overlapped receive failed: " << observer.Describe(recv);
  const std::vector<char> data = CounterPattern(0, 32);
  pair.SendFromPeer(data);
  std::optional<Indication> rind = ret == 0 ? observer.TakeImmediate(recv) : observer.Wait(recv);
  ObserveIndication("recv_indication", rind);
  ASSERT_TRUE(rind.has_value()) << "overlapped receive not indicated: " << observer.Describe(recv);
  ExpectReceivedPrefix(pair, buf.data(), rind->bytes, data.size(), 0);
  if (pair.stream() && rind->bytes < data.size()) ReceiveRest(p, pair, data.size() - rind->bytes);

  const std::vector<char> out = CounterPattern(0, 48, 1);
  Operation& send = observer.NewOperation(pair.a);
  DWORD sent = 0;
  ret = SendOn(pair.a, send, out.data(), static_cast<ULONG>(out.size()), &sent);
  ObserveCall("send", ret, send.call_error);
  ASSERT_NE(send.outcome, Outcome::Failed) << "overlapped send failed: " << observer.Describe(send);
  std::optional<Indication> sind = ret == 0 ? observer.TakeImmediate(send) : observer.Wait(send);
  ObserveIndication("send_indication", sind);
  ASSERT_TRUE(sind.has_value()) << "overlapped send not indicated: " << observer.Describe(send);
  (void)pair.ReceiveOnPeer(out.size());

  EXPECT_EQ(ProbeMode(p, pair, "after"), before) << "overlapped I/O changed the socket's blocking mode";
}

INSTANTIATE_TEST_SUITE_P(Mode, ModeAfterOverlappedIo,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .nonblocking = BothModes()})),
                         ParamName);

// ---- S6, S13: the call returns at once in either mode ---------------------

enum class Call { WSARecv, WSARecvFrom, WSASend, WSASendTo };

const char* CallName(Call call) {
  switch (call) {
    case Call::WSARecv: return "WSARecv";
    case Call::WSARecvFrom: return "WSARecvFrom";
    case Call::WSASend: return "WSASend";
    case Call::WSASendTo: return "WSASendTo";
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

// PairCase with the call under test as a further parameter. The call may
// run on a worker thread; it then also waits for its own indication there,
// since a completion routine runs only on the thread that started it.
class CallCase : public ::testing::TestWithParam<CallParam> {
 protected:
  CallCase()
      : p(ActiveProvider()),
        observer(p, GetParam().pair.mechanism),
        pair(ConnectedPair::Open(p, GetParam().pair.kind,
                                 PairOptions{GetParam().pair.creation, GetParam().pair.nonblocking})) {
    observer.Attach(pair.a);
  }

  int Start(SOCKET s, Operation& op, char* buf, ULONG len, DWORD* bytes, DWORD* flags) {
    WSABUF wsabuf{len, buf};
    int ret = SOCKET_ERROR;
    switch (GetParam().call) {
      case Call::WSARecv: ret = p.WSARecv(s, &wsabuf, 1, bytes, flags, &op.ov, observer.routine()); break;
      case Call::WSARecvFrom:
        from_len_ = sizeof from_;
        ret = p.WSARecvFrom(s, &wsabuf, 1, bytes, flags, reinterpret_cast<sockaddr*>(&from_), &from_len_, &op.ov,
                            observer.routine());
        break;
      case Call::WSASend: ret = p.WSASend(s, &wsabuf, 1, bytes, 0, &op.ov, observer.routine()); break;
      case Call::WSASendTo:
        ret = p.WSASendTo(s, &wsabuf, 1, bytes, 0, reinterpret_cast<const sockaddr*>(&pair.b_addr), pair.addr_len,
                          &op.ov, observer.routine());
        break;
    }
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    return ret;
  }

  // Runs Start on a worker thread, which then takes the indication (at once
  // for 0, waiting for WSA_IO_PENDING). `between` runs on the case's thread
  // once the call has returned, e.g. to let the peer send or drain.
  // Returns false (after failing the case) when the call did not return.
  struct Run {
    Milestones milestones;
    std::optional<Indication> indication;
  };
  bool StartOnWorker(Operation& op, char* buf, ULONG len, Run& run, const std::function<void()>& between) {
    SOCKET s = pair.a;
    DWORD* bytes = &bytes_;
    DWORD* flags = &flags_;
    std::thread worker([&, s] {
      int ret = Start(s, op, buf, len, bytes, flags);
      run.milestones.Raise(&Milestones::returned);
      if (op.outcome == Outcome::Pending) run.indication = observer.Wait(op);
      else if (ret == 0) run.indication = observer.TakeImmediate(op);
      run.milestones.Raise(&Milestones::done);
    });
    Joiner join(worker);
    if (!run.milestones.WaitFor(&Milestones::returned, ReturnDeadline())) {
      ADD_FAILURE() << "the overlapped call did not return within " << ReturnDeadline().count()
                    << " ms; closing the socket to release it";
      Observe("call", "did not return");
      pair.CloseA();
      return false;
    }
    Observe("call", "returned");
    ObserveCall("call", op.call_ret, op.call_error);
    if (op.outcome == Outcome::Pending || op.outcome == Outcome::Immediate) between();
    if (!run.milestones.WaitFor(&Milestones::done, IndicationTimeout() + milliseconds(1000))) {
      ADD_FAILURE() << "the worker did not finish waiting for the indication: " << observer.Describe(op);
      pair.CloseA();
      return false;
    }
    return true;
  }

  sockaddr_storage from_{};
  int from_len_ = 0;
  DWORD bytes_ = 0, flags_ = 0;
  Provider& p;
  CompletionObserver observer;
  ConnectedPair pair;
};

class ReceiveReturnsAtOnce : public CallCase {};

// S13, S6: with no data queued, in blocking and non-blocking mode, the
// receive returns at once with WSA_IO_PENDING (not WSAEWOULDBLOCK) and the
// data sent afterwards is indicated.
WSAC_CASE_P(ReceiveReturnsAtOnce, NoDataPendsInEitherMode, "S13", "S6") {
  Operation& op = observer.NewOperation(pair.a);
  std::vector<char> buf(256, '\0');
  const std::vector<char> data = CounterPattern(0, 90);
  Run run;
  bool pending = false;
  bool finished = StartOnWorker(op, buf.data(), static_cast<ULONG>(buf.size()), run, [&] {
    pending = op.outcome == Outcome::Pending;
    if (pending) pair.SendFromPeer(data);
  });
  ASSERT_TRUE(finished);
  EXPECT_NE(op.call_error, WSAEWOULDBLOCK) << "an overlapped receive failed because of the socket's mode";
  ASSERT_TRUE(pending) << "an overlapped receive with no data queued must pend: " << observer.Describe(op);
  ObserveIndication("indication", run.indication);
  ASSERT_TRUE(run.indication.has_value()) << "pending receive never indicated: " << observer.Describe(op);
  EXPECT_EQ(run.indication->error, 0u);
  ExpectReceivedPrefix(pair, buf.data(), run.indication->bytes, data.size(), 0);
}

INSTANTIATE_TEST_SUITE_P(Mode, ReceiveReturnsAtOnce,
                         ValuesIn(CrossCalls({.kinds = AllKinds(), .mechanisms = AllMechanisms(),
                                              .nonblocking = BothModes()},
                                             {Call::WSARecv, Call::WSARecvFrom})),
                         CallParamName);

class SendReturnsAtOnce : public CallCase {};

// S13, S6: a small send returns at once in either mode, completed or
// pending but never WSAEWOULDBLOCK, and is indicated with its byte count.
WSAC_CASE_P(SendReturnsAtOnce, SmallSendInEitherMode, "S13", "S6") {
  const std::vector<char> data = CounterPattern(0, 400, 2);
  std::vector<char> copy = data;
  Operation& op = observer.NewOperation(pair.a);
  Run run;
  ASSERT_TRUE(StartOnWorker(op, copy.data(), static_cast<ULONG>(copy.size()), run, [] {}));
  EXPECT_NE(op.call_error, WSAEWOULDBLOCK) << "an overlapped send failed because of the socket's mode";
  ASSERT_NE(op.outcome, Outcome::Failed) << "overlapped send failed: " << observer.Describe(op);
  Report("S6", std::string(GetParam().pair.nonblocking ? "non-blocking" : "blocking") + " small send: " +
                   OutcomeName(op.outcome));
  ObserveIndication("indication", run.indication);
  ASSERT_TRUE(run.indication.has_value()) << "send never indicated: " << observer.Describe(op);
  EXPECT_EQ(run.indication->error, 0u);
  EXPECT_EQ(run.indication->bytes, data.size());
  std::vector<char> got = pair.ReceiveOnPeer(data.size());
  ASSERT_EQ(got.size(), data.size());
  EXPECT_EQ(FirstMismatch(got, 0, 2), -1);
}

INSTANTIATE_TEST_SUITE_P(Mode, SendReturnsAtOnce,
                         ValuesIn(CrossCalls({.kinds = AllKinds(), .mechanisms = AllMechanisms(),
                                              .nonblocking = BothModes()},
                                             {Call::WSASend, Call::WSASendTo})),
                         CallParamName);

class LargeSendReturnsAtOnce : public CallCase {};

// S13, S6: a send far larger than any buffer, to a peer that is not reading,
// with SO_SNDBUF 0, returns at once in either mode; it is indicated with its
// full byte count once the peer drains, and the peer gets every byte.
WSAC_CASE_P(LargeSendReturnsAtOnce, PeerNotReading, "S13", "S6") {
  int zero = 0;
  ASSERT_EQ(p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero), 0)
      << "setsockopt(SO_SNDBUF, 0) failed with " << p.WSAGetLastError();
  // With SO_SNDBUF 0 nothing of it need be buffered, so a send that waited
  // for the transfer could not return before the peer reads. Kept at 1 MiB:
  // draining it takes about half a second under Wine.
  constexpr size_t kLen = 1u << 20;
  std::vector<char> data = CounterPattern(0, kLen, 4);
  Operation& op = observer.NewOperation(pair.a);
  Run run;
  std::vector<char> got;
  ASSERT_TRUE(StartOnWorker(op, data.data(), static_cast<ULONG>(data.size()), run,
                            [&] { got = pair.ReceiveOnPeer(kLen); }));
  EXPECT_NE(op.call_error, WSAEWOULDBLOCK) << "an overlapped send failed because of the socket's mode";
  ASSERT_NE(op.outcome, Outcome::Failed) << "overlapped send failed: " << observer.Describe(op);
  Report("S13", std::string("1 MiB send, peer not reading: ") + OutcomeName(op.outcome));
  ObserveIndication("indication", run.indication);
  ASSERT_TRUE(run.indication.has_value()) << "large send never indicated: " << observer.Describe(op);
  EXPECT_EQ(run.indication->error, 0u);
  EXPECT_EQ(run.indication->bytes, kLen) << "an overlapped stream send completes with its full byte count";
  ASSERT_EQ(got.size(), kLen);
  const long long mismatch = FirstMismatch(got, 0, 4);
  Observe("first_mismatch", mismatch);
  EXPECT_EQ(mismatch, -1) << "the peer received other bytes than were sent";
}

INSTANTIATE_TEST_SUITE_P(Mode, LargeSendReturnsAtOnce,
                         ValuesIn(CrossCalls({.kinds = StreamKinds(), .mechanisms = AllMechanisms(),
                                              .nonblocking = BothModes()},
                                             {Call::WSASend})),
                         CallParamName);

// ---- S6: data present, either mode ----------------------------------------

class ReceiveWithData : public PairCase {};

// S6: with data queued the receive completes (0) or pends in either mode,
// never WSAEWOULDBLOCK, and delivers the data; which one is reported (WIN-10).
WSAC_CASE_P(ReceiveWithData, SameInEitherMode, "S6", "WIN-10") {
  const std::vector<char> data = CounterPattern(0, 70, 6);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());

  Operation& op = observer.NewOperation(pair.a);
  std::vector<char> buf(256, '\0');
  DWORD bytes = 0, flags = 0;
  int ret = RecvOn(pair.a, op, buf.data(), static_cast<ULONG>(buf.size()), &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  EXPECT_NE(op.call_error, WSAEWOULDBLOCK) << "an overlapped receive failed because of the socket's mode";
  ASSERT_NE(op.outcome, Outcome::Failed) << "overlapped receive failed: " << observer.Describe(op);
  Report(GetParam().nonblocking ? "WIN-10" : "S6",
         std::string(GetParam().nonblocking ? "non-blocking" : "blocking") + " receive with data queued: " +
             OutcomeName(op.outcome));
  std::optional<Indication> ind = ret == 0 ? observer.TakeImmediate(op) : observer.Wait(op);
  ObserveIndication("indication", ind);
  ASSERT_TRUE(ind.has_value()) << "receive with data queued never indicated: " << observer.Describe(op);
  EXPECT_EQ(ind->error, 0u);
  ExpectReceivedPrefix(pair, buf.data(), ind->bytes, data.size(), 6);
}

INSTANTIATE_TEST_SUITE_P(Mode, ReceiveWithData,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms(), .nonblocking = BothModes()})),
                         ParamName);

}  // namespace
}  // namespace wsac
