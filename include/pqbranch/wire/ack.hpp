#pragma once
// POST /v1/generation/ack: the agent reports that it installed (or abandoned) a generation;
// the edge answers whether it now sends on it. Idempotent: repeating an ack, on the same or
// a new connection of the same site, changes nothing once the edge has acted on it.

#include <cstdint>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/wire/errc.hpp"

namespace pqbranch::wire {

// "I installed inbound and outbound SAs of `generation` and send on it now". The SPIs are
// those of the answer it acknowledges, so an ack can only ever confirm that exact pair of
// SAs. An agent that abandons a generation sends no ack: the edge retires that inbound SA by
// the normal rule (docs/rotation.md).
struct AckRequest {
  std::uint64_t generation = 0;  // >= 1
  std::uint32_t agent_spi = 0;   // >= kMinSpi: the agent's inbound SA of `generation`
  std::uint32_t edge_spi = 0;    // >= kMinSpi: the edge's inbound SA of `generation`
  friend bool operator==(const AckRequest&, const AckRequest&) = default;
};

struct AckResponse {
  std::uint64_t generation = 0;          // >= 1
  bool edge_outbound_installed = false;  // the edge now sends on `generation`
  friend bool operator==(const AckResponse&, const AckResponse&) = default;
};

[[nodiscard]] std::string encode(const AckRequest& request);
[[nodiscard]] std::string encode(const AckResponse& response);
[[nodiscard]] core::Result<AckRequest> decode_ack_request(std::string_view body);
[[nodiscard]] core::Result<AckResponse> decode_ack_response(std::string_view body);

}  // namespace pqbranch::wire
