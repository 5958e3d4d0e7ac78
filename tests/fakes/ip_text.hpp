#pragma once
// Addresses and prefixes that tests write as text (their own literals: parsing cannot fail).

#include "pqbranch/core/ip_address.hpp"

namespace pqbranch::test {

inline core::IpAddress ip(const char* text) {
  return core::IpAddress::parse(text).value();
}
inline core::IpPrefix net(const char* text) {
  return core::IpPrefix::parse(text).value();
}

}  // namespace pqbranch::test
