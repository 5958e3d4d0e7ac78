#pragma once
// Rekeying the IKE SA with CREATE_CHILD_SA, initiator side (RFC 7296 §1.3.2, §2.18; RFC 9370
// §2.2.4):
//   request:   HDR, SK{SA(IKE: the proposal in use, SPI = our new SPIi), Ni, KEi}
//   response:  HDR, SK{SA(IKE, SPI = its new SPIr), Nr, KEr, [N(ADDITIONAL_KEY_EXCHANGE)(link)]}
// then an IKE_FOLLOWUP_KE per ADDKE of the proposal, on this (old) IKE SA, as for a CHILD SA
// rekey (create_child_sa_task.hpp's build_followup_ke / process_followup_ke). The new IKE SA:
//   SKEYSEED = prf(SK_d (old), SK(0) | Ni | Nr | SK(1) | ... | SK(n))
//   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
// with the new SPIs. We stay its original initiator (§2.18: the one who rekeyed), its message
// IDs start at 0, and the CHILD SA moves to it; the old IKE SA is then deleted. The state in
// between is sa.child_rekey (with new_spi_i set); none of this does I/O.

#include <cstdint>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/create_child_sa_task.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/randomness.hpp"

namespace pqbranch::ikev2 {

core::Result<std::vector<std::uint8_t>> build_ike_rekey(IkeSa& sa, Randomness& random = csprng());
// The response: exactly the proposal in use, an 8-byte SPI, Nr, the KE; an error notify is
// exchange_errc::peer_refused (TEMPORARY_FAILURE: exchange_errc::temporary_failure); a
// message that does not open is a drop error (is_drop).
core::Result<ChildRekeyStep> process_ike_rekey(IkeSa& sa, const ReceivedMessage& response);
// After ChildRekeyStep::complete: the new IKE SA, holding sa's CHILD SA; ends sa.child_rekey.
core::Result<IkeSa> take_rekeyed_ike_sa(IkeSa& sa);

}  // namespace pqbranch::ikev2
