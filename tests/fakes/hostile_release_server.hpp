#pragma once
// A hostile edge for the agent's release transfers: a loopback TLS server (OpenSSL,
// blocking sockets, its own thread) that completes the mutual-TLS handshake, reads one
// request head and then misbehaves as scripted. Sockets have a 5 s timeout, so a broken test
// fails instead of hanging; the destructor stops the thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <openssl/ssl.h>

#include "pqbranch/core/error.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

namespace pqbranch::test {

enum class Misbehaviour : std::uint8_t {
  truncate,  // Content-Length: body_bytes, half the body, then the TCP connection closes
  stall,     // Content-Length: body_bytes, 1 KiB of it, then nothing until the client closes
  announce_too_much,  // Content-Length: body_bytes and nothing else until the client closes
  chunked_too_much,   // chunked, no Content-Length, chunks until body_bytes or the client closes
  busy,               // 429 with Retry-After: 7
  slow_headers,       // nothing at all after the request until the client closes
};

class HostileReleaseServer {
 public:
  // Listens on 127.0.0.1, any port; `ctx` (a server context) must outlive the server.
  static core::Result<std::unique_ptr<HostileReleaseServer>> start(SSL_CTX* ctx, Misbehaviour m,
                                                                   std::uint64_t body_bytes);
  ~HostileReleaseServer();  // stop()s
  HostileReleaseServer(const HostileReleaseServer&) = delete;
  HostileReleaseServer& operator=(const HostileReleaseServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  // Stops accepting and waits for the connection being served to end (the client gone, or
  // the 5 s socket timeout). Afterwards the counters below are final. Idempotent.
  void stop();
  // Whether the client closed while the server still had more to send or was waiting for
  // it (stall, announce_too_much, chunked_too_much, slow_headers).
  [[nodiscard]] bool client_closed_first() const noexcept { return client_closed_.load(); }
  // Body bytes written before the server stopped.
  [[nodiscard]] std::uint64_t body_bytes_sent() const noexcept { return sent_.load(); }

 private:
  HostileReleaseServer(SSL_CTX* ctx, Misbehaviour m, std::uint64_t body_bytes, xfrm::UniqueFd fd,
                       std::uint16_t port);
  void run();
  void serve(SSL* ssl);
  bool write_all(SSL* ssl, const std::string& bytes);
  void wait_for_close(SSL* ssl);

  SSL_CTX* ctx_;
  Misbehaviour mode_;
  std::uint64_t body_bytes_;
  xfrm::UniqueFd listener_;
  std::uint16_t port_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> client_closed_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::thread thread_;
};

}  // namespace pqbranch::test
