#include "pqbranch/crypto/tls_handshake.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include "pqbranch/core/log_text.hpp"
#include "pqbranch/crypto/certificate_name.hpp"
#include "pqbranch/crypto/error.hpp"

#include "openssl_error.hpp"

namespace pqbranch::crypto {
namespace {

using X509Handle = core::CHandle<X509, X509_free>;

// RFC 8446 §7.5 allows exporter output up to 255 * Hash.length; we never need more than
// a few key blocks.
constexpr std::size_t kMaxExportLength = 1024;

std::string peer_common_name(SSL* ssl) {
  const X509Handle peer(SSL_get1_peer_certificate(ssl));
  return common_name(peer.get());
}

}  // namespace

core::Result<HandshakeInfo> inspect_handshake(SSL* ssl) {
  const detail::ErrorQueueScope scope;
  if (ssl == nullptr || SSL_is_init_finished(ssl) != 1 || SSL_version(ssl) != TLS1_3_VERSION) {
    return core::make_error(errc::no_handshake);
  }
  HandshakeInfo info;
  const char* group = SSL_get0_group_name(ssl);
  if (group == nullptr) return core::make_error(errc::no_handshake, "no negotiated group");
  info.group = canonical_group_name(group);
  const char* sig = nullptr;
  if (SSL_get0_peer_signature_name(ssl, &sig) == 1 && sig != nullptr) info.peer_signature = sig;
  info.cipher = SSL_get_cipher_name(ssl);
  info.version = SSL_get_version(ssl);
  info.peer_common_name = peer_common_name(ssl);
  info.post_quantum = is_hybrid_group(info.group);
  info.resumed = SSL_session_reused(ssl) == 1;
  return info;
}

core::Result<HandshakeInfo> enforce_policy(SSL* ssl, const GroupPolicy& policy,
                                           core::Metrics& metrics) {
  auto info = inspect_handshake(ssl);
  if (!info) return info;
  const auto& groups = policy.groups;
  const auto listed = [&](const std::string& g) { return same_group(g, info->group); };
  if (std::none_of(groups.begin(), groups.end(), listed)) {
    spdlog::error("TLS: refusing connection (peer '{}'): negotiated group {} is not in [{}]",
                  core::log_safe(info->peer_common_name), info->group, fmt::join(groups, ", "));
    metrics.add("tls_policy_refused_total");
    return core::make_error(
        errc::group_not_allowed,
        fmt::format("negotiated {} (allowed: {})", info->group, fmt::join(groups, ", ")));
  }
  if (!info->post_quantum) {
    // Only reachable with allow_classical = true: the group list holds no classical group
    // otherwise. Said every time, so nobody mistakes this tunnel for a post-quantum one.
    spdlog::warn(
        "TLS: classical key exchange {} with peer '{}' (allow_classical = true): this "
        "connection and the keys derived from it are NOT post-quantum",
        info->group, core::log_safe(info->peer_common_name));
    metrics.add("tls_classical_connections_total");
  }
  return info;
}

core::Result<core::SecureBytes> export_keying_material(SSL* ssl, std::string_view label,
                                                       std::span<const std::uint8_t> context,
                                                       std::size_t length) {
  const detail::ErrorQueueScope scope;
  if (length == 0 || length > kMaxExportLength) {
    return core::make_error(errc::invalid_argument,
                            fmt::format("exporter length {} (1..{})", length, kMaxExportLength));
  }
  if (label.empty()) return core::make_error(errc::invalid_argument, "empty exporter label");
  if (ssl == nullptr || SSL_is_init_finished(ssl) != 1 || SSL_version(ssl) != TLS1_3_VERSION) {
    return core::make_error(errc::no_handshake, "exporter");
  }
  static constexpr std::array<std::uint8_t, 1> kNone{};
  const std::uint8_t* ctx = context.empty() ? kNone.data() : context.data();
  core::SecureBytes out(length);
  if (SSL_export_keying_material(ssl, out.data(), out.size(), label.data(), label.size(), ctx,
                                 context.size(), 1) != 1) {
    return detail::openssl_error(errc::backend, fmt::format("exporter '{}'", label));
  }
  return out;
}

}  // namespace pqbranch::crypto
