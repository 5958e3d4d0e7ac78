#pragma once
// What each side saves between runs: generation numbers and SPIs, never keys. A restart
// adopts the SAs the kernel still holds when they match these records and removes the
// rest. The executor writes it atomically (temporary file + rename) whenever the machine
// emits a Save action; records are written before an SA is installed (an SA the kernel holds
// is always known) and dropped after it is deleted.
//
// Encoding: one small JSON object, decoded strictly (unknown or missing fields, wrong
// types, out-of-range numbers and more than kMaxSavedSas records are errors).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/rotation/generation.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::rotation {

inline constexpr std::size_t kMaxSavedSas = 64;

// One SA this side installed (or is about to install).
struct SaRecord {
  Generation generation = 0;
  xfrm::SaDirection direction = xfrm::SaDirection::in;
  std::uint32_t spi = 0;

  friend bool operator==(const SaRecord&, const SaRecord&) = default;
};

struct AgentState {
  Generation generation = 0;  // the generation of the agent's outbound SA
  std::vector<SaRecord> sas;

  friend bool operator==(const AgentState&, const AgentState&) = default;
};

struct EdgeSiteState {
  std::string site_id;
  Generation last_issued = 0;  // highest generation ever offered to this site
  Generation generation = 0;   // the generation of the edge's outbound SA
  std::vector<SaRecord> sas;

  friend bool operator==(const EdgeSiteState&, const EdgeSiteState&) = default;
};

std::string encode(const AgentState& s);
std::string encode(const EdgeSiteState& s);
core::Result<AgentState> decode_agent_state(std::string_view text);
core::Result<EdgeSiteState> decode_edge_site_state(std::string_view text);

}  // namespace pqbranch::rotation
