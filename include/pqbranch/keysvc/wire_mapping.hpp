#pragma once
// The rotation machines' messages (keysvc/protocol.hpp) <-> the key service's wire bodies
// (wire/). Both executors use these, so the two ends cannot map a field differently.
//
// to_wire/from_wire only change representation: the wire decoders have already enforced
// every rule of docs/key-service.md §3 on what arrives, so converting a decoded message
// cannot fail. The decode_* functions are where untrusted bytes enter: they decode strictly
// and convert, returning the wire module's error (a wire::errc) for a bad body.
//
// What each side fills in that the machines do not carry:
// - the request's agent_version and capabilities (the agent's build and configuration);
// - the response's replay_window: the window of the edge's inbound SAs, for information;
//   each side installs its own inbound SAs with its own configured window;
// - selectors carry prefixes only (agent LAN = xfrm src, edge LAN = xfrm dst); a selector's
//   protocol and ports are not part of version 1 and are dropped by to_wire.

#include <cstdint>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/rotation/generation.hpp"
#include "pqbranch/wire/ack.hpp"
#include "pqbranch/wire/error_response.hpp"
#include "pqbranch/wire/generation.hpp"

namespace pqbranch::keysvc {

// --- GenerationRequest <-> POST /v1/generation body ---
[[nodiscard]] wire::GenerationRequest to_wire(const rotation::GenerationRequest& request,
                                              std::string_view agent_version,
                                              const wire::Capabilities& capabilities);
[[nodiscard]] rotation::GenerationRequest from_wire(const wire::GenerationRequest& request);

// --- GenerationOffer <-> its 200 response ---
// Lifetimes: byte limits map kNoLimit <-> 0 ("none"); packet limits are not carried (an
// offer always has none). Encap: xfrm src_port is the edge's port, dst_port the agent's.
[[nodiscard]] wire::GenerationResponse to_wire(const rotation::GenerationOffer& offer,
                                               std::uint32_t replay_window);
[[nodiscard]] rotation::GenerationOffer from_wire(const wire::GenerationResponse& response);

// --- GenerationAck <-> POST /v1/generation/ack body ---
[[nodiscard]] wire::AckRequest to_wire(const rotation::GenerationAck& ack);
[[nodiscard]] rotation::GenerationAck from_wire(const wire::AckRequest& ack);

// --- Refusal <-> ErrorResponse (any non-2xx answer) ---
// The detail becomes the message through wire::error_message: printable ASCII within
// wire::kMaxErrorMessageBytes, so it always encodes to a body the peer accepts.
[[nodiscard]] wire::ErrorResponse to_wire(const rotation::Refusal& refusal);
[[nodiscard]] rotation::Refusal from_wire(const wire::ErrorResponse& error);
[[nodiscard]] wire::ErrorCode to_wire(rotation::RefusalCode code) noexcept;
[[nodiscard]] rotation::RefusalCode from_wire(wire::ErrorCode code) noexcept;
// The HTTP status a refusal is answered with (docs/key-service.md §4).
[[nodiscard]] unsigned http_status(rotation::RefusalCode code) noexcept;

// --- bodies ---
[[nodiscard]] std::string encode_request(const rotation::GenerationRequest& request,
                                         std::string_view agent_version,
                                         const wire::Capabilities& capabilities);
[[nodiscard]] std::string encode_offer(const rotation::GenerationOffer& offer,
                                       std::uint32_t replay_window);
[[nodiscard]] std::string encode_ack(const rotation::GenerationAck& ack);
[[nodiscard]] std::string encode_refusal(const rotation::Refusal& refusal);

[[nodiscard]] core::Result<rotation::GenerationRequest> decode_request(std::string_view body);
[[nodiscard]] core::Result<rotation::GenerationOffer> decode_offer(std::string_view body);
[[nodiscard]] core::Result<rotation::GenerationAck> decode_ack(std::string_view body);
[[nodiscard]] core::Result<rotation::Refusal> decode_refusal(std::string_view body);

}  // namespace pqbranch::keysvc
