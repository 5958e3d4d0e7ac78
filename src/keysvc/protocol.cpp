#include "pqbranch/keysvc/protocol.hpp"

namespace pqbranch::keysvc {

const char* to_string(RefusalCode c) noexcept {
  switch (c) {
    case RefusalCode::bad_request:
      return "bad_request";
    case RefusalCode::busy:
      return "busy";
    case RefusalCode::internal_error:
      return "internal_error";
  }
  return "?";
}

}  // namespace pqbranch::keysvc
