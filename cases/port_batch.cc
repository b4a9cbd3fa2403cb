// PORTX-1..3: GetQueuedCompletionStatusEx, the batch dequeue servers
// built on ports use (libuv, .NET, Go, mio). A batch that reports fewer
// entries than it filled, or entries that do not carry their operation's
// OVERLAPPED, key and count, loses completions as surely as a provider that
// never queues them; the suite counts packets per operation so that a lost
// one is a FAIL of PORTX-2, not a timeout.
// The side under test is associated with a port of the case's own; the
// observer watches the same operations through their events.
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/fixtures/case_dimensions.h"
#include "suite/fixtures/deadline.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

HANDLE AsHandle(SOCKET s) { return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(s)); }

constexpr ULONG_PTR kKey = 0x5EC0;
constexpr ULONG kRoom = 8;

class PortBatch : public PairCase {
 protected:
  // A port of the case's own with the side under test associated (key kKey).
  HANDLE OwnPort() {
    HANDLE port = p.CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
    if (port == nullptr) throw SetupFailed("CreateIoCompletionPort failed with " + std::to_string(p.GetLastError()));
    ports_.push_back(port);
    if (p.CreateIoCompletionPort(AsHandle(pair.a), port, kKey, 0) != port)
      throw SetupFailed("associating the socket with the port failed with " + std::to_string(p.GetLastError()));
    return port;
  }
  void TearDown() override {
    for (HANDLE port : ports_) p.CloseHandle(port);
  }
  // A send of len bytes from the side under test, completed and indicated
  // (its event) before it returns.
  Operation& CompletedSend(ULONG len, int seed) {
    const std::vector<char> data = CounterPattern(0, len, seed);
    char* buf = LongLivedBuffer(len);
    std::memcpy(buf, data.data(), len);
    Operation& op = observer.NewOperation(pair.a);
    WSABUF wsabuf{len, buf};
    DWORD bytes = 0;
    int ret = p.WSASend(pair.a, &wsabuf, 1, &bytes, 0, &op.ov, nullptr);
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    if (op.outcome == Outcome::Failed) throw SetupFailed("a send was refused: " + observer.Describe(op));
    std::optional<Indication> ind = op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op);
    if (!ind || ind->error != 0) throw SetupFailed("a send did not complete: " + observer.Describe(op));
    return op;
  }

  std::vector<HANDLE> ports_;
};

// PORTX-1, PORTX-2: three completed sends of 10, 20 and 30 bytes queue three
// packets; batches of room 8 hand each of them out once, each entry with its
// own OVERLAPPED, the association's key and its byte count. The batches may
// split the three (the page promises at least one entry per call).
WSAC_CASE_P(PortBatch, CompletedSendsComeOutInBatches, "PORTX-1", "PORTX-2") {
  HANDLE port = OwnPort();
  std::map<LPOVERLAPPED, DWORD> want;
  for (ULONG len : {10u, 20u, 30u}) {
    Operation& op = CompletedSend(len, static_cast<int>(50 + len));
    want[&op.ov] = len;
  }
  std::map<LPOVERLAPPED, int> seen;
  std::vector<ULONG> batch_sizes;
  const Deadline deadline(IndicationTimeout());
  std::size_t collected = 0;
  while (collected < want.size() && !deadline.Expired()) {
    std::array<OVERLAPPED_ENTRY, kRoom> entries{};
    ULONG removed = 0xFFFFFFFFu;
    const BOOL ok = p.GetQueuedCompletionStatusEx(port, entries.data(), kRoom, &removed, deadline.RemainingMs(), FALSE);
    const DWORD err = ok ? 0 : p.GetLastError();
    if (!ok) {
      Observe("batch.last_error", err);
      WSAC_EXPECT_EQ("PORTX-1", err, static_cast<DWORD>(WAIT_TIMEOUT)) << "GetQueuedCompletionStatusEx failed";
      break;
    }
    batch_sizes.push_back(removed);
    WSAC_ASSERT_TRUE("PORTX-1", removed >= 1 && removed <= kRoom)
        << "TRUE with " << removed << " entries removed, room for " << kRoom;
    for (ULONG i = 0; i < removed; ++i) {
      const OVERLAPPED_ENTRY& e = entries[i];
      ++collected;
      auto it = want.find(e.lpOverlapped);
      if (it == want.end()) {
        WSAC_ADD_FAILURE("PORTX-2") << "an entry carries an OVERLAPPED no send of this case started";
        continue;
      }
      ++seen[e.lpOverlapped];
      WSAC_EXPECT_EQ("PORTX-2", e.lpCompletionKey, kKey) << "an entry's key is not the association's";
      WSAC_EXPECT_EQ("PORTX-2", e.dwNumberOfBytesTransferred, it->second) << "an entry's byte count is not its send's";
    }
  }
  std::string sizes;
  for (ULONG n : batch_sizes) sizes += (sizes.empty() ? "" : ",") + std::to_string(n);
  Report("PORTX-1", "batches of " + (sizes.empty() ? std::string("none") : sizes));
  for (const auto& [ov, len] : want) {
    WSAC_EXPECT_EQ("PORTX-2", seen[ov], 1) << "the " << len << "-byte send's packet came out " << seen[ov]
                                           << " times in the batches";
  }
}

// PORTX-3: an empty port asked with dwMilliseconds 0 answers FALSE with
// WAIT_TIMEOUT and removes nothing.
WSAC_CASE_P(PortBatch, EmptyPortTimesOut, "PORTX-3") {
  HANDLE port = OwnPort();
  std::array<OVERLAPPED_ENTRY, kRoom> entries{};
  ULONG removed = 0xFFFFFFFFu;
  const BOOL ok = p.GetQueuedCompletionStatusEx(port, entries.data(), kRoom, &removed, 0, FALSE);
  const DWORD err = ok ? 0 : p.GetLastError();
  Observe("ok", ok ? 1 : 0);
  Observe("removed", removed);
  WSAC_ASSERT_FALSE("PORTX-3", ok) << "GetQueuedCompletionStatusEx on an empty port returned TRUE with " << removed
                                   << " entries";
  WSAC_EXPECT_EQ("PORTX-3", err, static_cast<DWORD>(WAIT_TIMEOUT)) << "GetQueuedCompletionStatusEx on an empty port";
}

INSTANTIATE_TEST_SUITE_P(PortBatch, PortBatch, ValuesIn(Cross({.kinds = AllKinds()})), ParamName);
INSTANTIATE_TEST_SUITE_P(PortBatchModes, PortBatch, ValuesIn(OtherCreationsAndModes(AllKinds())), ParamName);

}  // namespace
}  // namespace wsac
