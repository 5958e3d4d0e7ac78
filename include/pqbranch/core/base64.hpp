#pragma once
// Base64 (RFC 4648 §4, the standard alphabet, with padding) for signatures in text files.
// Decoding is strict so a value has exactly one spelling: no whitespace, no line breaks,
// padding required, and the unused low bits of the last symbol must be zero.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pqbranch::core {

[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);

// The bytes, or nullopt for anything but the canonical encoding of some byte string.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace pqbranch::core
