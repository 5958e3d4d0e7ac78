#pragma once
// The CHILD SA's payloads as IKE_AUTH and CREATE_CHILD_SA carry them (RFC 7296 §2.9, §3.3):
// our one ESP proposal, the check of the responder's choice, and the traffic selectors.
// ESP is ENCR_AES_GCM_16 with a 256-bit key and ESN; a CREATE_CHILD_SA proposal adds the key
// exchange (transform type 4) and ADDKE1 of config::EspProposal (RFC 9370 §2.2.4).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "pqbranch/config/ikev2_config.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/ikev2/payload.hpp"
#include "pqbranch/ikev2/sa_payload.hpp"
#include "pqbranch/ikev2/ts_payload.hpp"

namespace pqbranch::ikev2 {

// Our one ESP proposal with `spi` (our inbound SPI) and the key exchanges of `ke` (none in
// IKE_AUTH).
[[nodiscard]] SaPayload esp_sa_payload(std::uint32_t spi, const config::EspProposal& ke = {});

// The responder's SPI from its SA payload, which must be the proposal we offered with `ke`:
// one ESP proposal, AES-GCM-16-256, ESN, and exactly `ke`'s key exchanges.
core::Result<std::uint32_t> check_esp_proposal(const std::vector<Payload>& payloads,
                                               const config::EspProposal& ke,
                                               std::string_view exchange);

// The responder's CREATE_CHILD_SA request, read by us as its responder: the first ESP
// proposal that offers ours (AES-GCM-16-256 with ESN and exactly `ke`'s key exchanges among
// its choices), by number, with the SPI the responder receives on; nullopt when none does.
struct EspChoice {
  std::uint8_t number = 1;
  std::uint32_t spi = 0;
};
[[nodiscard]] std::optional<EspChoice> select_esp_proposal(const SaPayload& sa,
                                                           const config::EspProposal& ke);

// A selector as a prefix, or nullopt when it is not exactly one prefix over all protocols
// and ports (we install prefix policies only).
[[nodiscard]] std::optional<core::IpPrefix> selector_prefix(const TrafficSelector& ts);

// TSi (initiator) or TSr with one selector per prefix.
[[nodiscard]] TsPayload ts_payload(bool initiator, const std::vector<core::IpPrefix>& prefixes);

// The responder may narrow (RFC 7296 §2.9) but not widen: each of its selectors in `ts` must
// be a prefix within one of `ours`. `which` is "TSi" or "TSr".
core::Result<std::vector<core::IpPrefix>> narrowed(const TsPayload* ts,
                                                   const std::vector<core::IpPrefix>& ours,
                                                   std::string_view which,
                                                   std::string_view exchange);

// Whether every prefix of `ours` lies within one of the selectors of `ts` (a rekey keeps the
// CHILD SA's selectors: the request must still cover them).
[[nodiscard]] bool covers(const TsPayload* ts, const std::vector<core::IpPrefix>& ours);

}  // namespace pqbranch::ikev2
