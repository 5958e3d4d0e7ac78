// CHILD SA rekeys the responder starts, answered by InitiatorMachine (RFC 7296 §1.3.3, §2.8;
// RFC 9370 §2.2.4), make-before-break on both ends:
// - its CREATE_CHILD_SA is accepted only while no rekey or Delete of the CHILD SA of either
//   side is under way (else TEMPORARY_FAILURE), or while only our CREATE_CHILD_SA rekeying it
//   is out (then the nonces decide, RFC 7296 §2.8.1: initiator_rekey_collision.cpp); an
//   inbound SPI is allocated and the answer sent (with the link when IKE_FOLLOWUP_KEs follow);
// - before the answer to its last key exchange goes, the new inbound SA goes in: the
//   responder installs its pair and sends on the new SA as soon as it has that answer;
// - the new outbound SA goes in when the responder deletes the CHILD SA it replaced (until
//   then it still receives on the old one), or kPeerDeleteWait after the answer if that
//   Delete never comes (then we delete the old CHILD SA ourselves); the old outbound SA goes
//   after the outbound drain, then its inbound SA;
// - a failure before the answer is sent turns it into TEMPORARY_FAILURE: the working CHILD
//   SA stays and the responder tries again.
#include <fmt/format.h>

#include "pqbranch/ikev2/initiator_machine.hpp"
#include "pqbranch/ikev2/peer_child_rekey_task.hpp"

#include "initiator_attempt.hpp"

