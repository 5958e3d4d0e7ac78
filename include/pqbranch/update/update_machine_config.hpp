#pragma once
// What the agent's update machine needs to know about this agent and its timing. The
// assembly fills it from the agent's configuration; tests build it directly.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "pqbranch/update/update_decisions.hpp"

namespace pqbranch::update {

struct UpdateMachineConfig {
  std::string running_version;       // this program's version (PQB_VERSION)
  std::string channel;               // the release channel it follows (status only)
  std::filesystem::path update_dir;  // absolute: packages, the request, the result
  Duration check_interval = std::chrono::hours(6);
  Duration check_jitter = std::chrono::minutes(30);       // added uniformly in [0, jitter]
  Duration first_check_jitter = std::chrono::minutes(2);  // the first check: start + [0, this]
  // After a failed fetch or download (or request write): initial * 2^(n-1), capped at the
  // check interval, then a uniform pick in [half, whole].
  Duration retry_initial = std::chrono::minutes(1);
  // How long the executor may take to fetch, download or write before the machine gives up
  // on that operation (its late result is then ignored).
  Duration operation_timeout = std::chrono::minutes(15);
  // How long to wait for the root updater's result after an install request before the
  // request is withdrawn (the updater's health gate alone takes up to two minutes).
  Duration result_timeout = std::chrono::hours(1);
  // Reports to the edge: retried with backoff from initial to max, at most `report_attempts`
  // times, then dropped with an error in the log.
  Duration report_retry_initial = std::chrono::seconds(30);
  Duration report_retry_max = std::chrono::minutes(30);
  unsigned report_attempts = 20;
  // A package larger than this is refused before it is downloaded.
  std::uint64_t max_package_bytes = std::uint64_t{256} * 1024 * 1024;
};

}  // namespace pqbranch::update
