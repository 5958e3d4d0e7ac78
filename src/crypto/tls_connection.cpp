#include "pqbranch/crypto/tls_connection.hpp"

#include "pqbranch/crypto/tls_handshake.hpp"

#include "openssl_error.hpp"

namespace pqbranch::crypto {

core::Result<core::SecureBytes> TlsConnection::export_keying_material(
    std::string_view label, std::span<const std::uint8_t> context, std::size_t length) const {
  return crypto::export_keying_material(ssl_, label, context, length);
}

std::optional<TlsSession> TlsConnection::resumable_session() const {
  const detail::ErrorQueueScope scope;
  TlsSession::Handle session(SSL_get1_session(ssl_));
  if (!session || SSL_SESSION_is_resumable(session.get()) != 1) return std::nullopt;
  return TlsSession(std::move(session));
}

core::Result<void> TlsConnection::offer_session(const TlsSession& session) const {
  const detail::ErrorQueueScope scope;
  if (SSL_set_session(ssl_, session.native()) != 1) {
    return detail::openssl_error(errc::backend, "offering a session to resume");
  }
  return {};
}

}  // namespace pqbranch::crypto
