// pqbranch-agent: wiring only. The parts live in the library (keysvc: AgentClient,
// AgentExecutor, tunnel setup, status; xfrm: NetlinkKernel, NetlinkRouteTable).
//
//   pqbranch-agent run [--config PATH]
//   pqbranch-agent status [--socket PATH | --config PATH] [--json]
//   pqbranch-agent flush [--config PATH]
//   pqbranch-agent check-config [--config PATH]
//   pqbranch-agent --version
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "pqbranch/app/agent_settings.hpp"
#include "pqbranch/app/agent_status.hpp"
#include "pqbranch/app/status_server.hpp"
#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/core/capabilities.hpp"
#include "pqbranch/core/log.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/crypto/tls_context.hpp"
#include "pqbranch/ikev2/initiator_session.hpp"
#include "pqbranch/ikev2/peer_wiring.hpp"
#include "pqbranch/keysvc/agent_client.hpp"
#include "pqbranch/keysvc/agent_executor.hpp"
#include "pqbranch/keysvc/fault_hook.hpp"
#include "pqbranch/tunnel/tunnel_setup.hpp"
#include "pqbranch/xfrm/netlink_kernel.hpp"
#include "pqbranch/xfrm/route_table.hpp"

namespace {

using namespace pqbranch;  // NOLINT(google-build-using-namespace): a main file

constexpr int kUsageError = 2;
constexpr const char* kUsage =
    "usage: pqbranch-agent run [--config PATH]\n"
    "       pqbranch-agent status [--socket PATH | --config PATH] [--json]\n"
    "       pqbranch-agent flush [--config PATH]\n"
    "       pqbranch-agent check-config [--config PATH]\n"
    "       pqbranch-agent --version\n";

struct Args {
  std::string command;
  std::filesystem::path config{std::string(config::kDefaultAgentConfigPath)};
  bool config_given = false;
  std::optional<std::filesystem::path> socket;
  bool json = false;
};

std::optional<Args> parse_args(int argc, char** argv) {
  const std::vector<std::string_view> a(argv + 1, argv + argc);
  if (a.empty()) return std::nullopt;
  Args args;
  args.command = a[0];
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--config" && i + 1 < a.size()) {
      args.config = a[++i];
      args.config_given = true;
    } else if (a[i] == "--socket" && i + 1 < a.size() && args.command == "status") {
      args.socket = a[++i];
    } else if (a[i] == "--json" && args.command == "status") {
      args.json = true;
    } else {
      return std::nullopt;
    }
  }
  return args;
}

std::optional<config::AgentConfig> load(const Args& args) {
  auto cfg = config::load_agent_config(args.config);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().detail.c_str());
    return std::nullopt;
  }
  return std::move(*cfg);
}

// CAP_NET_ADMIN is all the agent needs (XFRM, routes, per-socket bypass), plus
// CAP_NET_BIND_SERVICE when an IKEv2 peer binds a port below 1024 (500 by default).
bool check_capabilities(const config::AgentConfig& cfg) {
  auto caps = core::effective_capabilities();
  if (!caps) {
    spdlog::warn("cannot read the effective capabilities: {}", caps.error().message());
    return true;
  }
  const std::uint64_t net_admin = std::uint64_t{1} << core::kCapNetAdmin;
  if ((*caps & net_admin) == 0) {
    spdlog::critical("CAP_NET_ADMIN is missing: the agent cannot manage XFRM state");
    return false;
  }
  std::uint64_t allowed = net_admin;
  for (const auto& peer : cfg.ikev2_peers) {
    if (peer.local_port < 1024 || peer.local_natt_port < 1024) {
      allowed |= std::uint64_t{1} << core::kCapNetBindService;
    }
  }
  const auto extra = core::extra_capabilities(*caps, allowed);
  if (!extra.empty()) {
    spdlog::warn(
        "running with more capabilities than CAP_NET_ADMIN: {} (the systemd unit "
        "restricts them)",
        fmt::join(extra, ", "));
  }
  return true;
}

