#include "pqbranch/ikev2/peer_child_rekey_task.hpp"

#include <string>
#include <utility>

#include "pqbranch/ikev2/child_sa_payloads.hpp"
#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"
#include "pqbranch/ikev2/peer_ike_rekey_task.hpp"

#include "byte_io.hpp"
#include "rekey_exchange.hpp"
#include "rekeyed_child.hpp"
#include "secure_concat.hpp"

namespace pqbranch::ikev2 {
core::Result<std::optional<NotifyPayload>> accept_child_rekey(IkeSa& sa,
                                                              const config::EspProposal& esp,
                                                              const std::vector<Payload>& request,
                                                              std::uint32_t message_id) {
  const auto* rekey = find_notify(request, NotifyType::rekey_sa);
  const auto* offer = find_payload<SaPayload>(request);
  const auto* nonce = find_payload<NoncePayload>(request);
  if (offer == nullptr || nonce == nullptr) {
    return unexpected_message("CREATE_CHILD_SA request without SA or Ni");
  }
  if (rekey == nullptr) {
    // A new CHILD SA, or a rekey of the IKE SA (process_peer_request hands those to
    // peer_ike_rekey_task first): this initiator keeps one of each.
    return std::optional{make_notify(is_ike_rekey_request(request)
                                         ? NotifyType::no_proposal_chosen
                                         : NotifyType::no_additional_sas)};
  }
  if (rekey->protocol != ProtocolId::esp || rekey->spi.size() != 4 || !sa.child ||
      detail::get32(rekey->spi, 0) != sa.child->outbound_spi) {
    NotifyPayload n = make_notify(NotifyType::child_sa_not_found);
    n.protocol = rekey->protocol;
    n.spi = rekey->spi;
    return std::optional{std::move(n)};
  }
  const auto choice = select_esp_proposal(*offer, esp);
  if (!choice) return std::optional{make_notify(NotifyType::no_proposal_chosen)};
  const auto* ke = find_payload<KePayload>(request);
  if (esp.ke != KeMethod::none && (ke == nullptr || ke->method != esp.ke)) {
    return std::optional{make_invalid_ke(esp.ke)};
  }
  // Its TSi is its side: our remote selectors.
  if (!covers(find_ts(request, true), sa.child->remote_ts) ||
      !covers(find_ts(request, false), sa.child->local_ts)) {
    return std::optional{make_notify(NotifyType::ts_unacceptable)};
  }
  PeerChildRekey r;
  r.message_id = message_id;
  r.replaced = sa.child->outbound_spi;
  r.outbound_spi = choice->spi;
  r.proposal_number = choice->number;
  r.esp = esp;
  r.ni = nonce->data;
  if (esp.ke != KeMethod::none) r.kei = ke->data;
  if (esp.ke1) r.followups.push_back(*esp.ke1);
  sa.peer_rekey = std::move(r);
  return std::optional<NotifyPayload>{};
}

core::Result<std::vector<Payload>> answer_child_rekey(IkeSa& sa, std::uint32_t inbound_spi,
                                                      Randomness& random) {
  if (!sa.peer_rekey || !sa.peer_rekey->awaiting_spi || !sa.child) {
    return unexpected_message("no CHILD SA rekey of the responder waits for an SPI");
  }
  PeerChildRekey& r = *sa.peer_rekey;
  r.inbound_spi = inbound_spi;
  r.awaiting_spi = false;
  if (auto ok = fill_nonce(random, r.nr); !ok) return ok.error();
  // The proposal it offered with our choice of its transforms, and our SPI.
  SaPayload chosen = esp_sa_payload(inbound_spi, r.esp);
  chosen.proposals[0].number = r.proposal_number;
  std::vector<Payload> out;
  out.emplace_back(std::move(chosen));
  out.emplace_back(NoncePayload{r.nr});
  if (!r.kei.empty()) {
    auto ke = detail::answer_ke(r, r.esp.ke, r.kei);
    if (!ke) return ke.error();
    out.emplace_back(std::move(*ke));
    r.kei.clear();
  }
  out.emplace_back(ts_payload(true, sa.child->remote_ts));
  out.emplace_back(ts_payload(false, sa.child->local_ts));
  if (auto ok = detail::add_link(r, random, out); !ok) return ok.error();
  return out;
}

core::Result<std::vector<Payload>> answer_followup_ke(IkeSa& sa,
                                                      const std::vector<Payload>& request,
                                                      Randomness& random) {
  const auto* link = find_notify(request, NotifyType::additional_key_exchange);
  if (!sa.peer_rekey || sa.peer_rekey->awaiting_spi || sa.peer_rekey->followups.empty() ||
      link == nullptr || link->data != sa.peer_rekey->link) {
    return std::vector<Payload>{make_notify(NotifyType::state_not_found)};
  }
  PeerChildRekey& r = *sa.peer_rekey;
  const auto* ke = find_payload<KePayload>(request);
  if (ke == nullptr || ke->method != r.followups.front()) {
    return unexpected_message("IKE_FOLLOWUP_KE without the additional key exchange's KE");
  }
  auto answer = detail::answer_ke(r, ke->method, ke->data);
  if (!answer) return answer.error();
  r.followups.erase(r.followups.begin());
  std::vector<Payload> out;
  out.emplace_back(std::move(*answer));
  if (auto ok = detail::add_link(r, random, out); !ok) return ok.error();
  return out;
}

bool peer_child_rekey_complete(const IkeSa& sa) noexcept {
  return sa.peer_rekey && !sa.peer_rekey->awaiting_spi && sa.peer_rekey->kei.empty() &&
         sa.peer_rekey->followups.empty();
}

core::Result<ChildSa> take_peer_rekeyed_child(IkeSa& sa) {
  if (!peer_child_rekey_complete(sa) || !sa.child) {
    return unexpected_message("the responder's CHILD SA rekey is not complete");
  }
  PeerChildRekey r = std::move(*sa.peer_rekey);
  sa.peer_rekey.reset();
  // The responder initiated this exchange.
  return detail::rekeyed_child(
      sa, {r.inbound_spi, r.outbound_spi, r.ni, r.nr, r.secret.span(), r.additional.span(), false,
           sa.child->local_ts, sa.child->remote_ts});
}

}  // namespace pqbranch::ikev2
