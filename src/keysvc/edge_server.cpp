// The edge server's lifecycle and its long-running loops: listeners, the NAT socket, the
// wake timer and the kernel's event descriptor. One connection is served in
// edge_session.cpp.
#include "pqbranch/keysvc/edge_server.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <span>
#include <unistd.h>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/crypto/tls_context.hpp"
#include "pqbranch/net/awaitable.hpp"
#include "pqbranch/wire/nat_hello.hpp"

#include "edge_server_state.hpp"

namespace pqbranch::keysvc {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;

namespace detail {
namespace {

using net::kTuple;

// co_spawn's completion: a coroutine that threw (only bad_alloc and the like can) is logged.
auto log_failure(std::string what) {
  return [w = std::move(what)](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("key service: {}: {}", w, x.what());
    }
  };
}

asio::ip::address to_asio(const core::IpAddress& a) {
  const auto text = a.to_string();
  return asio::ip::make_address(text);
}

core::Error net_error(const boost::system::error_code& ec, std::string what) {
  return core::Error{ec, std::move(what)};
}

// Options as given, with every bound at least 1 and no pool larger than the one it is part
// of (a caller's mistake must not open a hole).
EdgeServerOptions consistent(EdgeServerOptions o) {
  AdmissionLimits& a = o.admission;
  a.max_connections = std::max<std::size_t>(a.max_connections, 1);
  a.max_unauthenticated = std::clamp<std::size_t>(a.max_unauthenticated, 1, a.max_connections);
  a.max_handshakes = std::clamp<std::size_t>(a.max_handshakes, 1, a.max_unauthenticated);
  a.max_per_source = std::clamp<std::size_t>(a.max_per_source, 1, a.max_connections);
  a.max_unauthenticated_per_source =
      std::clamp<std::size_t>(a.max_unauthenticated_per_source, 1, a.max_per_source);
  o.max_requests = std::max<std::size_t>(o.max_requests, 1);
  o.threads = std::clamp<std::size_t>(o.threads, 1, config::kMaxEdgeThreads);
  o.max_body_bytes = std::min(o.max_body_bytes, wire::kMaxBodyBytes);
  o.releases.max_downloads = std::max<std::size_t>(o.releases.max_downloads, 1);
  return o;
}

// With workers: waits while the connection accepted before has not started on them. A
// listener that took connections at its own (the io thread's) pace would admit a flood's
// newcomers, and evict for them, far faster than the workers get any handshake done; this
// way it keeps their pace, as on one thread it keeps that thread's.
asio::awaitable<void> keep_the_workers_pace(EdgeServerState& s) {
  const auto never = asio::steady_timer::time_point::max();
  while (s.workers != nullptr && s.unstarted > 0 && !s.stopping) {
    if (s.accept_pace.expiry() != never) s.accept_pace.expires_at(never);  // others may wait
    co_await s.accept_pace.async_wait(kTuple);  // cancelled by a connection that started
  }
}

asio::awaitable<void> accept_loop(std::shared_ptr<EdgeServerState> s, tcp::acceptor& acceptor) {
  for (;;) {
    co_await keep_the_workers_pace(*s);
    if (s->stopping) co_return;
    auto [ec, socket] = co_await acceptor.async_accept(s->connection_executor(), kTuple);
    if (s->stopping) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // EMFILE and the like: log, let the situation change, go on.
      s->log_refusal("accept_failed", spdlog::level::warn, "accept failed: " + ec.message());
      s->metrics.add("edge_accept_failures_total");
      continue;
    }
    boost::system::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    if (peer_ec) continue;  // already gone
    const core::IpAddress source = to_ip(peer.address());
    const rotation::ConnectionId conn = s->next_conn++;
    const Admission admitted = s->admission.admit(conn, source);
    if (admitted.refused) {
      // No TLS work for a connection we would only refuse: that is the work the limits are
      // there to bound. A site's agent retries with backoff.
      const std::string_view reason = to_string(*admitted.refused);
      s->metrics.add("edge_connections_refused_total", 1, fmt::format("reason=\"{}\"", reason));
      s->log_refusal(reason, spdlog::level::warn,
                     fmt::format("connection from {} refused ({})", source.to_string(), reason));
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    if (admitted.evict) s->evict(*admitted.evict, EvictionPool::unauthenticated);
    // Request/response in small TLS records: without TCP_NODELAY, Nagle and the peer's
    // delayed ACK add tens of milliseconds to a handshake with large (ML-DSA) flights.
    boost::system::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    IoWork work;
    if (s->workers != nullptr) {
      work.emplace(s->io.get_executor());
      ++s->unstarted;
    }
    ++s->tasks;
    const asio::any_io_executor where = socket.get_executor();
    asio::co_spawn(where, serve_connection(s, std::move(socket), conn, source, std::move(work)),
                   log_failure(fmt::format("connection {}", conn)));
  }
}

asio::awaitable<void> nat_loop(std::shared_ptr<EdgeServerState> s) {
  std::array<std::uint8_t, 2 * wire::kNatHelloSize> buffer{};
  udp::endpoint from;
  for (;;) {
    auto [ec, n] = co_await s->nat_socket->async_receive_from(asio::buffer(buffer), from, kTuple);
    if (s->stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::debug("NAT-T socket: {}", ec.message());
      continue;
    }
    auto hello = wire::decode_nat_hello(std::span<const std::uint8_t>(buffer.data(), n));
    if (!hello) {
      s->metrics.add("edge_nat_hellos_total", 1, "verdict=\"malformed\"");
      continue;
    }
    rotation::ConnectionId conn = 0;
    const rotation::NatMapping mapping{to_ip(from.address()), from.port()};
    const HelloVerdict v = s->connections.hello(*hello, mapping, s->executor.now(), &conn);
    s->metrics.add("edge_nat_hellos_total", 1, fmt::format("verdict=\"{}\"", to_string(v)));
    if (v != HelloVerdict::accepted) continue;
    spdlog::debug("NAT hello of connection {}: agent at {}:{}", conn, mapping.address.to_string(),
                  mapping.port);
    s->on_connection(conn, [](LiveConnection& c) {
      c.hello_arrived = true;
      if (c.hello_wait != nullptr) c.hello_wait->cancel();
    });
  }
}

void watch_kernel(std::shared_ptr<EdgeServerState> s) {
  s->kernel_watch->async_wait(asio::posix::stream_descriptor::wait_read,
                              [s](const boost::system::error_code& ec) {
                                if (ec || s->stopping) return;
                                s->executor.kernel_events();
                                s->rearm();
                                watch_kernel(s);
                              });
}

void close_socket(LiveConnection& c) {
  if (c.socket == nullptr) return;  // its coroutine has closed it already
  boost::system::error_code ignored;
  c.socket->shutdown(tcp::socket::shutdown_both, ignored);
  c.socket->close(ignored);  // its pending operation ends; the session cleans up
}

}  // namespace

EdgeWorkers::EdgeWorkers(std::size_t count) : io(static_cast<int>(count)), work(io.get_executor()) {
  threads.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    threads.emplace_back([this] { io.run(); });
}

EdgeWorkers::~EdgeWorkers() {
  halt();
}

void EdgeWorkers::halt() {
  work.reset();
  io.stop();  // a connection still waiting for the io thread is dropped with this context
  for (std::thread& t : threads)
    t.join();
  threads.clear();
}

asio::any_io_executor EdgeServerState::connection_executor() {
  if (workers == nullptr) return io.get_executor();
  return asio::make_strand(workers->io);
}

void EdgeServerState::on_connection(rotation::ConnectionId conn, void (*f)(LiveConnection&)) {
  const auto it = live.find(conn);
  if (it == live.end()) return;
  asio::dispatch(it->second->executor, [c = it->second, f] { f(*c); });
}

core::IpAddress to_ip(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return core::IpAddress::v4(
        asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_bytes());
  }
  if (address.is_v4()) return core::IpAddress::v4(address.to_v4().to_bytes());
  return core::IpAddress::v6(address.to_v6().to_bytes());
}

