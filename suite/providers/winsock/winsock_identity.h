// What a run can tell about the Winsock it tests, for a certificate: the
// catalog (WSAEnumProtocolsW), the DLL behind a provider GUID
// (WSCGetProviderPath) with its file version and sha256, the ws2_32 module
// this process is bound to, and the system. Windows targets only; the runner
// turns these into JSON (runner/provider_identity.cc).
#pragma once

#include <string>
#include <vector>

#include "suite/api/wsa_types.h"

namespace wsac {

// A file on disk that code ran from. Under Wine a module may be a builtin
// (Wine's own code, whatever the file at `path` holds), so that is said too.
struct ModuleFile {
  std::string path;          // as the system names it, environment variables expanded
  std::string file_version;  // VS_FIXEDFILEINFO "a.b.c.d"; empty when the file has none
  std::string sha256;        // of the file at `path`; empty when it cannot be read
  bool wine_builtin = false; // the loaded image carries Wine's builtin marker
  std::string error;         // why path, version or hash are missing; empty when none is
};

// UTF-8 of a NUL-terminated wide string (szProtocol, a path).
std::string WideToUtf8(const wchar_t* text);

// Every catalog entry, in catalog order; false and the WSA error when the
// enumeration fails. Needs WSAStartup.
bool WinsockCatalog(std::vector<WSAPROTOCOL_INFOW>* entries, int* error);

// The DLL WSCGetProviderPath names for a provider GUID.
ModuleFile ProviderDll(const GUID& provider);

// The module that serves this process's ws2_32 imports (a proxy placed in
// front of the system's ws2_32 shows here, not the system's file).
ModuleFile Ws2_32Module();

// "Windows 10.0.19045": the version RtlGetVersion reports, which manifest
// shims do not cap as they cap GetVersionEx (under Wine: the version the
// prefix imitates).
std::string WindowsVersion();

// The Wine version ("8.0"), or empty on Windows. Wine exports
// wine_get_version from its ntdll and Windows never does.
std::string WineVersion();

// "Windows 10.0.19045", or "Wine 8.0 (Windows 10.0.19043)".
std::string OperatingSystem();

}  // namespace wsac
