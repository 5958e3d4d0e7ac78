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

struct AckRequest {
  std::uint64_t generation = 0;  // >= 1
  // true: the agent installed inbound and outbound SAs of `generation`.
  // false: the agent abandoned it (installation failed); the edge retires its inbound SA.
  bool installed = false;
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
