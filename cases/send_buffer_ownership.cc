// S12: send buffers belong to the provider until it has consumed them; what
// is transmitted is their content as posted, and the provider never writes
// into them. Each send buffer sits between guard bytes in one allocation; the
// payload's checksum and the guards are checked after completion, then the
// application overwrites the payload and the peer must still receive the
// original bytes.
#include <memory>
#include <string>
#include <vector>

#include "suite/fixtures/pair_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr char kGuard = '\xA5';
constexpr size_t kGuardLen = 64;

// Payload between two guard areas: [guard][payload][guard], and a copy of
// what all of it must still hold.
class GuardedBuffer {
 public:
  GuardedBuffer(size_t offset, size_t len, unsigned salt = 0) : len_(len) {
    bytes_.assign(kGuardLen, kGuard);
    std::vector<char> payload = CounterPattern(offset, len, salt);
    bytes_.insert(bytes_.end(), payload.begin(), payload.end());
    bytes_.insert(bytes_.end(), kGuardLen, kGuard);
    want_ = bytes_;
    sum_ = Checksum();
  }
  char* data() { return bytes_.data() + kGuardLen; }
  ULONG size() const { return static_cast<ULONG>(len_); }
  // Offset of the first changed byte relative to the payload start (guards
  // before it are negative), or nullopt when nothing changed.
  std::optional<long long> FirstChange() const {
    if (Checksum() == sum_ && bytes_ == want_) return std::nullopt;
    for (size_t i = 0; i < bytes_.size(); ++i)
      if (bytes_[i] != want_[i]) return static_cast<long long>(i) - static_cast<long long>(kGuardLen);
    return 0;
  }
  void Overwrite() { std::fill(data(), data() + len_, '\xEE'); }

 private:
  std::uint64_t Checksum() const {
    std::uint64_t h = 1469598103934665603ull;
    for (char c : bytes_) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h;
  }
  std::vector<char> bytes_, want_;
  size_t len_;
  std::uint64_t sum_ = 0;
};

std::string ChangeText(const std::optional<long long>& change) {
  return change ? "byte " + std::to_string(*change) + " (relative to the payload) was written" : "untouched";
}

class SendBufferOwnership : public PairCase {
 protected:
  std::optional<Indication> Finish(Operation& op) {
    return op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op);
  }
  // After other waits may already have run its routine or dequeued its
  // packet: the indication however it is found now.
  std::optional<Indication> Collect(Operation& op) { return op.indication ? op.indication : observer.Wait(op); }
  size_t Payload() const { return pair.stream() ? 4096 : 1000; }
};

