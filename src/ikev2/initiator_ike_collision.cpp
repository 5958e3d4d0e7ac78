// Rekeys of the IKE SA by both sides at once, resolved by InitiatorMachine with the nonce rule
// of RFC 7296 §2.8.2 ("The new IKE SA containing the lowest nonce SHOULD be deleted by the
// node that created it, and the other surviving new IKE SA MUST inherit all the Child SAs"),
// as strongSwan's ike_rekey task resolves them:
// - the responder's CREATE_CHILD_SA rekeying the IKE SA while ours is out (its response not
//   yet here) is answered as usual and the lower of that exchange's two nonces kept; when
//   its last key exchange is answered before our response comes, its new IKE SA is held;
// - our response decides: the exchange whose nonces include the lowest of the four made the
//   redundant IKE SA, and its initiator deletes it.
//   - Ours: with every key exchange done we delete our new IKE SA with an INFORMATIONAL
//     Delete on it; with IKE_FOLLOWUP_KEs still to come we send none (the responder stops
//     waiting for them). The responder's new IKE SA takes the CHILD SA (held: at once; else
//     when its last IKE_FOLLOWUP_KE is answered), and the responder deletes the old IKE SA.
//   - Theirs: ours goes on as without a collision (the CHILD SA moves to it, we delete the
//     old IKE SA). The responder's new IKE SA, when it is complete, waits for the
//     responder's Delete (or ours kPeerDeleteWait later); with IKE_FOLLOWUP_KEs still to come
//     its exchange ends here (the responder sends none; one that comes gets STATE_NOT_FOUND).
// - RFC 7296 §2.8.2: "If the peer that did notice the simultaneous rekey gets the delete
//   request from the other peer for the old IKE SA, it knows that the other peer did not
//   detect the simultaneous rekey, and the first peer can forget its own rekey attempt": the
//   responder's Delete of the old IKE SA, or a refusal of ours, while the responder's new IKE
//   SA is held makes that one take the CHILD SA.
// Once our IKE_FOLLOWUP_KEs have started, its rekey gets TEMPORARY_FAILURE (strongSwan
// answers the same then).
#include <string>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pqbranch/ikev2/ike_rekey_task.hpp"
#include "pqbranch/ikev2/initiator_machine.hpp"

#include "initiator_attempt.hpp"

