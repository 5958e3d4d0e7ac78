#pragma once
// CREATE_CHILD_SA rekeying the CHILD SA when the responder starts it (RFC 7296 §1.3.3, §2.8;
// RFC 9370 §2.2.4): we answer, so in these exchanges the responder is the initiator.
//   its request:  HDR, SK{N(REKEY_SA), SA, Ni, [KEi], TSi, TSr}
//   our response: HDR, SK{SA, Nr, [KEr], TSi, TSr, [N(ADDITIONAL_KEY_EXCHANGE)(link)]}
// then, for each ADDKE of the proposal, an IKE_FOLLOWUP_KE exchange:
//   its request:  HDR, SK{KEi(n), N(ADDITIONAL_KEY_EXCHANGE)(link)}
//   our response: HDR, SK{KEr(n), [N(ADDITIONAL_KEY_EXCHANGE)(link')]}  (none after the last)
// We accept exactly our ESP proposal (config::EspProposal) among its choices, the CHILD SA it
// names by N(REKEY_SA) must be ours, and its selectors must still cover the CHILD SA's. The
// new CHILD SA's keys: KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n)), its
// initiator-to-responder half being our inbound key. The state in between is sa.peer_rekey;
// none of this does I/O or seals (informational_task.hpp's process_peer_request does).

#include <cstdint>
#include <optional>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/randomness.hpp"

namespace pqbranch::ikev2 {

// Reads the CREATE_CHILD_SA request with `message_id`: a refusal to answer with at once
// (NO_ADDITIONAL_SAS for a CHILD SA that replaces none, CHILD_SA_NOT_FOUND, NO_PROPOSAL_CHOSEN,
// INVALID_KE_PAYLOAD with our method, TS_UNACCEPTABLE), or nothing: accepted, sa.peer_rekey
// waits for our inbound SPI (answer_child_rekey).
core::Result<std::optional<NotifyPayload>> accept_child_rekey(IkeSa& sa,
                                                              const config::EspProposal& esp,
                                                              const std::vector<Payload>& request,
                                                              std::uint32_t message_id);
// Our response's payloads once `inbound_spi` is allocated (completes the KE of the request).
// Nr and the link come from `random`.
core::Result<std::vector<Payload>> answer_child_rekey(IkeSa& sa, std::uint32_t inbound_spi,
                                                      Randomness& random = csprng());
// Our response's payloads to an IKE_FOLLOWUP_KE request: STATE_NOT_FOUND when no rekey waits
// for it or the link is not ours; a wrong or missing KE is an error (the request is dropped).
core::Result<std::vector<Payload>> answer_followup_ke(IkeSa& sa,
                                                      const std::vector<Payload>& request,
                                                      Randomness& random = csprng());
// Whether every key exchange of sa.peer_rekey is answered.
[[nodiscard]] bool peer_child_rekey_complete(const IkeSa& sa) noexcept;
// Then: the new CHILD SA with its keys; ends sa.peer_rekey.
core::Result<ChildSa> take_peer_rekeyed_child(IkeSa& sa);

}  // namespace pqbranch::ikev2
