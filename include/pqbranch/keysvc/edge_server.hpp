#pragma once
// The edge's key service (docs/key-service.md): an HTTPS server on Boost.Beast, C++20
// coroutines on the caller's io_context (one thread), around the EdgeExecutor. With
// options.threads > 1 the connections (their TLS handshakes and records) run on that many
// worker threads of the server's own; everything they share (the executor and its kernel
// calls and state files, admission, metrics gauges, the NAT socket, the timer) stays on the
// io_context's thread (docs/architecture.md, "Threads").
//
// - TLS 1.3 from crypto::make_server_context (configured hybrid groups only, mutual TLS);
//   after the handshake crypto::enforce_policy; a refused handshake is classified, logged
//   and counted (crypto::report_server_refusal). The site is the client certificate's CN,
//   never a body: a CN that is no configured site gets 403 unknown_site.
// - Admission (edge_admission.hpp): per-source caps, a pool of unauthenticated connections
//   and of handshakes in progress, the oldest of the busiest source evicted when one is
//   full, the rest of max_connections kept for sites (docs/security.md). A connection's
//   TLS work starts only once its first bytes arrived.
// - Deadlines: the TLS handshake must end within handshake_timeout of the accept; the first
//   request within io_timeout of the handshake, each later one within idle_timeout of the
//   previous answer; every write within io_timeout. At most max_requests per connection.
//   Bodies over max_body_bytes are refused from their Content-Length (413) before they are
//   read. Refusals, evictions and timeouts are counted and logged at most once per kind
//   every kRefusalLogInterval.
// - HTTP/1.1 keep-alive, so a request and its ack share a connection. Routes:
//   POST /v1/generation, POST /v1/generation/ack, GET /v1/nat-token. A malformed body gets
//   an error response and never reaches the machine (no installed SA is touched).
// - Releases (options.releases, docs/key-service.md §9): GET /v1/releases/<channel>/manifest
//   and /<package>.deb for sites only, streamed from the file in chunks, each chunk's write
//   within io_timeout, the whole file within transfer_timeout, at most max_downloads at
//   once (then 429 busy); POST /v1/releases/<channel>/report is logged and counted.
// - NAT traversal: a UDP socket (xfrm::open_natt_socket in production: bypass + ESP-in-UDP)
//   receives NAT hellos, checked against the token of a live connection and its K_nat.
//   A request asking for encapsulation waits up to nat_hello_wait for its hello, then gets
//   409 nat_hello_missing.
// - The kernel's event descriptor is watched (expire events), and one steady timer
//   delivers the machines' WakeAt.
//
// In-process use (component tests):
//   boost::asio::io_context io;
//   EdgeServer server(io, kernel, &routes, metrics, server_options, executor_options);
//   server.start().value();            // binds; ports() tells the ephemeral port
//   std::thread t([&] { io.run(); });  // or io.run_for / poll from the test thread
//   ...
//   boost::asio::post(io, [&] { server.stop(); });  t.join();
// stop() stops accepting, closes every connection, and cancels the NAT socket, the timer
// and the kernel watch; state is saved on every change already; SAs and policies stay.
// io.run() returns once the server's coroutines have finished (those on worker threads
// too: each keeps the io_context busy until its end). Destroy the server after that, or
// once idle(), or with the io_context stopped and never run again: pending handlers keep
// its internals alive.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "pqbranch/config/common_settings.hpp"
#include "pqbranch/config/endpoint.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/crypto/tls_context.hpp"
#include "pqbranch/keysvc/edge_admission.hpp"
#include "pqbranch/keysvc/edge_executor.hpp"
#include "pqbranch/wire/protocol.hpp"
#include "pqbranch/xfrm/kernel.hpp"
#include "pqbranch/xfrm/route_table.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pqbranch::keysvc {

namespace detail {
struct EdgeServerState;
struct EdgeWorkers;
}  // namespace detail

