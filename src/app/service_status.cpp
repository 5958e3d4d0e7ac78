#include "pqbranch/app/service_status.hpp"

#include <fmt/format.h>

namespace pqbranch::app {

std::string agent_service_status(const rotation::RotationStatus& status, std::uint64_t rotations) {
  std::string text = status.outbound_spi == 0
                         ? fmt::format("no generation yet: {}", status.state)
                         : fmt::format("generation {} installed, {} rotation(s) since start",
                                       status.generation, rotations);
  if (!status.edge_reachable) {
    text += ", edge unreachable";
    if (!status.last_error.empty()) text += ": " + status.last_error;
  }
  return text;
}

std::string ikev2_service_status(std::size_t peers) {
  return fmt::format("{} IKEv2 peer(s)", peers);
}

std::string edge_service_status(std::size_t sites, std::size_t connections) {
  return fmt::format("serving {} site(s), {} open connection(s)", sites, connections);
}

}  // namespace pqbranch::app
