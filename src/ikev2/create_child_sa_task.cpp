#include "pqbranch/ikev2/create_child_sa_task.hpp"

#include <string>
#include <utility>

#include "pqbranch/ikev2/child_sa_payloads.hpp"
#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"

#include "byte_io.hpp"
#include "rekey_exchange.hpp"
#include "rekeyed_child.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr const char* kCreate = "CREATE_CHILD_SA";
constexpr const char* kFollowUp = "IKE_FOLLOWUP_KE";

}  // namespace

core::Result<std::vector<std::uint8_t>> build_child_rekey(IkeSa& sa,
                                                          const InitiatorSettings& settings,
                                                          std::uint32_t inbound_spi,
                                                          Randomness& random) {
  if (!sa.child) return unexpected_message("no CHILD SA to rekey");
  ChildRekey r;
  r.inbound_spi = inbound_spi;
  if (auto ok = fill_nonce(random, r.ni); !ok) return ok.error();
  Message m;
  m.header = request_header(sa, ExchangeType::create_child_sa);
  NotifyPayload rekey = make_notify(NotifyType::rekey_sa);
  rekey.protocol = ProtocolId::esp;
  rekey.spi = detail::bytes32(sa.child->inbound_spi);
  m.payloads.emplace_back(std::move(rekey));
  m.payloads.emplace_back(esp_sa_payload(inbound_spi, settings.esp));
  m.payloads.emplace_back(NoncePayload{r.ni});
  if (settings.esp.ke != KeMethod::none) {
    auto ke = random.key_exchange(settings.esp.ke);
    if (!ke) return ke.error();
    m.payloads.emplace_back(KePayload{settings.esp.ke, ke->public_data()});
    r.ke.emplace(std::move(*ke));
  }
  if (settings.esp.ke1) r.followups.push_back(*settings.esp.ke1);
  m.payloads.emplace_back(ts_payload(true, sa.child->local_ts));
  m.payloads.emplace_back(ts_payload(false, sa.child->remote_ts));
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  sa.child_rekey = std::move(r);
  return std::move(sealed->bytes);
}

core::Result<ChildRekeyStep> process_child_rekey(IkeSa& sa, const InitiatorSettings& settings,
                                                 const ReceivedMessage& response) {
  auto opened = detail::open_rekey_response(sa, response, ExchangeType::create_child_sa);
  if (!opened) return opened.error();
  const auto& payloads = opened->message.payloads;
  if (const auto* n = find_error_notify(payloads)) return refused_by(*n, kCreate);
  ChildRekey& r = *sa.child_rekey;
  auto outbound_spi = check_esp_proposal(payloads, settings.esp, kCreate);
  if (!outbound_spi) return outbound_spi.error();
  const auto* nonce = find_payload<NoncePayload>(payloads);
  if (nonce == nullptr)
    return unexpected_message(std::string(kCreate) + ": the response has no Nr");
  if (r.ke) {
    if (auto ok = detail::finish_exchange(r, payloads, kCreate); !ok) return ok.error();
  }
  auto local = narrowed(find_ts(payloads, true), sa.child->local_ts, "TSi", kCreate);
  if (!local) return local.error();
  auto remote = narrowed(find_ts(payloads, false), sa.child->remote_ts, "TSr", kCreate);
  if (!remote) return remote.error();
  r.outbound_spi = *outbound_spi;
  r.nr = nonce->data;
  r.local_ts = std::move(*local);
  r.remote_ts = std::move(*remote);
  return detail::next_rekey_step(r, payloads, kCreate);
}

core::Result<std::vector<std::uint8_t>> build_followup_ke(IkeSa& sa, Randomness& random) {
  if (!sa.child_rekey || sa.child_rekey->followups.empty()) {
    return unexpected_message("no additional key exchange to run");
  }
  ChildRekey& r = *sa.child_rekey;
  const KeMethod method = r.followups.front();
  auto ke = random.key_exchange(method);
  if (!ke) return ke.error();
  Message m;
  m.header = request_header(sa, ExchangeType::ike_followup_ke);
  m.payloads.emplace_back(KePayload{method, ke->public_data()});
  m.payloads.emplace_back(make_notify(NotifyType::additional_key_exchange, r.link));
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  r.ke.emplace(std::move(*ke));
  return std::move(sealed->bytes);
}

core::Result<ChildRekeyStep> process_followup_ke(IkeSa& sa, const ReceivedMessage& response) {
  auto opened = detail::open_rekey_response(sa, response, ExchangeType::ike_followup_ke);
  if (!opened) return opened.error();
  const auto& payloads = opened->message.payloads;
  if (const auto* n = find_error_notify(payloads)) return refused_by(*n, kFollowUp);
  ChildRekey& r = *sa.child_rekey;
  if (auto ok = detail::finish_exchange(r, payloads, kFollowUp); !ok) return ok.error();
  r.followups.erase(r.followups.begin());
  return detail::next_rekey_step(r, payloads, kFollowUp);
}

core::Result<ChildSa> take_rekeyed_child(IkeSa& sa) {
  if (!sa.child_rekey || sa.child_rekey->ke || !sa.child_rekey->followups.empty() ||
      sa.child_rekey->nr.empty()) {
    return unexpected_message("the CHILD SA rekey is not complete");
  }
  ChildRekey r = std::move(*sa.child_rekey);
  sa.child_rekey.reset();
  return detail::rekeyed_child(
      sa, {r.inbound_spi, r.outbound_spi, r.ni, r.nr, r.secret.span(), r.additional.span(), true,
           std::move(r.local_ts), std::move(r.remote_ts)});
}

}  // namespace pqbranch::ikev2
