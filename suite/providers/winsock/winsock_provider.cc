// The winsock provider: every method is the ws2_32 or kernel32 function of
// the same name, called with the caller's arguments as they are. Nothing is
// checked or defaulted here: the suite asks what the real API does with a NULL
// pointer or a dead handle, so the provider must not answer in its place.
#include "suite/providers/winsock/winsock_provider.h"

#include <charconv>
#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "suite/api/wsa_types.h"

namespace wsac {
namespace {

std::string Utf8(const wchar_t* text) {
  int size = ::WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
  if (size <= 1) return {};
  std::string out(static_cast<std::size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, text, -1, out.data(), size, nullptr, nullptr);
  out.resize(static_cast<std::size_t>(size - 1));
  return out;
}

// GetProcAddress gives a FARPROC; going through a generic function pointer
// keeps the cast to the real signature free of -Wcast-function-type noise.
template <typename Fn>
Fn NtdllExport(const char* name) {
  HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  if (ntdll == nullptr) return nullptr;
  FARPROC proc = ::GetProcAddress(ntdll, name);
  return reinterpret_cast<Fn>(reinterpret_cast<void (*)()>(proc));
}

// Wine exports wine_get_version from its ntdll and Windows never does, so
// its presence is the reliable test; GetVersionEx would only show the
// Windows version that the prefix imitates.
std::string DescribeSystem() {
  using WineGetVersion = const char*(CDECL*)();
  if (auto wine_get_version = NtdllExport<WineGetVersion>("wine_get_version")) {
    return std::string("Wine ") + wine_get_version() + " ws2_32";
  }
  // RtlGetVersion, unlike GetVersionEx, is not capped by the manifest
  // compatibility shims, so it gives the true build number.
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  if (auto rtl_get_version = NtdllExport<RtlGetVersionFn>("RtlGetVersion")) {
    OSVERSIONINFOW info{};
    info.dwOSVersionInfoSize = sizeof info;
    if (rtl_get_version(&info) == 0) {
      return "Windows " + std::to_string(info.dwMajorVersion) + "." +
             std::to_string(info.dwMinorVersion) + "." + std::to_string(info.dwBuildNumber) +
             " ws2_32";
    }
  }
  return "Windows (unknown version) ws2_32";
}

bool EnumProtocols(std::vector<WSAPROTOCOL_INFOW>* protocols, int* error) {
  DWORD bytes = 0;
  if (::WSAEnumProtocolsW(nullptr, nullptr, &bytes) != SOCKET_ERROR ||
      ::WSAGetLastError() != WSAENOBUFS) {
    *error = ::WSAGetLastError();
    return false;
  }
  protocols->resize(bytes / sizeof(WSAPROTOCOL_INFOW) + 1);
  bytes = static_cast<DWORD>(protocols->size() * sizeof(WSAPROTOCOL_INFOW));
  int count = ::WSAEnumProtocolsW(nullptr, protocols->data(), &bytes);
  if (count == SOCKET_ERROR) {
    *error = ::WSAGetLastError();
    return false;
  }
  protocols->resize(static_cast<std::size_t>(count));
  return true;
}

class WinsockProvider final : public Provider {
 public:
  WinsockProvider(std::string build, const WSAPROTOCOL_INFOW* entry)
      : build_(std::move(build)), has_entry_(entry != nullptr) {
    if (entry != nullptr) entry_ = *entry;
  }
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
  // The chosen catalog entry stands in for a NULL lpProtocolInfo only where
  // it can serve the request: same family and type, and a protocol it
  // covers (0 meaning its default). Other requests go to the system's
  // default entry, as they would without a choice. The copy is per call
  // because WSASocketW takes a non-const pointer and calls run concurrently.
  bool ChosenEntryFits(int af, int type, int protocol, WSAPROTOCOL_INFOW* out) const {
    if (!has_entry_ || entry_.iAddressFamily != af || entry_.iSocketType != type) return false;
    if (protocol != 0 &&
        (protocol < entry_.iProtocol || protocol > entry_.iProtocol + entry_.iProtocolMaxOffset)) {
      return false;
    }
    *out = entry_;
    return true;
  }

  const std::string build_;
  const bool has_entry_;
  WSAPROTOCOL_INFOW entry_{};
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
    return std::make_unique<WinsockProvider>(std::move(build), nullptr);
  }

  const std::string& text = options.catalog_entry;
  DWORD id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) {
    *error = "catalog entry '" + text + "' is not a decimal dwCatalogEntryId";
    ::WSACleanup();
    return nullptr;
  }
  std::vector<WSAPROTOCOL_INFOW> protocols;
  int enum_error = 0;
  if (!EnumProtocols(&protocols, &enum_error)) {
    *error = "WSAEnumProtocolsW failed with error " + std::to_string(enum_error);
    ::WSACleanup();
    return nullptr;
  }
  std::string known;
  for (const WSAPROTOCOL_INFOW& p : protocols) {
    if (p.dwCatalogEntryId == id) {
      build += " [catalog entry " + text + ": " + Utf8(p.szProtocol) + "]";
      return std::make_unique<WinsockProvider>(std::move(build), &p);
    }
    known += (known.empty() ? "" : ", ") + std::to_string(p.dwCatalogEntryId) + " (" +
             Utf8(p.szProtocol) + ")";
  }
  *error = "no catalog entry " + text + " in WSAEnumProtocolsW; it has: " + known;
  ::WSACleanup();
  return nullptr;
}

}  // namespace wsac