void EdgeServerState::rearm() {
  const std::uint64_t generation = ++wake_generation;
  const auto next = executor.next_wake();
  if (!next || stopping) {
    wake_timer.cancel();
    return;
  }
  wake_timer.expires_at(*next);
  wake_timer.async_wait(
      [self = shared_from_this(), generation](const boost::system::error_code& ec) {
        if (ec || self->stopping || generation != self->wake_generation) return;
        self->executor.tick();
        self->rearm();
      });
}

void EdgeServerState::evict(rotation::ConnectionId conn, EvictionPool pool) {
  admission.close(conn);  // already done by the admission; idempotent
  const std::string_view name = to_string(pool);
  metrics.add("edge_connections_evicted_total", 1, fmt::format("pool=\"{}\"", name));
  log_refusal(
      fmt::format("evicted_{}", name), spdlog::level::warn,
      fmt::format("{} pool full: the oldest connection of the busiest source was closed", name));
  on_connection(conn, close_socket);
  update_gauges();
}

void EdgeServerState::log_refusal(std::string_view kind, spdlog::level::level_enum level,
                                  const std::string& text) {
  const auto held = refusal_log.allow(kind, executor.now());
  if (!held) return;
  if (*held == 0) {
    spdlog::log(level, "key service: {}", text);
  } else {
    spdlog::log(level, "key service: {} ({} more like it in the last {}s not logged)", text, *held,
                kRefusalLogInterval.count());
  }
}

