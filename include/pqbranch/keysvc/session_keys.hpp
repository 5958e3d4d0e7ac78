#pragma once
// A generation's ESP keys, derived on both ends from the TLS connection that negotiated the
// generation (RFC 8446 §7.5 exporter; label and context in wire/exporter_context.hpp), so no
// key ever travels in a message.

#include <cstdint>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/crypto/tls_connection.hpp"
#include "pqbranch/rotation/generation.hpp"

namespace pqbranch::keysvc {

// 36 bytes per direction (AES-256 key || 4-byte salt, rfc4106(gcm(aes))).
core::Result<rotation::GenerationKeys> derive_generation_keys(const crypto::TlsConnection& tls,
                                                              std::string_view site_id,
                                                              std::uint64_t generation,
                                                              std::uint32_t agent_spi,
                                                              std::uint32_t edge_spi);

}  // namespace pqbranch::keysvc
