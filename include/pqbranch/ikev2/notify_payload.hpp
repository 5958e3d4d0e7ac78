#pragma once
// Notify payload (RFC 7296 §3.10) and the notification data formats we read or build.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Protocol ID  |   SPI Size    |      Notify Message Type      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                Security Parameter Index (SPI)                 ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                       Notification Data                       ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kMaxNotifyDataSize = 4096;

struct NotifyPayload {
  ProtocolId protocol = ProtocolId::none;  // none when no SPI (§3.10: "MUST be zero")
  std::vector<std::uint8_t> spi;           // empty, or 4 bytes for an ESP/AH CHILD SA
  NotifyType type = NotifyType::initial_contact;
  std::vector<std::uint8_t> data;

  friend bool operator==(const NotifyPayload&, const NotifyPayload&) = default;
};

// A notification without SPI.
[[nodiscard]] NotifyPayload make_notify(NotifyType type, std::vector<std::uint8_t> data = {});

// SPI size 0, 4 or 8; with an SPI the protocol is IKE, AH or ESP; data up to
// kMaxNotifyDataSize. Types with a fixed data format are checked too: NAT_DETECTION_* 20
// bytes (§3.10.1), INVALID_KE_PAYLOAD 2 bytes, SIGNATURE_HASH_ALGORITHMS an even number,
// INTERMEDIATE_EXCHANGE_SUPPORTED / USE_TRANSPORT_MODE / ESP_TFC_PADDING_NOT_SUPPORTED none.
core::Result<void> verify(const NotifyPayload& n);
void append_body(const NotifyPayload& n, std::vector<std::uint8_t>& out);
core::Result<NotifyPayload> parse_notify_payload(std::span<const std::uint8_t> body);

// FRAGMENTATION_SUPPORTED (RFC 7383 §2.3): no SPI, no data; sent in IKE_SA_INIT.
[[nodiscard]] NotifyPayload make_fragmentation_supported();

// INVALID_KE_PAYLOAD: the method the responder wants (§1.3).
[[nodiscard]] NotifyPayload make_invalid_ke(KeMethod wanted);
core::Result<KeMethod> invalid_ke_method(const NotifyPayload& n);

// SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4): a list of 16-bit hash IDs.
[[nodiscard]] NotifyPayload make_signature_hash_algorithms(std::span<const SignatureHash> hashes);
core::Result<std::vector<SignatureHash>> signature_hash_algorithms(const NotifyPayload& n);

}  // namespace pqbranch::ikev2
