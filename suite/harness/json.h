// The little JSON the runner writes: quoting only. Reading JSON is the
// Python side's business.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wsac::json {

// A JSON string literal for s, quotes included; bytes that are not valid
// UTF-8 are written as \u00XX so every line stays parseable.
std::string Quote(std::string_view s);
std::string QuoteList(const std::vector<std::string>& items);

}  // namespace wsac::json
