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
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::app {

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
  // The kernel's counters of the CHILD SA's two SAs; none when the kernel does not hold one.
  std::optional<xfrm::SaCounters> inbound;
  std::optional<xfrm::SaCounters> outbound;
};

// A snapshot of every peer; `now` is the report's wall-clock time, `steady_now` the same
// instant on the sessions' clock.
std::vector<Ikev2PeerReport> collect_ikev2_status(const std::vector<Ikev2Peer>& peers,
                                                  std::chrono::system_clock::time_point now,
                                                  core::Clock::time_point steady_now);

}  // namespace pqbranch::app
