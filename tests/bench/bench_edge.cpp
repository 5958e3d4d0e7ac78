// `pqb-keysvc-bench edge`: the edge key service wired as pqbranch-edge-stub wires it (its
// config file, edge_sites, edge_server_options, one io_context, SIGTERM), but with a
// FakeKernel instead of NetlinkKernel: this host's kernel has no ESP, so the real edge-stub
// cannot install SAs here, and an emulated VM would measure the emulator. Runs as its own
// process, as `openssl s_server` does in the baseline.

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/core/log.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/edge_server.hpp"
#include "pqbranch/keysvc/edge_site.hpp"

#include "bench_commands.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::bench {

int run_edge(const Args& args) {
  const std::filesystem::path config_path = args.get("config");
  auto cfg = config::load_edge_config(config_path);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().detail.c_str());
    return 2;
  }
  core::init_logging({.name = "pqb-bench-edge", .level = cfg->log_level, .journald = false});
  std::signal(SIGPIPE, SIG_IGN);
  std::filesystem::create_directories(cfg->state_directory);

  core::SystemClock clock;
  test::FakeKernel kernel(clock,
                          test::FakeKernel::Options{.ownership = keysvc::edge_ownership(*cfg)});
  keysvc::EdgeExecutorOptions executor;
  executor.sites = keysvc::edge_sites(*cfg);
  executor.nat_mode = cfg->nat_traversal.mode;
  // The fake's operation log would grow with every rotation: keep it short.
  executor.observer = [&kernel](const keysvc::AppliedEdgeAction&) {
    if (kernel.log().size() > 1024) kernel.clear_log();
  };
  auto options = keysvc::edge_server_options(*cfg);
  options.bypass_policies = false;  // per-socket policies need xfrm in the kernel

  boost::asio::io_context io;
  core::Metrics metrics;
  keysvc::EdgeServer server(io, kernel, nullptr, metrics, options, std::move(executor));
  if (auto r = server.start(); !r) {
    spdlog::critical("start: {}", r.error().message());
    return 1;
  }
  // Readiness for the script: the port, written once the listener is up.
  if (const std::string ready = args.get("ready-file"); !ready.empty()) {
    const std::filesystem::path tmp = ready + ".tmp";
    std::ofstream(tmp) << server.ports().at(0) << "\n";
    std::filesystem::rename(tmp, ready);
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) server.stop();
  });
  io.run();
  // What the edge counted (handshakes by group and resumption, offers, acks, refusals).
  std::fputs(metrics.render().c_str(), stdout);
  return 0;
}

}  // namespace pqbranch::bench
