#include "pqbranch/core/error.hpp"

#include <stdexcept>

namespace pqbranch::core {

std::string Error::message() const {
  if (detail.empty()) return code.message();
  return detail + ": " + code.message();
}

Error prefixed(Error e, std::string_view where) {
  e.detail = e.detail.empty() ? std::string(where) : std::string(where) + ": " + e.detail;
  return e;
}

void throw_exception_from_error(const Error& e, const boost::source_location& loc) {
  throw std::logic_error("unchecked error at " + std::string(loc.file_name()) + ":" +
                         std::to_string(loc.line()) + ": " + e.message());
}

}  // namespace pqbranch::core
