#pragma once
// The Encrypted payload SK (RFC 7296 §3.14) with ENCR_AES_GCM_16 and a 256-bit key
// (RFC 5282): SK_e is 36 bytes, key ‖ 4-byte salt (RFC 5282 §7.1); the nonce is salt ‖
// 8-byte explicit IV (§4); the ICV is 16 bytes; the AAD is the message from the first byte
// of the IKE header to the last byte of the SK payload's generic header (§5.1).
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     Initialization Vector                     |
// |                            (8 octets)                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~             Ciphertext of inner payloads + Padding            ~
// +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |               |  Pad Length   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                 Integrity Checksum Data (16 octets)           ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The SK payload's Next Payload is the type of the first inner payload; it is the last
// payload of the message. All payloads of a sealed message go inside it.
//
// Both directions also return the RFC 9242 §3.4 IntAuth input of the message, the octets
// IntAuth_[i|r]N_A ‖ IntAuth_[i|r]N_P: the IKE header and any payloads before SK, the SK
// generic header, then the inner payloads in plaintext, where the two Length fields are
// "adjusted" to cover only these octets (no IV, padding, Pad Length or ICV).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/message.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kSkKeySize = 36;  // AES-256 key ‖ salt
inline constexpr std::size_t kSkIvSize = 8;
inline constexpr std::size_t kSkIcvSize = 16;

struct SealedMessage {
  std::vector<std::uint8_t> bytes;            // the datagram to send
  std::vector<std::uint8_t> int_auth_octets;  // IntAuth_*_A ‖ IntAuth_*_P (RFC 9242 §3.4)
};

// Encodes `m` with all its payloads inside one SK payload, encrypted under `sk_e` (the
// sender's SK_ei or SK_er, 36 bytes, errc::bad_key otherwise). `iv` must never repeat under
// one key (RFC 5282 §3.1): use a per-key counter. No padding is added (GCM needs none).
core::Result<SealedMessage> seal_message(const Message& m, std::span<const std::uint8_t> sk_e,
                                         std::uint64_t iv);

struct OpenedMessage {
  Message message;  // header as received; payloads before SK, then the inner payloads
  std::vector<std::uint8_t> int_auth_octets;
};

// Parses the header and the chain up to the SK payload, checks the ICV with `sk_e` (the
// peer's SK_er or SK_ei), then parses the inner payloads. errc::integrity_check_failed when
// the ICV does not verify (nothing of the content is released); missing_encrypted_payload
// when there is no SK payload; bad_length for a Pad Length beyond the plaintext.
core::Result<OpenedMessage> open_message(std::span<const std::uint8_t> datagram,
                                         std::span<const std::uint8_t> sk_e);

}  // namespace pqbranch::ikev2
