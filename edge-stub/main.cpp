// pqbranch-edge-stub: argument parsing and dispatch. The edge key service is assembled in
// the library (app::EdgeAssembly). It keys the tunnels of the network namespace it runs in.
//
//   pqbranch-edge-stub run [--config PATH]     serve (SIGTERM/SIGINT: clean stop, SAs stay)
//   pqbranch-edge-stub check-config [--config PATH]
//   pqbranch-edge-stub version
// Older spellings still work: no command means run; --check-config and --version.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/app/edge_assembly.hpp"
#include "pqbranch/app/program_commands.hpp"
#include "pqbranch/app/program_loop.hpp"
#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/core/log.hpp"
#include "pqbranch/core/process_hardening.hpp"
#include "pqbranch/keysvc/fault_hook.hpp"

namespace {

using namespace pqbranch;  // NOLINT(google-build-using-namespace): a main file

constexpr int kUsageError = 2;
constexpr std::string_view kUsage =
    "usage: pqbranch-edge-stub run [--config PATH]\n"
    "       pqbranch-edge-stub check-config [--config PATH]\n"
    "       pqbranch-edge-stub version\n";

struct Args {
  std::string command = "run";
  std::filesystem::path config{std::string(config::kDefaultEdgeConfigPath)};
};

std::optional<Args> parse_args(int argc, char** argv) {
  std::vector<std::string_view> a(argv + 1, argv + argc);
  Args args;
  if (!a.empty() && (a[0] == "run" || a[0] == "check-config" || a[0] == "version")) {
    args.command = a[0];
    a.erase(a.begin());
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "--config" && i + 1 < a.size()) {
      args.config = a[++i];
    } else if (a[i] == "--check-config") {
      args.command = "check-config";
    } else if (a[i] == "--version") {
      args.command = "version";
    } else {
      return std::nullopt;
    }
  }
  return args;
}

int run(const config::EdgeConfig& cfg, const Args& args) {
  core::init_logging({.name = "pqbranch-edge-stub", .level = cfg.log_level});
  if (auto hardened = core::forbid_core_dumps(); !hardened) {
    spdlog::critical("{}", hardened.error().message());
    return 1;
  }
  // Asio sends with MSG_NOSIGNAL; this guards any other write to a closed peer.
  std::signal(SIGPIPE, SIG_IGN);
  spdlog::info("pqbranch-edge-stub {} starting with {} ({} site(s))", PQB_VERSION,
               args.config.string(), cfg.sites.size());
  auto fault = keysvc::FaultHook::from_environment(keysvc::FaultSide::edge);
  if (!fault) {
    spdlog::critical("{}", fault.error().detail);
    return kUsageError;
  }
  if (auto r = app::prepare_state_directory(cfg.state_directory); !r) {
    spdlog::critical("{}", r.error().message());
    return 1;
  }
  boost::asio::io_context io;
  app::EdgeAssemblyOptions options;
  options.fault = std::move(*fault);
  auto edge = app::EdgeAssembly::create(io, cfg, {}, std::move(options));
  auto started = edge ? (*edge)->start() : core::Result<void>(edge.error());
  if (!started) {
    spdlog::critical("{}", started.error().message());
    return 1;
  }
  // Closes the listeners and every connection; io.run() returns once the server's
  // coroutines have finished (each has a deadline, so none can hang the stop).
  app::run_until_signal(io, [&] { (*edge)->stop(); });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse_args(argc, argv);
  if (!args) {
    std::fwrite(kUsage.data(), 1, kUsage.size(), stderr);
    return kUsageError;
  }
  if (args->command == "version") {
    std::printf("pqbranch-edge-stub %s\n", PQB_VERSION);
    return 0;
  }
  auto cfg = config::load_edge_config(args->config);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().detail.c_str());
    return kUsageError;
  }
  if (args->command == "check-config") {
    auto checked = app::check_edge_config(*cfg);
    if (!checked) {
      std::fprintf(stderr, "%s: %s\n", args->config.c_str(), checked.error().message().c_str());
      return 1;
    }
    std::printf("%s: %s\n", args->config.string().c_str(), checked->c_str());
    return 0;
  }
  return run(*cfg, *args);
}
