// ProviderWrapper forwards every call to another Provider, in the manner of
// LevelDB's EnvWrapper: a mutant derives from it and overrides only the one
// behaviour it breaks, so it can wrap the mock and the real winsock alike.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "suite/api/provider.h"

namespace wsac {

class ProviderWrapper : public Provider {
 public:
  explicit ProviderWrapper(std::unique_ptr<Provider> target) : target_(std::move(target)) {}

  Provider& target() { return *target_; }

  std::string Name() const override { return target_->Name(); }
  std::string Build() const override { return target_->Build(); }

  SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g,
                    DWORD flags) override {
    return target_->WSASocketW(af, type, protocol, info, g, flags);
  }
  SOCKET socket(int af, int type, int protocol) override { return target_->socket(af, type, protocol); }
  int bind(SOCKET s, const sockaddr* name, int namelen) override { return target_->bind(s, name, namelen); }
  int listen(SOCKET s, int backlog) override { return target_->listen(s, backlog); }
  int connect(SOCKET s, const sockaddr* name, int namelen) override {
    return target_->connect(s, name, namelen);
  }
  SOCKET accept(SOCKET s, sockaddr* addr, int* addrlen) override { return target_->accept(s, addr, addrlen); }
  int getsockname(SOCKET s, sockaddr* name, int* namelen) override {
    return target_->getsockname(s, name, namelen);
  }
  int getpeername(SOCKET s, sockaddr* name, int* namelen) override {
    return target_->getpeername(s, name, namelen);
  }
  int setsockopt(SOCKET s, int level, int optname, const char* optval, int optlen) override {
    return target_->setsockopt(s, level, optname, optval, optlen);
  }
  int getsockopt(SOCKET s, int level, int optname, char* optval, int* optlen) override {
    return target_->getsockopt(s, level, optname, optval, optlen);
  }
  int ioctlsocket(SOCKET s, long cmd, u_long* argp) override { return target_->ioctlsocket(s, cmd, argp); }
  int shutdown(SOCKET s, int how) override { return target_->shutdown(s, how); }
  int closesocket(SOCKET s) override { return target_->closesocket(s); }

