#pragma once
// What a completed TLS 1.3 handshake negotiated, the policy check every connection passes
// before it is used, and the exporter that keys ESP from the session.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <openssl/ssl.h>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/crypto/tls_context.hpp"

namespace pqbranch::crypto {

struct HandshakeInfo {
  std::string group;             // by name (SSL_get0_group_name), e.g. "X25519MLKEM768"
  std::string peer_signature;    // the peer's CertificateVerify algorithm, e.g. "mldsa65";
                                 // empty on a resumed session (no CertificateVerify)
  std::string cipher;            // e.g. "TLS_AES_256_GCM_SHA384"
  std::string version;           // "TLSv1.3"
  std::string peer_common_name;  // subject CN of the peer's certificate (the site id)
  bool post_quantum = false;     // the group is one of the hybrid ML-KEM groups
  bool resumed = false;          // a psk_dhe_ke resumption
};

// Reads what the handshake negotiated; errc::no_handshake before a completed TLS 1.3
// handshake.
core::Result<HandshakeInfo> inspect_handshake(SSL* ssl);

// Belt and braces beside the group list: refuses (errc::group_not_allowed, logged and
// counted as tls_policy_refused_total) a connection whose group is not in policy.groups.
// A classical group accepted under allow_classical is logged as a warning, counted as
// tls_classical_connections_total and reported with post_quantum = false.
core::Result<HandshakeInfo> enforce_policy(SSL* ssl, const GroupPolicy& policy,
                                           core::Metrics& metrics);

// RFC 8446 §7.5: TLS-Exporter(label, context, length) from the session's exporter master
// secret; both ends get the same bytes, no one else can. The context is always used (an
// empty span is a zero-length context, which in TLS 1.3 equals no context).
core::Result<core::SecureBytes> export_keying_material(SSL* ssl, std::string_view label,
                                                       std::span<const std::uint8_t> context,
                                                       std::size_t length);

}  // namespace pqbranch::crypto
