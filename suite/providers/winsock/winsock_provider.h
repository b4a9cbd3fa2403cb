// The winsock provider: the machine's real ws2_32 (on Linux, Wine's),
// passed through untouched. Windows targets only.
#pragma once

#include <memory>
#include <string>

#include "suite/api/provider.h"

namespace wsac {

struct WinsockOptions {
  // When set, sockets are created from these catalog entries of
  // WSAEnumProtocolsW (dwCatalogEntryIds, comma-separated, at most one per
  // address family and socket type), so a third-party provider installed in
  // the catalog can be certified. Empty: the system's default entries.
  std::string catalog_entry;
};

// nullptr and a message in *error when WSAStartup fails or the catalog entry
// does not exist.
std::unique_ptr<Provider> MakeWinsockProvider(const WinsockOptions& options, std::string* error);

}  // namespace wsac
