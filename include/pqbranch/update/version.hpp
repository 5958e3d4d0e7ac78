#pragma once
// A release version, MAJOR.MINOR.PATCH in decimal, compared numerically (0.10.0 > 0.9.0).
// One spelling per version: no leading zeros, no sign, each part at most 999999.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pqbranch::update {

struct Version {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t patch = 0;
  friend auto operator<=>(const Version&, const Version&) = default;
};

inline constexpr std::uint32_t kMaxVersionPart = 999999;

// The version `text` spells exactly, or nullopt.
[[nodiscard]] std::optional<Version> parse_version(std::string_view text) noexcept;
[[nodiscard]] std::string to_string(const Version& v);

}  // namespace pqbranch::update
