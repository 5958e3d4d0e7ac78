#include "pqbranch/core/log_text.hpp"

#include <fmt/format.h>

namespace pqbranch::core {

std::string log_safe(std::string_view text, std::size_t max_bytes) {
  const bool cut = text.size() > max_bytes;
  if (cut) text = text.substr(0, max_bytes);
  std::string out;
  out.reserve(text.size() + 3);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (u >= 0x20 && u < 0x7f) {
          out += c;
        } else {
          out += fmt::format("\\x{:02x}", u);
        }
    }
  }
  if (cut) out += "...";
  return out;
}

}  // namespace pqbranch::core
