#pragma once
// An established TLS connection as the key service uses it beyond reading and writing: keys
// from its exporter (RFC 8446 §7.5) and a session to resume it with later (RFC 8446 §2.2).
// The connection is borrowed from the stream that owns it (Beast's native_handle()); other
// modules pass it along without touching the backend.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <openssl/ssl.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"

namespace pqbranch::crypto {

// A session ticket the server sent, to offer in a later handshake with the same server.
class TlsSession {
 public:
  using Handle = core::CHandle<SSL_SESSION, SSL_SESSION_free>;
  explicit TlsSession(Handle session) noexcept : session_(std::move(session)) {}
  [[nodiscard]] SSL_SESSION* native() const noexcept { return session_.get(); }

 private:
  Handle session_;
};

class TlsConnection {
 public:
  explicit TlsConnection(SSL* ssl) noexcept : ssl_(ssl) {}
  [[nodiscard]] SSL* native() const noexcept { return ssl_; }

  // TLS-Exporter(label, context, length); see crypto::export_keying_material.
  [[nodiscard]] core::Result<core::SecureBytes> export_keying_material(
      std::string_view label, std::span<const std::uint8_t> context, std::size_t length) const;

  // The session the connection negotiated, if the server made it resumable (TLS 1.3 tickets
  // arrive after the handshake: ask once the first answer has been read).
  [[nodiscard]] std::optional<TlsSession> resumable_session() const;

  // Offers `session` in this (not yet started) client handshake.
  [[nodiscard]] core::Result<void> offer_session(const TlsSession& session) const;

 private:
  SSL* ssl_;
};

}  // namespace pqbranch::crypto