// Lines about refused, evicted or timed-out connections: at most one per kind this often.
inline constexpr std::chrono::seconds kRefusalLogInterval{10};

using xfrm::NatSocketFactory;

// Release files (docs/key-service.md §9) on the same connections as the keys.
struct ReleaseServing {
  std::optional<std::filesystem::path> directory;  // none: every release route is 404
  std::size_t max_downloads = 4;  // manifests and packages being sent at once; then 429 busy
  // One file's whole answer (each chunk's write has io_timeout on its own).
  std::chrono::milliseconds transfer_timeout{std::chrono::minutes(30)};
};
inline constexpr std::chrono::seconds kReleaseBusyRetryAfter{5};

struct EdgeServerOptions {
  // Key-service listeners; port 0 picks a free port (see ports()).
  std::vector<config::SocketAddress> listen;
  crypto::TlsOptions tls;
  // Pools and per-source caps; start() makes them consistent (no pool above the one that
  // holds it).
  AdmissionLimits admission;
  std::size_t max_body_bytes = wire::kMaxBodyBytes;    // capped at wire::kMaxBodyBytes
  std::chrono::milliseconds handshake_timeout{5'000};  // accept to the end of the handshake
  std::chrono::milliseconds io_timeout{10'000};        // the first request; each write
  std::chrono::milliseconds idle_timeout{5'000};       // each later request (keep-alive)
  std::size_t max_requests = 8;                        // per connection; then it is closed
  // Per-socket bypass of the tunnels' policies on the listeners (accepted connections
  // inherit it). Needs CAP_NET_ADMIN.
  bool bypass_policies = true;
  // NAT traversal: off = no UDP socket, requests are never encapsulated.
  config::NatMode nat_mode = config::NatMode::automatic;
  core::IpAddress nat_address;       // the edge's outer address
  std::uint16_t nat_port = 4500;     // 0: a free port (see nat_port())
  NatSocketFactory open_nat_socket;  // empty: xfrm::open_natt_socket
  std::chrono::milliseconds nat_hello_wait{1000};
  std::chrono::seconds nat_token_lifetime{60};
  ReleaseServing releases;
  // Threads for the connections (TLS work); 1: all on the io_context's thread, as the rest.
  // Capped at config::kMaxEdgeThreads.
  std::size_t threads = 1;
};

class EdgeServer {
 public:
  EdgeServer(boost::asio::io_context& io, xfrm::Kernel& kernel, xfrm::RouteTable* routes,
             core::Metrics& metrics, EdgeServerOptions server, EdgeExecutorOptions executor);
  ~EdgeServer();  // stop()s
  EdgeServer(const EdgeServer&) = delete;
  EdgeServer& operator=(const EdgeServer&) = delete;

  // Builds the TLS context, starts the executor (tunnels, state, adoption), opens the NAT
  // socket and the listeners, and starts serving on the io_context. Errors name what failed.
  core::Result<void> start();
  // Call on the io_context's thread (or with it stopped). Idempotent. Connections on worker
  // threads are closed there; their coroutines end once the io_context runs their last step.
  void stop();

  // The bound key-service ports, in `listen` order; the NAT socket's port (0: none).
  [[nodiscard]] std::vector<std::uint16_t> ports() const;
  [[nodiscard]] std::uint16_t nat_port() const;
  // On the io_context's thread (as everything below).
  [[nodiscard]] std::size_t open_connections() const;
  // No connection coroutine left (after stop(): the server may go).
  [[nodiscard]] bool idle() const;

  [[nodiscard]] EdgeExecutor& executor();

 private:
  std::shared_ptr<detail::EdgeServerState> state_;
  std::unique_ptr<detail::EdgeWorkers> workers_;  // options.threads > 1, from start()
};

// From edge-stub.toml: listeners, TLS, limits and NAT traversal.
[[nodiscard]] EdgeServerOptions edge_server_options(const config::EdgeConfig& config);

}  // namespace pqbranch::keysvc
