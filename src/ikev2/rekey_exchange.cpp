#include "rekey_exchange.hpp"

#include <string>
#include <utility>

#include "pqbranch/ikev2/exchange_errc.hpp"

#include "secure_concat.hpp"

namespace pqbranch::ikev2::detail {
namespace {

constexpr std::size_t kLinkSize = 8;  // our ADDITIONAL_KEY_EXCHANGE data: opaque to the peer

core::Error ke_failed(const char* exchange, const std::string& why) {
  return core::make_error(exchange_errc::key_exchange_failed, std::string(exchange) + ": " + why);
}

}  // namespace

// Completes the outstanding key exchange with the responder's KE payload: its shared secret
// is SK(0) in CREATE_CHILD_SA, and is appended to SK(1) | ... in IKE_FOLLOWUP_KE.
core::Result<void> finish_exchange(ChildRekey& r, const std::vector<Payload>& payloads,
                                   const char* exchange) {
  const auto* ke = find_payload<KePayload>(payloads);
  if (ke == nullptr || !r.ke || ke->method != r.ke->method()) {
    return ke_failed(exchange, "the response carries no KE of the chosen method");
  }
  auto shared = r.ke->finish(ke->data);
  if (!shared) return ke_failed(exchange, shared.error().message());
  keep_shared_secret(r.secret, r.additional, std::move(*shared));
  r.ke.reset();
  return {};
}

// What follows the response: another ADDKE (its link must be there) or the end.
core::Result<ChildRekeyStep> next_rekey_step(ChildRekey& r, const std::vector<Payload>& payloads,
                                             const char* exchange) {
  if (r.followups.empty()) return ChildRekeyStep::complete;
  const auto* link = find_notify(payloads, NotifyType::additional_key_exchange);
  if (link == nullptr) {
    return ke_failed(exchange,
                     "an additional key exchange follows but the response has no "
                     "ADDITIONAL_KEY_EXCHANGE notify");
  }
  r.link = link->data;
  return ChildRekeyStep::follow_up;
}

core::Result<KePayload> answer_ke(PeerChildRekey& r, KeMethod method,
                                  const std::vector<std::uint8_t>& data) {
  auto reply = respond(method, data);
  if (!reply) return reply.error();
  keep_shared_secret(r.secret, r.additional, std::move(reply->shared_secret));
  return KePayload{method, std::move(reply->data)};
}

core::Result<void> add_link(PeerChildRekey& r, Randomness& random, std::vector<Payload>& out) {
  if (r.followups.empty()) return {};
  r.link.resize(kLinkSize);
  if (auto ok = random.fill(r.link); !ok) return ok.error();
  out.emplace_back(make_notify(NotifyType::additional_key_exchange, r.link));
  return {};
}

core::Result<OpenedMessage> open_rekey_response(IkeSa& sa, const ReceivedMessage& response,
                                                ExchangeType exchange) {
  if (!sa.child_rekey) return unexpected_message("no rekey outstanding");
  auto opened = open_response(sa, response, exchange, sa.next_request_id);
  if (!opened) return opened.error();
  ++sa.next_request_id;  // the exchange is over, whatever the response says
  return opened;
}

}  // namespace pqbranch::ikev2::detail
