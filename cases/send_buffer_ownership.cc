// S12: send buffers belong to the provider until it has consumed them; what
// is transmitted is their content as posted, and the provider never writes
// into them. Each send buffer sits between guard bytes in one allocation
// that lives as long as the process (a send still pending when a check ends
// the case reads memory that is still ours). The buffer and its guards are
// compared with what they held when posted, after completion (and while a
// send is pending, where one pends); then the application overwrites the
// payload and the peer must still receive the original bytes.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kGuard = '\xA5';
constexpr size_t kGuardLen = 64;

// Payload between two guard areas: [guard][payload][guard], and a copy of
// what all of it must still hold.
class GuardedBuffer {
 public:
  GuardedBuffer(size_t offset, size_t len, unsigned salt) : len_(len), payload_(CounterPattern(offset, len, salt)) {
    bytes_ = LongLivedBuffer(len + 2 * kGuardLen);
    std::memset(bytes_, kGuard, len + 2 * kGuardLen);
    std::memcpy(bytes_ + kGuardLen, payload_.data(), len);
    want_.assign(bytes_, bytes_ + len + 2 * kGuardLen);
  }
  char* data() { return bytes_ + kGuardLen; }
  ULONG size() const { return static_cast<ULONG>(len_); }
  const std::vector<char>& payload() const { return payload_; }
  // Offset of the first changed byte relative to the payload start (guards
  // before it are negative), or nullopt when nothing changed.
  std::optional<long long> FirstChange() const {
    for (size_t i = 0; i < want_.size(); ++i)
      if (bytes_[i] != want_[i]) return static_cast<long long>(i) - static_cast<long long>(kGuardLen);
    return std::nullopt;
  }
  void Overwrite() { std::fill(data(), data() + len_, '\xEE'); }

 private:
  size_t len_;
  std::vector<char> payload_;
  char* bytes_ = nullptr;
  std::vector<char> want_;
};

std::string ChangeText(const std::optional<long long>& change) {
  return change ? "byte " + std::to_string(*change) + " (relative to the payload) was written" : "untouched";
}

// First index at which got differs from want (the shorter length when one
// is a prefix of the other), or -1 when they are equal.
long long FirstDifference(const std::vector<char>& got, const std::vector<char>& want) {
  auto [g, w] = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
  if (g == got.end() && w == want.end()) return -1;
  return static_cast<long long>(g - got.begin());
}

// The first of `pieces` (what the peer received, one per send) that equals
// no send's content as posted, each content matched once; -1 when all do.
// The order the sends went out in is S21's, not S12's, so it is not asked.
long long FirstPieceNotPosted(const std::vector<std::vector<char>>& pieces,
                              const std::vector<const std::vector<char>*>& posted) {
  std::vector<bool> used(posted.size(), false);
  for (size_t k = 0; k < pieces.size(); ++k) {
    size_t j = 0;
    while (j < posted.size() && (used[j] || *posted[j] != pieces[k])) ++j;
    if (j == posted.size()) return static_cast<long long>(k);
    used[j] = true;
  }
  return -1;
}

class SendBufferOwnership : public PairCase {
 protected:
  size_t Payload() const { return pair.stream() ? 4096 : 1000; }
  // The indication however it is found now: already seen by another wait,
  // there at once after a return of 0, or later. Whether an immediate one
  // was there at once is S14's business, not this file's.
  std::optional<Indication> Collect(Operation& op) {
    if (op.indication) return op.indication;
    if (op.outcome == Outcome::Immediate)
      if (std::optional<Indication> ind = observer.TakeImmediate(op)) return ind;
    return observer.Wait(op);
  }
  // S12 speaks of a send the provider has consumed: one indicated as done.
  // A send that fails or is never indicated leaves nothing to check.
  Indication Completed(Operation& op, const std::string& what) {
    if (op.outcome == Outcome::Failed) throw SetupFailed(what + " failed: " + observer.Describe(op));
    std::optional<Indication> ind = Collect(op);
    if (!ind || ind->error != 0) throw SetupFailed(what + " was not indicated as done: " + observer.Describe(op));
    return *ind;
  }
};

// S12: after the send's indication the buffer and its guards are unchanged;
// overwriting it then does not change what the peer receives.
WSAC_CASE_P(SendBufferOwnership, OverwriteAfterCompletion, "S12") {
  GuardedBuffer buf(0, Payload(), 1);
  Operation& op = observer.NewOperation(pair.a);
  SendOn(pair.a, op, buf.data(), buf.size(), LongLivedWord());
  ObserveCall("send", op.call_ret, op.call_error);
  Indication ind = Completed(op, "the send");
  ObserveIndication("send", ind);
  Observe("buffer_after_completion", ChangeText(buf.FirstChange()));
  WSAC_EXPECT_FALSE("S12", buf.FirstChange().has_value()) << "the provider wrote into the send buffer";

  buf.Overwrite();
  std::vector<char> got = pair.ReceiveOnPeer(Payload());
  Observe("first_difference", FirstDifference(got, buf.payload()));
  WSAC_EXPECT_EQ("S12", FirstDifference(got, buf.payload()), -1) << "the peer did not receive the content as posted";
}

