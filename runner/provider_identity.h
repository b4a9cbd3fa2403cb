// Which provider a run tests, as JSON, so a certificate can say what was
// certified and someone else can check it.
#pragma once

#include <string>

#include "suite/api/provider.h"
#include "suite/providers/registry.h"

namespace wsac {

// The identity written into run.json and every result line
// ("provider_identity"):
//   {"provider", "build", "mutant", "chaos_seed", "catalog_entry" (as chosen),
//    "system": {"os", "wine", "ws2_32": {path, file_version, sha256, wine_builtin, error}}  (winsock)
//              {"model", "version"}  (mock),
//    "sockets": [{"kind": "tcp4"|"udp4"|"tcp6"|"udp6",
//                 "entry": {catalog_entry_id, provider_guid, protocol, address_family, socket_type,
//                           protocol_number, chain_length, chain, service_flags1, ifs_handles,
//                           provider_flags}}   or {"kind", "error"} when no such socket can be made],
//    "chain_entries": [{catalog_entry_id, provider_guid, protocol}]  (each entry of a layered chain),
//    "provider_dlls": {"{GUID}": {path, file_version, sha256, wine_builtin, error}}  (winsock)}
// The entry of each socket kind is the one the provider really created a
// socket from (SO_PROTOCOL_INFOW of a probe socket made as the cases make
// theirs), so a default entry, a chosen one or a layered chain all show as
// what they are.
std::string ProviderIdentityJson(Provider& provider, const ProviderChoice& choice);

// The machine's Winsock catalog (--catalog): {"system": {...}, "entries": [
// every WSAEnumProtocolsW entry in catalog order, with service_flags2..4,
// version, byte order, message size, and its provider_dll]}. Empty and a
// message in *error on a build without Winsock.
std::string WinsockCatalogJson(std::string* error);

}  // namespace wsac
