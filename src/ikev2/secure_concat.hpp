#pragma once
// Private to src/ikev2: concatenation into SecureBytes, for inputs that mix secrets (shared
// secrets, SK_d) with public values.

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "pqbranch/core/secure_bytes.hpp"

namespace pqbranch::ikev2::detail {

inline core::SecureBytes secure_concat(std::initializer_list<std::span<const std::uint8_t>> parts) {
  std::size_t size = 0;
  for (const auto& p : parts)
    size += p.size();
  core::SecureBytes out(size);
  std::size_t at = 0;
  for (const auto& p : parts) {
    std::copy(p.begin(), p.end(), out.data() + at);
    at += p.size();
  }
  return out;
}

}  // namespace pqbranch::ikev2::detail
