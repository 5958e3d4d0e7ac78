// `pqb-keysvc-bench ike`: IKEv2 set-ups back to back in one process, with the peer wiring
// of pqbranch-agent for the first [[ikev2.peer]] of the agent's config file. Its settings
// (PSK or key and certificates) are loaded once, as the agent does; each set-up then starts
// the peer (app::start_ikev2_peer: the tunnel's policies through NetlinkKernel, the
// InitiatorSession), runs the io_context until the session counts an established IKE SA
// (and so its CHILD SA installed), stops it with its SAs deleted (one INFORMATIONAL Delete,
// not waited for) and flushes the peer's tunnel. One untimed warm-up set-up comes first.
// Logs only warnings, whatever the config says.
//
// Prints "setups N seconds S setup_p50_ms P setup_max_ms M"; exits 1 if a set-up failed or
// took longer than --timeout seconds.

#include <chrono>
#include <cstdio>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/app/ikev2_peers.hpp"
#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/core/log.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/ikev2/initiator_settings.hpp"

#include "bench_commands.hpp"

namespace pqbranch::bench {
namespace {

using IkeSteady = std::chrono::steady_clock;

// One set-up and its teardown; the time to the established IKE SA, or nullopt on failure
// (reported on stderr).
std::optional<std::chrono::microseconds> one_setup(boost::asio::io_context& io,
                                                   const config::AgentConfig& cfg,
                                                   const ikev2::InitiatorSettings& settings,
                                                   core::Metrics& metrics,
                                                   std::chrono::seconds timeout) {
  const auto start = IkeSteady::now();
  const app::AssemblyDeps deps{};
  bool established = false;
  std::chrono::microseconds took{0};
  {
    auto peer = app::start_ikev2_peer(io, cfg, cfg.ikev2_peers.front(), settings, deps, metrics);
    if (!peer) {
      std::fprintf(stderr, "ike: %s\n", peer.error().message().c_str());
      return std::nullopt;
    }
    ikev2::InitiatorSession& session = *peer->session;
    io.restart();
    const auto deadline = start + timeout;
    while (session.status().established == 0 && IkeSteady::now() < deadline) {
      if (io.run_one_until(deadline) == 0 && io.stopped()) break;  // nothing left to wait for
    }
    took = std::chrono::duration_cast<std::chrono::microseconds>(IkeSteady::now() - start);
    established = session.status().established > 0;
    if (!established) {
      std::fprintf(stderr, "ike: no IKE SA within %lld s (state %s: %s)\n",
                   static_cast<long long>(timeout.count()), session.status().state.c_str(),
                   session.status().last_error.c_str());
    }
    session.stop(true);
  }  // the session, then its kernel handle, closed here
  for (const auto& flushed : app::flush_ikev2_peers(cfg, deps)) {
    if (!flushed.report) {
      std::fprintf(stderr, "ike: flush %s: %s\n", flushed.peer.c_str(),
                   flushed.report.error().message().c_str());
      return std::nullopt;
    }
  }
  if (!established) return std::nullopt;
  return took;
}

}  // namespace

int run_ike(const Args& args) {
  auto cfg = config::load_agent_config(args.get("config"));
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().detail.c_str());
    return 2;
  }
  if (cfg->ikev2_peers.empty()) {
    std::fprintf(stderr, "ike: no [[ikev2.peer]] in %s\n", args.get("config").c_str());
    return 2;
  }
  core::init_logging({.name = "pqb-bench-ike", .level = spdlog::level::warn, .journald = false});
  auto settings = ikev2::make_initiator_settings(cfg->ikev2_peers.front());
  if (!settings) {
    std::fprintf(stderr, "ike: %s\n", settings.error().message().c_str());
    return 2;
  }
  const auto timeout = std::chrono::seconds(args.number("timeout", 30));
  const auto setups = args.number("setups", 20);
  const auto limit = std::chrono::seconds(args.number("seconds", 120));
  boost::asio::io_context io;
  core::Metrics metrics;
  if (!one_setup(io, *cfg, *settings, metrics, timeout))
    return 1;  // warm-up: cold caches, not timed

  std::vector<std::chrono::microseconds> samples;
  const auto start = IkeSteady::now();
  while (samples.size() < setups && IkeSteady::now() - start < limit) {
    auto took = one_setup(io, *cfg, *settings, metrics, timeout);
    if (!took) return 1;
    samples.push_back(*took);
  }
  const std::chrono::duration<double> seconds = IkeSteady::now() - start;
  fmt::print("setups {} seconds {:.3f} setup_p50_ms {:.1f} setup_max_ms {:.1f}\n", samples.size(),
             seconds.count(), static_cast<double>(percentile(samples, 50).count()) / 1000.0,
             static_cast<double>(percentile(samples, 100).count()) / 1000.0);
  return 0;
}

}  // namespace pqbranch::bench
