#include "pqbranch/ikev2/peer_ike_rekey_task.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/ike_sa_init_task.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"
#include "pqbranch/ikev2/peer_child_rekey_task.hpp"

#include "rekey_exchange.hpp"
#include "rekeyed_ike_sa.hpp"

namespace pqbranch::ikev2 {
namespace {

std::vector<Payload> refusal(NotifyPayload n) {
  std::vector<Payload> out;
  out.emplace_back(std::move(n));
  return out;
}

}  // namespace

bool is_ike_rekey_request(const std::vector<Payload>& request) noexcept {
  const auto* offer = find_payload<SaPayload>(request);
  return offer != nullptr && !offer->proposals.empty() &&
         offer->proposals[0].protocol == ProtocolId::ike;
}

core::Result<std::vector<Payload>> answer_ike_rekey(IkeSa& sa, const std::vector<Payload>& request,
                                                    std::uint32_t message_id, Randomness& random) {
  const auto* offer = find_payload<SaPayload>(request);
  const auto* nonce = find_payload<NoncePayload>(request);
  const auto* ke = find_payload<KePayload>(request);
  if (offer == nullptr || nonce == nullptr || !sa.selected) {
    return unexpected_message("CREATE_CHILD_SA (IKE SA rekey) request without SA or Ni");
  }
  const auto chosen = std::ranges::find_if(offer->proposals, [&](const Proposal& p) {
    return p.protocol == ProtocolId::ike && p.spi.size() == sizeof(Spi) &&
           read_ike_proposal(p) == sa.selected;
  });
  if (chosen == offer->proposals.end()) return refusal(make_notify(NotifyType::no_proposal_chosen));
  if (ke == nullptr || ke->method != sa.selected->ke)
    return refusal(make_invalid_ke(sa.selected->ke));
  PeerChildRekey r;
  r.message_id = message_id;
  r.awaiting_spi = false;
  r.new_spi_i.emplace();
  std::ranges::copy(chosen->spi, r.new_spi_i->begin());
  if (auto ok = random.fill(r.new_spi_r); !ok) return ok.error();
  r.ni = nonce->data;
  if (auto ok = fill_nonce(random, r.nr); !ok) return ok.error();
  if (sa.selected->ke1) r.followups.push_back(*sa.selected->ke1);
  auto ker = detail::answer_ke(r, ke->method, ke->data);
  if (!ker) return ker.error();
  // The proposal it offered, with our SPI.
  Proposal answer = *chosen;
  answer.spi.assign(r.new_spi_r.begin(), r.new_spi_r.end());
  std::vector<Payload> out;
  out.emplace_back(SaPayload{{std::move(answer)}});
  out.emplace_back(NoncePayload{r.nr});
  out.emplace_back(std::move(*ker));
  if (auto ok = detail::add_link(r, random, out); !ok) return ok.error();
  sa.peer_rekey = std::move(r);
  return out;
}

core::Result<IkeSa> take_peer_rekeyed_ike_sa(IkeSa& sa) {
  if (!peer_child_rekey_complete(sa) || !sa.peer_rekey->new_spi_i) {
    return unexpected_message("the responder's IKE SA rekey is not complete");
  }
  PeerChildRekey r = std::move(*sa.peer_rekey);
  sa.peer_rekey.reset();
  return detail::rekeyed_ike_sa(sa, {*r.new_spi_i, r.new_spi_r, std::move(r.ni), std::move(r.nr),
                                     r.secret.span(), r.additional.span(), false});
}

}  // namespace pqbranch::ikev2