void EdgeServerState::update_gauges() {
  metrics.set("edge_open_connections", static_cast<std::int64_t>(live.size()));
  metrics.set("edge_unauthenticated_connections",
              static_cast<std::int64_t>(admission.unauthenticated()));
  metrics.set("edge_open_handshakes", static_cast<std::int64_t>(admission.handshakes()));
}

void EdgeServerState::stop() {
  if (stopping.exchange(true)) return;
  boost::system::error_code ignored;
  for (tcp::acceptor& a : acceptors)
    a.close(ignored);
  if (nat_socket) nat_socket->close(ignored);
  wake_timer.cancel();
  accept_pace.cancel();
  if (kernel_watch) {
    kernel_watch->cancel(ignored);
    kernel_watch->close(ignored);  // our dup() of the kernel's descriptor
  }
  for (const auto& [conn, c] : live) {
    on_connection(conn, [](LiveConnection& l) {
      if (l.hello_wait != nullptr) l.hello_wait->cancel();
      close_socket(l);
    });
  }
  spdlog::info("key service stopped ({} connection(s) closed)", live.size());
}

}  // namespace detail

EdgeServer::EdgeServer(asio::io_context& io, xfrm::Kernel& kernel, xfrm::RouteTable* routes,
                       core::Metrics& metrics, EdgeServerOptions server,
                       EdgeExecutorOptions executor)
    : state_(std::make_shared<detail::EdgeServerState>(io, kernel, routes, metrics,
                                                       detail::consistent(std::move(server)),
                                                       std::move(executor))) {}

EdgeServer::~EdgeServer() {
  state_->stop();
  if (workers_ && state_->tasks > 0) {
    // A programmer's error (destroyed before idle()): a connection still waits for a step
    // on the io_context, and would come back to a strand of the workers. Their context
    // stays (threads stopped), so that it finds memory, not a dangling strand.
    spdlog::error("key service destroyed with {} connection(s) unfinished", state_->tasks);
    workers_->halt();
    static_cast<void>(workers_.release());  // NOLINT(bugprone-unused-return-value): on purpose
  }
  workers_.reset();
  state_->workers = nullptr;
}

