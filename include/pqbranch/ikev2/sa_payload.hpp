#pragma once
// Security Association payload (RFC 7296 §3.3): proposals, each a list of transforms, each
// with optional attributes (only Key Length is defined, §3.3.5). Transform types 6..12 are
// RFC 9370's additional key exchanges ADDKE1..7.
//
// Proposal substructure (§3.3.1):
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Last Substruc |   RESERVED    |         Proposal Length       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                        SPI (variable)                         ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                        <Transforms>                           ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Transform substructure (§3.3.2):
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Last Substruc |   RESERVED    |        Transform Length       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Transform Type |   RESERVED    |          Transform ID         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                      Transform Attributes                     ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Data attribute (§3.3.5), TV form (AF = 1) only for Key Length:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |A|       Attribute Type        |    AF=0  Attribute Length     |
// |F|                             |    AF=1  Attribute Value      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                   AF=0  Attribute Value                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

struct Transform {
  TransformType type = TransformType::encr;
  std::uint16_t id = 0;
  std::optional<std::uint16_t> key_length;  // bits (attribute 14), e.g. 256 for AES-GCM-16-256
  // An attribute other than Key Length was received. RFC 7296 §3.3.6: the receiver MUST
  // reject (not select) such a transform; kept so the selection can skip it. Never encoded.
  bool unknown_attribute = false;

  friend bool operator==(const Transform&, const Transform&) = default;
};

struct Proposal {
  std::uint8_t number = 1;  // 1, 2, ... (§3.3.1); a response echoes the chosen number
  ProtocolId protocol = ProtocolId::ike;
  std::vector<std::uint8_t> spi;  // IKE: empty in IKE_SA_INIT (8 when rekeying); ESP/AH: 4
  std::vector<Transform> transforms;

  friend bool operator==(const Proposal&, const Proposal&) = default;
};

struct SaPayload {
  std::vector<Proposal> proposals;

  friend bool operator==(const SaPayload&, const SaPayload&) = default;
};

// Limits we enforce on receipt and on building (our proposals are few and explicit).
inline constexpr std::size_t kMaxProposals = 16;
inline constexpr std::size_t kMaxTransformsPerProposal = 32;

// RFC 7296 §3.3.1: at least one proposal, numbered from 1 (a response echoes the chosen
// number, so the first may be higher), each next one greater by one (we build one protocol
// per number); protocol IKE,
// AH or ESP; SPI size 0 or 8 for IKE, 4 for AH/ESP; at least one transform; a Key Length
// attribute only once.
core::Result<void> verify(const SaPayload& sa);

// Appends the SA payload's body (no generic header). Call verify first.
void append_body(const SaPayload& sa, std::vector<std::uint8_t>& out);

// Parses an SA body: every length, count and Last Substruc field is checked against the
// bytes (bad_length, bad_count, bad_value), then verify() runs.
core::Result<SaPayload> parse_sa_payload(std::span<const std::uint8_t> body);

// The first transform of `type` in a proposal, or nullptr.
[[nodiscard]] const Transform* find_transform(const Proposal& p, TransformType type) noexcept;

}  // namespace pqbranch::ikev2
