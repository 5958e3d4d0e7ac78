#pragma once
// Private to src/crypto: the backend's name of a hash.

#include "pqbranch/crypto/hash.hpp"

namespace pqbranch::crypto::detail {

const char* hash_name(Hash h) noexcept;

}  // namespace pqbranch::crypto::detail
