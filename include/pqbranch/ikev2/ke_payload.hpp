#pragma once
// Key Exchange payload (RFC 7296 §3.4), also used for RFC 9370's additional key exchanges.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Key Exchange Method Num     |           RESERVED            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                       Key Exchange Data                       ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

struct KePayload {
  KeMethod method = KeMethod::none;
  std::vector<std::uint8_t> data;  // public value, encapsulation key or ciphertext

  friend bool operator==(const KePayload&, const KePayload&) = default;
};

// Key Exchange Data sizes of a method as the initiator and the responder send them: ECP
// x ‖ y (RFC 5903 §7: 64 / 96), Curve25519 32 (RFC 8031 §2), ML-KEM encapsulation key /
// ciphertext (FIPS 203 Table 3, draft-ietf-ipsecme-ikev2-mlkem). nullopt for other methods.
struct KeDataSizes {
  std::size_t initiator;
  std::size_t responder;
};
[[nodiscard]] std::optional<KeDataSizes> ke_data_sizes(KeMethod m) noexcept;

// Non-empty data; for a method whose sizes are known, data of one of the two sizes (the
// exchange checks the direction, since it knows who sent it).
core::Result<void> verify(const KePayload& ke);
void append_body(const KePayload& ke, std::vector<std::uint8_t>& out);
core::Result<KePayload> parse_ke_payload(std::span<const std::uint8_t> body);

}  // namespace pqbranch::ikev2
