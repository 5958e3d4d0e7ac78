#pragma once
// CREATE_CHILD_SA rekeying the IKE SA when the peer starts it (RFC 7296 §1.3.2, §2.18; RFC 9370
// §2.2.4); we answer:
//   its request:  HDR, SK{SA(IKE, SPI = its new SPI), Ni, KEi}
//   our response: HDR, SK{SA(IKE, SPI = our new SPI), Nr, KEr, [N(ADDITIONAL_KEY_EXCHANGE)(link)]}
// then an IKE_FOLLOWUP_KE per ADDKE of the proposal on this (old) IKE SA, answered as for its
// CHILD SA rekeys (peer_child_rekey_task.hpp's answer_followup_ke). We accept exactly the IKE
// proposal in use among its choices. The new IKE SA's keys come from SKEYSEED = prf(SK_d,
// SK(0) | Ni | Nr | SK(1) | ... | SK(n)) and the new SPIs, its SPI first; the peer is the new
// IKE SA's original initiator (it rekeyed), the CHILD SA moves to it, and the peer deletes the
// old IKE SA. The state in between is sa.peer_rekey with new_spi_i set; none of this does I/O
// or seals (informational_task.hpp's process_peer_request does).

#include <cstdint>
#include <optional>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/message.hpp"
#include "pqbranch/ikev2/randomness.hpp"

namespace pqbranch::ikev2 {

// Whether a CREATE_CHILD_SA request rekeys the IKE SA (its SA payload proposes IKE).
[[nodiscard]] bool is_ike_rekey_request(const std::vector<Payload>& request) noexcept;
// Reads the request with `message_id` and answers it: our response's payloads, with
// sa.peer_rekey holding the rekey until its last key exchange is answered; or a refusal to
// answer with instead (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD with the method in use).
core::Result<std::vector<Payload>> answer_ike_rekey(IkeSa& sa, const std::vector<Payload>& request,
                                                    std::uint32_t message_id,
                                                    Randomness& random = csprng());
// Once every key exchange is answered (peer_child_rekey_complete): the new IKE SA, holding
// sa's CHILD SA; ends sa.peer_rekey.
core::Result<IkeSa> take_peer_rekeyed_ike_sa(IkeSa& sa);

}  // namespace pqbranch::ikev2
