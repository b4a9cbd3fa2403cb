// FILE-1..9: a socket is a file handle. Programs hand sockets to code
// written for files (ReadFile/WriteFile loops, GetOverlappedResult,
// GetFileType to tell a socket from a disk file), and the Socket Handles
// page promises that an IFS provider's socket works there:
//   FILE-1    GetFileType calls it a pipe
//   FILE-2/4  ReadFile and WriteFile with an OVERLAPPED keep the seed page's
//             contract: TRUE already indicated, FALSE + ERROR_IO_PENDING
//             indicated later, FALSE + another error never
//   FILE-3/5  what they move is what the peer sent or receives
//   FILE-6/7  GetOverlappedResult reads a Winsock operation's OVERLAPPED as
//             WSAGetOverlappedResult does: incomplete while pending, the
//             same result once complete (a non-IFS provider that keeps its
//             results elsewhere than Internal/InternalHigh breaks this)
//   FILE-8    GetOverlappedResult waiting on an OVERLAPPED without an event
//             waits on the socket handle itself
//   FILE-9    FILE_SKIP_SET_EVENT_ON_HANDLE leaves an explicit event alone
// ReadFile and WriteFile take no completion routine, so their mechanisms
// are the event, the port and polling.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "suite/fixtures/bool_call.h"
#include "suite/fixtures/call_case.h"
#include "suite/fixtures/case_dimensions.h"
#include "suite/fixtures/deadline.h"
#include "suite/fixtures/worker.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

HANDLE AsHandle(SOCKET s) { return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(s)); }

constexpr DWORD kLen = 64;

class SocketFile : public PairCase {
 protected:
  Outcome Track(Operation& op, BOOL ok) { return TrackBool(observer, p, op, ok); }
  // ReadFile of len bytes into a buffer that outlives the case.
  Operation& Read(char** buf_out, DWORD len = kLen) {
    char* buf = LongLivedBuffer(len);
    std::memset(buf, 0xCC, len);
    *buf_out = buf;
    Operation& op = observer.NewOperation(pair.a);
    Track(op, p.ReadFile(AsHandle(pair.a), buf, len, LongLivedWord(0), &op.ov));
    ObserveCall("readfile", op.call_ret, op.call_error);
    return op;
  }
  // The indication of an initiated ReadFile or WriteFile (contract
  // statement `id`).
  std::optional<Indication> IndicationOf(Operation& op, const char* id) { return ContractIndication(observer, op, id); }
};

class SocketFileType : public PairCase {};

// FILE-1: GetFileType's page lists a socket among the pipes.
WSAC_CASE_P(SocketFileType, SocketIsAPipe, "FILE-1") {
  const DWORD type = p.GetFileType(AsHandle(pair.a));
  Observe("file_type", type);
  WSAC_EXPECT_EQ("FILE-1", type, FILE_TYPE_PIPE) << "GetFileType of a socket handle";
}

INSTANTIATE_TEST_SUITE_P(SocketFileType, SocketFileType, ValuesIn(Cross({.kinds = AllKinds()})), ParamName);
INSTANTIATE_TEST_SUITE_P(SocketFileTypeModes, SocketFileType, ValuesIn(OtherCreationsAndModes(AllKinds())),
                         ParamName);

// FILE-2, FILE-3: a ReadFile posted before any data pends (or, if the
// provider says TRUE, has been indicated already); the peer's 64 bytes then
// complete it, in order, counted.
WSAC_CASE_P(SocketFile, ReadFileCompletesWithPeerData, "FILE-2", "FILE-3") {
  char* buf = nullptr;
  Operation& op = Read(&buf);
  WSAC_ASSERT_NE("FILE-2", op.outcome, Outcome::Failed) << "ReadFile on a connected socket failed: " << observer.Describe(op);
  const std::vector<char> data = CounterPattern(0, kLen, 41);
  if (op.outcome == Outcome::Pending) pair.SendFromPeer(data);
  std::optional<Indication> ind = IndicationOf(op, "FILE-2");
  if (op.outcome == Outcome::Immediate) {
    // TRUE before the peer sent anything: only a 0-byte end of stream could
    // be a result, and the peer has not shut down.
    WSAC_ADD_FAILURE("FILE-3") << "ReadFile returned TRUE before the peer sent anything: " << observer.Describe(op);
    return;
  }
  WSAC_ASSERT_TRUE("FILE-3", ind.has_value()) << "no indication: what ReadFile placed is unknown";
  WSAC_EXPECT_EQ("FILE-3", ind->error, 0u) << "the read of the peer's bytes failed";
  WSAC_EXPECT_EQ("FILE-3", ind->bytes, kLen) << "the bytes read are not the peer's 64";
  std::vector<char> got(buf, buf + kLen);
  WSAC_EXPECT_EQ("FILE-3", FirstMismatch(got, 0, 41), -1) << "the buffer does not hold the peer's bytes in order";
}

