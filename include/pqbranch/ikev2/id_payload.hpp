#pragma once
// Identification payloads IDi and IDr (RFC 7296 §3.5).
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   ID Type     |                 RESERVED                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                   Identification Data                         ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kMaxIdDataSize = 1024;

struct IdPayload {
  bool initiator = true;  // IDi (35) or IDr (36)
  IdType type = IdType::fqdn;
  std::vector<std::uint8_t> data;

  friend bool operator==(const IdPayload&, const IdPayload&) = default;
};

// FQDN / RFC822 text identities (no validation of the text beyond its length).
[[nodiscard]] IdPayload make_id(bool initiator, IdType type, std::string_view text);

// Non-empty data up to kMaxIdDataSize; ID_IPV4_ADDR exactly 4 bytes, ID_IPV6_ADDR 16.
core::Result<void> verify(const IdPayload& id);
void append_body(const IdPayload& id, std::vector<std::uint8_t>& out);
core::Result<IdPayload> parse_id_payload(std::span<const std::uint8_t> body, bool initiator);

// RestOfInitIDPayload / RestOfRespIDPayload (RFC 7296 §2.15): ID Type ‖ RESERVED ‖ data, the
// body exactly as sent (RESERVED is zero when we build; on receipt we only accept zero).
[[nodiscard]] std::vector<std::uint8_t> id_body(const IdPayload& id);

}  // namespace pqbranch::ikev2
