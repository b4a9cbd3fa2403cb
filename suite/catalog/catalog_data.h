// Interface between catalog.cc and the source CMake generates from
// statements.json (EmbedCatalog.cmake). Not for use outside this directory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wsac::catalog_data {

struct RawStatement {
  std::string_view id, level, text, source, reference_behaviour;
  const std::int64_t* codes;
  std::size_t code_count;
};

struct RawCatalog {
  std::string_view json;     // the file's bytes
  std::string_view version;  // its "version" member
  const RawStatement* statements;
  std::size_t statement_count;
};

const RawCatalog& Generated();

}  // namespace wsac::catalog_data
