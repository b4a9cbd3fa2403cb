#include "runner/provider_identity.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "suite/harness/json.h"
#if defined(_WIN32)
#include "suite/providers/winsock/winsock_identity.h"
#endif

#ifndef WSAC_VERSION
#define WSAC_VERSION "0.0.0"
#endif

namespace wsac {
namespace {

using json::Quote;

constexpr int kMaxChain = static_cast<int>(sizeof(WSAPROTOCOLCHAIN::ChainEntries) / sizeof(DWORD));
constexpr std::size_t kProtocolLen = sizeof(WSAPROTOCOL_INFOW::szProtocol) / sizeof(WCHAR);

// szProtocol is UTF-16 on every target (wchar_t on Windows, char16_t here).
std::string Utf16ToUtf8(const WCHAR* text, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < max && text[i] != 0; ++i) {
    std::uint32_t c = static_cast<std::uint16_t>(text[i]);
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < max) {
      std::uint32_t low = static_cast<std::uint16_t>(text[i + 1]);
      if (low >= 0xDC00 && low < 0xE000) {
        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
        ++i;
      }
    }
    if (c >= 0xD800 && c < 0xE000) c = 0xFFFD;  // a lone surrogate
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string Hex32(DWORD value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08lx", static_cast<unsigned long>(value));
  return text;
}

// As netsh and the registry print them: {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}.
std::string GuidText(const GUID& g) {
  char text[40];
  std::snprintf(text, sizeof text, "{%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                static_cast<unsigned long>(g.Data1), static_cast<unsigned>(g.Data2), static_cast<unsigned>(g.Data3),
                g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5], g.Data4[6], g.Data4[7]);
  return text;
}

// The fields that tell one entry from another and say how it behaves.
std::string EntryJson(const WSAPROTOCOL_INFOW& info) {
  const int length = info.ProtocolChain.ChainLen;
  std::string chain = "[";
  for (int i = 0; i < length && i < kMaxChain; ++i)
    chain += (i ? "," : "") + std::to_string(info.ProtocolChain.ChainEntries[i]);
  chain += "]";
  return "{\"catalog_entry_id\":" + std::to_string(info.dwCatalogEntryId) +
         ",\"provider_guid\":" + Quote(GuidText(info.ProviderId)) +
         ",\"protocol\":" + Quote(Utf16ToUtf8(info.szProtocol, kProtocolLen)) +
         ",\"address_family\":" + std::to_string(info.iAddressFamily) +
         ",\"socket_type\":" + std::to_string(info.iSocketType) +
         ",\"protocol_number\":" + std::to_string(info.iProtocol) + ",\"chain_length\":" + std::to_string(length) +
         ",\"chain\":" + chain + ",\"service_flags1\":" + Quote(Hex32(info.dwServiceFlags1)) +
         ",\"ifs_handles\":" + ((info.dwServiceFlags1 & XP1_IFS_HANDLES) != 0 ? "true" : "false") +
         ",\"provider_flags\":" + Quote(Hex32(info.dwProviderFlags)) + "}";
}

#if defined(_WIN32)
std::string ModuleJson(const ModuleFile& m) {
  return "{\"path\":" + Quote(m.path) + ",\"file_version\":" + Quote(m.file_version) +
         ",\"sha256\":" + Quote(m.sha256) + ",\"wine_builtin\":" + (m.wine_builtin ? "true" : "false") +
         ",\"error\":" + Quote(m.error) + "}";
}

// Hashing a DLL once per GUID is enough; a catalog repeats them.
class ProviderDlls {
 public:
  const std::string& Json(const GUID& guid) {
    std::string key = GuidText(guid);
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, ModuleJson(ProviderDll(guid))).first;
    return it->second;
  }

 private:
  std::map<std::string, std::string> cache_;
};

std::string WinsockSystemJson() {
  return "{\"os\":" + Quote(OperatingSystem()) + ",\"wine\":" + Quote(WineVersion()) +
         ",\"ws2_32\":" + ModuleJson(Ws2_32Module()) + "}";
}
#endif

struct SocketKind {
  const char* name;
  int af;
  int type;
};
constexpr SocketKind kKinds[] = {
    {"tcp4", AF_INET, SOCK_STREAM}, {"udp4", AF_INET, SOCK_DGRAM}, {"tcp6", AF_INET6, SOCK_STREAM}, {"udp6", AF_INET6, SOCK_DGRAM}};

}  // namespace

