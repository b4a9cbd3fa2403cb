// InterceptingProvider: a ProviderWrapper that sees every overlapped
// operation from its initiating call to the moment its indication reaches
// the application (WSAGetOverlappedResult, a port packet, a completion
// routine), so a mutant can break one statement by overriding one hook.
//
// It never changes behaviour by itself: with no hook overridden and none of
// the facilities below used it is a plain pass-through (the mutants' own
// tests check that the clean suite passes through it).
//
// The facilities let a mutant imitate how a real provider gets the timing
// of an indication wrong without touching the target's insides:
//   Hide       the target completed the operation, the application does not
//              hear of it yet (its event is reset, its packet or routine
//              held back, WSAGetOverlappedResult says WSA_IO_INCOMPLETE)
//   Reveal     ... until now: the held indication is given, with the
//              target's result or another one
//   Suppress   the application never hears of it
//   Override   the application hears another result than the target's
//   Synthesize an indication the target never gave (an operation the
//              target refused or never saw)
// Synthesized routines run at the initiating thread's next alertable wait
// through this wrapper; synthesized packets are dequeued through it.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "suite/api/provider_wrapper.h"

namespace wsac {

enum class CallKind { Recv, RecvFrom, Send, SendTo, Ioctl };

// One initiating call as the application made it and as the target answered.
// A BeforeCall hook may rewrite any argument; the target gets what is here.
struct InitiatingCall {
  CallKind kind;
  SOCKET s;
  LPWSABUF buffers;  // the application's array (valid only during the call)
  DWORD buffer_count;
  LPDWORD bytes;  // lpNumberOfBytes* / lpcbBytesReturned
  LPDWORD flags;  // receives only
  LPWSAOVERLAPPED ov;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;  // the application's
  DWORD send_flags = 0;                        // sends only
  sockaddr* from = nullptr;                    // WSARecvFrom only
  LPINT fromlen = nullptr;
  const sockaddr* to = nullptr;  // WSASendTo only
  int tolen = 0;
  DWORD code = 0;  // WSAIoctl only
  LPVOID in = nullptr;
  DWORD in_len = 0;
  LPVOID out = nullptr;
  DWORD out_len = 0;
  int ret = 0;
  int error = 0;  // the error after the call, when ret != 0
  // Storage a BeforeCall hook may point `buffers` at: the target captures
  // the array before it returns, so it only has to outlive the call.
  std::vector<WSABUF> scratch{};
  // An out-word a hook may hand the target of a call that cannot pend, in
  // place of the application's (a pending operation's target may write its
  // words at completion: those need storage that outlives the call).
  DWORD scratch_bytes = 0;
  // The application's own out-words, where a hook replaced them.
  LPDWORD app_bytes = nullptr;
  LPDWORD app_flags = nullptr;
};

// What the target reported for an operation when the application learnt of
// its completion; hooks may rewrite it.
struct CompletionReport {
  LPWSAOVERLAPPED ov;
  DWORD error;  // 0 = success
  DWORD bytes;
  DWORD flags;
  ULONG_PTR key;  // ports only
  bool deliver = true;  // false: the application never hears of it
};

// A result to report instead of (or without) the target's.
struct OpResult {
  DWORD error = 0;
  DWORD bytes = 0;
  DWORD flags = 0;
};

// What the interceptor remembers of an operation that was initiated.
struct OperationRecord {
  CallKind kind;
  SOCKET s;
  std::vector<WSABUF> buffers;  // copy of the array; the data stays the app's
  ULONG capacity = 0;           // the buffers' total length
  bool pending = false;    // the application was told WSA_IO_PENDING
  bool immediate = false;  // the application was told 0
  bool failed = false;     // the application was told another error
  bool completed = false;  // its indication reached the application
  bool socket_closed = false;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE app_routine = nullptr;
  HANDLE event = nullptr;  // hEvent as it was at the call
  std::thread::id initiator;
  DWORD code = 0;  // ioctls
};

class InterceptingProvider : public ProviderWrapper {
 public:
  explicit InterceptingProvider(std::unique_ptr<Provider> target);
  ~InterceptingProvider() override;

  SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g, DWORD flags) override;
  SOCKET socket(int af, int type, int protocol) override;
  SOCKET accept(SOCKET s, sockaddr* addr, int* addrlen) override;
  int ioctlsocket(SOCKET s, long cmd, u_long* argp) override;
  int closesocket(SOCKET s) override;

