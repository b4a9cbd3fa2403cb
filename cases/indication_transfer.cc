// S14, S16: what the return value of an overlapped WSARecv, WSARecvFrom,
// WSASend or WSASendTo promises about its completion indication, for every
// completion mechanism, both overlapped creations and both blocking modes.
//   0                             the indication already happened (S14) and
//                                 the call stored the byte count (ARG-13/14)
//   SOCKET_ERROR + WSA_IO_PENDING a later indication reports completion (S16)
// Which of the two a call takes is the provider's choice wherever both are
// permitted; each instance checks the branch it saw and names the other as
// not exercised.
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

// ---- receives -------------------------------------------------------------

class ReceiveIndication : public CallCase {};

// S14 (with S8): data already queued, so the receive may complete at once.
// If it does, its indication is already there when the call returns and the
// call reported the byte count (ARG-13); a provider may still choose to pend
// (S16), and then a later indication must come. Each instance exercises one
// of the two branches and says which.
WSAC_CASE_P(ReceiveIndication, ImmediateCompletionAlreadyIndicated, "S14", "S16", "S8", "ARG-13") {
  const std::vector<char> data = CounterPattern(0, 64);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, data.size());

  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0xDEAD, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", op.call_ret, op.call_error);
  Observe("recv.outcome", OutcomeName(op.outcome));
  WSAC_ASSERT_NE("S8", op.outcome, Outcome::Failed)
      << CallName(call()) << " failed although data was queued: " << observer.Describe(op);

  std::optional<Indication> ind;
  if (ret == 0) {
    NotExercised("S16", "the receive returned 0");
    ind = observer.TakeImmediate(op);
    ObserveIndication("indication", ind);
    WSAC_ASSERT_TRUE("S14", ind.has_value())
        << "returned 0 but no indication had happened yet: " << observer.Describe(op);
    Observe("recv.bytes", bytes);
    WSAC_EXPECT_EQ("ARG-13", bytes, ind->bytes) << "the count stored by the call differs from the indication's";
  } else {
    NotExercised("S14", "the receive pended");
    NotExercised("ARG-13", "the receive pended");
    ind = observer.Wait(op);
    ObserveIndication("indication", ind);
    WSAC_ASSERT_TRUE("S16", ind.has_value()) << "pended but no indication came: " << observer.Describe(op);
  }
  WSAC_EXPECT_EQ("S8", ind->error, 0u) << "the receive of queued data did not succeed";
  WSAC_EXPECT_TRUE("S8", ReceivedCount(pair.stream(), ind->bytes, data.size()));
  WSAC_EXPECT_EQ("S8", FirstMismatch(buf, ind->bytes, 0), -1) << "received bytes differ from what was sent";
}

// S7, S16: no data yet, so the receive stays posted until data comes (S7);
// nothing is indicated before data arrives, and the data's arrival is
// indicated later (S16).
WSAC_CASE_P(ReceiveIndication, PendingCompletionIndicatedLater, "S16", "S7") {
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  int ret = Initiate(op, buf, 256, &bytes, &flags);
  ObserveCall("recv", ret, op.call_error);
  WSAC_ASSERT_EQ("S7", op.outcome, Outcome::Pending)
      << "a receive posted before any data arrived must wait for it: " << observer.Describe(op);
  WSAC_EXPECT_FALSE("S16", observer.IndicatedWithin(op))
      << "indicated before any data arrived: " << observer.Describe(op);

  const std::vector<char> data = CounterPattern(0, 100);
  pair.SendFromPeer(data);
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("indication", ind);
  WSAC_ASSERT_TRUE("S16", ind.has_value()) << "no indication after data arrived: " << observer.Describe(op);
  WSAC_EXPECT_EQ("S16", ind->error, 0u) << "the indication reported a failure for a receive that got data";
  WSAC_EXPECT_TRUE("S7", ReceivedCount(pair.stream(), ind->bytes, data.size()));
  WSAC_EXPECT_EQ("S7", FirstMismatch(buf, ind->bytes, 0), -1) << "the posted buffer does not hold the data sent";
}

INSTANTIATE_TEST_SUITE_P(Transfer, ReceiveIndication, ValuesIn(PerMechanism(AllKinds(), kReceives)), CallParamName);
INSTANTIATE_TEST_SUITE_P(Modes, ReceiveIndication,
                         ValuesIn(PerCreationAndMode({SocketKind::Tcp4, SocketKind::Udp4}, kReceives)), CallParamName);

// ---- sends ----------------------------------------------------------------

class SendIndication : public CallCase {};

