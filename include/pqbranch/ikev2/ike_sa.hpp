#pragma once
// The state one initiator's IKE SA carries through its exchanges (the tasks read and update
// it; none does I/O). Message IDs (RFC 7296 §2.2): our requests count from 0; the
// responder's requests to us count separately, from 0. "The responder" is always the peer:
// after the peer rekeyed the IKE SA it is the new IKE SA's original initiator (§2.18), which
// changes the I flag and which of SK_ei and SK_er is ours, and nothing else.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pqbranch/config/ikev2_config.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/header.hpp"
#include "pqbranch/ikev2/ike_keys.hpp"
#include "pqbranch/ikev2/int_auth.hpp"
#include "pqbranch/ikev2/key_exchange.hpp"
#include "pqbranch/ikev2/message.hpp"
#include "pqbranch/ikev2/received_message.hpp"
#include "pqbranch/ikev2/sa_payload.hpp"
#include "pqbranch/ikev2/sk_payload.hpp"

namespace pqbranch::ikev2 {

// The addresses and ports IKE_SA_INIT runs between (NAT detection hashes them).
struct Endpoints {
  core::IpAddress local;
  std::uint16_t local_port = 500;
  core::IpAddress remote;
  std::uint16_t remote_port = 500;
};

// The CHILD SA negotiated in IKE_AUTH (RFC 7296 §2.17 keys, §3.13 selectors).
struct ChildSa {
  std::uint32_t inbound_spi = 0;   // ours, allocated before IKE_AUTH
  std::uint32_t outbound_spi = 0;  // the responder's
  core::SecureBytes outbound_key;  // KEYMAT for initiator -> responder, key ‖ salt
  core::SecureBytes inbound_key;
  std::vector<core::IpPrefix> local_ts;  // as the responder narrowed them
  std::vector<core::IpPrefix> remote_ts;
};

// A CREATE_CHILD_SA rekey of the CHILD SA (create_child_sa_task.hpp) or of the IKE SA
// (ike_rekey_task.hpp) in progress: from our request until the last IKE_FOLLOWUP_KE response.
struct ChildRekey {
  std::uint32_t inbound_spi = 0;   // ours for the new CHILD SA (allocated before the request)
  std::uint32_t outbound_spi = 0;  // the responder's, from its response
  std::vector<std::uint8_t> ni;
  std::vector<std::uint8_t> nr;
  std::optional<KeyExchange> ke;         // ours of the exchange now outstanding
  std::vector<KeMethod> followups;       // the additional key exchanges still to run
  core::SecureBytes secret;              // SK(0): the CREATE_CHILD_SA's KE (RFC 9370 §2.2.4)
  core::SecureBytes additional;          // SK(1) | ... | SK(n) so far: the IKE_FOLLOWUP_KEs
  std::vector<std::uint8_t> link;        // the responder's ADDITIONAL_KEY_EXCHANGE data
  std::vector<core::IpPrefix> local_ts;  // as the responder narrowed them
  std::vector<core::IpPrefix> remote_ts;
  // Set: this rekeys the IKE SA instead (ike_rekey_task.hpp), with our new SPI; the
  // responder's comes in its response.
  std::optional<Spi> new_spi_i;
  Spi new_spi_r{};
};

// A CREATE_CHILD_SA rekey that the responder started (peer_child_rekey_task.hpp, or of the
// IKE SA: peer_ike_rekey_task.hpp), which we answer: from its request until our last
// response. Ni is the responder's here, Nr ours.
struct PeerChildRekey {
  std::uint32_t message_id = 0;      // of the CREATE_CHILD_SA request
  bool awaiting_spi = true;          // its answer waits for our inbound SPI
  std::uint32_t replaced = 0;        // our outbound SPI of the CHILD SA it replaces
  std::uint32_t inbound_spi = 0;     // ours for the new CHILD SA
  std::uint32_t outbound_spi = 0;    // the responder's for it
  std::uint8_t proposal_number = 1;  // of the proposal we accepted
  config::EspProposal esp;           // the key exchanges it runs
  std::vector<std::uint8_t> ni;
  std::vector<std::uint8_t> nr;
  std::vector<std::uint8_t> kei;    // its KE data in the request, answered with the SPI
  std::vector<KeMethod> followups;  // the additional key exchanges still to run
  core::SecureBytes secret;         // SK(0)
  core::SecureBytes additional;     // SK(1) | ... | SK(n) so far
  std::vector<std::uint8_t> link;   // our ADDITIONAL_KEY_EXCHANGE data, echoed by the responder
  // Set: this rekeys the IKE SA instead (peer_ike_rekey_task.hpp): its new SPI (the new IKE
  // SA's SPIi) and ours (SPIr).
  std::optional<Spi> new_spi_i;
  Spi new_spi_r{};
};

struct IkeSa {
  Spi spi_i{};
  Spi spi_r{};
  std::vector<std::uint8_t> ni;
  std::vector<std::uint8_t> nr;
  std::optional<config::IkeProposal> selected;
  IkePrf prf = IkePrf::hmac_sha384;
  IkeKeys keys;
  IntAuth int_auth{IkePrf::hmac_sha384};
  std::vector<std::uint8_t> init_request;      // RealMessage1, the last one sent
  std::vector<std::uint8_t> init_response;     // RealMessage2
  std::optional<KeyExchange> pending_ke;       // ours, until the response completes it
  std::vector<KeMethod> init_methods;          // KE methods our IKE_SA_INIT requests used
  std::vector<std::uint8_t> cookie;            // the responder's COOKIE (§2.6), sent first
  unsigned cookie_rounds = 0;                  // COOKIEs taken in this attempt
  std::uint32_t pending_inbound_spi = 0;       // offered in our IKE_AUTH request's SA
  std::vector<std::uint8_t> pending_int_auth;  // our IKE_INTERMEDIATE request's IntAuth octets
  std::uint32_t next_request_id = 0;           // of our next request
  std::uint32_t peer_request_id = 0;           // the responder's next request to us
  std::uint64_t next_iv = 1;                   // SK IVs: a counter, never repeated (RFC 5282 §3.1)
  bool local_behind_nat = false;               // NAT_DETECTION_DESTINATION_IP did not match
  bool remote_behind_nat = false;              // NAT_DETECTION_SOURCE_IP did not match
  bool intermediate_supported = false;
  bool fragmentation = false;  // the responder announced FRAGMENTATION_SUPPORTED (RFC 7383 §2.3)
  std::optional<ChildSa> child;
  std::optional<ChildRekey> child_rekey;
  std::optional<PeerChildRekey> peer_rekey;
  // False for an IKE SA the peer made by rekeying ours (§2.18): it is the original initiator.
  bool original_initiator = true;

