// InterceptingProvider: a ProviderWrapper that sees every overlapped
// operation from its initiating call to the moment its indication reaches
// the application (WSAGetOverlappedResult, a port packet, a completion
// routine), so a mutant can break one statement by overriding one hook.
//
// It never changes behaviour by itself: with no hook overridden it is a
// plain pass-through (the mutants' own tests check that the clean suite
// passes through it).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "suite/api/provider_wrapper.h"

namespace wsac {

enum class CallKind { Recv, RecvFrom, Send, SendTo, Ioctl };

// One initiating call as the application made it and as the target answered.
struct InitiatingCall {
  CallKind kind;
  SOCKET s;
  LPWSABUF buffers;  // the application's array (valid only during the call)
  DWORD buffer_count;
  LPDWORD bytes;  // lpNumberOfBytes* / lpcbBytesReturned
  LPDWORD flags;  // receives only
  LPWSAOVERLAPPED ov;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;  // the application's
  int ret = 0;
  int error = 0;  // the error after the call, when ret != 0
  // Storage a BeforeCall hook may point `buffers` at: the target captures
  // the array before it returns, so it only has to outlive the call.
  std::vector<WSABUF> scratch{};
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

// What the interceptor remembers of an operation that was initiated.
struct OperationRecord {
  CallKind kind;
  SOCKET s;
  std::vector<WSABUF> buffers;  // copy of the array; the data stays the app's
  bool pending = false;    // the call returned WSA_IO_PENDING
  bool completed = false;  // its indication reached the application
  bool socket_closed = false;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE app_routine = nullptr;
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
  BOOL GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, PULONG_PTR key, LPOVERLAPPED* ov, DWORD ms) override;
  HANDLE CreateIoCompletionPort(HANDLE file, HANDLE port, ULONG_PTR key, DWORD threads) override;

 protected:
  // ---- hooks --------------------------------------------------------------
  // Before the target sees the call; may rewrite the arguments in place.
  // Returning true means "handled": the target is not called and call.ret /
  // call.error (and the error slot) are what the application gets.
  virtual bool BeforeCall(InitiatingCall& call) { (void)call; return false; }
  // After the target answered; may rewrite ret/error (set the error slot too).
  virtual void AfterCall(InitiatingCall& call) { (void)call; }
  // When an indication reaches the application, by whatever mechanism.
  virtual void OnCompletion(const OperationRecord& op, CompletionReport& report) { (void)op; (void)report; }
  // The routine the target is given in place of the application's; by
  // default the interceptor's own trampoline (which calls OnCompletion and
  // then the application's routine on the same thread).
  virtual void RunRoutine(LPWSAOVERLAPPED_COMPLETION_ROUTINE app, DWORD error, DWORD bytes, LPWSAOVERLAPPED ov,
                          DWORD flags) {
    app(error, bytes, ov, flags);
  }

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
  bool CreatedOverlapped(SOCKET s);      // WSASocketW with WSA_FLAG_OVERLAPPED
  bool CreatedBySocketFunction(SOCKET s);
  bool HasPendingOn(SOCKET s, CallKind kind);
  // The record of ov, if it was initiated and has not yet been reported.
  bool Lookup(LPWSAOVERLAPPED ov, OperationRecord* out);
  static bool IsReceive(CallKind k) { return k == CallKind::Recv || k == CallKind::RecvFrom; }
  static bool IsSend(CallKind k) { return k == CallKind::Send || k == CallKind::SendTo; }

 private:
  int Initiate(InitiatingCall& call, const std::function<int(LPWSAOVERLAPPED_COMPLETION_ROUTINE)>& forward);
  void Report(CompletionReport& report, bool* known);
  static void WSAC_CALLBACK Trampoline(DWORD error, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags);

  struct SocketInfo {
    bool stream = false;
    bool nonblocking = false;
    bool overlapped_flag = false;
    bool by_socket_function = false;
  };
  std::mutex mu_;
  std::map<SOCKET, SocketInfo> sockets_;
  std::map<LPWSAOVERLAPPED, OperationRecord> ops_;
  struct Association {
    HANDLE port;
    ULONG_PTR key;
  };
  std::map<SOCKET, Association> ports_;  // CreateIoCompletionPort associations
};

}  // namespace wsac