namespace pqbranch::ikev2 {

// Our CREATE_CHILD_SA rekeying the IKE SA is out, its response not yet here, nothing else
// under way (as ike_idle), and no rekey of the responder's has crossed it yet.
bool InitiatorMachine::ike_crossable(const Attempt& a) const {
  return a.phase == Phase::established && a.installed && a.sa.child_rekey &&
         a.sa.child_rekey->new_spi_i && a.request_kind == Request::ike_rekey &&
         a.retransmit.active() && !a.crossing_nonce && !a.crossed_ike && !a.sa.peer_rekey &&
         !a.step && !a.old_child && !a.rekeyed && !a.peer_rekeyed && !a.held_answer &&
         !a.redundant && !retiring_ && !redundant_ike_;
}

// The responder's rekey completed before our response came: its new IKE SA waits for the
// decision; the CHILD SA stays with the old one meanwhile.
void InitiatorMachine::hold_crossed_ike_sa(Attempt& a, IkeSa next, Out& out) {
  a.sa.child = std::move(next.child);
  next.child.reset();
  a.crossed_ike = std::move(next);
  note(NoteLevel::info,
       "the responder's new IKE SA is made; the response to our rekey decides which stays", out);
}

// Our CREATE_CHILD_SA response is here (`complete`: no IKE_FOLLOWUP_KE follows): true when
// our exchange has the lowest nonce, which ends our rekey here.
bool InitiatorMachine::lost_ike_crossing(Attempt& a, bool complete, Out& out) {
  const auto ours_lowest = a.decide_crossing();
  if (!ours_lowest) return false;
  if (!*ours_lowest) {
    note(NoteLevel::info,
         "IKE SA rekey collision: the responder's exchange has the lowest nonce; ours stays and "
         "the responder deletes its new IKE SA",
         out);
    if (a.crossed_ike) {
      IkeSa theirs_sa = std::move(*a.crossed_ike);
      a.crossed_ike.reset();
      keep_redundant_ike_sa(std::move(theirs_sa), false, out);
    }
    a.sa.peer_rekey.reset();  // one with IKE_FOLLOWUP_KEs to come: they do not come
    return false;
  }
  note(NoteLevel::info,
       fmt::format("IKE SA rekey collision: our exchange has the lowest nonce; the responder's "
                   "new IKE SA stays and ours {}",
                   complete ? "is deleted" : "ends before its IKE_FOLLOWUP_KE"),
       out);
  if (complete) {
    auto ours = take_rekeyed_ike_sa(a.sa);
    if (ours) {
      a.sa.child = std::move(ours->child);
      ours->child.reset();
      keep_redundant_ike_sa(std::move(*ours), true, out);
    }
  }
  a.sa.child_rekey.reset();
  if (a.crossed_ike) adopt_crossed_ike_sa(a, out);
  return true;
}

// Our rekey ended without a decision (refused, failed, or the responder deleted the old IKE
// SA): a crossing rekey of the responder's goes on. True when there was one.
bool InitiatorMachine::ike_crossing_ended(Attempt& a, const std::string& why, Out& out) {
  const bool crossing =
      a.crossing_nonce || a.crossed_ike || (a.sa.peer_rekey && a.sa.peer_rekey->new_spi_i);
  if (!crossing) return false;
  a.crossing_nonce.reset();
  a.sa.child_rekey.reset();
  a.retransmit.stop();
  note(NoteLevel::info,
       fmt::format("our IKE SA rekey ended ({}) while the responder's crossed it: the "
                   "responder's goes on",
                   why),
       out);
  if (a.crossed_ike) adopt_crossed_ike_sa(a, out);
  return true;
}

// The responder's held new IKE SA takes the CHILD SA; the responder deletes the old one.
void InitiatorMachine::adopt_crossed_ike_sa(Attempt& a, Out& out) {
  IkeSa next = std::move(*a.crossed_ike);
  a.crossed_ike.reset();
  next.child = std::move(a.sa.child);
  a.sa.child.reset();
  adopt_peer_ike_sa(a, std::move(next), out);
}

// The redundant new IKE SA: ours is deleted at once, the responder's waits for its Delete.
void InitiatorMachine::keep_redundant_ike_sa(IkeSa sa, bool ours, Out& out) {
  auto r = std::make_unique<Attempt>(options_.retransmit);
  r->sa = std::move(sa);
  r->phase = Phase::established;
  r->established_at = now_;
  r->heard = now_;
  note(NoteLevel::info,
       fmt::format("redundant IKE SA {:02x}_i {:02x}_r: {}", fmt::join(r->sa.spi_i, ""),
                   fmt::join(r->sa.spi_r, ""),
                   ours ? "deleting it" : "waiting for the responder's Delete"),
       out);
  redundant_ike_ = std::move(r);
  redundant_ike_by_ = now_ + kPeerDeleteWait;
  if (ours) start_delete(*redundant_ike_, out);
}

// The responder has not deleted its redundant IKE SA kPeerDeleteWait after the decision.
void InitiatorMachine::on_redundant_ike_timer(Out& out) {
  Attempt* r = redundant_ike_.get();
  if (r == nullptr || r->phase != Phase::established || r->retransmit.active() ||
      now_ < redundant_ike_by_) {
    return;
  }
  note(NoteLevel::warn,
       fmt::format("the responder has not deleted its redundant IKE SA in {} s; deleting it",
                   kPeerDeleteWait.count()),
       out);
  start_delete(*r, out);
}

}  // namespace pqbranch::ikev2
