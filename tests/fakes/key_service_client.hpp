#pragma once
// A deliberately small, blocking client of the edge key service for component tests: one
// TCP connection to loopback, TLS through OpenSSL directly (no Asio), HTTP/1.1 written and
// read by hand, so tests can also send what no real agent would (broken bodies, stalls).
// Sockets have a 5 s send/receive timeout: a broken test fails instead of hanging.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/ssl.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

namespace pqbranch::test {

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  bool keep_alive = true;                  // no "Connection: close"
  std::optional<std::string> retry_after;  // the Retry-After header, as sent
};

class KeyServiceClient {
 public:
  // TCP to 127.0.0.1:port, then the TLS handshake with `ctx`, offering `resume` (a
  // session of an earlier connection) if given. The error says what failed (TLS alerts in
  // the words of crypto::describe_client_failure).
  static core::Result<KeyServiceClient> connect(SSL_CTX* ctx, std::uint16_t port,
                                                SSL_SESSION* resume = nullptr);
  // TCP only, no TLS (for stalls before the handshake).
  static core::Result<xfrm::UniqueFd> connect_tcp(std::uint16_t port);

  KeyServiceClient(KeyServiceClient&&) noexcept = default;
  KeyServiceClient& operator=(KeyServiceClient&&) noexcept = default;
  KeyServiceClient(const KeyServiceClient&) = delete;
  KeyServiceClient& operator=(const KeyServiceClient&) = delete;
  ~KeyServiceClient() = default;

  // One request (Content-Length set, keep-alive) and its response.
  core::Result<HttpResponse> request(std::string_view method, std::string_view target,
                                     std::string_view body = {});
  // Raw bytes on the TLS connection, then read_response() for the answer.
  core::Result<void> send(std::string_view bytes);
  core::Result<HttpResponse> read_response();
  // Blocks until the server closes the connection (true) or the 5 s timeout (false).
  bool wait_closed();

  [[nodiscard]] SSL* ssl() const noexcept { return ssl_.get(); }
  [[nodiscard]] std::uint16_t local_port() const;

 private:
  KeyServiceClient(xfrm::UniqueFd fd, core::CHandle<SSL, SSL_free> ssl)
      : fd_(std::move(fd)), ssl_(std::move(ssl)) {}
  core::Result<std::size_t> read_some();

  xfrm::UniqueFd fd_;
  core::CHandle<SSL, SSL_free> ssl_;
  std::string buffer_;  // received, not yet consumed
};

}  // namespace pqbranch::test
