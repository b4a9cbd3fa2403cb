// The part every sample shares: loading the real ws2_32, filling the table
// the export thunks jump through, and acting as an installed LSP (catalog,
// sockets, SO_PROTOCOL_INFO, WSCGetProviderPath). See proxy.h.
//
// Nothing here may call a ws2_32 function directly: this DLL *is* ws2_32.dll
// to the loader, so an import of it would bind to itself. Every call to the
// real one goes through WSAC_REAL.
#include "suite/providers/samples/proxy.h"

#include <ws2spi.h>

#include <cstddef>
#include <cstring>
#include <cwchar>
#include <iterator>
#include <map>
#include <string>
#include <vector>

// The export thunks (thunks.S, generated from the export list) jump through
// this table, in the order of thunk_names.inc.
static const char* const kThunkNames[] = {
#include "thunk_names.inc"
};
extern "C" {
void* wsac_real_table[std::size(kThunkNames)];
}

namespace wsac::sample {
namespace {

HMODULE g_self = nullptr;
HMODULE g_real = nullptr;

SRWLOCK g_lock = SRWLOCK_INIT;
std::map<SOCKET, SampleSocket>* g_sockets = nullptr;  // made at attach, never freed: sockets outlive DllMain order

class Exclusive {
 public:
  Exclusive() { ::AcquireSRWLockExclusive(&g_lock); }
  ~Exclusive() { ::ReleaseSRWLockExclusive(&g_lock); }
  Exclusive(const Exclusive&) = delete;
  Exclusive& operator=(const Exclusive&) = delete;
};

void Remember(SOCKET s, SampleSocket info) {
  if (s == INVALID_SOCKET) return;
  Exclusive lock;
  (*g_sockets)[s] = info;
}

void Forget(SOCKET s) {
  Exclusive lock;
  g_sockets->erase(s);
}

bool Load(HMODULE self) {
  g_self = self;
  WCHAR path[MAX_PATH + 16];
  UINT n = ::GetSystemDirectoryW(path, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) return false;
  std::wcscpy(path + n, L"\\ws2_32.dll");
  g_real = ::LoadLibraryW(path);
  // Outside Wine (or with the builtin first in the load order) the system
  // may hand this very module back: there is nothing to forward to.
  if (g_real == nullptr || g_real == self) return false;
  for (std::size_t i = 0; i < std::size(kThunkNames); ++i)
    wsac_real_table[i] = reinterpret_cast<void*>(::GetProcAddress(g_real, kThunkNames[i]));
  g_sockets = new std::map<SOCKET, SampleSocket>();
  return true;
}

bool IsOurs(const GUID& guid) { return std::memcmp(&guid, &kSample.guid, sizeof(GUID)) == 0; }

bool IsTransport(const WSAPROTOCOL_INFOW& e) {
  return e.ProtocolChain.ChainLen == BASE_PROTOCOL && (e.iAddressFamily == AF_INET || e.iAddressFamily == AF_INET6) &&
         ((e.iSocketType == SOCK_STREAM && e.iProtocol == IPPROTO_TCP) ||
          (e.iSocketType == SOCK_DGRAM && e.iProtocol == IPPROTO_UDP));
}

void SetName(WSAPROTOCOL_INFOW* e, const std::wstring& name) {
  std::wcsncpy(e->szProtocol, name.c_str(), WSAPROTOCOL_LEN);
  e->szProtocol[WSAPROTOCOL_LEN] = L'\0';
}

void SetIfsFlag(WSAPROTOCOL_INFOW* e) {
  if (kSample.ifs_handles)
    e->dwServiceFlags1 |= XP1_IFS_HANDLES;
  else
    e->dwServiceFlags1 &= ~static_cast<DWORD>(XP1_IFS_HANDLES);
}

std::vector<WSAPROTOCOL_INFOW> RealCatalog() {
  std::vector<WSAPROTOCOL_INFOW> out(32);
  for (;;) {
    DWORD bytes = static_cast<DWORD>(out.size() * sizeof(WSAPROTOCOL_INFOW));
    int count = WSAC_REAL(WSAEnumProtocolsW)(nullptr, out.data(), &bytes);
    if (count != SOCKET_ERROR) {
      out.resize(static_cast<std::size_t>(count));
      return out;
    }
    if (WSAC_REAL(WSAGetLastError)() != WSAENOBUFS) return {};
    out.resize(bytes / sizeof(WSAPROTOCOL_INFOW) + 1);
  }
}

// The catalog as the application sees it with the sample installed: its
// chain entries first (so it serves the default socket of each kind), the
// real entries, then its layered entry.
std::vector<WSAPROTOCOL_INFOW> Catalog() {
  std::vector<WSAPROTOCOL_INFOW> real = RealCatalog();
  std::vector<WSAPROTOCOL_INFOW> out;
  const WSAPROTOCOL_INFOW* first_base = nullptr;
  DWORD next_id = kSample.layered_id + 1;
  for (const WSAPROTOCOL_INFOW& base : real) {
    if (!IsTransport(base)) continue;
    if (first_base == nullptr) first_base = &base;
    WSAPROTOCOL_INFOW chain = base;
    chain.ProviderId = kSample.guid;
    chain.dwCatalogEntryId = next_id++;
    chain.ProtocolChain.ChainLen = 2;
    chain.ProtocolChain.ChainEntries[0] = kSample.layered_id;
    chain.ProtocolChain.ChainEntries[1] = base.dwCatalogEntryId;
    SetIfsFlag(&chain);
    SetName(&chain, std::wstring(kSample.name) + L" over [" + base.szProtocol + L"]");
    out.push_back(chain);
  }
  out.insert(out.end(), real.begin(), real.end());
  if (first_base != nullptr) {
    WSAPROTOCOL_INFOW layered = *first_base;
    layered.ProviderId = kSample.guid;
    layered.dwCatalogEntryId = kSample.layered_id;
    layered.ProtocolChain.ChainLen = LAYERED_PROTOCOL;
    layered.ProtocolChain.ChainEntries[0] = kSample.layered_id;
    SetIfsFlag(&layered);
    SetName(&layered, kSample.name);
    out.push_back(layered);
  }
  return out;
}

// The chain entry that stands for base entry `base_id`, if any.
bool ChainFor(DWORD base_id, WSAPROTOCOL_INFOW* out) {
  for (const WSAPROTOCOL_INFOW& e : Catalog()) {
    if (IsOurs(e.ProviderId) && e.ProtocolChain.ChainLen == 2 && e.ProtocolChain.ChainEntries[1] == base_id) {
      *out = e;
      return true;
    }
  }
  return false;
}

bool Matches(const WSAPROTOCOL_INFOW& e, const int* protocols) {
  if (protocols == nullptr) return true;
  for (const int* p = protocols; *p != 0; ++p)
    if (*p >= e.iProtocol && *p <= e.iProtocol + e.iProtocolMaxOffset) return true;
  return false;
}

int Enumerate(const int* protocols, WSAPROTOCOL_INFOW* buffer, DWORD* length, int* error) {
  if (length == nullptr) {
    *error = WSAEFAULT;
    return SOCKET_ERROR;
  }
  std::vector<WSAPROTOCOL_INFOW> shown;
  for (const WSAPROTOCOL_INFOW& e : Catalog())
    if (Matches(e, protocols)) shown.push_back(e);
  const DWORD needed = static_cast<DWORD>(shown.size() * sizeof(WSAPROTOCOL_INFOW));
  if (buffer == nullptr || *length < needed) {
    *length = needed;
    *error = WSAENOBUFS;
    return SOCKET_ERROR;
  }
  std::memcpy(buffer, shown.data(), needed);
  return static_cast<int>(shown.size());
}

void SetLastWsaError(int error) { WSAC_REAL(WSASetLastError)(error); }

}  // namespace

FARPROC Real(const char* name) { return g_real != nullptr ? ::GetProcAddress(g_real, name) : nullptr; }

bool IsSampleSocket(SOCKET s, SampleSocket* out) {
  ::AcquireSRWLockShared(&g_lock);
  auto it = g_sockets->find(s);
  bool found = it != g_sockets->end();
  if (found && out != nullptr) *out = it->second;
  ::ReleaseSRWLockShared(&g_lock);
  return found;
}

}  // namespace wsac::sample