  // The keys we seal with and the peer seals with (SK_ei and SK_er, or swapped).
  [[nodiscard]] std::span<const std::uint8_t> own_key() const noexcept {
    return original_initiator ? keys.sk_ei.span() : keys.sk_er.span();
  }
  [[nodiscard]] std::span<const std::uint8_t> peer_key() const noexcept {
    return original_initiator ? keys.sk_er.span() : keys.sk_ei.span();
  }
  // The I flag of our messages (RFC 7296 §3.1).
  [[nodiscard]] std::uint8_t own_flags() const noexcept {
    return original_initiator ? kFlagInitiator : std::uint8_t{0};
  }

  // UDP 4500 with the non-ESP marker from the exchange after IKE_SA_INIT on (§2.23).
  [[nodiscard]] bool use_natt(bool forced) const noexcept {
    return forced || local_behind_nat || remote_behind_nat;
  }
};

// A transform as we build them (the struct's other fields keep their defaults).
[[nodiscard]] Transform make_transform(TransformType type, std::uint16_t id,
                                       std::optional<std::uint16_t> key_length = std::nullopt);

// A request header for our next request of `exchange` (I flag when we are the original
// initiator).
[[nodiscard]] Header request_header(const IkeSa& sa, ExchangeType exchange);
// A response header to the responder's request with `message_id`.
[[nodiscard]] Header response_header(const IkeSa& sa, ExchangeType exchange,
                                     std::uint32_t message_id);

// Seals with our key (own_key()) and the next IV.
core::Result<SealedMessage> seal(IkeSa& sa, const Message& m);

// Opens a response to our request `message_id` of `exchange` with the peer's key after
// checking the header: our SPIs, the exchange, the R flag set and the peer's I flag (set only
// when it is the original initiator) (RFC 7296 §3.1).
// Anything else is exchange_errc::unexpected_message (dropped).
core::Result<OpenedMessage> open_response(const IkeSa& sa, const ReceivedMessage& received,
                                          ExchangeType exchange, std::uint32_t message_id);

// The first error notify of a message, if any (RFC 7296 §3.10.1: types below 16384).
[[nodiscard]] const NotifyPayload* find_error_notify(const std::vector<Payload>& payloads) noexcept;
// An error notify's name, e.g. "NO_PROPOSAL_CHOSEN" ("notify" for the rarer ones).
[[nodiscard]] std::string notify_name(NotifyType t);
// exchange_errc::peer_refused naming the notify type, e.g. "NO_PROPOSAL_CHOSEN (14)".
[[nodiscard]] core::Error refused_by(const NotifyPayload& n, std::string_view exchange);

}  // namespace pqbranch::ikev2