// S12: after the send's indication the buffer and its guards are unchanged;
// overwriting it then does not change what the peer receives.
WSAC_CASE_P(SendBufferOwnership, OverwriteAfterCompletion, "S12") {
  GuardedBuffer buf(0, Payload(), 1);
  Operation& op = observer.NewOperation(pair.a);
  DWORD bytes = 0;
  SendOn(pair.a, op, buf.data(), buf.size(), &bytes);
  ObserveCall("send", op.call_ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ObserveIndication("send", ind);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  ASSERT_EQ(ind->bytes, buf.size());
  Observe("buffer_after_completion", ChangeText(buf.FirstChange()));
  EXPECT_FALSE(buf.FirstChange().has_value()) << "the provider wrote into the send buffer";

  buf.Overwrite();
  std::vector<char> got = pair.ReceiveOnPeer(Payload());
  Observe("first_mismatch", FirstMismatch(got, 0, 1));
  EXPECT_EQ(got.size(), Payload());
  EXPECT_EQ(FirstMismatch(got, 0, 1), -1) << "the peer did not receive the content as posted";
}

// S12: one send over three buffers separated by guard areas: the peer gets
// their concatenation and neither buffers nor guards are written.
WSAC_CASE_P(SendBufferOwnership, SeveralBuffersUntouched, "S12") {
  const size_t part = Payload() / 4;
  GuardedBuffer b0(0, part, 2), b1(part, part * 2, 2), b2(part * 3, part, 2);
  WSABUF bufs[3] = {{b0.size(), b0.data()}, {b1.size(), b1.data()}, {b2.size(), b2.data()}};
  Operation& op = observer.NewOperation(pair.a);
  DWORD bytes = 0;
  int ret = p.WSASend(pair.a, bufs, 3, &bytes, 0, &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("send", op.call_ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  ASSERT_EQ(ind->bytes, part * 4);
  GuardedBuffer* all[3] = {&b0, &b1, &b2};
  for (int i = 0; i < 3; ++i) {
    Observe("buffer" + std::to_string(i), ChangeText(all[i]->FirstChange()));
    EXPECT_FALSE(all[i]->FirstChange().has_value()) << "buffer " << i << ": " << ChangeText(all[i]->FirstChange());
    all[i]->Overwrite();
  }
  std::vector<char> got = pair.ReceiveOnPeer(part * 4);
  EXPECT_EQ(got.size(), part * 4);
  EXPECT_EQ(FirstMismatch(got, 0, 2), -1);
}

// S12 (with S20): 16 sends queued from 16 buffers; each buffer is
// overwritten as soon as its own indication is seen, while others may still
// be pending; the peer receives every original byte in order.
WSAC_CASE_P(SendBufferOwnership, QueuedSendsOverwrittenOneByOne, "S12", "S20") {
  constexpr int kCount = 16;
  const size_t len = pair.stream() ? 1000 : 500;
  std::vector<std::unique_ptr<GuardedBuffer>> bufs;
  std::vector<Operation*> ops;
  for (int i = 0; i < kCount; ++i) {
    bufs.push_back(std::make_unique<GuardedBuffer>(pair.stream() ? i * len : 0, len, pair.stream() ? 3 : 40 + i));
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0;
    SendOn(pair.a, op, bufs.back()->data(), bufs.back()->size(), &bytes);
    ASSERT_NE(op.outcome, Outcome::Failed) << "send " << i << ": " << observer.Describe(op);
    ops.push_back(&op);
  }
  for (int i = 0; i < kCount; ++i) {
    std::optional<Indication> ind = Collect(*ops[i]);
    ASSERT_TRUE(ind.has_value()) << "send " << i << ": " << observer.Describe(*ops[i]);
    ASSERT_EQ(ind->error, 0u) << "send " << i;
    ASSERT_EQ(ind->bytes, len) << "send " << i;
    EXPECT_FALSE(bufs[i]->FirstChange().has_value()) << "send " << i << ": " << ChangeText(bufs[i]->FirstChange());
    bufs[i]->Overwrite();
  }
  if (pair.stream()) {
    std::vector<char> got = pair.ReceiveOnPeer(kCount * len);
    Observe("first_mismatch", FirstMismatch(got, 0, 3));
    EXPECT_EQ(FirstMismatch(got, 0, 3), -1);
  } else {
    for (int i = 0; i < kCount; ++i) {
      std::vector<char> got = pair.ReceiveOnPeer(len);
      ASSERT_EQ(got.size(), len) << "datagram " << i;
      EXPECT_EQ(FirstMismatch(got, 0, 40 + i), -1) << "datagram " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ownership, SendBufferOwnership,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()})), ParamName);

class PendingSendOwnership : public SendBufferOwnership {};

// S12: with SO_SNDBUF 0 and a peer not reading, 1 MiB sends are queued until
// one pends; the buffers are not written while pending nor after, and the
// peer receives every byte as posted.
WSAC_CASE_P(PendingSendOwnership, PendingSendBuffersUntouched, "S12") {
  int zero = 0;
  ASSERT_EQ(p.setsockopt(pair.a, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&zero), sizeof zero), 0)
      << p.WSAGetLastError();
  constexpr size_t kChunk = 1 << 20;
  constexpr int kMaxChunks = 16;
  std::vector<std::unique_ptr<GuardedBuffer>> bufs;
  std::vector<Operation*> ops;
  bool pended = false;
  for (int i = 0; i < kMaxChunks && !pended; ++i) {
    bufs.push_back(std::make_unique<GuardedBuffer>(i * kChunk, kChunk, 4));
    Operation& op = observer.NewOperation(pair.a);
    DWORD bytes = 0;
    SendOn(pair.a, op, bufs.back()->data(), bufs.back()->size(), &bytes);
    ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
    pended = op.outcome == Outcome::Pending;
    ops.push_back(&op);
  }
  Report("S12", "a send pended after " + std::to_string(ops.size()) + " MiB: " + (pended ? "yes" : "no"));
  for (size_t i = 0; i < bufs.size(); ++i)
    EXPECT_FALSE(bufs[i]->FirstChange().has_value()) << "while sends are outstanding, buffer " << i << ": "
                                                     << ChangeText(bufs[i]->FirstChange());
  std::vector<char> got = pair.ReceiveOnPeer(bufs.size() * kChunk);
  Observe("first_mismatch", FirstMismatch(got, 0, 4));
  EXPECT_EQ(FirstMismatch(got, 0, 4), -1);
  for (size_t i = 0; i < ops.size(); ++i) {
    std::optional<Indication> ind = Collect(*ops[i]);
    ASSERT_TRUE(ind.has_value()) << "send " << i << ": " << observer.Describe(*ops[i]);
    EXPECT_EQ(ind->error, 0u);
    EXPECT_EQ(ind->bytes, kChunk);
    EXPECT_FALSE(bufs[i]->FirstChange().has_value()) << "after completion, buffer " << i << ": "
                                                     << ChangeText(bufs[i]->FirstChange());
  }
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
  DWORD bytes = 0;
  int ret = p.WSASendTo(pair.a, &wsabuf, 1, &bytes, 0, reinterpret_cast<const sockaddr*>(&pair.b_addr), pair.addr_len,
                        &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("sendto", op.call_ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  std::optional<Indication> ind = Finish(op);
  ASSERT_TRUE(ind.has_value()) << observer.Describe(op);
  ASSERT_EQ(ind->error, 0u);
  ASSERT_EQ(ind->bytes, buf.size());
  EXPECT_FALSE(buf.FirstChange().has_value()) << ChangeText(buf.FirstChange());
  buf.Overwrite();
  std::vector<char> got = pair.ReceiveOnPeer(2048);
  EXPECT_EQ(got.size(), 1200u);
  EXPECT_EQ(FirstMismatch(got, 0, 5), -1);
}

INSTANTIATE_TEST_SUITE_P(Ownership, DatagramSendOwnership,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = AllMechanisms()})), ParamName);

}  // namespace
}  // namespace wsac