  int WSARecv(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags, LPWSAOVERLAPPED ov,
              LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return target_->WSARecv(s, bufs, count, recvd, flags, ov, cr);
  }
  int WSARecvFrom(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags, sockaddr* from,
                  LPINT fromlen, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return target_->WSARecvFrom(s, bufs, count, recvd, flags, from, fromlen, ov, cr);
  }
  int WSASend(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags, LPWSAOVERLAPPED ov,
              LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return target_->WSASend(s, bufs, count, sent, flags, ov, cr);
  }
  int WSASendTo(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD sent, DWORD flags, const sockaddr* to,
                int tolen, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return target_->WSASendTo(s, bufs, count, sent, flags, to, tolen, ov, cr);
  }
  int WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD cbIn, LPVOID out, DWORD cbOut, LPDWORD returned,
               LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return target_->WSAIoctl(s, code, in, cbIn, out, cbOut, returned, ov, cr);
  }
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD transfer, BOOL wait,
                              LPDWORD flags) override {
    return target_->WSAGetOverlappedResult(s, ov, transfer, wait, flags);
  }

  WSAEVENT WSACreateEvent() override { return target_->WSACreateEvent(); }
  BOOL WSASetEvent(WSAEVENT e) override { return target_->WSASetEvent(e); }
  BOOL WSAResetEvent(WSAEVENT e) override { return target_->WSAResetEvent(e); }
  BOOL WSACloseEvent(WSAEVENT e) override { return target_->WSACloseEvent(e); }
  DWORD WSAWaitForMultipleEvents(DWORD c, const WSAEVENT* events, BOOL all, DWORD timeout,
                                 BOOL alertable) override {
    return target_->WSAWaitForMultipleEvents(c, events, all, timeout, alertable);
  }
  DWORD SleepEx(DWORD ms, BOOL alertable) override { return target_->SleepEx(ms, alertable); }
  DWORD QueueUserAPC(PAPCFUNC fn, HANDLE thread, ULONG_PTR data) override {
    return target_->QueueUserAPC(fn, thread, data);
  }

  HANDLE CreateIoCompletionPort(HANDLE file, HANDLE port, ULONG_PTR key, DWORD threads) override {
    return target_->CreateIoCompletionPort(file, port, key, threads);
  }
  BOOL GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, PULONG_PTR key, LPOVERLAPPED* ov,
                                 DWORD ms) override {
    return target_->GetQueuedCompletionStatus(port, bytes, key, ov, ms);
  }
  BOOL PostQueuedCompletionStatus(HANDLE port, DWORD bytes, ULONG_PTR key, LPOVERLAPPED ov) override {
    return target_->PostQueuedCompletionStatus(port, bytes, key, ov);
  }
  BOOL SetFileCompletionNotificationModes(HANDLE file, UCHAR flags) override {
    return target_->SetFileCompletionNotificationModes(file, flags);
  }
  BOOL CloseHandle(HANDLE h) override { return target_->CloseHandle(h); }

  BOOL CancelIoEx(HANDLE file, LPOVERLAPPED ov) override { return target_->CancelIoEx(file, ov); }
  BOOL CancelIo(HANDLE file) override { return target_->CancelIo(file); }

  int WSAGetLastError() override { return target_->WSAGetLastError(); }
  void WSASetLastError(int e) override { target_->WSASetLastError(e); }
  DWORD GetLastError() override { return target_->GetLastError(); }

  std::uint64_t GetTickCount64() override { return target_->GetTickCount64(); }

  // ---- extension functions: messages and transmit ----
  int WSARecvMsg(SOCKET s, LPWSAMSG msg, LPDWORD recvd, LPWSAOVERLAPPED ov,
                 LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return target_->WSARecvMsg(s, msg, recvd, ov, cr);
  }
  int WSASendMsg(SOCKET s, LPWSAMSG msg, DWORD flags, LPDWORD sent, LPWSAOVERLAPPED ov,
                 LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    return target_->WSASendMsg(s, msg, flags, sent, ov, cr);
  }
  BOOL TransmitFile(SOCKET s, HANDLE file, DWORD bytes, DWORD per_send, LPOVERLAPPED ov,
                    LPTRANSMIT_FILE_BUFFERS buffers, DWORD reserved) override {
    return target_->TransmitFile(s, file, bytes, per_send, ov, buffers, reserved);
  }
  BOOL TransmitPackets(SOCKET s, LPTRANSMIT_PACKETS_ELEMENT packets, DWORD count, DWORD send_size, LPOVERLAPPED ov,
                       DWORD flags) override {
    return target_->TransmitPackets(s, packets, count, send_size, ov, flags);
  }

  // ---- handles: a socket as a file handle ----
  DWORD GetFileType(HANDLE file) override { return target_->GetFileType(file); }
  BOOL ReadFile(HANDLE file, LPVOID buf, DWORD len, LPDWORD read, LPOVERLAPPED ov) override {
    return target_->ReadFile(file, buf, len, read, ov);
  }
  BOOL WriteFile(HANDLE file, LPCVOID buf, DWORD len, LPDWORD written, LPOVERLAPPED ov) override {
    return target_->WriteFile(file, buf, len, written, ov);
  }
  BOOL GetOverlappedResult(HANDLE file, LPOVERLAPPED ov, LPDWORD transferred, BOOL wait) override {
    return target_->GetOverlappedResult(file, ov, transferred, wait);
  }
  BOOL GetQueuedCompletionStatusEx(HANDLE port, LPOVERLAPPED_ENTRY entries, ULONG count, PULONG removed, DWORD ms,
                                   BOOL alertable) override {
    return target_->GetQueuedCompletionStatusEx(port, entries, count, removed, ms, alertable);
  }

  // ---- extension functions: connect ----
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                 LPOVERLAPPED ov) override {
    return target_->ConnectEx(s, name, namelen, send, send_len, sent, ov);
  }
  BOOL DisconnectEx(SOCKET s, LPOVERLAPPED ov, DWORD flags, DWORD reserved) override {
    return target_->DisconnectEx(s, ov, flags, reserved);
  }

  // ---- extension functions: accept ----
  BOOL AcceptEx(SOCKET listen_s, SOCKET accept_s, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len,
                LPDWORD received, LPOVERLAPPED ov) override {
    return target_->AcceptEx(listen_s, accept_s, out, recv_len, local_len, remote_len, received, ov);
  }
  void GetAcceptExSockaddrs(SOCKET s, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len, sockaddr** local,
                            LPINT local_size, sockaddr** remote, LPINT remote_size) override {
    target_->GetAcceptExSockaddrs(s, out, recv_len, local_len, remote_len, local, local_size, remote, remote_size);
  }

 private:
  std::unique_ptr<Provider> target_;
};

}  // namespace wsac
