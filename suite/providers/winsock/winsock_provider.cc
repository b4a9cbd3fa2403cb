// The winsock provider: every method is the ws2_32 or kernel32 function of
// the same name, called with the caller's arguments as they are. Nothing is
// checked or defaulted here: the suite asks what the real API does with a NULL
// pointer or a dead handle, so the provider must not answer in its place.
#include "suite/providers/winsock/winsock_provider.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "suite/api/wsa_types.h"
#include "suite/providers/winsock/winsock_identity.h"

namespace wsac {
namespace {

std::string DescribeSystem() {
  std::string wine = WineVersion();
  return (wine.empty() ? WindowsVersion() : "Wine " + wine) + " ws2_32";
}

class WinsockProvider final : public Provider {
 public:
  WinsockProvider(std::string build, std::vector<WSAPROTOCOL_INFOW> entries)
      : build_(std::move(build)), entries_(std::move(entries)) {}
  // Pairs the WSAStartup of MakeWinsockProvider; ws2_32 counts them, so
  // several providers in one process are fine.
  ~WinsockProvider() override { ::WSACleanup(); }

  std::string Name() const override { return "winsock"; }
  std::string Build() const override { return build_; }

  SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW lpProtocolInfo, unsigned g,
                    DWORD dwFlags) override {
    WSAPROTOCOL_INFOW chosen;
    if (lpProtocolInfo == nullptr && ChosenEntryFits(af, type, protocol, &chosen)) {
      return ::WSASocketW(af, type, protocol, &chosen, g, dwFlags);
    }
    return ::WSASocketW(af, type, protocol, lpProtocolInfo, g, dwFlags);
  }
  SOCKET socket(int af, int type, int protocol) override {
    // socket() gives overlapped sockets on Windows, so the chosen entry is
    // used with the flag that socket() itself implies.
    WSAPROTOCOL_INFOW chosen;
    if (ChosenEntryFits(af, type, protocol, &chosen)) {
      return ::WSASocketW(af, type, protocol, &chosen, 0, WSA_FLAG_OVERLAPPED);
    }
    return ::socket(af, type, protocol);
  }
  int bind(SOCKET s, const sockaddr* name, int namelen) override { return ::bind(s, name, namelen); }
  int listen(SOCKET s, int backlog) override { return ::listen(s, backlog); }
  int connect(SOCKET s, const sockaddr* name, int namelen) override {
    return ::connect(s, name, namelen);
  }
  SOCKET accept(SOCKET s, sockaddr* addr, int* addrlen) override { return ::accept(s, addr, addrlen); }
  int getsockname(SOCKET s, sockaddr* name, int* namelen) override {
    return ::getsockname(s, name, namelen);
  }
  int getpeername(SOCKET s, sockaddr* name, int* namelen) override {
    return ::getpeername(s, name, namelen);
  }
  int setsockopt(SOCKET s, int level, int optname, const char* optval, int optlen) override {
    return ::setsockopt(s, level, optname, optval, optlen);
  }
  int getsockopt(SOCKET s, int level, int optname, char* optval, int* optlen) override {
    return ::getsockopt(s, level, optname, optval, optlen);
  }
  int ioctlsocket(SOCKET s, long cmd, u_long* argp) override { return ::ioctlsocket(s, cmd, argp); }
  int shutdown(SOCKET s, int how) override { return ::shutdown(s, how); }
  int closesocket(SOCKET s) override { return ::closesocket(s); }

