#include "pqbranch/ikev2/ike_rekey_task.hpp"

#include <string>
#include <utility>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/ike_sa_init_task.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"

#include "rekey_exchange.hpp"
#include "rekeyed_ike_sa.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr const char* kCreate = "CREATE_CHILD_SA (IKE SA rekey)";

core::Error not_offered(const std::string& why) {
  return core::make_error(exchange_errc::no_acceptable_proposal, std::string(kCreate) + ": " + why);
}

}  // namespace

core::Result<std::vector<std::uint8_t>> build_ike_rekey(IkeSa& sa, Randomness& random) {
  if (!sa.selected) return unexpected_message("no IKE SA to rekey");
  ChildRekey r;
  Spi spi{};
  if (auto ok = random.fill(spi); !ok) return ok.error();
  r.new_spi_i = spi;
  if (auto ok = fill_nonce(random, r.ni); !ok) return ok.error();
  auto ke = random.key_exchange(sa.selected->ke);
  if (!ke) return ke.error();
  Message m;
  m.header = request_header(sa, ExchangeType::create_child_sa);
  SaPayload offer = ike_sa_payload({*sa.selected});
  offer.proposals[0].spi.assign(spi.begin(), spi.end());
  m.payloads.emplace_back(std::move(offer));
  m.payloads.emplace_back(NoncePayload{r.ni});
  m.payloads.emplace_back(KePayload{sa.selected->ke, ke->public_data()});
  r.ke.emplace(std::move(*ke));
  if (sa.selected->ke1) r.followups.push_back(*sa.selected->ke1);
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  sa.child_rekey = std::move(r);
  return std::move(sealed->bytes);
}

core::Result<ChildRekeyStep> process_ike_rekey(IkeSa& sa, const ReceivedMessage& response) {
  auto opened = detail::open_rekey_response(sa, response, ExchangeType::create_child_sa);
  if (!opened) return opened.error();
  const auto& payloads = opened->message.payloads;
  if (const auto* n = find_error_notify(payloads)) {
    if (n->type != NotifyType::temporary_failure) return refused_by(*n, kCreate);
    return core::make_error(exchange_errc::temporary_failure,
                            std::string(kCreate) + ": the responder answered TEMPORARY_FAILURE");
  }
  ChildRekey& r = *sa.child_rekey;
  const auto* answer = find_payload<SaPayload>(payloads);
  if (answer == nullptr || answer->proposals.size() != 1 ||
      answer->proposals[0].protocol != ProtocolId::ike || answer->proposals[0].spi.size() != 8 ||
      read_ike_proposal(answer->proposals[0]) != sa.selected) {
    return not_offered("the responder chose an IKE SA we did not offer");
  }
  const auto* nonce = find_payload<NoncePayload>(payloads);
  if (nonce == nullptr)
    return unexpected_message(std::string(kCreate) + ": the response has no Nr");
  if (auto ok = detail::finish_exchange(r, payloads, kCreate); !ok) return ok.error();
  std::copy(answer->proposals[0].spi.begin(), answer->proposals[0].spi.end(), r.new_spi_r.begin());
  r.nr = nonce->data;
  return detail::next_rekey_step(r, payloads, kCreate);
}

core::Result<IkeSa> take_rekeyed_ike_sa(IkeSa& sa) {
  if (!sa.child_rekey || !sa.child_rekey->new_spi_i || sa.child_rekey->ke ||
      !sa.child_rekey->followups.empty() || sa.child_rekey->nr.empty()) {
    return unexpected_message("the IKE SA rekey is not complete");
  }
  ChildRekey r = std::move(*sa.child_rekey);
  sa.child_rekey.reset();
  return detail::rekeyed_ike_sa(sa, {*r.new_spi_i, r.new_spi_r, std::move(r.ni), std::move(r.nr),
                                     r.secret.span(), r.additional.span(), true});
}

}  // namespace pqbranch::ikev2