// One [[ikev2.peer]]: its own kernel handle (its ownership: the reqid range, plus its if_id
// in route mode), its tunnel's policies or interface, and the initiator session.
struct IkePeer {
  std::unique_ptr<xfrm::NetlinkKernel> kernel;
  std::unique_ptr<xfrm::RouteTable> routes;
  std::unique_ptr<ikev2::InitiatorSession> session;
};

bool start_ikev2_peers(boost::asio::io_context& io, const config::AgentConfig& cfg,
                       core::Metrics& metrics, std::vector<IkePeer>& peers) {
  for (const auto& peer : cfg.ikev2_peers) {
    auto settings = ikev2::make_initiator_settings(peer);
    if (!settings) {
      spdlog::critical("ikev2 {}: {}", peer.name, settings.error().message());
      return false;
    }
    IkePeer p;
    auto kernel = xfrm::NetlinkKernel::create(ikev2::peer_ownership(cfg, peer));
    if (!kernel) {
      spdlog::critical("ikev2 {}: kernel: {}", peer.name, kernel.error().message());
      return false;
    }
    p.kernel = std::move(*kernel);
    const auto layout = ikev2::tunnel_layout(peer);
    if (layout.route_mode) {
      auto r = xfrm::NetlinkRouteTable::create();
      if (!r) {
        spdlog::critical("ikev2 {}: routes: {}", peer.name, r.error().message());
        return false;
      }
      p.routes = std::move(*r);
    }
    auto setup = tunnel::setup_tunnel(*p.kernel, p.routes.get(), layout);
    if (!setup) {
      spdlog::critical("ikev2 {}: tunnel setup: {}", peer.name, setup.error().message());
      return false;
    }
    auto session = ikev2::InitiatorSession::create(
        io, *p.kernel, metrics, ikev2::session_options(peer, std::move(*settings)));
    if (!session) {
      spdlog::critical("ikev2 {}: {}", peer.name, session.error().message());
      return false;
    }
    p.session = std::move(*session);
    spdlog::info("ikev2 {}: initiator {} -> {} ({} mode, {} policies, proposals {})", peer.name,
                 peer.local_address, peer.remote_address, layout.route_mode ? "route" : "policy",
                 setup->policies,
                 fmt::join(peer.proposals | std::views::transform(
                                                [](const auto& x) { return config::to_string(x); }),
                           ", "));
    p.session->start();
    peers.push_back(std::move(p));
  }
  return true;
}

// An agent whose agent.toml has [[ikev2.peer]] sections and no [edge].
int run_ikev2_only(const config::AgentConfig& cfg) {
  boost::asio::io_context io;
  core::Metrics metrics;
  std::vector<IkePeer> peers;
  if (!start_ikev2_peers(io, cfg, metrics, peers)) return 1;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping; SAs and policies stay in place", signal);
    for (auto& p : peers)
      p.session->stop(false);
    io.stop();
  });
  io.run();
  spdlog::info("stopped");
  return 0;
}

