#include "pqbranch/ikev2/informational_task.hpp"

#include <algorithm>
#include <string>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/peer_child_rekey_task.hpp"
#include "pqbranch/ikev2/peer_ike_rekey_task.hpp"

namespace pqbranch::ikev2 {
namespace {

// Our request of an INFORMATIONAL exchange carrying `payloads`.
core::Result<std::vector<std::uint8_t>> seal_informational(IkeSa& sa,
                                                           std::vector<Payload> payloads) {
  Message m;
  m.header = request_header(sa, ExchangeType::informational);
  m.payloads = std::move(payloads);
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  return std::move(sealed->bytes);
}

// Seals our answer to the responder's request `out.message_id` into `out` and moves on to its
// next request.
core::Result<PeerRequest> answered(IkeSa& sa, PeerRequest out, std::vector<Payload> payloads) {
  Message m;
  m.header = response_header(sa, out.exchange, out.message_id);
  m.payloads = std::move(payloads);
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  out.response = std::move(sealed->bytes);
  if (out.message_id == sa.peer_request_id) ++sa.peer_request_id;
  return out;
}

}  // namespace

core::Result<std::vector<std::uint8_t>> build_liveness_check(IkeSa& sa) {
  return seal_informational(sa, {});
}

core::Result<std::vector<std::uint8_t>> build_delete_ike_sa(IkeSa& sa) {
  return seal_informational(sa, {DeletePayload{ProtocolId::ike, {}}});
}

core::Result<std::vector<std::uint8_t>> build_delete_child_sa(IkeSa& sa,
                                                              std::uint32_t inbound_spi) {
  return seal_informational(sa, {DeletePayload{ProtocolId::esp, {inbound_spi}}});
}

core::Result<void> process_informational_response(IkeSa& sa, const ReceivedMessage& response) {
  auto opened = open_response(sa, response, ExchangeType::informational, sa.next_request_id);
  if (!opened) return opened.error();
  ++sa.next_request_id;
  return {};
}

bool is_peer_request(const IkeSa& sa, const Header& h) {
  return !h.response() && h.initiator() != sa.original_initiator && h.spi_i == sa.spi_i &&
         h.spi_r == sa.spi_r;
}

bool is_retransmitted_request(const IkeSa& sa, const PeerRequest& last,
                              const ReceivedMessage& request) {
  auto h = request.header();
  return h && is_peer_request(sa, *h) && h->message_id == last.message_id &&
         request.open(sa.peer_key()).has_value();
}

core::Result<PeerRequest> process_peer_request(IkeSa& sa, const ReceivedMessage& request,
                                               const PeerRequestPolicy& policy,
                                               Randomness& random) {
  auto h = request.header();
  if (!h) return h.error();
  if (!is_peer_request(sa, *h)) return unexpected_message("not a request of this IKE SA");
  if (sa.peer_rekey && sa.peer_rekey->awaiting_spi && h->message_id == sa.peer_rekey->message_id) {
    return unexpected_message("request " + std::to_string(h->message_id) + " is being answered");
  }
  if (h->message_id != sa.peer_request_id) {
    return unexpected_message("request message ID " + std::to_string(h->message_id) +
                              ", expected " + std::to_string(sa.peer_request_id));
  }
  auto opened = request.open(sa.peer_key());
  if (!opened) return opened.error();
  const auto& payloads = opened->message.payloads;
  PeerRequest out;
  out.message_id = h->message_id;
  out.exchange = h->exchange;
  std::vector<Payload> answer;
  if (h->exchange == ExchangeType::informational) {
    for (const auto& p : payloads) {
      const auto* d = std::get_if<DeletePayload>(&p);
      if (d == nullptr) continue;
      if (d->protocol == ProtocolId::ike) {
        out.ike_sa_deleted = true;
        continue;
      }
      if (d->protocol != ProtocolId::esp) continue;
      DeletePayload ours{ProtocolId::esp, {}};
      auto pairs = policy.more_children;
      if (sa.child) pairs.emplace_back(sa.child->outbound_spi, sa.child->inbound_spi);
      for (const auto& [outbound, inbound] : pairs) {
        if (std::ranges::find(d->spis, outbound) == d->spis.end()) continue;
        out.deleted.push_back(outbound);
        out.child_sa_deleted |= sa.child && outbound == sa.child->outbound_spi;
        ours.spis.push_back(inbound);
      }
      if (!ours.spis.empty()) answer.emplace_back(std::move(ours));
    }
  } else if (h->exchange == ExchangeType::create_child_sa && is_ike_rekey_request(payloads)) {
    if (!policy.ike_rekeys || policy.ike_busy || sa.peer_rekey) {
      out.refused =
          policy.ike_rekeys ? NotifyType::temporary_failure : NotifyType::no_proposal_chosen;
      answer.emplace_back(make_notify(*out.refused));
    } else {
      auto reply = answer_ike_rekey(sa, payloads, h->message_id, random);
      if (!reply) return reply.error();
      answer = std::move(*reply);
      if (!sa.peer_rekey) {
        out.refused = std::get<NotifyPayload>(answer.front()).type;
      } else {
        out.ike_rekeyed = peer_child_rekey_complete(sa);
      }
    }
  } else if (h->exchange == ExchangeType::create_child_sa) {
    if (!policy.esp) {
      out.refused = NotifyType::no_proposal_chosen;
    } else if (policy.busy || sa.peer_rekey) {
      out.refused = NotifyType::temporary_failure;
    } else {
      auto refusal = accept_child_rekey(sa, *policy.esp, payloads, h->message_id);
      if (!refusal) return refusal.error();
      if (!*refusal) {
        out.awaiting_spi = true;
        return out;
      }
      out.refused = (*refusal)->type;
      answer.emplace_back(std::move(**refusal));
    }
    if (answer.empty()) answer.emplace_back(make_notify(*out.refused));
  } else if (h->exchange == ExchangeType::ike_followup_ke) {
    const bool ike = sa.peer_rekey && sa.peer_rekey->new_spi_i;
    auto reply = answer_followup_ke(sa, payloads, random);
    if (!reply) return reply.error();
    answer = std::move(*reply);
    (ike ? out.ike_rekeyed : out.child_rekeyed) = peer_child_rekey_complete(sa);
  } else {
    return unexpected_message("request of exchange " +
                              std::to_string(static_cast<unsigned>(h->exchange)));
  }
  return answered(sa, std::move(out), std::move(answer));
}

core::Result<PeerRequest> answer_peer_rekey(IkeSa& sa, std::uint32_t inbound_spi,
                                            Randomness& random) {
  if (!sa.peer_rekey || !sa.peer_rekey->awaiting_spi) {
    return unexpected_message("no CHILD SA rekey of the responder waits for an SPI");
  }
  const std::uint32_t id = sa.peer_rekey->message_id;
  auto payloads = answer_child_rekey(sa, inbound_spi, random);
  if (!payloads) return payloads.error();
  PeerRequest out;
  out.message_id = id;
  out.exchange = ExchangeType::create_child_sa;
  out.child_rekeyed = peer_child_rekey_complete(sa);
  return answered(sa, std::move(out), std::move(*payloads));
}

core::Result<PeerRequest> refuse_peer_rekey(IkeSa& sa, std::uint32_t message_id,
                                            ExchangeType exchange, NotifyType why) {
  sa.peer_rekey.reset();
  PeerRequest out;
  out.message_id = message_id;
  out.exchange = exchange;
  return answered(sa, std::move(out), {make_notify(why)});
}

}  // namespace pqbranch::ikev2
