#include "pqbranch/update/version.hpp"

#include <array>

#include <fmt/format.h>

namespace pqbranch::update {
namespace {

// One decimal part: 1 to 6 digits, no leading zero but "0" itself.
std::optional<std::uint32_t> parse_part(std::string_view s) noexcept {
  if (s.empty() || s.size() > 6 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint32_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return v;  // six digits: at most kMaxVersionPart
}

}  // namespace

std::optional<Version> parse_version(std::string_view text) noexcept {
  std::array<std::uint32_t, 3> parts{};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t dot = text.find('.');
    const bool last = i + 1 == parts.size();
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    auto part = parse_part(text.substr(0, dot));
    if (!part) return std::nullopt;
    parts[i] = *part;
    text.remove_prefix(last ? text.size() : dot + 1);
  }
  return Version{.major = parts[0], .minor = parts[1], .patch = parts[2]};
}

std::string to_string(const Version& v) {
  return fmt::format("{}.{}.{}", v.major, v.minor, v.patch);
}

}  // namespace pqbranch::update