// FILE-2, FILE-3: with the peer's bytes already queued, ReadFile may return
// TRUE (indicated already) or pend (indicated soon); either way it gets them.
WSAC_CASE_P(SocketFile, ReadFileTakesQueuedData, "FILE-2", "FILE-3") {
  const std::vector<char> data = CounterPattern(0, kLen, 42);
  pair.SendFromPeer(data);
  pair.WaitUntilQueued(pair.a, kLen);
  char* buf = nullptr;
  Operation& op = Read(&buf);
  WSAC_ASSERT_NE("FILE-2", op.outcome, Outcome::Failed) << "ReadFile with data queued failed: " << observer.Describe(op);
  std::optional<Indication> ind = IndicationOf(op, "FILE-2");
  WSAC_ASSERT_TRUE("FILE-3", ind.has_value()) << "no indication: what ReadFile placed is unknown";
  WSAC_EXPECT_EQ("FILE-3", ind->error, 0u) << "the read of queued bytes failed";
  WSAC_EXPECT_EQ("FILE-3", ind->bytes, kLen) << "the bytes read are not the 64 queued";
  std::vector<char> got(buf, buf + kLen);
  WSAC_EXPECT_EQ("FILE-3", FirstMismatch(got, 0, 42), -1) << "the buffer does not hold the queued bytes in order";
}

// FILE-4, FILE-5: a WriteFile of 1000 bytes is indicated (at once after
// TRUE, later after ERROR_IO_PENDING) with 1000, and the peer receives them
// in order.
WSAC_CASE_P(SocketFile, WriteFileSendsInOrder, "FILE-4", "FILE-5") {
  constexpr DWORD kWrite = 1000;
  const std::vector<char> data = CounterPattern(0, kWrite, 43);
  char* buf = LongLivedBuffer(kWrite);
  std::memcpy(buf, data.data(), kWrite);
  Operation& op = observer.NewOperation(pair.a);
  Track(op, p.WriteFile(AsHandle(pair.a), buf, kWrite, LongLivedWord(0), &op.ov));
  ObserveCall("writefile", op.call_ret, op.call_error);
  WSAC_ASSERT_NE("FILE-4", op.outcome, Outcome::Failed) << "WriteFile on a connected socket failed: " << observer.Describe(op);
  std::optional<Indication> ind = IndicationOf(op, "FILE-4");
  if (ind) {
    WSAC_EXPECT_EQ("FILE-5", ind->error, 0u) << "the write failed";
    WSAC_EXPECT_EQ("FILE-5", ind->bytes, kWrite) << "the bytes written are not the 1000 given";
  }
  std::vector<char> got = pair.ReceiveOnPeer(kWrite);
  WSAC_EXPECT_EQ("FILE-5", got.size(), static_cast<size_t>(kWrite)) << "the peer did not receive the 1000 bytes";
  WSAC_EXPECT_EQ("FILE-5", FirstMismatch(got, 0, 43), -1) << "the peer did not receive the bytes in order";
}

const std::vector<Mechanism> kFileMechanisms{Mechanism::Event, Mechanism::Port, Mechanism::Polling};
INSTANTIATE_TEST_SUITE_P(SocketFile, SocketFile, ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = kFileMechanisms})),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(SocketFileModes, SocketFile, ValuesIn(OtherCreationsAndModes(AllKinds())), ParamName);

class FileOverlappedResult : public PairCase {
 protected:
  // GetOverlappedResult and WSAGetOverlappedResult of a completed operation
  // agree (FILE-6): both succeed, with the bytes the indication counted.
  void AgreeOnCompleted(Operation& op, const Indication& ind) {
    DWORD file_bytes = 0xFFFFFFFFu, wsa_bytes = 0xFFFFFFFFu, flags = 0;
    const BOOL file_ok = p.GetOverlappedResult(AsHandle(pair.a), &op.ov, &file_bytes, FALSE);
    const DWORD file_err = file_ok ? 0 : p.GetLastError();
    const BOOL wsa_ok = p.WSAGetOverlappedResult(pair.a, &op.ov, &wsa_bytes, FALSE, &flags);
    Observe("getoverlappedresult", file_ok ? "TRUE " + std::to_string(file_bytes) : "FALSE " + std::to_string(file_err));
    Observe("wsagetoverlappedresult", wsa_ok ? "TRUE " + std::to_string(wsa_bytes) : "FALSE");
    WSAC_EXPECT_TRUE("FILE-6", file_ok) << "GetOverlappedResult of a completed successful operation failed with "
                                        << file_err;
    if (file_ok) {
      WSAC_EXPECT_EQ("FILE-6", file_bytes, ind.bytes) << "GetOverlappedResult's byte count is not the indication's";
      if (wsa_ok) {
        WSAC_EXPECT_EQ("FILE-6", file_bytes, wsa_bytes) << "GetOverlappedResult and WSAGetOverlappedResult disagree";
      }
    }
  }
};

