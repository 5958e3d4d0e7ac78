#include "pqbranch/rotation/errc.hpp"

namespace pqbranch::rotation {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::bad_state:
      return "saved rotation state is invalid";
    case errc::invalid_offer:
      return "invalid offer from the edge";
    case errc::invalid_request:
      return "invalid request from the agent";
    case errc::refused:
      return "refused by the edge";
    case errc::timeout:
      return "exchange timed out";
    case errc::unreachable:
      return "edge unreachable";
    case errc::larval_expired:
      return "reserved SPI expired";
    case errc::kernel_step:
      return "kernel step failed";
    case errc::spi_unavailable:
      return "no free random SPI";
  }
  return "unknown keysvc error";
}

}  // namespace pqbranch::rotation
