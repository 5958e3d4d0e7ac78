#pragma once
// One TLS connection over loopback TCP between two threads with plain blocking sockets (no
// Asio): the server thread accepts, the calling thread connects. Every socket has a 5 s
// receive/send timeout, so a broken test fails instead of hanging. Each end runs what the
// key service will run: the handshake, failure classification, enforce_policy, exporters,
// then one byte each way to prove the connection carries data.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/crypto/tls_context.hpp"
#include "pqbranch/crypto/tls_failure.hpp"
#include "pqbranch/crypto/tls_handshake.hpp"

namespace pqbranch::test {

using SslSession = core::CHandle<SSL_SESSION, SSL_SESSION_free>;

struct ExportRequest {
  std::string label;
  std::vector<std::uint8_t> context;
  std::size_t length = 32;
};

struct TlsEnd {
  SSL_CTX* ctx = nullptr;
  crypto::GroupPolicy policy;
  core::Metrics* metrics = nullptr;
  std::vector<ExportRequest> exports;
  std::string server_name;  // client only: SNI and host check for this connection
};

struct EndOutcome {
  bool handshake_ok = false;                        // SSL_accept / SSL_connect succeeded
  std::optional<crypto::HandshakeInfo> info;        // enforce_policy's result
  std::optional<core::Error> policy_error;          // ...or its error
  std::optional<crypto::HandshakeRefusal> refusal;  // server: why the handshake failed
  std::string failure;                              // client: describe_client_failure text
  // The same judgement from the oldest queued error alone, the way Asio reports a failure
  // (its ssl error_code holds ERR_get_error()): classify_server_error's reason on the
  // server, describe_client_error's text on the client.
  std::optional<crypto::RefusalReason> first_error_reason;
  std::string first_error_text;
  std::vector<core::SecureBytes> exported;  // one per ExportRequest
  bool data_ok = false;                     // one byte each way after the handshake
};

struct LoopbackOutcome {
  EndOutcome server;
  EndOutcome client;
  SslSession session;  // the client's session after a good connection, for resumption
};

LoopbackOutcome run_tls_loopback(const TlsEnd& server, const TlsEnd& client,
                                 SSL_SESSION* resume = nullptr);

}  // namespace pqbranch::test
