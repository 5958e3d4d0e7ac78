#pragma once
// A hostile edge: a loopback TLS server (OpenSSL, blocking sockets, its own thread) that
// completes the mutual-TLS handshake like the real edge, reads a request and then misbehaves.
// Either one fixed Misbehaviour (release transfers), or a script (the key service's
// generation and ack exchanges): for each request read, the script returns the exact bytes
// to answer with and what to do next. Sockets have a 5 s timeout, so a broken test fails
// instead of hanging; the destructor stops the thread.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
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

// One HTTP request as the server read it (the head up to its blank line, the body by its
// Content-Length).
struct HostileRequest {
  std::string head;
  std::string body;
  std::size_t connection = 0;  // 1 for the first connection accepted
  std::size_t index = 0;       // 1 for the first request on its connection
};

// What the server does once a scripted answer's bytes are out.
enum class Then : std::uint8_t {
  next_request,    // read the next request on the same connection
  close,           // close the TCP connection at once (no close_notify)
  wait_for_close,  // send nothing more until the client closes
  trickle,         // (instead of writing the bytes at once) one byte per kTrickleGap, until
                   // all are out or the client closes
};
inline constexpr std::chrono::milliseconds kTrickleGap{20};

struct HostileReply {
  std::string bytes;
  Then then = Then::next_request;
};
// Called on the server's thread for every request read.
using HostileScript = std::function<HostileReply(const HostileRequest&)>;

class HostileReleaseServer {
 public:
  // Listens on 127.0.0.1, any port; `ctx` (a server context) must outlive the server.
  static core::Result<std::unique_ptr<HostileReleaseServer>> start(SSL_CTX* ctx, Misbehaviour m,
                                                                   std::uint64_t body_bytes);
  static core::Result<std::unique_ptr<HostileReleaseServer>> start(SSL_CTX* ctx,
                                                                   HostileScript script);
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
  // Requests read (scripted mode) and TLS handshakes completed.
  [[nodiscard]] std::size_t requests() const noexcept { return requests_.load(); }
  [[nodiscard]] std::size_t handshakes() const noexcept { return handshakes_.load(); }

 private:
  HostileReleaseServer(SSL_CTX* ctx, Misbehaviour m, std::uint64_t body_bytes, HostileScript script,
                       xfrm::UniqueFd fd, std::uint16_t port);
  static core::Result<xfrm::UniqueFd> listen(std::uint16_t& port);
  void run();
  void serve(SSL* ssl);
  void serve_script(SSL* ssl, int fd, std::size_t connection);
  bool read_request(SSL* ssl, std::string& pending, HostileRequest& request);
  bool write_all(SSL* ssl, const std::string& bytes);
  bool trickle(SSL* ssl, int fd, const std::string& bytes);
  void wait_for_close(SSL* ssl);

  SSL_CTX* ctx_;
  Misbehaviour mode_;
  std::uint64_t body_bytes_;
  HostileScript script_;  // set: scripted mode (mode_ unused)
  xfrm::UniqueFd listener_;
  std::uint16_t port_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> client_closed_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::size_t> handshakes_{0};
  std::thread thread_;
};

}  // namespace pqbranch::test
