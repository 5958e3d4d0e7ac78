#pragma once
// Why a TLS handshake failed, in words an operator can act on.
//
// Server side: a refused client is classified into a few reasons, logged and counted as
// tls_handshake_refused_total{reason="..."}. The client learns nothing but an alert
// (RFC 8446 §6.2), so the server's log is where the reason lives.
// Client side: the alert or verification error becomes one clear sentence; alert 40
// (handshake_failure) means the edge found no common hybrid group or signature algorithm.
//
// Two entry points each: with the return value of a raw SSL call (blocking sockets), or with
// an OpenSSL error code already taken off the queue (what Asio's ssl category reports).

#include <string>
#include <string_view>

#include <openssl/ssl.h>

#include "pqbranch/core/metrics.hpp"

namespace pqbranch::crypto {

enum class RefusalReason {
  no_common_group_or_sigalg,
  no_client_certificate,
  bad_certificate,
  wrong_version,
  other,
};

// The metric label: "no_common_group_or_sigalg", "no_client_certificate", ...
[[nodiscard]] std::string_view to_string(RefusalReason r) noexcept;

struct HandshakeRefusal {
  RefusalReason reason = RefusalReason::other;
  std::string text;  // what happened, including OpenSSL's reason text
};

// After SSL_accept / SSL_do_handshake on a server returned `ret` <= 0. Drains the calling
// thread's error queue.
[[nodiscard]] HandshakeRefusal classify_server_failure(const SSL* ssl, int ret);
// From one packed OpenSSL error code (ERR_get_error(), or an Asio ssl error's value);
// `ssl` (may be null) supplies the verification result (e.g. a certificate without
// clientAuth).
[[nodiscard]] HandshakeRefusal classify_server_error(unsigned long openssl_error,
                                                     const SSL* ssl = nullptr);

// Logs the refusal as a warning (with `peer`, e.g. "192.0.2.7:40112") and counts
// tls_handshake_refused_total{reason="..."}.
void report_server_refusal(const HandshakeRefusal& refusal, std::string_view peer,
                           core::Metrics& metrics);
// Only counts it: for a server that logs refusals itself, at a bounded rate.
void count_server_refusal(const HandshakeRefusal& refusal, core::Metrics& metrics);

// After any SSL call on a client returned `ret` <= 0 (in TLS 1.3 a refused client
// certificate shows on the first SSL_read, not in SSL_connect). Drains the error queue.
[[nodiscard]] std::string describe_client_failure(const SSL* ssl, int ret);
// From one packed OpenSSL error code; `ssl` (may be null) supplies the verification result.
[[nodiscard]] std::string describe_client_error(const SSL* ssl, unsigned long openssl_error);

// Why this end refused the peer's certificate, as a metric label: "" if it did not,
// "name" (not the expected name), "purpose" (extendedKeyUsage without serverAuth or
// clientAuth, as this end requires), "chain" (anything else: CA, validity, signature).
[[nodiscard]] std::string_view peer_certificate_refusal(const SSL* ssl);

inline constexpr std::string_view kEdgeRefusedHandshake =
    "edge refused: no common hybrid group or signature algorithm";

}  // namespace pqbranch::crypto
