// A sample third-party provider, built as a proxy ws2_32.dll: Wine 8.0 has
// no layered-provider support, so a "layered provider" here is a DLL named
// ws2_32.dll placed beside the program and loaded in front of Wine's
// (WINEDLLOVERRIDES=ws2_32=n,b). Every export forwards to the real ws2_32,
// which the proxy loads by its full system32 path (Wine then loads its
// builtin as a second module). On top of that the proxy acts as an installed
// LSP would:
//
//   catalog     WSAEnumProtocolsW and WSCEnumProtocols list a layered entry
//               (ChainLen 0) and, first in catalog order, one chain entry
//               (ChainLen 2: the layer, then the base) for each TCP and UDP
//               base entry, with the sample's GUID; WSCGetProviderPath names
//               this DLL for that GUID.
//   sockets     sockets made from a chain entry, or with no protocol info
//               (the chain entries come first, so the default is the
//               sample), are the sample's, and so are sockets accepted from
//               them; sockets made from a base entry bypass it.
//               SO_PROTOCOL_INFO of a sample socket is its chain entry.
//
// Each sample (passthrough.cc, nonifs_pending.cc, base_handle_refused.cc)
// describes itself and overrides the calls it changes.
#pragma once

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

namespace wsac::sample {

struct Description {
  const wchar_t* name;  // szProtocol of the layered entry; a chain is "<name> over [<base>]"
  GUID guid;            // ProviderId of the sample's entries
  DWORD layered_id;     // dwCatalogEntryId of the layered entry; the chains follow it
  bool ifs_handles;     // XP1_IFS_HANDLES in the chain entries
};

// Defined by each sample.
extern const Description kSample;

// The real ws2_32's export `name` (nullptr when it has none).
FARPROC Real(const char* name);

// What the proxy knows of a sample socket.
struct SampleSocket {
  bool overlapped;  // made with WSA_FLAG_OVERLAPPED (or by socket()), or accepted from such a socket
};

// True when s is the sample's; *out receives what is known of it.
bool IsSampleSocket(SOCKET s, SampleSocket* out = nullptr);

}  // namespace wsac::sample

// The real function of the same name, looked up once per call site.
#define WSAC_REAL(fn)                                                                                   \
  ([]() {                                                                                               \
    static const auto real = reinterpret_cast<decltype(&::fn)>(reinterpret_cast<void (*)()>(          \
        ::wsac::sample::Real(#fn)));                                                                    \
    return real;                                                                                        \
  }())