// FILE-7, FILE-6: a WSARecv pending for want of data reads as incomplete
// through GetOverlappedResult; once the peer's bytes complete it, both
// result functions report them.
WSAC_CASE_P(FileOverlappedResult, PendingThenCompletedReceive, "FILE-6", "FILE-7") {
  char* buf = LongLivedBuffer(kLen);
  Operation& op = observer.NewOperation(pair.a);
  WSABUF wsabuf{kLen, buf};
  DWORD bytes = 0, flags = 0;
  int ret = p.WSARecv(pair.a, &wsabuf, 1, &bytes, &flags, &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("recv", op.call_ret, op.call_error);
  if (op.outcome == Outcome::Failed) throw SetupFailed("the receive was refused: " + observer.Describe(op));
  if (op.outcome == Outcome::Pending) {
    DWORD n = 0xFFFFFFFFu;
    const BOOL ok = p.GetOverlappedResult(AsHandle(pair.a), &op.ov, &n, FALSE);
    const DWORD err = ok ? 0 : p.GetLastError();
    Observe("pending.getoverlappedresult", ok ? "TRUE " + std::to_string(n) : "FALSE " + std::to_string(err));
    WSAC_EXPECT_FALSE("FILE-7", ok) << "GetOverlappedResult called a pending receive complete with " << n << " bytes";
    if (!ok) {
      WSAC_EXPECT_EQ("FILE-7", err, static_cast<DWORD>(ERROR_IO_INCOMPLETE)) << "GetOverlappedResult of a pending receive";
    }
    pair.SendFromPeer(CounterPattern(0, kLen, 44));
  } else {
    NotExercised("FILE-7", "the receive completed at once, with nothing queued");
  }
  std::optional<Indication> ind = op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op);
  ObserveIndication("indication", ind);
  if (!ind || ind->error != 0) throw SetupFailed("the receive did not complete with the peer's bytes: " + observer.Describe(op));
  AgreeOnCompleted(op, *ind);
}

// FILE-6: a completed send reads the same through both functions.
WSAC_CASE_P(FileOverlappedResult, CompletedSend, "FILE-6") {
  const std::vector<char> data = CounterPattern(0, kLen, 45);
  char* buf = LongLivedBuffer(kLen);
  std::memcpy(buf, data.data(), kLen);
  Operation& op = observer.NewOperation(pair.a);
  WSABUF wsabuf{kLen, buf};
  DWORD bytes = 0;
  int ret = p.WSASend(pair.a, &wsabuf, 1, &bytes, 0, &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("send", op.call_ret, op.call_error);
  if (op.outcome == Outcome::Failed) throw SetupFailed("the send was refused: " + observer.Describe(op));
  std::optional<Indication> ind = op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op);
  ObserveIndication("indication", ind);
  if (!ind || ind->error != 0) throw SetupFailed("the send did not complete: " + observer.Describe(op));
  AgreeOnCompleted(op, *ind);
}

INSTANTIATE_TEST_SUITE_P(FileOverlappedResult, FileOverlappedResult,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()})), ParamName);

class FileHandleSignal : public PairCase {};

