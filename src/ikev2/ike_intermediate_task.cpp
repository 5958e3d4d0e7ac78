#include "pqbranch/ikev2/ike_intermediate_task.hpp"

#include <string>

#include "pqbranch/ikev2/exchange_errc.hpp"

namespace pqbranch::ikev2 {

core::Result<std::vector<std::uint8_t>> build_ike_intermediate(IkeSa& sa, Randomness& random) {
  if (!sa.selected || !sa.selected->ke1) {
    return core::make_error(exchange_errc::unexpected_message, "no additional key exchange");
  }
  const auto method = *sa.selected->ke1;
  auto ke = random.key_exchange(method);
  if (!ke) return ke.error();
  Message m;
  m.header = request_header(sa, ExchangeType::ike_intermediate);
  m.payloads.emplace_back(KePayload{method, ke->public_data()});
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  sa.pending_ke.emplace(std::move(*ke));
  sa.pending_int_auth = std::move(sealed->int_auth_octets);
  return std::move(sealed->bytes);
}

core::Result<void> process_ike_intermediate(IkeSa& sa, const ReceivedMessage& response) {
  if (!sa.pending_ke) {
    return core::make_error(exchange_errc::unexpected_message, "no IKE_INTERMEDIATE outstanding");
  }
  auto opened = open_response(sa, response, ExchangeType::ike_intermediate, sa.next_request_id);
  if (!opened) return opened.error();
  const auto& payloads = opened->message.payloads;
  if (const auto* n = find_error_notify(payloads)) return refused_by(*n, "IKE_INTERMEDIATE");
  const auto* ke = find_payload<KePayload>(payloads);
  if (ke == nullptr || ke->method != sa.pending_ke->method()) {
    return core::make_error(exchange_errc::key_exchange_failed,
                            "IKE_INTERMEDIATE: the response carries no KE of the chosen ADDKE1");
  }
  auto shared = sa.pending_ke->finish(ke->data);
  if (!shared) {
    return core::make_error(exchange_errc::key_exchange_failed,
                            "IKE_INTERMEDIATE: " + shared.error().message());
  }
  // RFC 9242 §3.3.1: with the SK_p of the keys that protected this exchange.
  if (auto ok = sa.int_auth.add_initiator_message(sa.keys.sk_pi.span(), sa.pending_int_auth); !ok) {
    return ok.error();
  }
  if (auto ok = sa.int_auth.add_responder_message(sa.keys.sk_pr.span(), opened->int_auth_octets);
      !ok) {
    return ok.error();
  }
  auto keys =
      updated_ike_keys(sa.keys, IkeKeySizes{}, shared->span(), sa.ni, sa.nr, sa.spi_i, sa.spi_r);
  if (!keys) return keys.error();
  sa.keys = std::move(*keys);
  sa.pending_ke.reset();
  sa.pending_int_auth.clear();
  ++sa.next_request_id;
  return {};
}

}  // namespace pqbranch::ikev2
