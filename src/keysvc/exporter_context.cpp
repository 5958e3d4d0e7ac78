#include "pqbranch/keysvc/exporter_context.hpp"

#include <stdexcept>

namespace pqbranch::keysvc {
namespace {

template <class T>
void put_be(std::vector<std::uint8_t>& out, T value) {
  for (int shift = static_cast<int>(sizeof(T) * 8) - 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

}  // namespace

std::vector<std::uint8_t> exporter_context(std::string_view site_id, std::uint64_t generation,
                                           Direction direction, std::uint32_t agent_spi,
                                           std::uint32_t edge_spi) {
  if (site_id.size() > kMaxSiteIdBytes) {
    throw std::invalid_argument("exporter_context: site id longer than 65535 bytes");
  }
  if (direction != Direction::agent_to_edge && direction != Direction::edge_to_agent) {
    throw std::invalid_argument("exporter_context: invalid direction");
  }
  const bool to_edge = direction == Direction::agent_to_edge;
  std::vector<std::uint8_t> out;
  out.reserve(2 + site_id.size() + 8 + 1 + 4 + 4);
  put_be(out, static_cast<std::uint16_t>(site_id.size()));
  out.insert(out.end(), site_id.begin(), site_id.end());
  put_be(out, generation);
  out.push_back(static_cast<std::uint8_t>(direction));
  put_be(out, to_edge ? edge_spi : agent_spi);
  put_be(out, to_edge ? agent_spi : edge_spi);
  return out;
}

std::vector<std::uint8_t> nat_exporter_context(const wire::NatToken& token) {
  return {token.begin(), token.end()};
}

}  // namespace pqbranch::keysvc
