#pragma once
// The subcommands of pqb-keysvc-bench (tests/bench/README in keysvc_rates.sh's header).

#include "bench_util.hpp"

namespace pqbranch::bench {

int run_edge(const Args& args);    // bench_edge.cpp
int run_rotate(const Args& args);  // bench_rotate.cpp
int run_agent(const Args& args);   // bench_agent.cpp
int run_pki(const Args& args);     // bench_pki.cpp
int run_ike(const Args& args);     // bench_ike.cpp

}  // namespace pqbranch::bench
