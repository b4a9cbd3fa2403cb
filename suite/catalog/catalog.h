// The requirement catalog: statements.json compiled into the binary, so a
// runner always reports against exactly the catalog it was built with.
//
// Every view returned here points into static storage and stays valid for the
// life of the process. All functions are thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace wsac {

struct Statement {
  std::string_view id;     // "S14", "ARG-1", ...: stable across catalog versions
  std::string_view level;  // "MUST", "MAY" or "INFO"
  std::string_view text;
  std::string_view source;               // reference page and section
  std::string_view reference_behaviour;  // what Windows does, "" when unknown
  // Raw codes a case may accept for this statement (e.g. 995, 1236, 64 for
  // S26); empty when the statement names a single outcome.
  std::span<const std::int64_t> accepted_codes;
};

// In file order: grouped (S, ARG, EVT, ...), numbered within a group.
const std::vector<Statement>& Catalog();
// nullptr when the catalog has no statement with that ID.
const Statement* FindStatement(std::string_view id);
// statements.json byte for byte, for `wsaconform-runner --requirements`.
std::string_view CatalogJson();
// The file's "version" plus a digest of its exact bytes, "2026.11.1+<16 hex>",
// so two results name the same catalog only if they used the same text.
std::string_view CatalogVersion();

}  // namespace wsac
