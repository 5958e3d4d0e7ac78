// `pqb-keysvc-bench agent`: the agent as pqbranch-agent assembles it (app::AgentAssembly from
// its config file: tunnel setup, AgentClient, AgentExecutor, status socket, one io_context),
// but with a FakeKernel (this host's kernel has no ESP) and without the per-socket bypass
// (it needs xfrm). Against a running edge it
// - measures its private memory once generation 1 is installed (one tunnel), and
// - rotates every --interval-ms until --rotations or --seconds, then prints the latency
//   of each rotation without the first (cold) one, twice: `keys_in_use` from the Connect of
//   the attempt that succeeded to the new outbound SA being installed (the key exchange
//   and both installs: what the target is for), and `ack` as the executor times it
//   (RotationTiming: to the acknowledgement), which adds the programs' outbound drain
//   (rotation::kOutboundDrain) on purpose: the ack promises the old outbound SA is gone.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/app/agent_assembly.hpp"
#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/core/log.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/agent_executor.hpp"
#include "pqbranch/rotation/actions.hpp"
#include "pqbranch/rotation/rotation_config.hpp"

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
  std::filesystem::create_directories(cfg->state_directory);

  core::SystemClock clock;
  std::unique_ptr<test::FakeKernel> kernel;
  app::AssemblyDeps deps;
  deps.kernel = [&](const xfrm::Ownership& ownership) {
    kernel = std::make_unique<test::FakeKernel>(clock,
                                                test::FakeKernel::Options{.ownership = ownership});
    return core::Result<std::shared_ptr<xfrm::Kernel>>(app::borrowed<xfrm::Kernel>(*kernel));
  };
  app::AgentAssemblyOptions options;
  options.settings = [&](app::AgentSettings& s) {
    s.client.bypass_tunnel = false;
    s.client.resume_sessions = !args.flag("no-resume");
    s.rotation.interval = std::chrono::milliseconds(args.number("interval-ms", 200));
    s.rotation.jitter = rotation::Duration::zero();
  };
  // keys_in_use samples: the last Connect (the attempt that then installs) to AddSa(out).
  using Steady = std::chrono::steady_clock;
  std::optional<Steady::time_point> last_connect;
  std::vector<std::chrono::microseconds> keys_in_use;
  options.executor = [&](keysvc::AgentExecutorOptions& o) {
    o.observer = [&](const rotation::AgentAction& a) {
      if (std::holds_alternative<rotation::Connect>(a)) last_connect = Steady::now();
      const auto* add = std::get_if<rotation::AddSa>(&a);
      if (add != nullptr && add->sa.direction == xfrm::SaDirection::out && last_connect) {
        keys_in_use.push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - *last_connect));
      }
      if (kernel->log().size() > 1024) kernel->clear_log();
    };
  };
  boost::asio::io_context io;
  auto agent = app::AgentAssembly::create(io, *cfg, deps, std::move(options));
  auto started = agent ? (*agent)->start() : core::Result<void>(agent.error());
  if (!started) {
    spdlog::critical("{}", started.error().message());
    return 1;
  }
  keysvc::AgentExecutor& executor = *(*agent)->executor();

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
  if (!keys_in_use.empty()) keys_in_use.erase(keys_in_use.begin());  // generation 1, cold
  const char* limit = complete ? "" : " (time limit reached)";
  fmt::print("latency keys_in_use rotations {} p50_us {} p99_us {} max_us {}{}\n",
             keys_in_use.size(), percentile(keys_in_use, 50).count(),
             percentile(keys_in_use, 99).count(), percentile(keys_in_use, 100).count(), limit);
  fmt::print(
      "latency ack rotations {} p50_us {} p99_us {} max_us {} (outbound drain {} ms){}\n",
      samples.size(), percentile(samples, 50).count(), percentile(samples, 99).count(),
      percentile(samples, 100).count(),
      std::chrono::duration_cast<std::chrono::milliseconds>(rotation::kOutboundDrain).count(),
      limit);
  return samples.empty() || keys_in_use.empty() ? 1 : 0;
}

}  // namespace pqbranch::bench