namespace pqbranch::ikev2 {

PeerRequestPolicy InitiatorMachine::peer_policy(const Attempt& a) const {
  PeerRequestPolicy p;
  p.esp = options_.settings.esp;
  p.busy = &a != current_.get() || a.phase != Phase::established || !a.installed ||
           a.step.has_value() || (a.sa.child_rekey.has_value() && !crossable(a)) ||
           a.rekeyed.has_value() || a.old_child.has_value() || a.peer_rekeyed.has_value() ||
           a.held_answer.has_value() || a.redundant.has_value();
  for (const auto* c : {&a.old_child, &a.peer_rekeyed, &a.redundant}) {
    if (*c) p.more_children.emplace_back((*c)->outbound_spi, (*c)->inbound_spi);
  }
  p.ike_rekeys = true;
  p.ike_busy = &a != current_.get() || !(ike_idle(a) || ike_crossable(a)) || next_ != nullptr;
  return p;
}

void InitiatorMachine::on_peer_answer(Attempt& a, PeerRequest request, Out& out) {
  // Its rekey of the IKE SA, answered while ours is out (RFC 7296 §2.8.2).
  if (a.sa.child_rekey && a.sa.child_rekey->new_spi_i && a.sa.peer_rekey &&
      a.sa.peer_rekey->new_spi_i && !a.crossing_nonce) {
    note_crossing(a, out);
  }
  if (request.awaiting_spi) {
    note(NoteLevel::info,
         fmt::format("the responder rekeys the CHILD SA (in 0x{:08x} out 0x{:08x})",
                     a.sa.child->inbound_spi, a.sa.child->outbound_spi),
         out);
    return allocate_spi(a, StepFor::peer_rekey_spi, out);
  }
  if (request.ike_rekeyed) return peer_ike_rekeyed(a, std::move(request), out);
  if (request.child_rekeyed) {
    auto child = take_peer_rekeyed_child(a.sa);
    if (!child) {
      return refuse_peer_rekey_now(a, request.message_id, request.exchange, child.error().message(),
                                   out);
    }
    a.peer_rekeyed = std::move(*child);
    a.held_answer = std::move(request);
    a.step = next_step();
    a.step_for = StepFor::peer_rekey_inbound;
    out.emplace_back(UpdateSa{*a.step, child_sa(a, *a.peer_rekeyed, false)});
    return;
  }
  if (request.refused) {
    note(NoteLevel::info,
         fmt::format("refused the responder's CREATE_CHILD_SA: {}{}", notify_name(*request.refused),
                     *request.refused == NotifyType::temporary_failure
                         ? " (a rekey or Delete of the CHILD SA is under way here)"
                         : ""),
         out);
  }
  const bool ike_deleted = request.ike_sa_deleted;
  const bool child_deleted = request.child_sa_deleted && !a.peer_rekeyed;
  auto deleted = request.deleted;
  answer(a, std::move(request), out);
  if (ike_deleted || child_deleted) return on_peer_deleted(a, ike_deleted, out);
  on_peer_deletes(a, deleted, out);
}

void InitiatorMachine::on_peer_rekey_spi(Attempt& a, const core::Result<std::uint32_t>& spi,
                                         Out& out) {
  if (!a.sa.peer_rekey) {  // the rekey ended meanwhile
    if (spi) release_spi(*spi, out);
    return;
  }
  const std::uint32_t id = a.sa.peer_rekey->message_id;
  if (!spi) {
    return refuse_peer_rekey_now(a, id, ExchangeType::create_child_sa, spi.error().message(), out);
  }
  auto request = answer_peer_rekey(a.sa, *spi, random_);
  if (!request) {
    release_spi(*spi, out);
    return refuse_peer_rekey_now(a, id, ExchangeType::create_child_sa, request.error().message(),
                                 out);
  }
  note_crossing(a, out);
  on_peer_answer(a, std::move(*request), out);
}

void InitiatorMachine::on_peer_inbound(Attempt& a, const core::Result<void>& result, Out& out) {
  PeerRequest held = std::move(*a.held_answer);
  a.held_answer.reset();
  if (!result) {
    release_spi(a.peer_rekeyed->inbound_spi, out);  // its larval SA, if it is still there
    a.peer_rekeyed.reset();
    return refuse_peer_rekey_now(a, held.message_id, held.exchange, result.error().message(), out);
  }
  a.peer_outbound_by = now_ + kPeerDeleteWait;
  answer(a, std::move(held), out);
}

// Our answer becomes TEMPORARY_FAILURE; the CHILD SA stays.
void InitiatorMachine::refuse_peer_rekey_now(Attempt& a, std::uint32_t message_id,
                                             ExchangeType exchange, const std::string& why,
                                             Out& out) {
  abandon_peer_rekey(a, out);
  a.crossing_nonce.reset();  // no new CHILD SA of its: nothing to decide
  count("ikev2_child_rekey_failures", out);
  note(NoteLevel::warn,
       fmt::format("the responder's CHILD SA rekey failed here: {}; answering TEMPORARY_FAILURE",
                   why),
       out);
  auto refusal = refuse_peer_rekey(a.sa, message_id, exchange, NotifyType::temporary_failure);
  if (!refusal) return fail(a, refusal.error(), out);
  answer(a, std::move(*refusal), out);
}

// A Delete of the responder's naming CHILD SAs of ours other than a working one alone.
void InitiatorMachine::on_peer_deletes(Attempt& a, const std::vector<std::uint32_t>& deleted,
                                       Out& out) {
  for (const std::uint32_t spi : deleted) {
    if (a.peer_rekeyed && a.sa.child && spi == a.sa.child->outbound_spi) {
      switch_to_peer_rekeyed(a, true, out);  // the one its rekey replaced
      continue;
    }
    if (a.old_child && spi == a.old_child->outbound_spi) {
      a.old_deleted_by_peer = true;  // our Delete of it crossed the responder's
    }
    // A CHILD SA its rekey made (inbound only here), or the redundant one of a collision.
    for (auto* c : {&a.peer_rekeyed, &a.redundant}) {
      if (*c && spi == (*c)->outbound_spi) {
        delete_child_sas(a, **c, "deleting a CHILD SA the responder deleted", out);
        c->reset();
      }
    }
  }
}

// The responder receives on the new CHILD SA: the kernel sends on it from now on, and the
// replaced one goes after the drain (without a Delete of ours when the responder sent one).
// A rekey of ours still out is forgotten: the responder's replaced the CHILD SA it rekeys.
void InitiatorMachine::switch_to_peer_rekeyed(Attempt& a, bool replaced_deleted, Out& out) {
  abandon_child_rekey(a, out);
  a.old_deleted_by_peer = replaced_deleted;
  a.step = next_step();
  a.step_for = StepFor::peer_rekey_outbound;
  out.emplace_back(AddSa{*a.step, child_sa(a, *a.peer_rekeyed, true)});
}

void InitiatorMachine::on_peer_outbound(Attempt& a, const core::Result<void>& result, Out& out) {
  if (!result) return fail(a, result.error(), out);
  ChildSa next = std::move(*a.peer_rekeyed);
  a.peer_rekeyed.reset();
  replace_child(a, std::move(next), true, out);
}

// A rekey of the responder's in progress ends: the SPI allocated for it goes at once.
void InitiatorMachine::abandon_peer_rekey(Attempt& a, Out& out) {
  if (!a.sa.peer_rekey) return;
  if (a.sa.peer_rekey->inbound_spi != 0) release_spi(a.sa.peer_rekey->inbound_spi, out);
  a.sa.peer_rekey.reset();
}

}  // namespace pqbranch::ikev2