// S12: one send over three buffers separated by guard areas: neither
// buffers nor guards are written, and the peer receives the posted bytes;
// ARG-10: in array order.
WSAC_CASE_P(SendBufferOwnership, SeveralBuffersUntouched, "S12", "ARG-10") {
  const size_t part = Payload() / 4;
  GuardedBuffer b0(0, part, 2), b1(part, part * 2, 2), b2(part * 3, part, 2);
  WSABUF bufs[3] = {{b0.size(), b0.data()}, {b1.size(), b1.data()}, {b2.size(), b2.data()}};
  Operation& op = observer.NewOperation(pair.a);
  int ret = p.WSASend(pair.a, bufs, 3, LongLivedWord(), 0, &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("send", op.call_ret, op.call_error);
  Indication ind = Completed(op, "the send");
  ObserveIndication("send", ind);
  GuardedBuffer* all[3] = {&b0, &b1, &b2};
  std::vector<char> posted;
  for (int i = 0; i < 3; ++i) {
    Observe("buffer" + std::to_string(i), ChangeText(all[i]->FirstChange()));
    WSAC_EXPECT_FALSE("S12", all[i]->FirstChange().has_value())
        << "buffer " << i << ": " << ChangeText(all[i]->FirstChange());
    all[i]->Overwrite();
    posted.insert(posted.end(), all[i]->payload().begin(), all[i]->payload().end());
  }
  std::vector<char> got = pair.ReceiveOnPeer(part * 4);
  Observe("first_difference", FirstDifference(got, posted));
  const bool same_bytes = got.size() == posted.size() && std::is_permutation(got.begin(), got.end(), posted.begin());
  WSAC_EXPECT_TRUE("S12", same_bytes) << "the peer did not receive the bytes as posted";
  if (!same_bytes) {
    NotExercised("ARG-10", "the peer did not receive the posted bytes (S12), so their order says nothing");
    return;
  }
  WSAC_EXPECT_EQ("ARG-10", FirstDifference(got, posted), -1) << "the buffers did not go out in array order";
}

// S12 (with S20): 16 sends queued from 16 buffers (on a stream with
// SO_SNDBUF 0, so they queue behind one another); each buffer is
// overwritten as soon as its own indication is seen, while others may still
// be pending; the peer receives every send's original bytes. S20: a send
// issued while an earlier one pended is accepted and completes.
WSAC_CASE_P(SendBufferOwnership, QueuedSendsOverwrittenOneByOne, "S12", "S20") {
  constexpr int kCount = 16;
  const size_t len = pair.stream() ? 1000 : 500;
  std::vector<std::unique_ptr<GuardedBuffer>> bufs;
  std::vector<Operation*> ops;
  std::vector<bool> behind;  // issued while an earlier send had pended
  bool any_pended = false;
  // With no send buffer stream sends wait for the peer, so they stay
  // outstanding behind one another on real stacks too.
  int zero = 0;
  if (pair.stream() &&
      p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero) != 0)
    throw SetupFailed("setsockopt(SO_SNDBUF, 0) failed with " + std::to_string(p.WSAGetLastError()));
  for (int i = 0; i < kCount; ++i) {
    bufs.push_back(std::make_unique<GuardedBuffer>(pair.stream() ? i * len : 0, len, pair.stream() ? 3 : 40 + i));
    Operation& op = observer.NewOperation(pair.a);
    SendOn(pair.a, op, bufs.back()->data(), bufs.back()->size(), LongLivedWord());
    ops.push_back(&op);
    behind.push_back(any_pended);
    if (any_pended) {
      WSAC_ASSERT_NE("S20", op.outcome, Outcome::Failed)
          << "send " << i << " was refused while an earlier send was pending: " << observer.Describe(op);
    }
    any_pended = any_pended || op.outcome == Outcome::Pending;
  }
  const auto issued_behind = std::count(behind.begin(), behind.end(), true);
  Observe("sends_issued_behind_a_pending_one", static_cast<std::int64_t>(issued_behind));
  if (issued_behind == 0) NotExercised("S20", "no send pended before the last was issued: none was outstanding with another");
  for (int i = 0; i < kCount; ++i) {
    if (behind[i]) {
      std::optional<Indication> ind = Collect(*ops[i]);
      WSAC_ASSERT_TRUE("S20", ind.has_value() && ind->error == 0)
          << "send " << i << ", queued behind a pending one, did not complete: " << observer.Describe(*ops[i]);
    } else {
      (void)Completed(*ops[i], "send " + std::to_string(i));
    }
    WSAC_EXPECT_FALSE("S12", bufs[i]->FirstChange().has_value())
        << "send " << i << ": " << ChangeText(bufs[i]->FirstChange());
    bufs[i]->Overwrite();
  }
  std::vector<std::vector<char>> pieces;
  if (pair.stream()) {
    std::vector<char> got = pair.ReceiveOnPeer(kCount * len);
    for (int i = 0; i < kCount; ++i) pieces.emplace_back(got.begin() + i * len, got.begin() + (i + 1) * len);
  } else {
    for (int i = 0; i < kCount; ++i) pieces.push_back(pair.ReceiveOnPeer(len));
  }
  std::vector<const std::vector<char>*> posted;
  for (const auto& b : bufs) posted.push_back(&b->payload());
  Observe("first_piece_not_as_posted", FirstPieceNotPosted(pieces, posted));
  WSAC_EXPECT_EQ("S12", FirstPieceNotPosted(pieces, posted), -1)
      << "what the peer received for that send is no send's content as posted";
}

