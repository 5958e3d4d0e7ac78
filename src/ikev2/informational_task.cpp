#include "pqbranch/ikev2/informational_task.hpp"

#include <algorithm>
#include <string>

#include "pqbranch/ikev2/exchange_errc.hpp"

namespace pqbranch::ikev2 {
namespace {

core::Error unexpected(const std::string& why) {
  return core::make_error(exchange_errc::unexpected_message, why);
}

}  // namespace

core::Result<std::vector<std::uint8_t>> build_liveness_check(IkeSa& sa) {
  Message m;
  m.header = request_header(sa, ExchangeType::informational);
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  return std::move(sealed->bytes);
}

core::Result<std::vector<std::uint8_t>> build_delete_ike_sa(IkeSa& sa) {
  Message m;
  m.header = request_header(sa, ExchangeType::informational);
  m.payloads.emplace_back(DeletePayload{ProtocolId::ike, {}});
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  return std::move(sealed->bytes);
}

core::Result<std::vector<std::uint8_t>> build_delete_child_sa(IkeSa& sa,
                                                              std::uint32_t inbound_spi) {
  Message m;
  m.header = request_header(sa, ExchangeType::informational);
  m.payloads.emplace_back(DeletePayload{ProtocolId::esp, {inbound_spi}});
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  return std::move(sealed->bytes);
}

core::Result<void> process_informational_response(IkeSa& sa, const ReceivedMessage& response) {
  auto opened = open_response(sa, response, ExchangeType::informational, sa.next_request_id);
  if (!opened) return opened.error();
  ++sa.next_request_id;
  return {};
}

bool is_peer_request(const IkeSa& sa, const Header& h) {
  return !h.response() && !h.initiator() && h.spi_i == sa.spi_i && h.spi_r == sa.spi_r;
}

bool is_retransmitted_request(const IkeSa& sa, const PeerRequest& last,
                              const ReceivedMessage& request) {
  auto h = request.header();
  return h && is_peer_request(sa, *h) && h->message_id == last.message_id &&
         request.open(sa.keys.sk_er.span()).has_value();
}

core::Result<PeerRequest> process_peer_request(IkeSa& sa, const ReceivedMessage& request) {
  auto h = request.header();
  if (!h) return h.error();
  if (!is_peer_request(sa, *h)) return unexpected("not a request of this IKE SA");
  if (h->message_id != sa.peer_request_id) {
    return unexpected("request message ID " + std::to_string(h->message_id) + ", expected " +
                      std::to_string(sa.peer_request_id));
  }
  auto opened = request.open(sa.keys.sk_er.span());
  if (!opened) return opened.error();
  PeerRequest out;
  out.message_id = h->message_id;
  std::vector<Payload> answer;
  if (h->exchange == ExchangeType::informational) {
    for (const auto& p : opened->message.payloads) {
      const auto* d = std::get_if<DeletePayload>(&p);
      if (d == nullptr) continue;
      if (d->protocol == ProtocolId::ike) {
        out.ike_sa_deleted = true;
      } else if (d->protocol == ProtocolId::esp && sa.child &&
                 std::ranges::find(d->spis, sa.child->outbound_spi) != d->spis.end()) {
        out.child_sa_deleted = true;
        answer.emplace_back(DeletePayload{ProtocolId::esp, {sa.child->inbound_spi}});
      }
    }
  } else if (h->exchange == ExchangeType::create_child_sa) {
    answer.emplace_back(make_notify(NotifyType::no_proposal_chosen));
  } else {
    return unexpected("request of exchange " + std::to_string(static_cast<unsigned>(h->exchange)));
  }
  Message m;
  m.header = response_header(sa, h->exchange, h->message_id);
  m.payloads = std::move(answer);
  auto sealed = seal(sa, m);
  if (!sealed) return sealed.error();
  out.response = std::move(sealed->bytes);
  ++sa.peer_request_id;
  return out;
}

}  // namespace pqbranch::ikev2
