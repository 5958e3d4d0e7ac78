#pragma once
// How configuration errors show a value: between double quotes. Internal to config.

#include <string>
#include <string_view>

namespace pqbranch::config::detail {

inline std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

}  // namespace pqbranch::config::detail
