// pqb-keysvc-bench: the programs of the benchmarks (label bench; driven by
// tests/bench/keysvc_rates.sh and agent_footprint.sh, and in the VM by
// tests/vm/bench/ikev2_initiator.sh).
//
//   pqb-keysvc-bench edge --config EDGE.toml [--ready-file PATH]
//   pqb-keysvc-bench rotate --port P --pki DIR [--sites N] [--peer NAME] [--count N]
//                           [--seconds S] [--resume] [--group NAME] [--first-site K]
//                           [--concurrency N]
//   pqb-keysvc-bench agent --config AGENT.toml [--rotations N] [--seconds S]
//                          [--interval-ms MS] [--no-resume]
//   pqb-keysvc-bench pki --dir DIR [--sites N] [--alg ecdsa|mldsa65]
//   pqb-keysvc-bench ike --config AGENT.toml [--setups N] [--seconds S] [--timeout S]

#include <cstdio>
#include <string_view>
#include <vector>

#include "bench_commands.hpp"

int main(int argc, char** argv) {
  using pqbranch::bench::Args;
  const std::vector<std::string_view> all(argv + 1, argv + argc);
  if (all.empty()) {
    std::fputs("usage: pqb-keysvc-bench edge|rotate|agent|pki|ike [OPTIONS]\n", stderr);
    return 2;
  }
  const std::string_view command = all.front();
  const std::vector<std::string_view> rest(all.begin() + 1, all.end());
  if (command == "edge") {
    auto a = Args::parse(rest, {"config", "ready-file"}, {});
    return a ? pqbranch::bench::run_edge(*a) : 2;
  }
  if (command == "rotate") {
    auto a = Args::parse(
        rest,
        {"port", "pki", "sites", "peer", "count", "seconds", "group", "first-site", "concurrency"},
        {"resume"});
    return a ? pqbranch::bench::run_rotate(*a) : 2;
  }
  if (command == "pki") {
    auto a = Args::parse(rest, {"dir", "sites", "alg"}, {});
    return a ? pqbranch::bench::run_pki(*a) : 2;
  }
  if (command == "agent") {
    auto a = Args::parse(rest, {"config", "rotations", "seconds", "interval-ms"}, {"no-resume"});
    return a ? pqbranch::bench::run_agent(*a) : 2;
  }
  if (command == "ike") {
    auto a = Args::parse(rest, {"config", "setups", "seconds", "timeout"}, {});
    return a ? pqbranch::bench::run_ike(*a) : 2;
  }
  std::fprintf(stderr, "unknown command %.*s\n", static_cast<int>(command.size()), command.data());
  return 2;
}
