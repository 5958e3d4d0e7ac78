#pragma once
// Kernel events pqbranch reacts to, parsed into typed values (Kernel::read_events()).

#include <cstdint>
#include <variant>

#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::xfrm {

// XFRM_MSG_EXPIRE: a lifetime ran out. Soft: the SA is dying (rekey now). Hard: the kernel
// has deleted it. A larval SA (ALLOCSPI) that was never completed ends with a hard expire.
struct ExpireEvent {
  SaId id;
  core::IpAddress src;
  std::uint32_t reqid = 0;
  std::uint32_t if_id = 0;
  bool hard = false;
  bool owned = false;
};

// XFRM_MSG_ACQUIRE: traffic hit a policy whose template has no SA.
struct AcquireEvent {
  core::IpAddress src;  // template endpoints
  core::IpAddress dst;
  Proto proto = Proto::esp;
  std::uint32_t reqid = 0;
  Selector selector;  // the packet's flow
  PolicyDirection direction = PolicyDirection::out;
  std::uint32_t policy_index = 0;
  std::uint32_t if_id = 0;
  std::uint32_t seq = 0;
  bool owned = false;
};

// XFRM_MSG_MAPPING: the peer's NAT mapping changed (NAT-T SA). Apply with update_sa.
struct MappingEvent {
  SaId id;
  std::uint32_t reqid = 0;
  core::IpAddress old_src;
  std::uint16_t old_sport = 0;
  core::IpAddress new_src;
  std::uint16_t new_sport = 0;
  bool owned = false;
};

using Event = std::variant<ExpireEvent, AcquireEvent, MappingEvent>;

}  // namespace pqbranch::xfrm