  int WSARecv(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags, LPWSAOVERLAPPED ov,
              LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override;
  int WSARecvFrom(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags, sockaddr* from,
                  LPINT fromlen, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override;
  int WSASend(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags, LPWSAOVERLAPPED ov,
              LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override;
  int WSASendTo(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags, const sockaddr* to, int tolen,
                LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override;
  int WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD cbIn, LPVOID out, DWORD cbOut, LPDWORD returned,
               LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override;
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD transfer, BOOL wait, LPDWORD flags) override;

  DWORD WSAWaitForMultipleEvents(DWORD c, const WSAEVENT* e, BOOL all, DWORD ms, BOOL alertable) override;
  DWORD SleepEx(DWORD ms, BOOL alertable) override;
  HANDLE CreateIoCompletionPort(HANDLE file, HANDLE port, ULONG_PTR key, DWORD threads) override;
  BOOL GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, PULONG_PTR key, LPOVERLAPPED* ov, DWORD ms) override;
  BOOL SetFileCompletionNotificationModes(HANDLE file, UCHAR flags) override;

 protected:
  // ---- hooks --------------------------------------------------------------
  // Before the target sees the call; may rewrite the arguments in place.
  // Returning true means "handled": the target is not called and call.ret /
  // call.error (and the error slot) are what the application gets.
  virtual bool BeforeCall(InitiatingCall& call) { (void)call; return false; }
  // After the target answered; may rewrite ret/error.
  virtual void AfterCall(InitiatingCall& call) { (void)call; }
  // When an indication reaches the application, by whatever mechanism.
  virtual void OnCompletion(const OperationRecord& op, CompletionReport& report) { (void)op; (void)report; }
  // When a port packet is about to be dequeued by the application, after
  // OnCompletion (which sees every mechanism).
  virtual void OnPacket(const OperationRecord& op, CompletionReport& report) { (void)op; (void)report; }
  // Runs the application's routine for an indication (on the thread whose
  // alertable wait delivers it).
  virtual void RunRoutine(LPWSAOVERLAPPED_COMPLETION_ROUTINE app, DWORD error, DWORD bytes, LPWSAOVERLAPPED ov,
                          DWORD flags) {
    app(error, bytes, ov, flags);
  }
  // At the start of every call that waits or reads a result
  // (WSAWaitForMultipleEvents, SleepEx, GetQueuedCompletionStatus,
  // WSAGetOverlappedResult with the wait it was asked for: INFINITE for
  // fWait TRUE, 0 for FALSE), before the target is asked.
  virtual void BeforeWait(DWORD timeout_ms) { (void)timeout_ms; }

  // ---- facilities ---------------------------------------------------------
  // See the header comment. Hide: the target completed ov at once;
  // keep_internal leaves the WSAOVERLAPPED as the target wrote it (for an
  // operation the application believes finished, whose memory it may reuse
  // at any time); reported_pending says the application was told
  // WSA_IO_PENDING, so a port packet is owed even with
  // FILE_SKIP_COMPLETION_PORT_ON_SUCCESS set.
  void Hide(LPWSAOVERLAPPED ov, bool keep_internal, bool reported_pending);
  void Reveal(LPWSAOVERLAPPED ov, std::optional<OpResult> result = std::nullopt);
  bool IsHidden(LPWSAOVERLAPPED ov);
  std::vector<LPWSAOVERLAPPED> HiddenOperations();
  void Suppress(LPWSAOVERLAPPED ov);
  bool IsSuppressed(LPWSAOVERLAPPED ov);
  void Override(LPWSAOVERLAPPED ov, OpResult result);
  // packet: a port-associated socket gets a packet (unless hEvent's low bit
  // is set or a routine was given).
  void Synthesize(LPWSAOVERLAPPED ov, OpResult result, bool packet);

  // Gives an operation's indication once more, as a provider that indicates
  // twice (or indicates a failed call) would, through the mechanism it was
  // given: its completion routine queued again to the calling thread with
  // QueueUserAPC (call it on the initiating thread), or a packet posted
  // again to the port its socket is associated with (it dequeues as a
  // success, with report.bytes), and its event (hEvent, low bit cleared)
  // signaled again. For mutants and tests of IND-1. False when the
  // operation is unknown or the target refused.
  bool IndicateAgain(LPWSAOVERLAPPED ov, const CompletionReport& report);

  // ---- what the interceptor tracks -----------------------------------------
  bool IsStream(SOCKET s);
  bool IsNonBlocking(SOCKET s);
  bool CreatedOverlapped(SOCKET s);      // WSASocketW with WSA_FLAG_OVERLAPPED (or accepted from one)
  bool CreatedBySocketFunction(SOCKET s);  // socket() (or accepted from one)
  bool Accepted(SOCKET s);
  // The overlapped attribute, however the socket got it.
  bool Overlapped(SOCKET s) { return CreatedOverlapped(s) || CreatedBySocketFunction(s); }
  bool HasPendingOn(SOCKET s, CallKind kind);
  // The port s is associated with, and its key; false when none.
  bool Association(SOCKET s, HANDLE* port, ULONG_PTR* key);
  bool SkipsPortOnSuccess(SOCKET s);
  // The record of ov, if it was initiated.
  bool Lookup(LPWSAOVERLAPPED ov, OperationRecord* out);
  // The operations on s the application was told pend and has not yet seen
  // indicated, with their WSAOVERLAPPEDs.
  std::vector<std::pair<LPWSAOVERLAPPED, OperationRecord>> PendingOn(SOCKET s);
  void MarkPending(LPWSAOVERLAPPED ov);
  static bool IsReceive(CallKind k) { return k == CallKind::Recv || k == CallKind::RecvFrom; }
  static bool IsSend(CallKind k) { return k == CallKind::Send || k == CallKind::SendTo; }
  static bool LowBitSet(HANDLE h) { return (reinterpret_cast<std::uintptr_t>(h) & 1) != 0; }
  static HANDLE EventOf(HANDLE h) {
    return reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(h) & ~std::uintptr_t{1});
  }
  // The NTSTATUS a WSAOVERLAPPED carries for a Winsock error.
  static DWORD StatusFor(DWORD error);

 private:
  int Initiate(InitiatingCall& call, const std::function<int(LPWSAOVERLAPPED_COMPLETION_ROUTINE)>& forward);
  void Report(CompletionReport& report, bool* known, bool packet = false);
  void QueueRoutineLocked(const OperationRecord& rec, LPWSAOVERLAPPED ov, OpResult r);
  void QueuePacketLocked(const OperationRecord& rec, LPWSAOVERLAPPED ov, OpResult r);
  // Runs the routines this wrapper queued to the calling thread; how many.
  int RunQueuedRoutines();
  void Sweep();
  static void WSAC_CALLBACK Trampoline(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags);

  struct SocketInfo {
    bool stream = false;
    bool nonblocking = false;
    bool overlapped_flag = false;
    bool by_socket_function = false;
    bool accepted = false;
    HANDLE port = nullptr;
    ULONG_PTR key = 0;
    bool skip_on_success = false;
  };
  enum class State { Hidden, Revealed, Suppressed, Synthetic };
  struct Managed {
    State state = State::Hidden;
    bool keep_internal = false;
    ULONG_PTR internal = 0, internal_high = 0;
    DWORD offset = 0, offset_high = 0;
    std::optional<OpResult> result;  // what every path reports instead of the target's
    std::optional<OpResult> stashed_routine;  // the target ran the routine while hidden
    std::optional<std::pair<OpResult, ULONG_PTR>> stashed_packet;  // and dequeued its packet
    bool owes_packet = false;  // reveal queues a packet the target never queued
    bool swept = false;        // Suppressed: the target's event signal was undone
  };
  struct QueuedPacket {
    LPWSAOVERLAPPED ov;
    OpResult result;
    ULONG_PTR key;
  };
  struct QueuedRoutine {
    LPWSAOVERLAPPED ov;
    OpResult result;
  };

  std::mutex mu_;
  std::map<SOCKET, SocketInfo> sockets_;
  std::map<LPWSAOVERLAPPED, OperationRecord> ops_;
  std::map<LPWSAOVERLAPPED, Managed> managed_;
  std::map<HANDLE, std::deque<QueuedPacket>> packets_;
  std::map<std::thread::id, std::deque<QueuedRoutine>> routines_;
};

}  // namespace wsac
