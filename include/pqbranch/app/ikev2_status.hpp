#pragma once
// Each [[ikev2.peer]] in `pqbranch-agent status`, as `swanctl --list-sas` shows a connection:
// the IKE SA's state and proposal (with its additional key exchange), when it was made and
// when it is replaced, the CHILD SA's SPIs and the kernel's counters of its two SAs, its
// rekeys and the next one, the last error. SPIs, numbers and names only.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pqbranch/app/ikev2_peers.hpp"
#include "pqbranch/ikev2/session_options.hpp"

namespace pqbranch::app {

struct Ikev2ChildCounters {
  bool present = false;  // the kernel holds the SA
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
};

struct Ikev2PeerReport {
  using SystemTime = std::chrono::system_clock::time_point;
  std::string name;
  std::string local;
  std::string remote;
  ikev2::SessionStatus session;
  // The session's times as UTC (set when the IKE SA is established).
  std::optional<SystemTime> established;
  std::optional<SystemTime> child_installed;
  std::optional<SystemTime> next_child_rekey;
  std::optional<SystemTime> next_ike_replacement;
  Ikev2ChildCounters inbound;
  Ikev2ChildCounters outbound;
};

// A snapshot of every peer; `now` is the report's wall-clock time, `steady_now` the same
// instant on the sessions' clock.
std::vector<Ikev2PeerReport> collect_ikev2_status(const std::vector<Ikev2Peer>& peers,
                                                  std::chrono::system_clock::time_point now,
                                                  core::Clock::time_point steady_now);

}  // namespace pqbranch::app
