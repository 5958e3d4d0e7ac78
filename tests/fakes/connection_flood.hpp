#pragma once
// An unauthenticated connection flood against a key service on 127.0.0.1, from many
// loopback source addresses (127.0.0.<first_source> onwards; Linux routes all of 127/8 to
// lo, so binding to them needs no setup). It runs on its own thread and io_context, like
// an attacker outside the process:
// - `idle_per_source` TCP connections per address that never send a byte;
// - `hellos_per_source` connections per address that send one TLS ClientHello (a real one,
//   with an X25519MLKEM768 key share, so the server does the full work of its first flight)
//   and then fall silent.
// Whenever the server closes one of them (refused, evicted or timed out), it reconnects
// after `pause`: the flood keeps its pressure for as long as it runs. The pause only shapes
// the load (the flood's reconnect rate); nothing synchronises on it.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <openssl/ssl.h>

#include "pqbranch/core/error.hpp"

namespace pqbranch::test {

struct FloodOptions {
  std::uint16_t port = 0;  // the key service on 127.0.0.1
  unsigned first_source = 2;
  std::size_t sources = 40;
  std::size_t idle_per_source = 4;
  std::size_t hellos_per_source = 4;
  std::string client_hello;  // what the hello connections send (make_client_hello)
  std::chrono::milliseconds pause{100};
};

// The first flight of a TLS client built on `ctx`: the ClientHello bytes as they would go
// on the wire. The same bytes may be sent on any number of connections.
core::Result<std::string> make_client_hello(SSL_CTX* ctx);

class ConnectionFlood {
 public:
  explicit ConnectionFlood(FloodOptions options);  // starts the flood's thread
  ~ConnectionFlood();                              // stops it and joins
  ConnectionFlood(const ConnectionFlood&) = delete;
  ConnectionFlood& operator=(const ConnectionFlood&) = delete;

  // TCP connections the server accepted (each reconnect counts).
  [[nodiscard]] std::uint64_t connects() const { return counts_->connects.load(); }
  // Connections open right now, and the most open at once so far.
  [[nodiscard]] std::int64_t open() const { return counts_->open.load(); }
  [[nodiscard]] std::int64_t peak_open() const { return counts_->peak_open.load(); }
  // Hello connections that got the server's first flight back: handshakes the server did
  // the work for.
  [[nodiscard]] std::uint64_t server_flights() const { return counts_->flights.load(); }

  struct Counts {
    std::atomic<std::uint64_t> connects{0};
    std::atomic<std::int64_t> open{0};
    std::atomic<std::int64_t> peak_open{0};
    std::atomic<std::uint64_t> flights{0};
  };

 private:
  struct Impl;
  std::shared_ptr<Counts> counts_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace pqbranch::test
