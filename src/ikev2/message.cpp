#include "pqbranch/ikev2/message.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/payload_header.hpp"

#include "byte_io.hpp"
#include "payload_codec.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr std::size_t kMaxPayloadLength = 65535;

std::string type_name(PayloadType t) {
  return "payload type " + std::to_string(static_cast<unsigned>(t));
}

}  // namespace

namespace detail {

core::Result<std::optional<Payload>> parse_payload(const RawPayload& raw) {
  auto wrap = [](auto r) -> core::Result<std::optional<Payload>> {
    if (!r) return r.error();
    return std::optional<Payload>(std::move(*r));
  };
  switch (raw.type) {
    case PayloadType::sa:
      return wrap(parse_sa_payload(raw.body));
    case PayloadType::ke:
      return wrap(parse_ke_payload(raw.body));
    case PayloadType::id_i:
    case PayloadType::id_r:
      return wrap(parse_id_payload(raw.body, raw.type == PayloadType::id_i));
    case PayloadType::cert:
      return wrap(parse_cert_payload(raw.body));
    case PayloadType::certreq:
      return wrap(parse_certreq_payload(raw.body));
    case PayloadType::auth:
      return wrap(parse_auth_payload(raw.body));
    case PayloadType::nonce:
      return wrap(parse_nonce_payload(raw.body));
    case PayloadType::notify:
      return wrap(parse_notify_payload(raw.body));
    case PayloadType::del:
      return wrap(parse_delete_payload(raw.body));
    case PayloadType::vendor_id:
      return wrap(parse_vendor_id_payload(raw.body));
    case PayloadType::ts_i:
    case PayloadType::ts_r:
      return wrap(parse_ts_payload(raw.body, raw.type == PayloadType::ts_i));
    case PayloadType::sk:
      return fail(errc::unexpected_encrypted_payload, "SK payload");
    case PayloadType::skf:
      return fail(errc::unexpected_encrypted_payload, "SKF payload (use FragmentReassembler)");
    default:
      // RFC 7296 §2.5: skip an unknown payload unless its critical bit is set.
      if (raw.critical) return fail(errc::unsupported_critical_payload, type_name(raw.type));
      return std::optional<Payload>();
  }
}

}  // namespace detail

core::Result<std::vector<Payload>> parse_payload_chain(PayloadType first,
                                                       std::span<const std::uint8_t> bytes) {
  auto raw = walk_payloads(first, bytes);
  if (!raw) return raw.error();
  std::vector<Payload> out;
  for (const auto& r : *raw) {
    auto p = detail::parse_payload(r);
    if (!p) return p.error();
    if (*p) out.push_back(std::move(**p));
  }
  return out;
}

core::Result<EncodedChain> encode_payload_chain(const std::vector<Payload>& payloads) {
  EncodedChain chain;
  chain.first = payloads.empty() ? PayloadType::none : payload_type(payloads.front());
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const auto next = i + 1 < payloads.size() ? payload_type(payloads[i + 1]) : PayloadType::none;
    std::vector<std::uint8_t> body;
    auto ok = std::visit(
        [&body](const auto& p) -> core::Result<void> {
          if (auto v = verify(p); !v) return v;
          append_body(p, body);
          return {};
        },
        payloads[i]);
    if (!ok) return ok.error();
    if (body.size() + kGenericHeaderSize > kMaxPayloadLength) {
      return detail::fail(errc::too_large, type_name(payload_type(payloads[i])) + " of " +
                                               std::to_string(body.size()) + " bytes");
    }
    append_generic_header(next, body.size() + kGenericHeaderSize, chain.bytes);
    detail::put_bytes(chain.bytes, body);
  }
  return chain;
}

core::Result<std::vector<std::uint8_t>> encode_message(const Message& m) {
  auto chain = encode_payload_chain(m.payloads);
  if (!chain) return chain.error();
  const auto total = kHeaderSize + chain->bytes.size();
  if (total > kMaxMessageSize) {
    return detail::fail(errc::too_large, "message of " + std::to_string(total) + " bytes");
  }
  Header h = m.header;
  h.next_payload = chain->first;
  h.length = static_cast<std::uint32_t>(total);
  std::vector<std::uint8_t> out;
  out.reserve(total);
  append_header(h, out);
  detail::put_bytes(out, chain->bytes);
  return out;
}

core::Result<Message> parse_message(std::span<const std::uint8_t> datagram) {
  auto h = parse_header(datagram);
  if (!h) return h.error();
  Message m;
  m.header = *h;
  auto payloads = parse_payload_chain(h->next_payload, datagram.subspan(kHeaderSize));
  if (!payloads) return payloads.error();
  m.payloads = std::move(*payloads);
  return m;
}

}  // namespace pqbranch::ikev2
