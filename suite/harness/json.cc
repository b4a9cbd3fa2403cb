#include "suite/harness/json.h"

#include <cstdio>

namespace wsac::json {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not
// one. Overlong forms, surrogates and code points past U+10FFFF are not valid.
size_t Utf8Length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = at(0);
  if (c < 0x80) return 1;
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((at(k) >> 6) != 0x2) return 0;
  unsigned char second = at(1);
  if (c == 0xE0 && second < 0xA0) return 0;  // overlong
  if (c == 0xED && second >= 0xA0) return 0;  // surrogate
  if (c == 0xF0 && second < 0x90) return 0;  // overlong
  if (c == 0xF4 && second >= 0x90) return 0;  // past U+10FFFF
  return n;
}

}  // namespace

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    size_t n = Utf8Length(s, i);
    if (n == 1 && static_cast<unsigned char>(c) >= 0x20) {
      out += c;
    } else if (n > 1) {
      out.append(s.substr(i, n));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
      out += buf;
      n = 1;
    }
    i += n;
  }
  out += '"';
  return out;
}

std::string QuoteList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += Quote(items[i]);
  }
  return out + "]";
}

}  // namespace wsac::json