core::Result<void> EdgeServer::start() {
  detail::EdgeServerState& s = *state_;
  if (s.started) return {};
  // Every refused resumption (the client then runs a full handshake) is counted by reason.
  s.options.tls.resumption.on_refused = [&metrics = s.metrics](crypto::ResumptionRefusal why) {
    metrics.add("tls_resumption_refused_total", 1,
                "reason=\"" + std::string(crypto::to_string(why)) + "\"");
  };
  auto ctx = crypto::make_server_context(s.options.tls);
  if (!ctx) return ctx.error();
  s.tls.emplace(ctx->release());

  if (auto r = s.executor.start(); !r) return r.error();

  if (s.options.nat_mode != config::NatMode::off) {
    const NatSocketFactory open = s.options.open_nat_socket
                                      ? s.options.open_nat_socket
                                      : [](const core::IpAddress& a, std::uint16_t p) {
                                          return xfrm::open_natt_socket(a, p);
                                        };
    auto fd = open(s.options.nat_address, s.options.nat_port);
    if (!fd) return fd.error();
    const auto protocol =
        s.options.nat_address.family() == core::Family::v4 ? udp::v4() : udp::v6();
    s.nat_socket.emplace(s.io);
    boost::system::error_code ec;
    s.nat_socket->assign(protocol, fd->get(), ec);
    if (ec) return detail::net_error(ec, "NAT-T socket");
    fd->release();
  }

  for (const config::SocketAddress& l : s.options.listen) {
    tcp::acceptor acceptor(s.io);
    const tcp::endpoint endpoint(detail::to_asio(l.address), l.port);
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && s.options.bypass_policies) {
      if (auto r = xfrm::bypass_policies(acceptor.native_handle(), l.address.family()); !r) {
        core::Error e = r.error();
        e.detail = fmt::format("listen {}: {}", l.to_string(), e.detail);
        return e;
      }
    }
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return detail::net_error(ec, fmt::format("listen {}", l.to_string()));
    s.acceptors.push_back(std::move(acceptor));
  }

  const int fd = ::dup(s.kernel.event_fd());
  if (fd < 0) {
    return core::Error{boost::system::error_code(errno, boost::system::system_category()),
                       "kernel event descriptor"};
  }
  s.kernel_watch.emplace(s.io, fd);

  if (s.options.threads > 1) {
    workers_ = std::make_unique<detail::EdgeWorkers>(s.options.threads);
    s.workers = workers_.get();
  }
  s.started = true;
  for (tcp::acceptor& a : s.acceptors) {
    asio::co_spawn(s.io, detail::accept_loop(state_, a), detail::log_failure("listener"));
  }
  if (s.nat_socket) {
    asio::co_spawn(s.io, detail::nat_loop(state_), detail::log_failure("NAT-T socket"));
  }
  detail::watch_kernel(state_);
  s.rearm();
  spdlog::info("key service listening on {} listener(s), {} site(s), NAT-T port {}, {} thread(s)",
               s.acceptors.size(), s.executor.site_count(), nat_port(), s.options.threads);
  return {};
}

void EdgeServer::stop() {
  state_->stop();
}

std::vector<std::uint16_t> EdgeServer::ports() const {
  std::vector<std::uint16_t> out;
  for (const tcp::acceptor& a : state_->acceptors) {
    boost::system::error_code ec;
    const auto endpoint = a.local_endpoint(ec);
    out.push_back(ec ? 0 : endpoint.port());
  }
  return out;
}

std::uint16_t EdgeServer::nat_port() const {
  if (!state_->nat_socket) return 0;
  boost::system::error_code ec;
  const auto endpoint = state_->nat_socket->local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

std::size_t EdgeServer::open_connections() const {
  return state_->live.size();
}

bool EdgeServer::idle() const {
  return state_->tasks == 0;
}

EdgeExecutor& EdgeServer::executor() {
  return state_->executor;
}

EdgeServerOptions edge_server_options(const config::EdgeConfig& c) {
  EdgeServerOptions o;
  o.listen = c.listen;
  o.tls.certificate_file = c.tls.certificate;
  o.tls.private_key_file = c.tls.private_key;
  o.tls.ca_file = c.tls.ca;
  o.tls.group_policy.groups = c.tls.groups;
  o.tls.group_policy.allow_classical = c.tls.allow_classical;
  o.tls.resumption.max_age = std::chrono::duration_cast<std::chrono::seconds>(c.resumption.max_age);
  o.tls.resumption.ticket_key_rotation =
      std::chrono::duration_cast<std::chrono::seconds>(c.resumption.ticket_key_rotation);
  const config::LimitSettings& l = c.limits;
  o.admission.max_connections = l.max_connections;
  o.admission.max_unauthenticated = l.max_unauthenticated;
  o.admission.max_handshakes = l.max_handshakes;
  o.admission.max_per_source = l.max_per_source;
  o.admission.max_unauthenticated_per_source = l.max_unauthenticated_per_source;
  o.max_body_bytes =
      static_cast<std::size_t>(std::min<std::uint64_t>(l.max_body_bytes, wire::kMaxBodyBytes));
  const auto ms = [](config::Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
  };
  o.handshake_timeout = ms(l.handshake_timeout);
  o.io_timeout = ms(l.read_timeout);
  o.idle_timeout = ms(l.idle_timeout);
  o.max_requests = l.max_requests_per_connection;
  o.threads = c.threads;
  o.nat_mode = c.nat_traversal.mode;
  o.nat_address = c.tunnel.local_address;
  o.nat_port = c.nat_traversal.port;
  o.releases.directory = c.releases.directory;
  o.releases.max_downloads = c.releases.max_downloads;
  o.releases.transfer_timeout = ms(c.releases.transfer_timeout);
  return o;
}

}  // namespace pqbranch::keysvc
