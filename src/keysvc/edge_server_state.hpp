#pragma once
// Internal to src/keysvc: what the edge server's coroutines share (edge_server.cpp runs the
// listeners, the NAT socket, the timer and the kernel watch; edge_session.cpp serves one
// connection). Everything runs on the one io_context thread: no locks.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/core/log_throttle.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/edge_admission.hpp"
#include "pqbranch/keysvc/edge_connections.hpp"
#include "pqbranch/keysvc/edge_executor.hpp"
#include "pqbranch/keysvc/edge_server.hpp"

namespace pqbranch::keysvc::detail {

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
        wake_timer(io_context) {}

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
  // Live connections' sockets (closed by stop()) and the timers of requests waiting for
  // their NAT hello (cancelled when it arrives).
  std::map<rotation::ConnectionId, boost::asio::ip::tcp::socket*> sockets;
  std::map<rotation::ConnectionId, boost::asio::steady_timer*> hello_waits;
  rotation::ConnectionId next_conn = 1;
  std::size_t active_downloads = 0;  // release files being sent (options.releases)
  bool started = false;
  bool stopping = false;

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
boost::asio::awaitable<void> serve_connection(std::shared_ptr<EdgeServerState> state,
                                              boost::asio::ip::tcp::socket socket,
                                              rotation::ConnectionId conn,
                                              core::IpAddress peer_address);

// The agent's address as Asio reports it, as ours (an IPv4-mapped IPv6 address as IPv4).
core::IpAddress to_ip(const boost::asio::ip::address& address);

}  // namespace pqbranch::keysvc::detail