INSTANTIATE_TEST_SUITE_P(Ownership, SendBufferOwnership,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()})), ParamName);

class PendingSendOwnership : public SendBufferOwnership {};

// S12: with SO_SNDBUF 0 and a peer not reading, 1 MiB sends of one buffer
// are queued until one pends; the buffer is not written while they are
// outstanding nor after, and the peer receives every byte as posted.
WSAC_CASE_P(PendingSendOwnership, PendingSendBuffersUntouched, "S12") {
  int zero = 0;
  if (p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero) != 0)
    throw SetupFailed("setsockopt(SO_SNDBUF, 0) failed with " + std::to_string(p.WSAGetLastError()));
  constexpr size_t kChunk = 1 << 20;
  constexpr int kMaxChunks = 16;
  // Every send posts the same buffer: S12 is about each send's buffer, and
  // one buffer keeps the memory that outlives the case small.
  GuardedBuffer buf(0, kChunk, 4);
  std::vector<Operation*> ops;
  bool pended = false;
  for (int i = 0; i < kMaxChunks && !pended; ++i) {
    Operation& op = observer.NewOperation(pair.a);
    SendOn(pair.a, op, buf.data(), buf.size(), LongLivedWord());
    if (op.outcome == Outcome::Failed) throw SetupFailed("a 1 MiB send failed: " + observer.Describe(op));
    pended = op.outcome == Outcome::Pending;
    ops.push_back(&op);
  }
  Observe("sends_until_one_pended", pended ? static_cast<std::int64_t>(ops.size()) : -1);
  Observe("buffer_while_outstanding", ChangeText(buf.FirstChange()));
  WSAC_EXPECT_FALSE("S12", buf.FirstChange().has_value())
      << "while sends are outstanding: " << ChangeText(buf.FirstChange());

  std::vector<char> got = pair.ReceiveOnPeer(ops.size() * kChunk);
  long long bad = -1;
  for (size_t i = 0; i < ops.size() && bad < 0; ++i)
    if (!std::equal(buf.payload().begin(), buf.payload().end(), got.begin() + i * kChunk)) bad = static_cast<long long>(i);
  Observe("first_send_not_as_posted", bad);
  WSAC_EXPECT_EQ("S12", bad, -1) << "the peer did not receive that send's bytes as posted";
  for (size_t i = 0; i < ops.size(); ++i) {
    Indication ind = Completed(*ops[i], "send " + std::to_string(i));
    Observe("send" + std::to_string(i) + ".bytes", ind.bytes);
  }
  Observe("buffer_after_completion", ChangeText(buf.FirstChange()));
  WSAC_EXPECT_FALSE("S12", buf.FirstChange().has_value()) << "after completion: " << ChangeText(buf.FirstChange());
}

INSTANTIATE_TEST_SUITE_P(Ownership, PendingSendOwnership,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = AllMechanisms()})), ParamName);

class DatagramSendOwnership : public SendBufferOwnership {};

// S12: a WSASendTo addressed to the peer transmits the posted content; the
// buffer is unchanged at completion and overwriting it afterwards does not
// change the datagram the peer receives.
WSAC_CASE_P(DatagramSendOwnership, SendToOriginalContent, "S12") {
  GuardedBuffer buf(0, 1200, 5);
  WSABUF wsabuf{buf.size(), buf.data()};
  Operation& op = observer.NewOperation(pair.a);
  int ret = p.WSASendTo(pair.a, &wsabuf, 1, LongLivedWord(), 0, reinterpret_cast<const sockaddr*>(&pair.b_addr),
                        pair.addr_len, &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("sendto", op.call_ret, op.call_error);
  Indication ind = Completed(op, "the WSASendTo");
  ObserveIndication("sendto", ind);
  Observe("buffer_after_completion", ChangeText(buf.FirstChange()));
  WSAC_EXPECT_FALSE("S12", buf.FirstChange().has_value()) << ChangeText(buf.FirstChange());
  buf.Overwrite();
  std::vector<char> got = pair.ReceiveOnPeer(2048);
  Observe("first_difference", FirstDifference(got, buf.payload()));
  WSAC_EXPECT_EQ("S12", FirstDifference(got, buf.payload()), -1) << "the peer did not receive the datagram as posted";
}

INSTANTIATE_TEST_SUITE_P(Ownership, DatagramSendOwnership,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms()})), ParamName);

}  // namespace
}  // namespace wsac