// S14: a small send with buffer space available may complete at once; if it
// does, the indication is there when the call returns and the call reported
// the byte count (ARG-14). Pending is permitted (S16).
WSAC_CASE_P(SendIndication, ImmediateCompletionAlreadyIndicated, "S14", "S16", "ARG-14", "S12") {
  const std::vector<char> data = CounterPattern(0, 512);
  Operation& op = observer.NewOperation(pair.a);
  DWORD bytes = 0xDEAD;
  int ret = Initiate(op, const_cast<char*>(data.data()), static_cast<ULONG>(data.size()), &bytes, nullptr);
  ObserveCall("send", ret, op.call_error);
  Observe("send.outcome", OutcomeName(op.outcome));
  if (op.outcome == Outcome::Failed)
    throw SetupFailed(std::string(CallName(call())) + " of 512 bytes on a fresh pair failed: " + observer.Describe(op));

  std::optional<Indication> ind;
  if (ret == 0) {
    NotExercised("S16", "the send returned 0");
    ind = observer.TakeImmediate(op);
    ObserveIndication("indication", ind);
    WSAC_ASSERT_TRUE("S14", ind.has_value())
        << "returned 0 but no indication had happened yet: " << observer.Describe(op);
    WSAC_EXPECT_EQ("S14", ind->error, 0u) << "returned 0 but the indication reports a failure";
    Observe("send.bytes", bytes);
    WSAC_EXPECT_EQ("ARG-14", bytes, data.size());
  } else {
    NotExercised("S14", "the send pended");
    NotExercised("ARG-14", "the send pended");
    ind = observer.Wait(op);
    ObserveIndication("indication", ind);
    WSAC_ASSERT_TRUE("S16", ind.has_value()) << "pended but no indication came: " << observer.Describe(op);
    WSAC_EXPECT_EQ("S16", ind->error, 0u) << "the indication reports a failure for a send the peer received";
  }
  std::vector<char> got = pair.ReceiveOnPeer(data.size());
  WSAC_EXPECT_EQ("S12", FirstMismatch(got, 0), -1) << "the peer did not receive the bytes as posted";
}

INSTANTIATE_TEST_SUITE_P(Transfer, SendIndication, ValuesIn(PerMechanism(AllKinds(), kSends)), CallParamName);
INSTANTIATE_TEST_SUITE_P(Modes, SendIndication,
                         ValuesIn(PerCreationAndMode({SocketKind::Tcp4, SocketKind::Udp4}, kSends)), CallParamName);

// Flow control makes only stream sends pend; datagrams are sent or dropped.
class PendingSendIndication : public CallCase {};

// S16: with SO_SNDBUF 0 and a peer that does not read, sends eventually
// pend; the pending send is indicated once the peer drains, with its full
// byte count (WIN-13). S16 does not say the indication waits for the peer:
// a provider may consume the buffer early, so nothing is asserted about when.
// ARG-2 with it: the call that pends leaves *lpNumberOfBytesSent as it was.
WSAC_CASE_P(PendingSendIndication, IndicatedAfterPeerDrains, "S16", "ARG-2", "WIN-13") {
  int zero = 0;
  if (p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero) != 0)
    throw SetupFailed("setsockopt(SO_SNDBUF, 0) failed with " + std::to_string(p.WSAGetLastError()));
  constexpr size_t kChunk = 1 << 20;
  constexpr int kMaxChunks = 64;
  // Sends read this buffer until indicated, so it outlives a failing case.
  char* chunk = LongLivedBuffer(kChunk);
  const std::vector<char> pattern = CounterPattern(0, kChunk);
  std::memcpy(chunk, pattern.data(), kChunk);

  constexpr DWORD kUnwritten = 0xC0FFEE;
  Operation* pending = nullptr;
  DWORD pending_bytes = 0;
  size_t sent_before = 0;
  for (int i = 0; i < kMaxChunks && pending == nullptr; ++i) {
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = kUnwritten;
    int ret = Initiate(op, chunk, kChunk, &bytes, nullptr);
    pending_bytes = bytes;
    if (op.outcome == Outcome::Failed)
      throw SetupFailed(std::string(CallName(call())) + " of 1 MiB failed: " + observer.Describe(op));
    if (ret == 0) {
      std::optional<Indication> ind = observer.TakeImmediate(op);
      if (!ind) throw SetupFailed("a filling send returned 0 with no indication: " + observer.Describe(op));
      sent_before += ind->bytes;
    } else {
      pending = &op;
    }
  }
  Observe("bytes_before_pending", static_cast<std::int64_t>(sent_before));
  if (pending == nullptr) throw NotSupported("64 MiB of sends to a peer that does not read all completed at once");
  ObserveCall("send", pending->call_ret, pending->call_error);
  Observe("send.bytes_after_call", static_cast<std::int64_t>(pending_bytes));
  WSAC_EXPECT_EQ("ARG-2", pending_bytes, kUnwritten) << "a send that pends must leave *lpNumberOfBytesSent as it was";

  // The peer drains everything sent so far, which lets the pending send finish.
  (void)pair.ReceiveOnPeer(sent_before + kChunk);
  std::optional<Indication> ind = observer.Wait(*pending);
  ObserveIndication("indication", ind);
  WSAC_ASSERT_TRUE("S16", ind.has_value()) << "pending send never indicated: " << observer.Describe(*pending);
  WSAC_EXPECT_EQ("S16", ind->error, 0u) << "the indication reports a failure for a send the peer received";
  WSAC_EXPECT_EQ("WIN-13", ind->bytes, kChunk) << "a stream send completes with its full byte count";
}

INSTANTIATE_TEST_SUITE_P(Transfer, PendingSendIndication, ValuesIn(PerMechanism(StreamKinds(), kSends)),
                         CallParamName);
INSTANTIATE_TEST_SUITE_P(Modes, PendingSendIndication, ValuesIn(PerCreationAndMode({SocketKind::Tcp4}, kSends)),
                         CallParamName);

}  // namespace
}  // namespace wsac
