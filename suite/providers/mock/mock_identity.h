// The mock's place in a catalog: one provider GUID and one entry id per
// socket kind, reported through SO_PROTOCOL_INFOW like a Winsock base
// provider's, so a run against the mock carries an identity of the same
// shape as a run against a real provider.
#pragma once

#include "suite/api/wsa_types.h"

namespace wsac {

inline constexpr GUID kMockProviderGuid = {0xcfbbe59e, 0x3578, 0x4fcc, {0xa9, 0x6c, 0xce, 0x74, 0x9d, 0xee, 0xf6, 0x9f}};

// 1001..1004 for tcp4, udp4, tcp6, udp6 (the numbers Windows gives its own
// base entries are of this kind; nothing depends on the values).
constexpr DWORD MockCatalogEntryId(int af, int type) {
  return 1001u + (af == AF_INET6 ? 2u : 0u) + (type == SOCK_DGRAM ? 1u : 0u);
}

}  // namespace wsac
