#pragma once
// Building and parsing whole IKEv2 messages in plaintext (IKE_SA_INIT): the header, then
// the payload chain walked with strict bounds. Encrypted messages: sk_payload.hpp.
//
// Parsing (RFC 7296 §2.5): a payload type we do not know is skipped when its critical bit
// is clear; with the bit set the message is refused with errc::unsupported_critical_payload
// (detail "payload type N": the responder's answer is UNSUPPORTED_CRITICAL_PAYLOAD with N).
// Known payload types that have no place in our exchanges (CP, EAP) are treated as unknown.

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/header.hpp"
#include "pqbranch/ikev2/payload.hpp"

namespace pqbranch::ikev2 {

struct Message {
  Header header;  // next_payload and length are filled in by the encoders
  std::vector<Payload> payloads;
};

// Verifies and encodes every payload, sets header.next_payload and header.length.
// errc::too_large beyond kMaxMessageSize or a payload beyond 65535 bytes.
core::Result<std::vector<std::uint8_t>> encode_message(const Message& m);

// Parses a plaintext message. An SK payload is errc::unexpected_encrypted_payload (use
// open_message), and so is an SKF payload (an RFC 7383 fragment: fragment_reassembler.hpp).
core::Result<Message> parse_message(std::span<const std::uint8_t> datagram);

// Parses a chain of payloads (used by the SK code for the decrypted inner payloads).
core::Result<std::vector<Payload>> parse_payload_chain(PayloadType first,
                                                       std::span<const std::uint8_t> bytes);

// Encodes a chain of payloads; the first one's type is `first` (PayloadType::none if empty).
struct EncodedChain {
  PayloadType first = PayloadType::none;
  std::vector<std::uint8_t> bytes;
};
core::Result<EncodedChain> encode_payload_chain(const std::vector<Payload>& payloads);

}  // namespace pqbranch::ikev2
