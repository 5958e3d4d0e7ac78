#include "pqbranch/keysvc/session_keys.hpp"

#include "pqbranch/crypto/tls_handshake.hpp"
#include "pqbranch/wire/exporter_context.hpp"

namespace pqbranch::keysvc {
namespace {

core::Result<core::SecureBytes> derive_direction(SSL* ssl, std::string_view site_id,
                                                 std::uint64_t generation, wire::Direction d,
                                                 std::uint32_t agent_spi, std::uint32_t edge_spi) {
  const auto context = wire::exporter_context(site_id, generation, d, agent_spi, edge_spi);
  return crypto::export_keying_material(ssl, wire::kEspExporterLabel, context,
                                        wire::kEspKeyingBytes);
}

}  // namespace

core::Result<GenerationKeys> derive_generation_keys(SSL* ssl, std::string_view site_id,
                                                    std::uint64_t generation,
                                                    std::uint32_t agent_spi,
                                                    std::uint32_t edge_spi) {
  auto to_edge = derive_direction(ssl, site_id, generation, wire::Direction::agent_to_edge,
                                  agent_spi, edge_spi);
  if (!to_edge) return to_edge.error();
  auto to_agent = derive_direction(ssl, site_id, generation, wire::Direction::edge_to_agent,
                                   agent_spi, edge_spi);
  if (!to_agent) return to_agent.error();
  return GenerationKeys{std::move(*to_edge), std::move(*to_agent)};
}

}  // namespace pqbranch::keysvc