int run(const Args& args) {
  auto cfg = load(args);
  if (!cfg) return kUsageError;
  core::init_logging({.name = "pqbranch-agent", .level = cfg->log_level});
  spdlog::info("pqbranch-agent {} starting with {}", PQB_VERSION, args.config.string());
  auto fault = keysvc::FaultHook::from_environment();
  if (!fault) {
    spdlog::critical("{}", fault.error().detail);
    return kUsageError;
  }
  if (!check_capabilities(*cfg)) return 1;
  if (!cfg->key_service) return run_ikev2_only(*cfg);
  app::AgentSettings settings = app::agent_settings(*cfg);

  std::error_code dir_ec;
  std::filesystem::create_directories(cfg->state_directory, dir_ec);
  if (dir_ec) {
    spdlog::critical("state directory {}: {}", cfg->state_directory.string(), dir_ec.message());
    return 1;
  }
  ::chmod(cfg->state_directory.c_str(), 0700);

  auto kernel = xfrm::NetlinkKernel::create(settings.ownership);
  if (!kernel) {
    spdlog::critical("kernel: {}", kernel.error().message());
    return 1;
  }
  std::unique_ptr<xfrm::RouteTable> routes;
  if (settings.layout.route_mode) {
    auto r = xfrm::NetlinkRouteTable::create();
    if (!r) {
      spdlog::critical("routes: {}", r.error().message());
      return 1;
    }
    routes = std::move(*r);
  }
  auto setup = tunnel::setup_tunnel(**kernel, routes.get(), settings.layout);
  if (!setup) {
    spdlog::critical("tunnel setup: {}", setup.error().message());
    return 1;
  }
  spdlog::info("tunnel {} -> {} ({} mode): {} policies{}", settings.layout.local_address,
               settings.layout.remote_address, settings.layout.route_mode ? "route" : "policy",
               setup->policies,
               settings.layout.route_mode
                   ? fmt::format(", interface {} ({}), {} route(s)", settings.layout.interface,
                                 setup->interface_created ? "created" : "adopted", setup->routes)
                   : std::string());

  boost::asio::io_context io;
  core::Metrics metrics;
  auto client = keysvc::AgentClient::create(io, settings.client, metrics);
  if (!client) {
    spdlog::critical("key service client: {}", client.error().message());
    return 1;
  }
  if (auto port = (*client)->nat_port()) settings.rotation.tunnel.nat_port = *port;

  keysvc::AgentExecutorOptions options;
  options.rotation = settings.rotation;
  options.state_file = settings.state_file;
  options.fault = std::move(*fault);
  keysvc::AgentExecutor executor(io, **kernel, **client, metrics, std::move(options));
  if (auto r = executor.start(); !r) {
    spdlog::critical("start: {}", r.error().message());
    return 1;
  }
  std::vector<IkePeer> ike_peers;
  if (!start_ikev2_peers(io, *cfg, metrics, ike_peers)) return 1;

  const app::StatusContext context{settings.layout.route_mode ? "route" : "policy",
                                   settings.layout.local_address.to_string(),
                                   settings.layout.remote_address.to_string()};
  auto status = app::StatusServer::create(io, settings.status_socket, [&] {
    return app::to_json(app::collect_status(executor, client->get(), **kernel, metrics, context));
  });
  if (!status) {
    // Rotation matters more than the status socket: go on without it.
    spdlog::error("status socket: {}", status.error().message());
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping; SAs and policies stay in place", signal);
    executor.stop();
    for (auto& p : ike_peers)
      p.session->stop(false);
    if (status) status->reset();
    io.stop();
  });
  io.run();
  spdlog::info("stopped");
  return 0;
}

int status(const Args& args) {
  std::filesystem::path socket = args.socket.value_or("/run/pqbranch/agent.sock");
  if (!args.socket && (args.config_given || std::filesystem::exists(args.config))) {
    auto cfg = load(args);
    if (!cfg) return kUsageError;
    socket = cfg->status_socket;
  }
  auto text = app::fetch_status(socket);
  if (!text) {
    std::fprintf(stderr, "pqbranch-agent status: %s\n", text.error().message().c_str());
    return 1;
  }
  if (args.json) {
    std::fputs(text->c_str(), stdout);
    return 0;
  }
  auto human = app::render_status_text(*text);
  if (!human) {
    std::fprintf(stderr, "pqbranch-agent status: %s\n", human.error().message().c_str());
    return 1;
  }
  std::fputs(human->c_str(), stdout);
  return 0;
}

