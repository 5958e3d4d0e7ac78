#include "pqbranch/health/errc.hpp"

namespace pqbranch::health {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::socket_unavailable:
      return "ICMP datagram socket unavailable";
    case errc::bind_failed:
      return "cannot bind the probe source address";
    case errc::no_source_address:
      return "no local address inside the branch's prefixes";
    case errc::not_an_echo_reply:
      return "not an echo reply";
  }
  return "unknown health error";
}

}  // namespace pqbranch::health
