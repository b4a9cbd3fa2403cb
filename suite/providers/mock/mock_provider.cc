// MockProvider: the Provider surface over the model in mock_model.h.
#include "suite/providers/mock/mock_provider.h"

#include <memory>

#include "suite/providers/mock/mock_model.h"
#include "suite/providers/mock/model_msg.h"

namespace wsac {
namespace {

class MockProvider final : public Provider {
 public:
  explicit MockProvider(const MockOptions& options) : core_(std::make_shared<mock::Core>(options)) {}
  ~MockProvider() override { core_->Shutdown(); }

  std::string Name() const override { return "mock"; }
  std::string Build() const override { return core_->Build(); }

  SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g,
                    DWORD flags) override {
    return core_->WSASocketW(af, type, protocol, info, g, flags);
  }
  SOCKET socket(int af, int type, int protocol) override {
    return core_->WSASocketW(af, type, protocol, nullptr, 0, WSA_FLAG_OVERLAPPED);
  }
  int bind(SOCKET s, const sockaddr* name, int namelen) override { return core_->bind(s, name, namelen); }
  int listen(SOCKET s, int backlog) override { return core_->listen(s, backlog); }
  int connect(SOCKET s, const sockaddr* name, int namelen) override { return core_->connect(s, name, namelen); }
  SOCKET accept(SOCKET s, sockaddr* addr, int* addrlen) override { return core_->accept(s, addr, addrlen); }
  int getsockname(SOCKET s, sockaddr* name, int* namelen) override {
    return core_->getsockname(s, name, namelen);
  }
  int getpeername(SOCKET s, sockaddr* name, int* namelen) override {
    return core_->getpeername(s, name, namelen);
  }
  int setsockopt(SOCKET s, int level, int optname, const char* optval, int optlen) override {
    return core_->setsockopt(s, level, optname, optval, optlen);
  }
  int getsockopt(SOCKET s, int level, int optname, char* optval, int* optlen) override {
    return core_->getsockopt(s, level, optname, optval, optlen);
  }
  int ioctlsocket(SOCKET s, long cmd, u_long* argp) override { return core_->ioctlsocket(s, cmd, argp); }
  int shutdown(SOCKET s, int how) override { return core_->shutdown(s, how); }
  int closesocket(SOCKET s) override { return core_->closesocket(s); }

