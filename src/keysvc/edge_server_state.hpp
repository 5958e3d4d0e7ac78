#pragma once
// Internal to src/keysvc: what the edge server's coroutines share (edge_server.cpp runs the
// listeners, the NAT socket, the timer and the kernel watch; edge_session.cpp serves one
// connection). Everything in EdgeServerState lives on the io_context's one thread: no locks.
// With worker threads (options.threads > 1) each connection's coroutine runs on a strand of
// the workers (its TLS handshake and records, in parallel with other connections) and
// reaches the state only through run_shared(), which runs a function on the io thread and
// resumes the connection with its result (docs/architecture.md, "Threads").

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/core/log_throttle.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/edge_admission.hpp"
#include "pqbranch/keysvc/edge_connections.hpp"
#include "pqbranch/keysvc/edge_executor.hpp"
#include "pqbranch/keysvc/edge_server.hpp"

namespace pqbranch::keysvc::detail {

// The worker threads of an EdgeServer with options.threads > 1: their own io_context, run
// by that many threads until the server is destroyed.
struct EdgeWorkers {
  explicit EdgeWorkers(std::size_t threads);
  ~EdgeWorkers();  // halt()
  // Stops the context (a connection still waiting for a thread is dropped with it) and joins
  // the threads; the context itself stays until the destructor.
  void halt();
  EdgeWorkers(const EdgeWorkers&) = delete;
  EdgeWorkers& operator=(const EdgeWorkers&) = delete;

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  std::vector<std::thread> threads;
};

// What the io thread may do to a live connection: close its socket, wake its wait for a NAT
// hello. Touched only on the connection's own executor (EdgeServerState::on_connection);
// its coroutine clears the pointers there before the objects go.
struct LiveConnection {
  boost::asio::any_io_executor executor;
  boost::asio::ip::tcp::socket* socket = nullptr;
  boost::asio::steady_timer* hello_wait = nullptr;
  bool hello_arrived = false;
};

// Keeps the io_context's run() going while a connection on the workers may still need it.
using IoWork =
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>;

struct EdgeServerState : std::enable_shared_from_this<EdgeServerState> {
  EdgeServerState(boost::asio::io_context& io_context, xfrm::Kernel& k, xfrm::RouteTable* routes,
                  core::Metrics& m, EdgeServerOptions server, EdgeExecutorOptions executor_options)
      : io(io_context),
        kernel(k),
        metrics(m),
        options(std::move(server)),
        executor(k, routes, m, std::move(executor_options)),
        admission(options.admission),
        refusal_log(kRefusalLogInterval),
        wake_timer(io_context),
        accept_pace(io_context) {}

  boost::asio::io_context& io;
  xfrm::Kernel& kernel;
  core::Metrics& metrics;
  EdgeServerOptions options;
  EdgeExecutor executor;
  EdgeConnections connections;
  EdgeAdmission admission;
  core::LogThrottle refusal_log;
  std::optional<boost::asio::ssl::context> tls;
  std::vector<boost::asio::ip::tcp::acceptor> acceptors;
  std::optional<boost::asio::ip::udp::socket> nat_socket;
  std::optional<boost::asio::posix::stream_descriptor> kernel_watch;
  boost::asio::steady_timer wake_timer;
  std::uint64_t wake_generation = 0;
  // Live connections (closed by stop() and evict(), woken by their NAT hello).
  std::map<rotation::ConnectionId, std::shared_ptr<LiveConnection>> live;
  rotation::ConnectionId next_conn = 1;
  std::size_t active_downloads = 0;  // release files being sent (options.releases)
  std::size_t tasks = 0;             // connection coroutines not finished (idle())
  // Connections handed to the workers that have not started there yet; the listeners wait
  // on accept_pace while there is one (the workers' pace).
  std::size_t unstarted = 0;
  boost::asio::steady_timer accept_pace;
  EdgeWorkers* workers = nullptr;  // options.threads > 1: the server's (it owns them)
  bool started = false;
  // Read by connections on the workers without a hop (a late answer says "shutting down").
  std::atomic<bool> stopping{false};

  // Runs `f` (a plain function: it cannot suspend, so nothing here is ever held across a
  // co_await) on the io thread and returns its result to the calling connection coroutine.
  // Without workers the caller is on the io thread already: `f` runs at once.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run_shared(F f) {
    using R = std::invoke_result_t<F&>;
    if (workers == nullptr) co_return f();
    co_return co_await boost::asio::co_spawn(
        io, [fn = std::move(f)]() mutable -> boost::asio::awaitable<R> { co_return fn(); },
        boost::asio::use_awaitable);
  }
  // Where a new connection's coroutine runs: a strand of the workers, or the io thread.
  boost::asio::any_io_executor connection_executor();
  // Runs `f` on connection `conn`'s executor (at once when that is the caller's own, as
  // with one thread); nothing when the connection is gone.
  void on_connection(rotation::ConnectionId conn, void (*f)(LiveConnection&));

  // Arms the wake timer at the executor's next WakeAt (after every call into it).
  void rearm();
  void stop();
  // Closes a connection the admission chose to make room (its coroutine then ends without
  // a log line of its own); counts it.
  void evict(rotation::ConnectionId conn, EvictionPool pool);
  // A log line about a refused, evicted or timed-out connection: at most one per `kind`
  // (a fixed name) every kRefusalLogInterval, saying how many were held back.
  void log_refusal(std::string_view kind, spdlog::level::level_enum level, const std::string& text);
  // The gauges of open, unauthenticated and handshaking connections.
  void update_gauges();
};

// Serves one admitted connection to its end (edge_session.cpp).
// `work` (set with workers) keeps the io thread running until the connection has finished.
boost::asio::awaitable<void> serve_connection(std::shared_ptr<EdgeServerState> state,
                                              boost::asio::ip::tcp::socket socket,
                                              rotation::ConnectionId conn,
                                              core::IpAddress peer_address, IoWork work);

// The agent's address as Asio reports it, as ours (an IPv4-mapped IPv6 address as IPv4).
core::IpAddress to_ip(const boost::asio::ip::address& address);

}  // namespace pqbranch::keysvc::detail
