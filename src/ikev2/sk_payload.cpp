#include "pqbranch/ikev2/sk_payload.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/payload_header.hpp"

#include "byte_io.hpp"
#include "payload_codec.hpp"
#include "sk_protection.hpp"

namespace pqbranch::ikev2 {

core::Result<SealedMessage> seal_message(const Message& m, std::span<const std::uint8_t> sk_e,
                                         std::uint64_t iv) {
  if (auto ok = detail::check_sk_key(sk_e); !ok) return ok.error();
  auto chain = encode_payload_chain(m.payloads);
  if (!chain) return chain.error();
  const auto sk_length = kGenericHeaderSize + detail::protected_size(chain->bytes.size());
  const auto total = kHeaderSize + sk_length;
  if (total > kMaxMessageSize || sk_length > 65535) {
    return detail::fail(errc::too_large,
                        "encrypted message of " + std::to_string(total) + " bytes");
  }
  Header h = m.header;
  h.next_payload = PayloadType::sk;
  h.length = static_cast<std::uint32_t>(total);
  std::vector<std::uint8_t> out;
  out.reserve(total);
  append_header(h, out);
  append_generic_header(chain->first, sk_length, out);

  SealedMessage result;
  result.int_auth_octets = detail::int_auth_octets(out, chain->bytes);
  if (auto ok = detail::append_protected(out, sk_e, iv, chain->bytes); !ok) return ok.error();
  result.bytes = std::move(out);
  return result;
}

core::Result<OpenedMessage> open_message(std::span<const std::uint8_t> datagram,
                                         std::span<const std::uint8_t> sk_e) {
  if (auto ok = detail::check_sk_key(sk_e); !ok) return ok.error();
  auto h = parse_header(datagram);
  if (!h) return h.error();
  const auto after_header = datagram.subspan(kHeaderSize);
  auto raw = walk_payloads(h->next_payload, after_header);
  if (!raw) return raw.error();
  if (raw->empty() || raw->back().type != PayloadType::sk) {
    return detail::fail(errc::missing_encrypted_payload, "no SK payload");
  }
  const auto& sk = raw->back();
  const auto aad = datagram.first(kHeaderSize + sk.offset + kGenericHeaderSize);
  const auto inner_first = static_cast<PayloadType>(after_header[sk.offset]);
  auto inner = detail::open_protected(sk_e, aad, sk.body, "SK payload");
  if (!inner) return inner.error();

  OpenedMessage result;
  result.message.header = *h;
  for (std::size_t i = 0; i + 1 < raw->size(); ++i) {
    auto p = detail::parse_payload((*raw)[i]);
    if (!p) return p.error();
    if (*p) result.message.payloads.push_back(std::move(**p));
  }
  auto payloads = parse_payload_chain(inner_first, inner->span());
  if (!payloads) return payloads.error();
  for (auto& p : *payloads)
    result.message.payloads.push_back(std::move(p));
  result.int_auth_octets = detail::int_auth_octets(aad, inner->span());
  return result;
}

}  // namespace pqbranch::ikev2