// FILE-8: a receive with hEvent NULL pends; GetOverlappedResult(bWait TRUE)
// on another thread waits on the socket handle, must still wait while the
// receive is pending, and returns the receive's result once the peer's
// bytes complete it.
WSAC_CASE_P(FileHandleSignal, WaitOnSocketHandle, "FILE-8") {
  char* buf = LongLivedBuffer(kLen);
  auto& ov = LongLived<WSAOVERLAPPED>();
  ov = WSAOVERLAPPED{};
  WSABUF wsabuf{kLen, buf};
  DWORD bytes = 0, flags = 0;
  const int ret = p.WSARecv(pair.a, &wsabuf, 1, &bytes, &flags, &ov, nullptr);
  const int err = ret == 0 ? 0 : p.WSAGetLastError();
  ObserveCall("recv", ret, err);
  if (ret == 0 || err != WSA_IO_PENDING) {
    NotExercised("FILE-8", ret == 0 ? "the receive completed at once, with nothing queued" : "the receive was refused");
    return;
  }
  BOOL ok = FALSE;
  DWORD n = 0xFFFFFFFFu, wait_error = 0;
  WorkerCall waiter(p, [&] {
    ok = p.GetOverlappedResult(AsHandle(pair.a), &ov, &n, TRUE);
    wait_error = ok ? 0 : p.GetLastError();
  });
  // A broken provider leaves the waiter blocked: ending the receive is what
  // would release a wait on the handle.
  waiter.ReleaseWith([&] { p.CancelIoEx(AsHandle(pair.a), &ov); });
  if (waiter.Returned(QuietWindow())) {
    WSAC_ADD_FAILURE("FILE-8") << "GetOverlappedResult(bWait TRUE) returned while the receive was pending: "
                               << (ok ? "TRUE " + std::to_string(n) : "FALSE " + std::to_string(wait_error));
    return;
  }
  pair.SendFromPeer(CounterPattern(0, kLen, 46));
  WSAC_ASSERT_TRUE("FILE-8", waiter.Returned(IndicationTimeout()))
      << "GetOverlappedResult(bWait TRUE) with hEvent NULL did not return after the receive completed";
  Observe("getoverlappedresult", ok ? "TRUE " + std::to_string(n) : "FALSE " + std::to_string(wait_error));
  WSAC_ASSERT_TRUE("FILE-8", ok) << "GetOverlappedResult(bWait TRUE) failed with " << wait_error;
  DWORD wsa_n = 0, wsa_flags = 0;
  const BOOL wsa_ok = p.WSAGetOverlappedResult(pair.a, &ov, &wsa_n, FALSE, &wsa_flags);
  Observe("wsagetoverlappedresult", wsa_ok ? "TRUE " + std::to_string(wsa_n) : "FALSE");
  WSAC_EXPECT_GT("FILE-8", n, 0u) << "the wait returned no bytes for a receive the peer's data completed";
  if (wsa_ok) {
    WSAC_EXPECT_EQ("FILE-8", n, wsa_n) << "the wait's byte count is not the receive's";
  }
}

// FILE-9: with FILE_SKIP_SET_EVENT_ON_HANDLE set, a receive that finds data
// queued and one that pends for it each still signal their own event.
WSAC_CASE_P(FileHandleSignal, ExplicitEventStillSignaled, "FILE-9") {
  if (!p.SetFileCompletionNotificationModes(AsHandle(pair.a), FILE_SKIP_SET_EVENT_ON_HANDLE)) {
    Observe("setfilecompletionnotificationmodes.error", p.GetLastError());
    NotExercised("FILE-9", "SetFileCompletionNotificationModes(FILE_SKIP_SET_EVENT_ON_HANDLE) failed");
    return;
  }
  auto receive = [&](const char* name, bool queue_first) {
    if (queue_first) pair.SendFromPeer(CounterPattern(0, kLen, 47));
    char* buf = LongLivedBuffer(kLen);
    Operation& op = observer.NewOperation(pair.a);
    WSABUF wsabuf{kLen, buf};
    DWORD bytes = 0, flags = 0;
    const int ret = p.WSARecv(pair.a, &wsabuf, 1, &bytes, &flags, &op.ov, nullptr);
    observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
    ObserveCall(name, op.call_ret, op.call_error);
    if (op.outcome == Outcome::Failed) throw SetupFailed("the receive was refused: " + observer.Describe(op));
    if (!queue_first) pair.SendFromPeer(CounterPattern(0, kLen, 47));
    Report("FILE-9", std::string(name) + (op.outcome == Outcome::Immediate ? ": returned 0" : ": pended"));
    std::optional<Indication> ind = FinishOperation(observer, op);
    ObserveIndication(name, ind);
    WSAC_EXPECT_TRUE("FILE-9", ind.has_value()) << name << ": the OVERLAPPED's event was not signaled: "
                                                << observer.Describe(op);
  };
  receive("queued", true);
  receive("pending", false);
}

INSTANTIATE_TEST_SUITE_P(FileHandleSignal, FileHandleSignal, ValuesIn(Cross({.kinds = StreamKinds()})), ParamName);
INSTANTIATE_TEST_SUITE_P(FileHandleSignalModes, FileHandleSignal, ValuesIn(OtherCreationsAndModes(StreamKinds())),
                         ParamName);

}  // namespace
}  // namespace wsac
