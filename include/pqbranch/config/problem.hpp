#pragma once
// A rule broken by a config struct, found after reading (validation.hpp). The loader turns
// it into "file:line:col: key: text" using where the file has the key.

#include <string>

#include "pqbranch/config/errc.hpp"

namespace pqbranch::config {

struct Problem {
  errc code;
  std::string key;  // full path: "lifetime.soft_time", "tls.groups[1]", "site[0].reqid"
  std::string text;
  friend bool operator==(const Problem&, const Problem&) = default;
};

}  // namespace pqbranch::config
