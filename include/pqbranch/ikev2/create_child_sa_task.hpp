#pragma once
// CREATE_CHILD_SA rekeying the CHILD SA, initiator side (RFC 7296 §1.3.3, §2.17), with the
// additional key exchanges of RFC 9370 §2.2.4:
//   request:   HDR, SK{N(REKEY_SA), SA, Ni, [KEi], TSi, TSr}
//   response:  HDR, SK{SA, Nr, [KEr], TSi, TSr, [N(ADDITIONAL_KEY_EXCHANGE)(link)]}
// then, for each ADDKE of the chosen proposal, an IKE_FOLLOWUP_KE exchange:
//   request:   HDR, SK{KEi(n), N(ADDITIONAL_KEY_EXCHANGE)(link)}
//   response:  HDR, SK{KEr(n), [N(ADDITIONAL_KEY_EXCHANGE)(link')]}  (none after the last)
// The link is opaque and of any length: it is echoed exactly. N(REKEY_SA) names the CHILD SA
// being replaced by the SPI we receive on. The new CHILD SA's keys:
//   KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1) | ... | SK(n))
// where SK(0) is the shared secret of the KE in CREATE_CHILD_SA and SK(n) of the n-th
// IKE_FOLLOWUP_KE. The state in between is sa.child_rekey; none of this does I/O.

#include <cstdint>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/initiator_settings.hpp"
#include "pqbranch/ikev2/randomness.hpp"

namespace pqbranch::ikev2 {

// Whether the exchange is done or an IKE_FOLLOWUP_KE must follow.
enum class ChildRekeyStep : std::uint8_t { follow_up, complete };

// The request replacing sa.child with a CHILD SA whose inbound SPI is `inbound_spi`, with
// settings.esp's key exchange; starts sa.child_rekey.
core::Result<std::vector<std::uint8_t>> build_child_rekey(IkeSa& sa,
                                                          const InitiatorSettings& settings,
                                                          std::uint32_t inbound_spi,
                                                          Randomness& random = csprng());
// The response: the proposal we offered (exactly settings.esp's key exchanges), the nonce,
// the KE, selectors within the CHILD SA's, and the link when an ADDKE follows. An error notify
// (TEMPORARY_FAILURE, NO_PROPOSAL_CHOSEN, ...) is exchange_errc::peer_refused; a message that
// does not open is a drop error (is_drop).
core::Result<ChildRekeyStep> process_child_rekey(IkeSa& sa, const InitiatorSettings& settings,
                                                 const ReceivedMessage& response);
// The next IKE_FOLLOWUP_KE request (the next ADDKE's key, the link echoed).
core::Result<std::vector<std::uint8_t>> build_followup_ke(IkeSa& sa, Randomness& random = csprng());
core::Result<ChildRekeyStep> process_followup_ke(IkeSa& sa, const ReceivedMessage& response);
// After ChildRekeyStep::complete: the new CHILD SA with its keys; ends sa.child_rekey.
core::Result<ChildSa> take_rekeyed_child(IkeSa& sa);

}  // namespace pqbranch::ikev2
