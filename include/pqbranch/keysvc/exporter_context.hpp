#pragma once
// How both ends name a generation's keys to the TLS 1.3 exporter (RFC 8446 §7.5), so that
// the keys themselves never travel: each side calls
//   SSL_export_keying_material(ssl, out, kEspKeyingBytes, kEspExporterLabel,
//                              exporter_context(site, generation, direction, a_spi, e_spi))
// once per direction and hands the 36 bytes to XFRM as the rfc4106(gcm(aes)) key
// (32-byte AES-256 key || 4-byte salt, ICV 16 bytes). docs/key-service.md has the details.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "pqbranch/wire/nat_token.hpp"

namespace pqbranch::keysvc {

inline constexpr std::string_view kEspExporterLabel = "EXPORTER-pqbranch-esp-v1";
inline constexpr std::string_view kNatExporterLabel = "EXPORTER-pqbranch-nat-v1";

inline constexpr std::size_t kEspAes256KeyBytes = 32;
inline constexpr std::size_t kEspSaltBytes = 4;  // RFC 4106 §8.1
inline constexpr std::size_t kEspKeyingBytes = kEspAes256KeyBytes + kEspSaltBytes;

// The largest site id the context's 16-bit length prefix can carry.
inline constexpr std::size_t kMaxSiteIdBytes = 0xFFFF;

// Which SA a key is for. Each SA's SPI was chosen by its receiver: agent→edge traffic uses
// the edge's SPI, edge→agent traffic the agent's.
enum class Direction : std::uint8_t { agent_to_edge = 0x01, edge_to_agent = 0x02 };

// The exporter context of one direction's ESP keys:
//   u16 length of site_id || site_id || u64 generation || u8 direction
//   || u32 SPI of this direction's SA || u32 SPI of the other direction's SA
// all big-endian. Only the site id has a variable length and it is length-prefixed, so the
// encoding is injective. `site_id` is the subject CN of the agent's certificate as UTF-8.
// A site id over kMaxSiteIdBytes or a Direction outside the enum is a programmer error
// (std::invalid_argument): site ids are bounded where certificates are read.
[[nodiscard]] std::vector<std::uint8_t> exporter_context(std::string_view site_id,
                                                         std::uint64_t generation,
                                                         Direction direction,
                                                         std::uint32_t agent_spi,
                                                         std::uint32_t edge_spi);

// The exporter context of the NAT hello's HMAC key (kNatExporterLabel, kNatKeyBytes): the
// 16-byte token itself; the connection the exporter runs on already binds the site.
[[nodiscard]] std::vector<std::uint8_t> nat_exporter_context(const wire::NatToken& token);

}  // namespace pqbranch::keysvc
