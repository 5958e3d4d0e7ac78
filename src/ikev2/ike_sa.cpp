#include "pqbranch/ikev2/ike_sa.hpp"

#include <string>

#include "pqbranch/ikev2/exchange_errc.hpp"

namespace pqbranch::ikev2 {
Transform make_transform(TransformType type, std::uint16_t id,
                         std::optional<std::uint16_t> key_length) {
  Transform t;
  t.type = type;
  t.id = id;
  t.key_length = key_length;
  return t;
}

Header request_header(const IkeSa& sa, ExchangeType exchange) {
  Header h;
  h.spi_i = sa.spi_i;
  h.spi_r = sa.spi_r;
  h.exchange = exchange;
  h.flags = sa.own_flags();
  h.message_id = sa.next_request_id;
  return h;
}

Header response_header(const IkeSa& sa, ExchangeType exchange, std::uint32_t message_id) {
  Header h = request_header(sa, exchange);
  h.flags = sa.own_flags() | kFlagResponse;
  h.message_id = message_id;
  return h;
}

core::Result<SealedMessage> seal(IkeSa& sa, const Message& m) {
  return seal_message(m, sa.own_key(), sa.next_iv++);
}

core::Result<OpenedMessage> open_response(const IkeSa& sa, const ReceivedMessage& received,
                                          ExchangeType exchange, std::uint32_t message_id) {
  auto header = received.header();
  if (!header) return header.error();
  if (header->spi_i != sa.spi_i || header->spi_r != sa.spi_r)
    return unexpected_message("other IKE SA");
  if (header->exchange != exchange) {
    return unexpected_message("exchange " +
                              std::to_string(static_cast<unsigned>(header->exchange)));
  }
  if (!header->response() || header->initiator() == sa.original_initiator) {
    return unexpected_message("not a response to us");
  }
  if (header->message_id != message_id) {
    return unexpected_message("message ID " + std::to_string(header->message_id) + ", expected " +
                              std::to_string(message_id));
  }
  return received.open(sa.peer_key());
}

const NotifyPayload* find_error_notify(const std::vector<Payload>& payloads) noexcept {
  for (const auto& p : payloads) {
    const auto* n = std::get_if<NotifyPayload>(&p);
    if (n != nullptr && is_error(n->type)) return n;
  }
  return nullptr;
}

std::string notify_name(NotifyType t) {
  switch (t) {
    case NotifyType::no_proposal_chosen:
      return "NO_PROPOSAL_CHOSEN";
    case NotifyType::invalid_ke_payload:
      return "INVALID_KE_PAYLOAD";
    case NotifyType::authentication_failed:
      return "AUTHENTICATION_FAILED";
    case NotifyType::ts_unacceptable:
      return "TS_UNACCEPTABLE";
    case NotifyType::invalid_syntax:
      return "INVALID_SYNTAX";
    case NotifyType::temporary_failure:
      return "TEMPORARY_FAILURE";
    case NotifyType::invalid_major_version:
      return "INVALID_MAJOR_VERSION";
    case NotifyType::unsupported_critical_payload:
      return "UNSUPPORTED_CRITICAL_PAYLOAD";
    case NotifyType::single_pair_required:
      return "SINGLE_PAIR_REQUIRED";
    case NotifyType::internal_address_failure:
      return "INTERNAL_ADDRESS_FAILURE";
    case NotifyType::failed_cp_required:
      return "FAILED_CP_REQUIRED";
    case NotifyType::no_additional_sas:
      return "NO_ADDITIONAL_SAS";
    case NotifyType::child_sa_not_found:
      return "CHILD_SA_NOT_FOUND";
    case NotifyType::state_not_found:
      return "STATE_NOT_FOUND";
    default:
      return "notify";
  }
}

core::Error refused_by(const NotifyPayload& n, std::string_view exchange) {
  return core::make_error(exchange_errc::peer_refused,
                          std::string(exchange) + ": the responder answered " +
                              notify_name(n.type) + " (" +
                              std::to_string(static_cast<unsigned>(n.type)) + ")");
}

}  // namespace pqbranch::ikev2
