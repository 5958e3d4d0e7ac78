// pqbranch-edge-stub: wiring only. The parts live in the library (keysvc: EdgeServer,
// EdgeExecutor, edge sites; xfrm: NetlinkKernel, NetlinkRouteTable). It keys the tunnels of
// the network namespace it runs in.
//
//   pqbranch-edge-stub [--config PATH]      serve (SIGTERM/SIGINT: clean stop, SAs stay)
//   pqbranch-edge-stub --check-config [--config PATH]
//   pqbranch-edge-stub --version
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/core/log.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/edge_server.hpp"
#include "pqbranch/keysvc/edge_site.hpp"
#include "pqbranch/keysvc/fault_hook.hpp"
#include "pqbranch/xfrm/netlink_kernel.hpp"
#include "pqbranch/xfrm/route_table.hpp"

namespace {

using namespace pqbranch;  // NOLINT(google-build-using-namespace): a main file

constexpr int kUsageError = 2;
constexpr std::string_view kUsage =
    "usage: pqbranch-edge-stub [--config PATH]\n"
    "       pqbranch-edge-stub --check-config [--config PATH]\n"
    "       pqbranch-edge-stub --version\n";

struct Args {
  std::filesystem::path config{std::string(config::kDefaultEdgeConfigPath)};
  bool check = false;
  bool version = false;
};

std::optional<Args> parse_args(int argc, char** argv) {
  const std::vector<std::string_view> a(argv + 1, argv + argc);
  Args args;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "--config" && i + 1 < a.size()) {
      args.config = a[++i];
    } else if (a[i] == "--check-config") {
      args.check = true;
    } else if (a[i] == "--version") {
      args.version = true;
    } else {
      return std::nullopt;
    }
  }
  return args;
}

int serve(const config::EdgeConfig& cfg, const Args& args) {
  core::init_logging({.name = "pqbranch-edge-stub", .level = cfg.log_level});
  // Asio sends with MSG_NOSIGNAL; this guards any other write to a closed peer.
  std::signal(SIGPIPE, SIG_IGN);
  spdlog::info("pqbranch-edge-stub {} starting with {} ({} site(s))", PQB_VERSION,
               args.config.string(), cfg.sites.size());

  auto fault = keysvc::FaultHook::from_environment(keysvc::FaultSide::edge);
  if (!fault) {
    spdlog::critical("{}", fault.error().detail);
    return kUsageError;
  }

  std::error_code dir_ec;
  std::filesystem::create_directories(cfg.state_directory, dir_ec);
  if (dir_ec) {
    spdlog::critical("state directory {}: {}", cfg.state_directory.string(), dir_ec.message());
    return 1;
  }
  ::chmod(cfg.state_directory.c_str(), 0700);

  auto kernel = xfrm::NetlinkKernel::create(keysvc::edge_ownership(cfg));
  if (!kernel) {
    spdlog::critical("kernel: {}", kernel.error().message());
    return 1;
  }
  keysvc::EdgeExecutorOptions executor;
  executor.sites = keysvc::edge_sites(cfg);
  executor.nat_mode = cfg.nat_traversal.mode;
  executor.fault = std::move(*fault);
  std::unique_ptr<xfrm::RouteTable> routes;
  for (const keysvc::EdgeSite& s : executor.sites) {
    if (!s.layout.route_mode || routes) continue;
    auto r = xfrm::NetlinkRouteTable::create();
    if (!r) {
      spdlog::critical("routes: {}", r.error().message());
      return 1;
    }
    routes = std::move(*r);
  }

  boost::asio::io_context io;
  core::Metrics metrics;
  keysvc::EdgeServer server(io, **kernel, routes.get(), metrics, keysvc::edge_server_options(cfg),
                            std::move(executor));
  if (auto r = server.start(); !r) {
    spdlog::critical("start: {}", r.error().message());
    return 1;
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping; SAs and policies stay in place", signal);
    // Closes the listeners and every connection; io.run() returns once the server's
    // coroutines have finished (each has a deadline, so none can hang the stop).
    server.stop();
  });
  io.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse_args(argc, argv);
  if (!args) {
    std::fwrite(kUsage.data(), 1, kUsage.size(), stderr);
    return kUsageError;
  }
  if (args->version) {
    std::printf("pqbranch-edge-stub %s\n", PQB_VERSION);
    return 0;
  }
  auto cfg = config::load_edge_config(args->config);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().detail.c_str());
    return kUsageError;
  }
  if (args->check) {
    std::printf("%s: ok (%zu site(s))\n", args->config.string().c_str(), cfg->sites.size());
    return 0;
  }
  return serve(*cfg, *args);
}