// Removes each IKEv2 peer's SAs, policies (and route-mode interface).
bool flush_ikev2_peers(const config::AgentConfig& cfg) {
  bool ok = true;
  for (const auto& peer : cfg.ikev2_peers) {
    const auto layout = ikev2::tunnel_layout(peer);
    auto kernel = xfrm::NetlinkKernel::create(ikev2::peer_ownership(cfg, peer));
    std::unique_ptr<xfrm::RouteTable> routes;
    if (layout.route_mode) {
      if (auto r = xfrm::NetlinkRouteTable::create()) routes = std::move(*r);
    }
    auto report = kernel ? tunnel::flush_tunnel(**kernel, routes.get(), layout)
                         : core::Result<xfrm::FlushReport>(kernel.error());
    if (!report) {
      std::fprintf(stderr, "flush ikev2 %s: %s\n", peer.name.c_str(),
                   report.error().message().c_str());
      ok = false;
      continue;
    }
    std::printf("flushed ikev2 %s: %zu SA(s), %zu policy(ies)\n", peer.name.c_str(),
                report->sas_deleted, report->policies_deleted);
  }
  return ok;
}

int flush(const Args& args) {
  auto cfg = load(args);
  if (!cfg) return kUsageError;
  core::init_logging({.name = "pqbranch-agent", .level = cfg->log_level, .journald = false});
  if (!flush_ikev2_peers(*cfg)) return 1;
  if (!cfg->key_service) return 0;
  const app::AgentSettings settings = app::agent_settings(*cfg);
  auto kernel = xfrm::NetlinkKernel::create(settings.ownership);
  if (!kernel) {
    std::fprintf(stderr, "kernel: %s\n", kernel.error().message().c_str());
    return 1;
  }
  std::unique_ptr<xfrm::RouteTable> routes;
  if (settings.layout.route_mode) {
    if (auto r = xfrm::NetlinkRouteTable::create()) routes = std::move(*r);
  }
  auto report = tunnel::flush_tunnel(**kernel, routes.get(), settings.layout);
  if (!report) {
    std::fprintf(stderr, "flush: %s\n", report.error().message().c_str());
    return 1;
  }
  std::error_code ignored;
  std::filesystem::remove(settings.state_file, ignored);
  std::printf("flushed: %zu SA(s), %zu policy(ies)%s\n", report->sas_deleted,
              report->policies_deleted,
              settings.layout.route_mode ? ", routes and the xfrm interface" : "");
  return 0;
}

int check_config(const Args& args) {
  auto cfg = load(args);
  if (!cfg) return kUsageError;
  for (const auto& peer : cfg->ikev2_peers) {
    if (auto s = ikev2::make_initiator_settings(peer); !s) {
      std::fprintf(stderr, "%s: ikev2.peer %s: %s\n", args.config.c_str(), peer.name.c_str(),
                   s.error().message().c_str());
      return 1;
    }
  }
  if (!cfg->key_service) {
    std::printf("%s: OK (%zu IKEv2 peer(s), no key-service tunnel)\n", args.config.c_str(),
                cfg->ikev2_peers.size());
    return 0;
  }
  const app::AgentSettings settings = app::agent_settings(*cfg);
  if (auto ctx = crypto::make_client_context(settings.client.tls); !ctx) {
    std::fprintf(stderr, "%s: tls: %s\n", args.config.c_str(), ctx.error().message().c_str());
    return 1;
  }
  std::printf("%s: OK (%s mode, %zu endpoint(s), %zu policies)\n", args.config.c_str(),
              settings.layout.route_mode ? "route" : "policy", settings.client.endpoints.size(),
              tunnel::tunnel_policies(settings.layout).size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--version") {
    std::printf("pqbranch-agent %s\n", PQB_VERSION);
    return 0;
  }
  const auto args = parse_args(argc, argv);
  if (!args) {
    std::fputs(kUsage, stderr);
    return kUsageError;
  }
  if (args->command == "run") return run(*args);
  if (args->command == "status") return status(*args);
  if (args->command == "flush") return flush(*args);
  if (args->command == "check-config") return check_config(*args);
  std::fputs(kUsage, stderr);
  return kUsageError;
}
