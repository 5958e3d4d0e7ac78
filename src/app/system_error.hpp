#pragma once
// An errno value as a core::Error, for the app module's few direct system calls.

#include <string>

#include "pqbranch/core/error.hpp"

namespace pqbranch::app::detail {

inline core::Error system_error(int err, std::string what) {
  return core::Error{boost::system::error_code(err, boost::system::system_category()),
                     std::move(what)};
}

}  // namespace pqbranch::app::detail
