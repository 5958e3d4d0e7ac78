#include "pqbranch/core/log_text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pqbranch::core {
namespace {

bool printable(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u < 0x7f;
}

std::string escaped(char c) {
  switch (c) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '\\':
      return "\\\\";
    default:
      return printable(c) ? std::string(1, c)
                          : fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
  }
}

}  // namespace

std::string log_safe(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 3);
  for (const char c : text) {
    const std::string e = escaped(c);
    if (out.size() + e.size() > max_bytes) return out + "...";
    out += e;
  }
  return out;
}

bool is_printable_ascii(std::string_view text) noexcept {
  return std::ranges::all_of(text, printable);
}

}  // namespace pqbranch::core
