#pragma once
// TLS 1.3 contexts for the key service: mutual TLS with a private CA, key exchange pinned to
// the configured hybrid post-quantum groups, signature algorithms set explicitly.
//
// What a context built here does (and why):
// - TLS 1.3 only (min = max = TLS 1.3).
// - Groups: exactly the configured list, passed to SSL_CTX_set1_groups_list; never OpenSSL's
//   DEFAULT list and never the '?' prefix, so an unknown name fails here, loudly. Hybrid
//   groups only (X25519MLKEM768 by default) unless allow_classical = true.
// - Signature algorithms: exactly the configured list (default "mldsa65:ecdsa_secp256r1_sha256"),
//   for both signature_algorithms and the client-authentication list; RSA PKCS#1, SHA-1 and
//   anything else outside a small allow-list are refused.
// - Cipher suites: TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256 (256-bit keys).
// - Resumption: session tickets stay on, but SSL_OP_ALLOW_NO_DHE_KEX and
//   SSL_OP_PREFER_NO_DHE_KEX are cleared, so a resumed handshake uses psk_dhe_ke only
//   (RFC 8446 §4.2.9): it still runs a fresh key exchange in one of the configured groups,
//   and never psk_ke. The server seals tickets under its own rotating key ring and never
//   resumes past the original authentication's maximum age or the peer certificate's
//   expiry (resumption_policy.hpp). Early data (0-RTT, RFC 8446 §2.3) is off: max_early_data and
//   recv_max_early_data are 0.
// - Server: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT against the CA, whose names go
//   into the CertificateRequest; the purpose is set explicitly to X509_PURPOSE_SSL_CLIENT,
//   so a client certificate whose extendedKeyUsage lacks clientAuth is refused.
// - Client: verifies the server's chain against the CA with the purpose set explicitly to
//   X509_PURPOSE_SSL_SERVER (an extendedKeyUsage without serverAuth is refused) and the
//   server certificate's name: peer_name for the context, set_peer_name per connection. A
//   DNS name must match a dNSName SAN (no partial wildcards, never the subject CN), an IP
//   address an iPAddress SAN.
// - Certificate and key files: errors name the file; the key file must be mode 0600 or 0400
//   (refused otherwise, see keys.hpp), and the key must match the certificate.
//
// No Asio here: the key service wraps the SSL_CTX into an asio::ssl::context by its handle.

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/crypto/resumption_policy.hpp"

namespace pqbranch::crypto {

using SslCtx = core::CHandle<SSL_CTX, SSL_CTX_free>;
using Ssl = core::CHandle<SSL, SSL_free>;

inline constexpr std::string_view kDefaultGroup = "X25519MLKEM768";
// The hybrid groups of draft-ietf-tls-ecdhe-mlkem, by OpenSSL's names.
inline constexpr std::array<std::string_view, 3> kHybridGroups{
    "X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024"};
// Classical groups accepted only with allow_classical = true.
inline constexpr std::array<std::string_view, 5> kClassicalGroups{"X25519", "X448", "secp256r1",
                                                                  "secp384r1", "secp521r1"};
// Signature algorithms a configuration may name (OpenSSL's TLS 1.3 names).
inline constexpr std::array<std::string_view, 5> kAllowedSignatureAlgorithms{
    "mldsa65", "mldsa87", "ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ed25519"};

// Group names compare without regard to case, as OpenSSL's do (it reports "x25519" for
// what configurations usually spell "X25519").
[[nodiscard]] bool is_hybrid_group(std::string_view name) noexcept;
[[nodiscard]] bool is_classical_group(std::string_view name) noexcept;
[[nodiscard]] bool same_group(std::string_view a, std::string_view b) noexcept;
// The spelling of our tables above for a known group, otherwise `name` unchanged.
[[nodiscard]] std::string canonical_group_name(std::string_view name);

struct GroupPolicy {
  // In preference order; the client sends a key share for the first.
  std::vector<std::string> groups{std::string(kDefaultGroup)};
  // Must be set explicitly to list a classical group; every classical connection is then
  // logged as a warning and counted (see tls_handshake.hpp).
  bool allow_classical = false;
};

// Every name known and allowed, no duplicates, not empty (errc::bad_group,
// errc::classical_not_allowed). For the config module's validation as well.
core::Result<void> validate(const GroupPolicy& policy);

struct TlsOptions {
  GroupPolicy group_policy;
  std::vector<std::string> signature_algorithms{"mldsa65", "ecdsa_secp256r1_sha256"};
  std::filesystem::path ca_file;           // PEM: the CA(s) the peer's chain must end in
  std::filesystem::path certificate_file;  // PEM: our certificate, then any intermediates
  std::filesystem::path private_key_file;  // PEM, mode 0600 or 0400
  // Client only: the name the server's certificate must carry, a DNS name or an IP address
  // (see the header). Empty: none for the context; then every connection must be given one
  // with set_peer_name, or only the chain and purpose are checked.
  std::string peer_name;
  // Server only: how long one full handshake may be stretched by resumption, and the
  // session-ticket key rotation (see resumption_policy.hpp).
  ResumptionPolicy resumption;
};

// Client: certificate_file and private_key_file may both be empty (no client certificate:
// the edge will refuse; useful for diagnostics and tests). The server needs both.
core::Result<SslCtx> make_client_context(const TlsOptions& options);
core::Result<SslCtx> make_server_context(const TlsOptions& options);

// For one client connection: requires the server certificate to carry `name` (a DNS name
// or an IP address; overrides the context's peer_name) and sends a DNS name as SNI (RFC
// 6066 §3: never an address). errc::invalid_argument for an empty or unusable name.
core::Result<void> set_peer_name(SSL* ssl, std::string_view name);

}  // namespace pqbranch::crypto