std::string ProviderIdentityJson(Provider& provider, const ProviderChoice& choice) {
  [[maybe_unused]] const bool winsock = provider.Name() == "winsock";
  std::string system;
  std::vector<WSAPROTOCOL_INFOW> catalog;
#if defined(_WIN32)
  if (winsock) {
    int error = 0;
    if (!WinsockCatalog(&catalog, &error)) catalog.clear();
    system = WinsockSystemJson();
  }
#endif
  if (system.empty())
    system = "{\"model\":" + Quote("wsaconform " + provider.Name()) + ",\"version\":" + Quote(WSAC_VERSION) + "}";

  std::string sockets = "[";
  std::vector<GUID> providers;  // whose DLL to name, once each
  std::vector<DWORD> layers;    // entries of layered chains, once each
  auto add_provider = [&](const GUID& guid) {
    for (const GUID& known : providers)
      if (GuidText(known) == GuidText(guid)) return;
    providers.push_back(guid);
  };
  for (const SocketKind& kind : kKinds) {
    sockets += (sockets.size() > 1 ? "," : "") + std::string("{\"kind\":") + Quote(kind.name);
    SOCKET s = provider.WSASocketW(kind.af, kind.type, 0, nullptr, 0, WSA_FLAG_OVERLAPPED);
    if (s == INVALID_SOCKET) {
      sockets += ",\"error\":" + Quote("WSASocketW failed with " + std::to_string(provider.WSAGetLastError())) + "}";
      continue;
    }
    WSAPROTOCOL_INFOW info{};
    int len = static_cast<int>(sizeof info);
    int ret = provider.getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info), &len);
    int error = ret == 0 ? 0 : provider.WSAGetLastError();
    provider.closesocket(s);
    if (ret != 0) {
      sockets += ",\"error\":" + Quote("getsockopt(SO_PROTOCOL_INFOW) failed with " + std::to_string(error)) + "}";
      continue;
    }
    sockets += ",\"entry\":" + EntryJson(info) + "}";
    add_provider(info.ProviderId);
    // A layered chain names its layers first and the base provider last;
    // each may come from another DLL.
    for (int i = 0; info.ProtocolChain.ChainLen > 1 && i < info.ProtocolChain.ChainLen && i < kMaxChain; ++i)
      if (std::find(layers.begin(), layers.end(), info.ProtocolChain.ChainEntries[i]) == layers.end())
        layers.push_back(info.ProtocolChain.ChainEntries[i]);
  }
  sockets += "]";

  std::string chain_entries = "[";
  for (DWORD id : layers) {
    const WSAPROTOCOL_INFOW* entry = nullptr;
    for (const WSAPROTOCOL_INFOW& e : catalog)
      if (e.dwCatalogEntryId == id) entry = &e;
    chain_entries += std::string(chain_entries.size() > 1 ? "," : "") + "{\"catalog_entry_id\":" + std::to_string(id);
    if (entry != nullptr) {
      chain_entries += ",\"provider_guid\":" + Quote(GuidText(entry->ProviderId)) +
                       ",\"protocol\":" + Quote(Utf16ToUtf8(entry->szProtocol, kProtocolLen));
      add_provider(entry->ProviderId);
    } else {
      chain_entries += ",\"error\":\"not in the catalog\"";
    }
    chain_entries += "}";
  }
  chain_entries += "]";

  std::string dlls = "{";
#if defined(_WIN32)
  for (const GUID& guid : providers)
    if (winsock) dlls += std::string(dlls.size() > 1 ? "," : "") + Quote(GuidText(guid)) + ":" + ModuleJson(ProviderDll(guid));
#endif
  dlls += "}";

  return "{\"provider\":" + Quote(provider.Name()) + ",\"build\":" + Quote(provider.Build()) +
         ",\"mutant\":" + Quote(choice.mutant) + ",\"chaos_seed\":" +
         (choice.chaos_seed ? std::to_string(*choice.chaos_seed) : std::string("null")) +
         ",\"catalog_entry\":" + Quote(choice.catalog_entry) + ",\"system\":" + system + ",\"sockets\":" + sockets +
         ",\"chain_entries\":" + chain_entries + ",\"provider_dlls\":" + dlls + "}";
}

std::string WinsockCatalogJson(std::string* error) {
#if defined(_WIN32)
  WSADATA data;
  if (int rc = ::WSAStartup(MAKEWORD(2, 2), &data); rc != 0) {
    *error = "WSAStartup(2.2) failed with error " + std::to_string(rc);
    return "";
  }
  std::vector<WSAPROTOCOL_INFOW> catalog;
  int enum_error = 0;
  if (!WinsockCatalog(&catalog, &enum_error)) {
    ::WSACleanup();
    *error = "WSAEnumProtocolsW failed with error " + std::to_string(enum_error);
    return "";
  }
  ProviderDlls dlls;
  std::string out = "{\"system\":" + WinsockSystemJson() + ",\"entries\":[";
  bool first = true;
  for (const WSAPROTOCOL_INFOW& e : catalog) {
    std::string entry = EntryJson(e);
    entry.pop_back();  // the closing brace: the full view adds the rest
    entry += ",\"service_flags2\":" + Quote(Hex32(e.dwServiceFlags2)) +
             ",\"service_flags3\":" + Quote(Hex32(e.dwServiceFlags3)) +
             ",\"service_flags4\":" + Quote(Hex32(e.dwServiceFlags4)) + ",\"version\":" + std::to_string(e.iVersion) +
             ",\"protocol_max_offset\":" + std::to_string(e.iProtocolMaxOffset) +
             ",\"max_sockaddr\":" + std::to_string(e.iMaxSockAddr) + ",\"min_sockaddr\":" + std::to_string(e.iMinSockAddr) +
             ",\"network_byte_order\":" + std::to_string(e.iNetworkByteOrder) +
             ",\"security_scheme\":" + std::to_string(e.iSecurityScheme) +
             ",\"message_size\":" + std::to_string(e.dwMessageSize) + ",\"provider_dll\":" + dlls.Json(e.ProviderId) + "}";
    out += (first ? "\n" : ",\n") + entry;
    first = false;
  }
  ::WSACleanup();
  return out + "\n]}\n";
#else
  *error = "this build has no Winsock catalog (the winsock provider is built for Windows targets)";
  return "";
#endif
}

}  // namespace wsac