  int WSARecv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD lpNumberOfBytesRecvd,
              LPDWORD lpFlags, LPWSAOVERLAPPED lpOverlapped,
              LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) override {
    return ::WSARecv(s, lpBuffers, dwBufferCount, lpNumberOfBytesRecvd, lpFlags, lpOverlapped,
                     lpCompletionRoutine);
  }
  int WSARecvFrom(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD lpNumberOfBytesRecvd,
                  LPDWORD lpFlags, sockaddr* lpFrom, LPINT lpFromlen, LPWSAOVERLAPPED lpOverlapped,
                  LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) override {
    return ::WSARecvFrom(s, lpBuffers, dwBufferCount, lpNumberOfBytesRecvd, lpFlags, lpFrom,
                         lpFromlen, lpOverlapped, lpCompletionRoutine);
  }
  int WSASend(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD lpNumberOfBytesSent,
              DWORD dwFlags, LPWSAOVERLAPPED lpOverlapped,
              LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) override {
    return ::WSASend(s, lpBuffers, dwBufferCount, lpNumberOfBytesSent, dwFlags, lpOverlapped,
                     lpCompletionRoutine);
  }
  int WSASendTo(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD lpNumberOfBytesSent,
                DWORD dwFlags, const sockaddr* lpTo, int iTolen, LPWSAOVERLAPPED lpOverlapped,
                LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) override {
    return ::WSASendTo(s, lpBuffers, dwBufferCount, lpNumberOfBytesSent, dwFlags, lpTo, iTolen,
                       lpOverlapped, lpCompletionRoutine);
  }
  int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
               LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
               LPWSAOVERLAPPED lpOverlapped,
               LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) override {
    return ::WSAIoctl(s, dwIoControlCode, lpvInBuffer, cbInBuffer, lpvOutBuffer, cbOutBuffer,
                      lpcbBytesReturned, lpOverlapped, lpCompletionRoutine);
  }
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped, LPDWORD lpcbTransfer,
                              BOOL fWait, LPDWORD lpdwFlags) override {
    return ::WSAGetOverlappedResult(s, lpOverlapped, lpcbTransfer, fWait, lpdwFlags);
  }

  WSAEVENT WSACreateEvent() override { return ::WSACreateEvent(); }
  BOOL WSASetEvent(WSAEVENT hEvent) override { return ::WSASetEvent(hEvent); }
  BOOL WSAResetEvent(WSAEVENT hEvent) override { return ::WSAResetEvent(hEvent); }
  BOOL WSACloseEvent(WSAEVENT hEvent) override { return ::WSACloseEvent(hEvent); }
  DWORD WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT* lphEvents, BOOL fWaitAll,
                                 DWORD dwTimeout, BOOL fAlertable) override {
    return ::WSAWaitForMultipleEvents(cEvents, lphEvents, fWaitAll, dwTimeout, fAlertable);
  }
  DWORD SleepEx(DWORD dwMilliseconds, BOOL bAlertable) override {
    return ::SleepEx(dwMilliseconds, bAlertable);
  }
  DWORD QueueUserAPC(PAPCFUNC pfnAPC, HANDLE hThread, ULONG_PTR dwData) override {
    return ::QueueUserAPC(pfnAPC, hThread, dwData);
  }

  HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort,
                                ULONG_PTR CompletionKey, DWORD NumberOfConcurrentThreads) override {
    return ::CreateIoCompletionPort(FileHandle, ExistingCompletionPort, CompletionKey,
                                    NumberOfConcurrentThreads);
  }
  BOOL GetQueuedCompletionStatus(HANDLE CompletionPort, LPDWORD lpNumberOfBytesTransferred,
                                 PULONG_PTR lpCompletionKey, LPOVERLAPPED* lpOverlapped,
                                 DWORD dwMilliseconds) override {
    return ::GetQueuedCompletionStatus(CompletionPort, lpNumberOfBytesTransferred, lpCompletionKey,
                                       lpOverlapped, dwMilliseconds);
  }
  BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
                                  ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped) override {
    return ::PostQueuedCompletionStatus(CompletionPort, dwNumberOfBytesTransferred, dwCompletionKey,
                                        lpOverlapped);
  }
  BOOL SetFileCompletionNotificationModes(HANDLE FileHandle, UCHAR Flags) override {
    return ::SetFileCompletionNotificationModes(FileHandle, Flags);
  }
  BOOL CloseHandle(HANDLE hObject) override { return ::CloseHandle(hObject); }

  BOOL CancelIoEx(HANDLE hFile, LPOVERLAPPED lpOverlapped) override {
    return ::CancelIoEx(hFile, lpOverlapped);
  }
  BOOL CancelIo(HANDLE hFile) override { return ::CancelIo(hFile); }

  int WSAGetLastError() override { return ::WSAGetLastError(); }
  void WSASetLastError(int iError) override { ::WSASetLastError(iError); }
  DWORD GetLastError() override { return ::GetLastError(); }

  // The machine's monotonic clock in milliseconds, read finely: ::GetTickCount64
  // moves in 16 ms steps (on Windows and under Wine), which would end a
  // deadline up to a step early; the waits themselves time out in real time.
  std::uint64_t GetTickCount64() override {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
  }

 private:
  // A chosen catalog entry stands in for a NULL lpProtocolInfo only where
  // it can serve the request: same family and type, and a protocol it
  // covers (0 meaning its default). Other requests go to the system's
  // default entry, as they would without a choice. The copy is per call
  // because WSASocketW takes a non-const pointer and calls run concurrently.
  bool ChosenEntryFits(int af, int type, int protocol, WSAPROTOCOL_INFOW* out) const {
    for (const WSAPROTOCOL_INFOW& entry : entries_) {
      if (entry.iAddressFamily != af || entry.iSocketType != type) continue;
      if (protocol != 0 && (protocol < entry.iProtocol || protocol > entry.iProtocol + entry.iProtocolMaxOffset))
        continue;
      *out = entry;
      return true;
    }
    return false;
  }

  const std::string build_;
  const std::vector<WSAPROTOCOL_INFOW> entries_;  // at most one per family and type

  // ---- extension functions: messages and transmit ----
 public:
  int WSARecvMsg(SOCKET s, LPWSAMSG lpMsg, LPDWORD lpdwNumberOfBytesRecvd, LPWSAOVERLAPPED lpOverlapped,
                 LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) override {
    LPFN_WSARECVMSG fn = nullptr;
    if (!ExtensionFunction(s, kWsaIdWSARecvMsg, &fn)) return SOCKET_ERROR;
    return fn(s, lpMsg, lpdwNumberOfBytesRecvd, lpOverlapped, lpCompletionRoutine);
  }
  int WSASendMsg(SOCKET Handle, LPWSAMSG lpMsg, DWORD dwFlags, LPDWORD lpNumberOfBytesSent,
                 LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) override {
    LPFN_WSASENDMSG fn = nullptr;
    if (!ExtensionFunction(Handle, kWsaIdWSASendMsg, &fn)) return SOCKET_ERROR;
    return fn(Handle, lpMsg, dwFlags, lpNumberOfBytesSent, lpOverlapped, lpCompletionRoutine);
  }
  BOOL TransmitFile(SOCKET hSocket, HANDLE hFile, DWORD nNumberOfBytesToWrite, DWORD nNumberOfBytesPerSend,
                    LPOVERLAPPED lpOverlapped, LPTRANSMIT_FILE_BUFFERS lpTransmitBuffers, DWORD dwReserved) override {
    LPFN_TRANSMITFILE fn = nullptr;
    if (!ExtensionFunction(hSocket, kWsaIdTransmitFile, &fn)) return FALSE;
    return fn(hSocket, hFile, nNumberOfBytesToWrite, nNumberOfBytesPerSend, lpOverlapped, lpTransmitBuffers,
              dwReserved);
  }
  BOOL TransmitPackets(SOCKET hSocket, LPTRANSMIT_PACKETS_ELEMENT lpPacketArray, DWORD nElementCount,
                       DWORD nSendSize, LPOVERLAPPED lpOverlapped, DWORD dwFlags) override {
    LPFN_TRANSMITPACKETS fn = nullptr;
    if (!ExtensionFunction(hSocket, kWsaIdTransmitPackets, &fn)) return FALSE;
    return fn(hSocket, lpPacketArray, nElementCount, nSendSize, lpOverlapped, dwFlags);
  }

  // ---- handles: a socket as a file handle ----
  DWORD GetFileType(HANDLE hFile) override { return ::GetFileType(hFile); }
  BOOL ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead, LPDWORD lpNumberOfBytesRead,
                LPOVERLAPPED lpOverlapped) override {
    return ::ReadFile(hFile, lpBuffer, nNumberOfBytesToRead, lpNumberOfBytesRead, lpOverlapped);
  }
  BOOL WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite, LPDWORD lpNumberOfBytesWritten,
                 LPOVERLAPPED lpOverlapped) override {
    return ::WriteFile(hFile, lpBuffer, nNumberOfBytesToWrite, lpNumberOfBytesWritten, lpOverlapped);
  }
  BOOL GetOverlappedResult(HANDLE hFile, LPOVERLAPPED lpOverlapped, LPDWORD lpNumberOfBytesTransferred,
                           BOOL bWait) override {
    return ::GetOverlappedResult(hFile, lpOverlapped, lpNumberOfBytesTransferred, bWait);
  }
  BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort, LPOVERLAPPED_ENTRY lpCompletionPortEntries, ULONG ulCount,
                                   PULONG ulNumEntriesRemoved, DWORD dwMilliseconds, BOOL fAlertable) override {
    return ::GetQueuedCompletionStatusEx(CompletionPort, lpCompletionPortEntries, ulCount, ulNumEntriesRemoved,
                                         dwMilliseconds, fAlertable);
  }

  // ---- extension functions: connect ----
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID lpSendBuffer, DWORD dwSendDataLength,
                 LPDWORD lpdwBytesSent, LPOVERLAPPED lpOverlapped) override {
    LPFN_CONNECTEX fn = nullptr;
    if (!ExtensionFunction(s, kWsaIdConnectEx, &fn)) return FALSE;
    return fn(s, name, namelen, lpSendBuffer, dwSendDataLength, lpdwBytesSent, lpOverlapped);
  }
  BOOL DisconnectEx(SOCKET s, LPOVERLAPPED lpOverlapped, DWORD dwFlags, DWORD dwReserved) override {
    LPFN_DISCONNECTEX fn = nullptr;
    if (!ExtensionFunction(s, kWsaIdDisconnectEx, &fn)) return FALSE;
    return fn(s, lpOverlapped, dwFlags, dwReserved);
  }

  // ---- extension functions: accept ----
  BOOL AcceptEx(SOCKET sListenSocket, SOCKET sAcceptSocket, PVOID lpOutputBuffer, DWORD dwReceiveDataLength,
                DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength, LPDWORD lpdwBytesReceived,
                LPOVERLAPPED lpOverlapped) override {
    LPFN_ACCEPTEX fn = nullptr;
    if (!ExtensionFunction(sListenSocket, kWsaIdAcceptEx, &fn)) return FALSE;
    return fn(sListenSocket, sAcceptSocket, lpOutputBuffer, dwReceiveDataLength, dwLocalAddressLength,
              dwRemoteAddressLength, lpdwBytesReceived, lpOverlapped);
  }
  void GetAcceptExSockaddrs(SOCKET s, PVOID lpOutputBuffer, DWORD dwReceiveDataLength, DWORD dwLocalAddressLength,
                            DWORD dwRemoteAddressLength, sockaddr** LocalSockaddr, LPINT LocalSockaddrLength,
                            sockaddr** RemoteSockaddr, LPINT RemoteSockaddrLength) override {
    LPFN_GETACCEPTEXSOCKADDRS fn = nullptr;
    if (!ExtensionFunction(s, kWsaIdGetAcceptExSockaddrs, &fn)) return;
    fn(lpOutputBuffer, dwReceiveDataLength, dwLocalAddressLength, dwRemoteAddressLength, LocalSockaddr,
       LocalSockaddrLength, RemoteSockaddr, RemoteSockaddrLength);
  }

 private:
  // The pointer an application would call for this socket, asked for at
  // each call (providers differ per socket); false with the ioctl's error
  // left in place when the socket's provider does not offer it.
  template <class Fn>
  static bool ExtensionFunction(SOCKET s, GUID id, Fn* fn) {
    DWORD returned = 0;
    return ::WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id, fn, sizeof *fn, &returned, nullptr,
                      nullptr) == 0;
  }
};

}  // namespace

