// IKE SA rekeys of InitiatorMachine with CREATE_CHILD_SA (RFC 7296 §1.3.2, §2.18; RFC 9370
// §2.2.4): rekey_time after the IKE SA was made, when nothing else is under way on it, the
// new IKE SA is made on the old one (ike_rekey_task.hpp); the CHILD SA moves to it (nothing
// in the kernel changes) and the old IKE SA is deleted with an INFORMATIONAL exchange on it.
// TEMPORARY_FAILURE retries it after retry_initial; another refusal or a failure falls back
// to continuity: a new IKE SA and CHILD SA made beside the old ones. The responder's IKE SA
// rekeys, answered (peer_ike_rekey_task.hpp), end the same way: the new IKE SA (the
// responder its original initiator) takes the CHILD SA. Both at once: the nonces decide
// (initiator_ike_collision.cpp).
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/ike_rekey_task.hpp"
#include "pqbranch/ikev2/initiator_machine.hpp"
#include "pqbranch/ikev2/peer_ike_rekey_task.hpp"

#include "initiator_attempt.hpp"

namespace pqbranch::ikev2 {

// Without CHILD SA rekeys the CHILD SA would reach its hard lifetime: the IKE SA is replaced
// whole with it.
bool InitiatorMachine::rekeys_ike_sa() const noexcept {
  return !options_.reauthenticate && options_.child_rekey_time.count() > 0;
}

bool InitiatorMachine::ike_idle(const Attempt& a) const {
  return a.phase == Phase::established && a.installed && !a.retransmit.active() && !a.step &&
         !a.sa.child_rekey && !a.sa.peer_rekey && !a.old_child && !a.rekeyed && !a.peer_rekeyed &&
         !a.held_answer && !a.redundant && !retiring_ && !redundant_ike_;
}

InitiatorMachine::TimePoint InitiatorMachine::ike_rekey_due(const Attempt& a) const {
  return std::max(a.established_at + options_.rekey_time, a.ike_rekey_after);
}

void InitiatorMachine::start_ike_rekey(Attempt& a, Out& out) {
  note(NoteLevel::info,
       fmt::format("rekeying the IKE SA with {}", config::to_string(*a.sa.selected)), out);
  auto request = build_ike_rekey(a.sa, random_);
  if (!request) return ike_rekey_failed(a, request.error(), out);
  a.request_kind = Request::ike_rekey;
  send_request(a, std::move(*request), out);
}

// The new IKE SA carries the CHILD SA from now on (no kernel call); the old one, without it,
// retires until it is deleted.
void InitiatorMachine::move_to_new_ike_sa(Attempt& a, IkeSa next) {
  auto old = std::make_unique<Attempt>(options_.retransmit);
  old->sa = std::move(a.sa);
  old->phase = Phase::established;
  old->last_answer = std::move(a.last_answer);  // a retransmitted request gets it again
  a.sa = std::move(next);
  a.last_answer.reset();
  a.established_at = now_;
  a.heard = now_;
  retiring_ = std::move(old);
}

// Ours: the old IKE SA is deleted on its own keys at once.
void InitiatorMachine::ike_rekeyed(Attempt& a, Out& out) {
  auto next = take_rekeyed_ike_sa(a.sa);
  if (!next) return ike_rekey_failed(a, next.error(), out);
  move_to_new_ike_sa(a, std::move(*next));
  ++stats_.ike_rekeys;
  count("ikev2_ike_rekeys", out);
  note(NoteLevel::info,
       fmt::format("IKE SA rekeyed with {}: SPIs {:02x}_i {:02x}_r; deleting the old one",
                   config::to_string(*a.sa.selected), fmt::join(a.sa.spi_i, ""),
                   fmt::join(a.sa.spi_r, "")),
       out);
  start_delete(*retiring_, out);
}

// The responder's, once our answer to its last key exchange is out: it deletes the old IKE SA
// (answered on it), or we do kPeerDeleteWait later.
// While our own rekey of it is out, the nonces decide first (initiator_ike_collision.cpp).
void InitiatorMachine::peer_ike_rekeyed(Attempt& a, PeerRequest request, Out& out) {
  answer(a, std::move(request), out);
  auto next = take_peer_rekeyed_ike_sa(a.sa);
  if (!next) return fail(a, next.error(), out);
  if (a.crossing_nonce) return hold_crossed_ike_sa(a, std::move(*next), out);
  adopt_peer_ike_sa(a, std::move(*next), out);
}

void InitiatorMachine::adopt_peer_ike_sa(Attempt& a, IkeSa next, Out& out) {
  move_to_new_ike_sa(a, std::move(next));
  retire_at_ = now_ + kPeerDeleteWait;
  ++stats_.peer_ike_rekeys;
  count("ikev2_peer_ike_rekeys", out);
  note(NoteLevel::info,
       fmt::format("the responder rekeyed the IKE SA: SPIs {:02x}_i {:02x}_r",
                   fmt::join(a.sa.spi_i, ""), fmt::join(a.sa.spi_r, "")),
       out);
}

// The IKE SA and its CHILD SA keep working. A rekey of the responder's that crossed ours
// goes on; after TEMPORARY_FAILURE ours is tried again later (RFC 7296 §2.25: "it MUST wait
// so that the sender may complete whatever operation caused the temporary condition");
// otherwise continuity replaces them.
void InitiatorMachine::ike_rekey_failed(Attempt& a, const core::Error& error, Out& out) {
  a.sa.child_rekey.reset();
  stats_.last_error = error.message();
  count("ikev2_ike_rekey_failures", out);
  if (ike_crossing_ended(a, error.message(), out)) return;
  if (error.code == make_error_code(exchange_errc::temporary_failure)) {
    a.ike_rekey_after = now_ + options_.retry_initial;
    note(NoteLevel::info,
         fmt::format("IKE SA rekey refused: {}; next try in {} ms", error.message(),
                     options_.retry_initial.count()),
         out);
    return;
  }
  note(NoteLevel::warn,
       fmt::format("IKE SA rekey failed: {}; making a new IKE SA and CHILD SA instead",
                   error.message()),
       out);
  begin_attempt(out);
}

}  // namespace pqbranch::ikev2
