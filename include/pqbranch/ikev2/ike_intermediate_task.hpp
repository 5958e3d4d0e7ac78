#pragma once
// IKE_INTERMEDIATE carrying ADDKE1 (RFC 9242 §3; RFC 9370 §2.2.2), initiator side:
//   request:  HDR, SK{KE(ML-KEM encapsulation key)}
//   response: HDR, SK{KE(ML-KEM ciphertext)}
// Both messages enter the IntAuth chains with the SK_p that protected them (RFC 9242
// §3.3.1); then SKEYSEED and every IKE SA key are recomputed from SK_d and the ML-KEM
// shared secret (RFC 9370 §2.2.2), and the new keys protect what follows.

#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/randomness.hpp"

namespace pqbranch::ikev2 {

// Generates the ML-KEM key of the selected ADDKE1 (from `random`) and seals the request.
core::Result<std::vector<std::uint8_t>> build_ike_intermediate(IkeSa& sa,
                                                               Randomness& random = csprng());

// Opens the response, decapsulates, updates the IntAuth chains and the keys. A message that
// does not open or is not the response is a drop error (is_drop); a response without the
// KE, or with an error notify, ends the attempt.
core::Result<void> process_ike_intermediate(IkeSa& sa, const ReceivedMessage& response);

}  // namespace pqbranch::ikev2
