#include "suite/catalog/catalog.h"

#include <string>

#include "suite/catalog/catalog_data.h"

namespace wsac {
namespace {

// FNV-1a needs no library and gives the same digest on every platform; it
// identifies a text, it does not protect it.
std::uint64_t Fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::vector<Statement> BuildCatalog() {
  const auto& raw = catalog_data::Generated();
  std::vector<Statement> out;
  out.reserve(raw.statement_count);
  for (std::size_t i = 0; i < raw.statement_count; ++i) {
    const auto& r = raw.statements[i];
    out.push_back(Statement{r.id, r.level, r.text, r.source, r.reference_behaviour,
                            std::span<const std::int64_t>(r.codes, r.code_count)});
  }
  return out;
}

std::string BuildVersion() {
  const auto& raw = catalog_data::Generated();
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t digest = Fnv1a64(raw.json);
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, digest >>= 4) hex[static_cast<std::size_t>(i)] = kHex[digest & 0xf];
  return std::string(raw.version) + "+" + hex;
}

}  // namespace

const std::vector<Statement>& Catalog() {
  static const std::vector<Statement> catalog = BuildCatalog();
  return catalog;
}

const Statement* FindStatement(std::string_view id) {
  for (const Statement& s : Catalog()) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::string_view CatalogJson() { return catalog_data::Generated().json; }

std::string_view CatalogVersion() {
  static const std::string version = BuildVersion();
  return version;
}

}  // namespace wsac