  int WSARecv(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags, LPWSAOVERLAPPED ov,
              LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return core_->Receive(s, bufs, count, recvd, flags, nullptr, nullptr, false, ov, cr);
  }
  int WSARecvFrom(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags, sockaddr* from,
                  LPINT fromlen, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return core_->Receive(s, bufs, count, recvd, flags, from, fromlen, true, ov, cr);
  }
  int WSASend(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags, LPWSAOVERLAPPED ov,
              LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return core_->Send(s, bufs, count, sent, flags, nullptr, 0, false, ov, cr);
  }
  int WSASendTo(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags, const sockaddr* to,
                int tolen, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return core_->Send(s, bufs, count, sent, flags, to, tolen, true, ov, cr);
  }
  int WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD cb_in, LPVOID out, DWORD cb_out, LPDWORD returned,
               LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return core_->WSAIoctl(s, code, in, cb_in, out, cb_out, returned, ov, cr);
  }
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD transfer, BOOL wait,
                              LPDWORD flags) override {
    return core_->WSAGetOverlappedResult(s, ov, transfer, wait, flags);
  }

  WSAEVENT WSACreateEvent() override { return core_->WSACreateEvent(); }
  BOOL WSASetEvent(WSAEVENT e) override { return core_->WSASetEvent(e); }
  BOOL WSAResetEvent(WSAEVENT e) override { return core_->WSAResetEvent(e); }
  BOOL WSACloseEvent(WSAEVENT e) override { return core_->WSACloseEvent(e); }
  DWORD WSAWaitForMultipleEvents(DWORD count, const WSAEVENT* events, BOOL wait_all, DWORD timeout,
                                 BOOL alertable) override {
    return core_->WSAWaitForMultipleEvents(count, events, wait_all, timeout, alertable);
  }
  DWORD SleepEx(DWORD ms, BOOL alertable) override { return core_->SleepEx(ms, alertable); }
  DWORD QueueUserAPC(PAPCFUNC fn, HANDLE thread, ULONG_PTR data) override {
    return core_->QueueUserAPC(fn, thread, data);
  }

  HANDLE CreateIoCompletionPort(HANDLE file, HANDLE existing, ULONG_PTR key, DWORD threads) override {
    return core_->CreateIoCompletionPort(file, existing, key, threads);
  }
  BOOL GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, PULONG_PTR key, LPOVERLAPPED* ov,
                                 DWORD ms) override {
    return core_->GetQueuedCompletionStatus(port, bytes, key, ov, ms);
  }
  BOOL PostQueuedCompletionStatus(HANDLE port, DWORD bytes, ULONG_PTR key, LPOVERLAPPED ov) override {
    return core_->PostQueuedCompletionStatus(port, bytes, key, ov);
  }
  BOOL SetFileCompletionNotificationModes(HANDLE file, UCHAR flags) override {
    return core_->SetFileCompletionNotificationModes(file, flags);
  }
  BOOL CloseHandle(HANDLE h) override { return core_->CloseHandle(h); }
  BOOL CancelIoEx(HANDLE h, LPOVERLAPPED ov) override { return core_->CancelIoEx(h, ov); }
  BOOL CancelIo(HANDLE h) override { return core_->CancelIo(h); }

  int WSAGetLastError() override { return core_->GetError(); }
  void WSASetLastError(int error) override { core_->SetError(error); }
  DWORD GetLastError() override { return static_cast<DWORD>(core_->GetError()); }

  std::uint64_t GetTickCount64() override { return core_->GetTickCount64(); }

  // ---- extension functions: messages and transmit ----
  int WSARecvMsg(SOCKET s, LPWSAMSG msg, LPDWORD recvd, LPWSAOVERLAPPED ov,
                 LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return core_->WSARecvMsg(s, msg, recvd, ov, cr);
  }
  int WSASendMsg(SOCKET s, LPWSAMSG msg, DWORD flags, LPDWORD sent, LPWSAOVERLAPPED ov,
                 LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return core_->WSASendMsg(s, msg, flags, sent, ov, cr);
  }
  BOOL TransmitFile(SOCKET s, HANDLE file, DWORD bytes, DWORD per_send, LPOVERLAPPED ov,
                    LPTRANSMIT_FILE_BUFFERS buffers, DWORD reserved) override {
    return core_->TransmitFile(s, file, bytes, per_send, ov, buffers, reserved);
  }
  BOOL TransmitPackets(SOCKET s, LPTRANSMIT_PACKETS_ELEMENT packets, DWORD count, DWORD send_size, LPOVERLAPPED ov,
                       DWORD flags) override {
    return core_->TransmitPackets(s, packets, count, send_size, ov, flags);
  }

  // ---- handles: a socket as a file handle ----
  // The mock's sockets are IFS handles: the file functions reach the same
  // model as the Winsock ones (model_file.cc).
  DWORD GetFileType(HANDLE file) override { return core_->GetFileType(file); }
  BOOL ReadFile(HANDLE file, LPVOID buf, DWORD len, LPDWORD read, LPOVERLAPPED ov) override {
    return core_->ReadFile(file, buf, len, read, ov);
  }
  BOOL WriteFile(HANDLE file, LPCVOID buf, DWORD len, LPDWORD written, LPOVERLAPPED ov) override {
    return core_->WriteFile(file, buf, len, written, ov);
  }
  BOOL GetOverlappedResult(HANDLE file, LPOVERLAPPED ov, LPDWORD transferred, BOOL wait) override {
    return core_->GetOverlappedResult(file, ov, transferred, wait);
  }
  BOOL GetQueuedCompletionStatusEx(HANDLE port, LPOVERLAPPED_ENTRY entries, ULONG count, PULONG removed, DWORD ms,
                                   BOOL alertable) override {
    return core_->GetQueuedCompletionStatusEx(port, entries, count, removed, ms, alertable);
  }

  // ---- extension functions: connect (model_connect.cc) ----
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                 LPOVERLAPPED ov) override {
    return core_->ConnectEx(s, name, namelen, send, send_len, sent, ov);
  }
  BOOL DisconnectEx(SOCKET s, LPOVERLAPPED ov, DWORD flags, DWORD reserved) override {
    return core_->DisconnectEx(s, ov, flags, reserved);
  }

  // ---- extension functions: accept (model_accept.cc) ----
  BOOL AcceptEx(SOCKET listen_s, SOCKET accept_s, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len,
                LPDWORD received, LPOVERLAPPED ov) override {
    return core_->AcceptEx(listen_s, accept_s, out, recv_len, local_len, remote_len, received, ov);
  }
  void GetAcceptExSockaddrs(SOCKET s, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len, sockaddr** local,
                            LPINT local_size, sockaddr** remote, LPINT remote_size) override {
    core_->GetAcceptExSockaddrs(s, out, recv_len, local_len, remote_len, local, local_size, remote, remote_size);
  }

 private:
  std::shared_ptr<mock::Core> core_;
};

}  // namespace

std::set<std::string> MockFaultNames() {
  std::set<std::string> names{mock::kFaultRcvbuf0StreamDrops, mock::kFaultRcvbuf0DgramKeeps, mock::kFaultNoBuffering,
          mock::kFaultClosesocketLeavesPending, mock::kFaultStreamWaitsToFill,
          mock::kFaultDatagramTruncationKeepsRest};
  // ---- extension functions: messages and transmit ----
  for (const char* name : mock::kMsgFaults) names.insert(name);
  return names;
}

std::unique_ptr<Provider> MakeMockProvider(const MockOptions& options) {
  const std::set<std::string> known = MockFaultNames();
  for (const auto& fault : options.faults)
    if (known.count(fault) == 0) return nullptr;
  return std::make_unique<MockProvider>(options);
}

}  // namespace wsac