using namespace wsac::sample;

extern "C" {

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID) {
  if (reason == DLL_PROCESS_ATTACH) {
    ::DisableThreadLibraryCalls(instance);
    return Load(instance) ? TRUE : FALSE;
  }
  return TRUE;
}

int WSAAPI wsac_proxy_WSAEnumProtocolsW(LPINT protocols, LPWSAPROTOCOL_INFOW buffer, LPDWORD length) {
  int error = 0;
  int ret = Enumerate(protocols, buffer, length, &error);
  if (ret == SOCKET_ERROR) SetLastWsaError(error);
  return ret;
}

int WSAAPI wsac_proxy_WSCEnumProtocols(LPINT protocols, LPWSAPROTOCOL_INFOW buffer, LPDWORD length, LPINT error) {
  int code = 0;
  int ret = Enumerate(protocols, buffer, length, &code);
  if (ret == SOCKET_ERROR && error != nullptr) *error = code;
  return ret;
}

int WSAAPI wsac_proxy_WSCGetProviderPath(LPGUID provider, WCHAR* path, LPINT length, LPINT error) {
  if (provider == nullptr || !IsOurs(*provider)) return WSAC_REAL(WSCGetProviderPath)(provider, path, length, error);
  WCHAR self[MAX_PATH + 1];
  DWORD n = ::GetModuleFileNameW(g_self, self, MAX_PATH);
  if (length == nullptr || n == 0) {
    if (error != nullptr) *error = WSAEFAULT;
    return SOCKET_ERROR;
  }
  if (path == nullptr || *length <= static_cast<int>(n)) {
    *length = static_cast<int>(n) + 1;
    if (error != nullptr) *error = WSAEFAULT;
    return SOCKET_ERROR;
  }
  std::wmemcpy(path, self, n + 1);
  return 0;
}

