#pragma once
// Private to src/ikev2: concatenation into SecureBytes, for inputs that mix secrets (shared
// secrets, SK_d) with public values.

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <utility>

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

// Keeps the shared secret of one key exchange of a rekey: the first is SK(0) (`first`), every
// later one is appended to SK(1) | ... (`additional`).
inline void keep_shared_secret(core::SecureBytes& first, core::SecureBytes& additional,
                               core::SecureBytes shared) {
  if (first.empty()) {
    first = std::move(shared);
  } else {
    additional = secure_concat({additional.span(), shared.span()});
  }
}

}  // namespace pqbranch::ikev2::detail