std::unique_ptr<Provider> MakeWinsockProvider(const WinsockOptions& options, std::string* error) {
  WSADATA data;
  int rc = ::WSAStartup(MAKEWORD(2, 2), &data);
  if (rc != 0) {
    *error = "WSAStartup(2.2) failed with error " + std::to_string(rc);
    return nullptr;
  }
  if (data.wVersion != MAKEWORD(2, 2)) {
    *error = "WSAStartup(2.2) gave version " + std::to_string(LOBYTE(data.wVersion)) + "." +
             std::to_string(HIBYTE(data.wVersion));
    ::WSACleanup();
    return nullptr;
  }
  std::string build = DescribeSystem();
  if (options.catalog_entry.empty()) {
    return std::make_unique<WinsockProvider>(std::move(build), std::vector<WSAPROTOCOL_INFOW>{});
  }
  auto fail = [&](std::string message) -> std::unique_ptr<Provider> {
    *error = std::move(message);
    ::WSACleanup();
    return nullptr;
  };
  std::vector<WSAPROTOCOL_INFOW> protocols;
  int enum_error = 0;
  if (!WinsockCatalog(&protocols, &enum_error))
    return fail("WSAEnumProtocolsW failed with error " + std::to_string(enum_error));

  std::vector<WSAPROTOCOL_INFOW> chosen;
  std::string ids, names;
  const std::string& text = options.catalog_entry;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    start = end + 1;
    DWORD id = 0;
    auto [stop, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || ec != std::errc() || stop != item.data() + item.size())
      return fail("catalog entry '" + item + "' is not a decimal dwCatalogEntryId");
    const WSAPROTOCOL_INFOW* found = nullptr;
    for (const WSAPROTOCOL_INFOW& p : protocols)
      if (p.dwCatalogEntryId == id) found = &p;
    if (found == nullptr) {
      std::string known;
      for (const WSAPROTOCOL_INFOW& p : protocols)
        known += (known.empty() ? "" : ", ") + std::to_string(p.dwCatalogEntryId) + " (" + WideToUtf8(p.szProtocol) + ")";
      return fail("no catalog entry " + item + " in WSAEnumProtocolsW; it has: " + known);
    }
    // Sockets of one family and type can come from one entry only.
    for (const WSAPROTOCOL_INFOW& other : chosen)
      if (other.iAddressFamily == found->iAddressFamily && other.iSocketType == found->iSocketType)
        return fail("catalog entries " + std::to_string(other.dwCatalogEntryId) + " and " + item +
                    " serve the same address family and socket type; choose one");
    chosen.push_back(*found);
    ids += (ids.empty() ? "" : ", ") + item;
    names = WideToUtf8(found->szProtocol);
  }
  // One entry is named; several are listed by id (their names are in the run's provider identity).
  build += chosen.size() == 1 ? " [catalog entry " + ids + ": " + names + "]" : " [catalog entries " + ids + "]";
  return std::make_unique<WinsockProvider>(std::move(build), std::move(chosen));
}

}  // namespace wsac