SOCKET WSAAPI wsac_proxy_WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, GROUP g, DWORD flags) {
  const SampleSocket made{(flags & WSA_FLAG_OVERLAPPED) != 0};
  if (info == nullptr) {
    // The chain entries come first in the catalog: the default is ours.
    SOCKET s = WSAC_REAL(WSASocketW)(af, type, protocol, nullptr, g, flags);
    Remember(s, made);
    return s;
  }
  if (!IsOurs(info->ProviderId)) return WSAC_REAL(WSASocketW)(af, type, protocol, info, g, flags);
  if (info->ProtocolChain.ChainLen != 2) {
    SetLastWsaError(WSAEINVAL);  // no socket is made from a layered entry itself
    return INVALID_SOCKET;
  }
  WSAPROTOCOL_INFOW base{};
  bool found = false;
  for (const WSAPROTOCOL_INFOW& e : RealCatalog()) {
    if (e.dwCatalogEntryId == info->ProtocolChain.ChainEntries[1]) {
      base = e;
      found = true;
    }
  }
  if (!found) {
    SetLastWsaError(WSAEPROVIDERFAILEDINIT);
    return INVALID_SOCKET;
  }
  SOCKET s = WSAC_REAL(WSASocketW)(af, type, protocol, &base, g, flags);
  Remember(s, made);
  return s;
}

SOCKET WSAAPI wsac_proxy_WSASocketA(int af, int type, int protocol, LPWSAPROTOCOL_INFOA info, GROUP g, DWORD flags) {
  if (info != nullptr) return WSAC_REAL(WSASocketA)(af, type, protocol, info, g, flags);
  return wsac_proxy_WSASocketW(af, type, protocol, nullptr, g, flags);
}

SOCKET WSAAPI wsac_proxy_socket(int af, int type, int protocol) {
  SOCKET s = WSAC_REAL(socket)(af, type, protocol);
  Remember(s, SampleSocket{true});  // socket() makes overlapped sockets
  return s;
}

SOCKET WSAAPI wsac_proxy_accept(SOCKET listener, sockaddr* addr, int* addrlen) {
  SOCKET s = WSAC_REAL(accept)(listener, addr, addrlen);
  SampleSocket parent{};
  if (IsSampleSocket(listener, &parent)) Remember(s, parent);
  return s;
}

SOCKET WSAAPI wsac_proxy_WSAAccept(SOCKET listener, sockaddr* addr, LPINT addrlen, LPCONDITIONPROC condition,
                                   DWORD_PTR data) {
  SOCKET s = WSAC_REAL(WSAAccept)(listener, addr, addrlen, condition, data);
  SampleSocket parent{};
  if (IsSampleSocket(listener, &parent)) Remember(s, parent);
  return s;
}

int WSAAPI wsac_proxy_closesocket(SOCKET s) {
  // Forgotten first: once closed, the handle value may be reused at once.
  Forget(s);
  return WSAC_REAL(closesocket)(s);
}

int WSAAPI wsac_proxy_getsockopt(SOCKET s, int level, int name, char* value, int* length) {
  int ret = WSAC_REAL(getsockopt)(s, level, name, value, length);
  if (ret != 0 || level != SOL_SOCKET || value == nullptr || !IsSampleSocket(s)) return ret;
  WSAPROTOCOL_INFOW chain{};
  if (name == SO_PROTOCOL_INFOW) {
    auto* info = reinterpret_cast<WSAPROTOCOL_INFOW*>(value);
    if (ChainFor(info->dwCatalogEntryId, &chain)) *info = chain;
  } else if (name == SO_PROTOCOL_INFOA) {
    auto* info = reinterpret_cast<WSAPROTOCOL_INFOA*>(value);
    if (ChainFor(info->dwCatalogEntryId, &chain)) {
      char protocol[WSAPROTOCOL_LEN + 1] = "";
      ::WideCharToMultiByte(CP_ACP, 0, chain.szProtocol, -1, protocol, sizeof protocol, nullptr, nullptr);
      std::memcpy(info, &chain, offsetof(WSAPROTOCOL_INFOW, szProtocol));
      std::memcpy(info->szProtocol, protocol, sizeof protocol);
    }
  }
  return ret;
}

}  // extern "C"
