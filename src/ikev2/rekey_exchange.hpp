#pragma once
// The steps a rekey of ours shares, of the CHILD SA (create_child_sa_task.hpp) and of the IKE
// SA (ike_rekey_task.hpp), internal to ikev2: opening the response, completing the key
// exchange it answers, and what follows it (RFC 9370 §2.2.4).

#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/create_child_sa_task.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"

namespace pqbranch::ikev2::detail {

// Opens the response to our outstanding rekey request of `exchange` and advances our message
// ID (the exchange is over, whatever the response says).
core::Result<OpenedMessage> open_rekey_response(IkeSa& sa, const ReceivedMessage& response,
                                                ExchangeType exchange);
// Completes the outstanding key exchange with the responder's KE payload: its shared secret
// is SK(0) in CREATE_CHILD_SA, and is appended to SK(1) | ... in IKE_FOLLOWUP_KE.
core::Result<void> finish_exchange(ChildRekey& r, const std::vector<Payload>& payloads,
                                   const char* exchange);
// What follows the response: another ADDKE (its link must be there) or the end.
core::Result<ChildRekeyStep> next_rekey_step(ChildRekey& r, const std::vector<Payload>& payloads,
                                             const char* exchange);

// The other side, a rekey the peer started: answers its KE data of `method` (SK(0) first,
// then appended to SK(1) | ...), and adds our link for the next IKE_FOLLOWUP_KE, if one follows.
core::Result<KePayload> answer_ke(PeerChildRekey& r, KeMethod method,
                                  const std::vector<std::uint8_t>& data);
core::Result<void> add_link(PeerChildRekey& r, Randomness& random, std::vector<Payload>& out);

}  // namespace pqbranch::ikev2::detail
