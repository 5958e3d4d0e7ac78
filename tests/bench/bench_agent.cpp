// `pqb-keysvc-bench agent`: the agent wired as pqbranch-agent wires it (its config file,
// agent_settings, tunnel setup, AgentClient, AgentExecutor, status socket, one io_context),
// but with a FakeKernel (this host's kernel has no ESP) and without the per-socket bypass
// (it needs xfrm). Against a running edge it
// - measures its private memory once generation 1 is installed (one tunnel), and
// - rotates every --interval-ms until --rotations or --seconds, then prints the latency
//   of each rotation as the executor times it (RotationTiming: from the Connect of the
//   attempt that succeeded to its acknowledgement), without the first (cold) one.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/app/agent_settings.hpp"
#include "pqbranch/app/agent_status.hpp"
#include "pqbranch/app/status_server.hpp"
#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/core/log.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/agent_client.hpp"
#include "pqbranch/keysvc/agent_executor.hpp"
#include "pqbranch/tunnel/tunnel_setup.hpp"

#include "bench_commands.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::bench {
namespace {

void print_memory(const char* when) {
  if (auto m = private_memory()) {
    fmt::print(
        "memory {} private_kib {} private_clean_kib {} private_dirty_kib {} exe_rss_kib {} "
        "rss_kib {}\n",
        when, m->clean_kib + m->dirty_kib, m->clean_kib, m->dirty_kib, m->exe_rss_kib, m->rss_kib);
  }
}

}  // namespace

int run_agent(const Args& args) {
  auto cfg = config::load_agent_config(args.get("config"));
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().detail.c_str());
    return 2;
  }
  core::init_logging({.name = "pqb-bench-agent", .level = cfg->log_level, .journald = false});
  app::AgentSettings settings = app::agent_settings(*cfg);
  settings.client.bypass_tunnel = false;
  settings.client.resume_sessions = !args.flag("no-resume");
  settings.rotation.interval = std::chrono::milliseconds(args.number("interval-ms", 200));
  settings.rotation.jitter = rotation::Duration::zero();
  std::filesystem::create_directories(cfg->state_directory);

  core::SystemClock clock;
  test::FakeKernel kernel(clock, test::FakeKernel::Options{.ownership = settings.ownership});
  if (auto setup = tunnel::setup_tunnel(kernel, nullptr, settings.layout); !setup) {
    spdlog::critical("tunnel setup: {}", setup.error().message());
    return 1;
  }
  boost::asio::io_context io;
  core::Metrics metrics;
  auto client = keysvc::AgentClient::create(io, settings.client, metrics);
  if (!client) {
    spdlog::critical("key service client: {}", client.error().message());
    return 1;
  }
  keysvc::AgentExecutorOptions options;
  options.rotation = settings.rotation;
  options.state_file = settings.state_file;
  options.observer = [&kernel](const rotation::AgentAction&) {
    if (kernel.log().size() > 1024) kernel.clear_log();
  };
  keysvc::AgentExecutor executor(io, kernel, **client, metrics, std::move(options));
  if (auto r = executor.start(); !r) {
    spdlog::critical("start: {}", r.error().message());
    return 1;
  }
  const app::StatusContext context{"policy", settings.layout.local_address.to_string(),
                                   settings.layout.remote_address.to_string()};
  auto status = app::StatusServer::create(io, settings.status_socket, [&] {
    return app::to_json(app::collect_status(executor, client->get(), kernel, metrics, context));
  });

  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(args.number("seconds", 30));
  auto run_until = [&](std::uint64_t rotations) {
    while (executor.rotations() < rotations && std::chrono::steady_clock::now() < deadline) {
      io.run_one_for(std::chrono::milliseconds(50));
    }
    return executor.rotations() >= rotations;
  };
  if (!run_until(1)) {
    std::fprintf(stderr, "no generation within the time limit\n");
    return 1;
  }
  print_memory("one_tunnel");
  const std::uint64_t wanted = args.number("rotations", 200) + 1;
  const bool complete = run_until(wanted);
  print_memory("after_rotations");
  executor.stop();

  std::vector<std::chrono::microseconds> samples;
  for (const keysvc::RotationTiming& t : executor.timings()) {
    if (t.generation > 1) samples.push_back(t.latency);  // the first one is cold
  }
  fmt::print("latency rotations {} p50_us {} p99_us {} max_us {}{}\n", samples.size(),
             percentile(samples, 50).count(), percentile(samples, 99).count(),
             percentile(samples, 100).count(), complete ? "" : " (time limit reached)");
  return samples.empty() ? 1 : 0;
}

}  // namespace pqbranch::bench
