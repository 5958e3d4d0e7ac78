#include "pqbranch/keysvc/session_keys.hpp"

#include "pqbranch/keysvc/exporter_context.hpp"

namespace pqbranch::keysvc {
namespace {

core::Result<core::SecureBytes> derive_direction(const crypto::TlsConnection& tls,
                                                 std::string_view site_id, std::uint64_t generation,
                                                 keysvc::Direction d, std::uint32_t agent_spi,
                                                 std::uint32_t edge_spi) {
  const auto context = keysvc::exporter_context(site_id, generation, d, agent_spi, edge_spi);
  return tls.export_keying_material(keysvc::kEspExporterLabel, context, keysvc::kEspKeyingBytes);
}

}  // namespace

core::Result<rotation::GenerationKeys> derive_generation_keys(const crypto::TlsConnection& tls,
                                                              std::string_view site_id,
                                                              std::uint64_t generation,
                                                              std::uint32_t agent_spi,
                                                              std::uint32_t edge_spi) {
  auto to_edge = derive_direction(tls, site_id, generation, keysvc::Direction::agent_to_edge,
                                  agent_spi, edge_spi);
  if (!to_edge) return to_edge.error();
  auto to_agent = derive_direction(tls, site_id, generation, keysvc::Direction::edge_to_agent,
                                   agent_spi, edge_spi);
  if (!to_agent) return to_agent.error();
  return rotation::GenerationKeys{std::move(*to_edge), std::move(*to_agent)};
}

}  // namespace pqbranch::keysvc
