#include "pqbranch/ikev2/certreq_payload.hpp"

#include <algorithm>
#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {

core::Result<void> verify(const CertReqPayload& c) {
  if (c.authorities.size() > kMaxCaHashes) {
    return detail::fail(errc::too_large,
                        "CERTREQ with " + std::to_string(c.authorities.size()) + " CAs");
  }
  return {};
}

void append_body(const CertReqPayload& c, std::vector<std::uint8_t>& out) {
  detail::put8(out, static_cast<std::uint8_t>(c.encoding));
  for (const auto& h : c.authorities)
    detail::put_bytes(out, h);
}

core::Result<CertReqPayload> parse_certreq_payload(std::span<const std::uint8_t> body) {
  detail::Reader r(body, "CERTREQ payload");
  auto encoding = r.u8();
  if (!encoding) return encoding.error();
  CertReqPayload c;
  c.encoding = static_cast<CertEncoding>(*encoding);
  const auto data = r.rest();
  if (c.encoding != CertEncoding::x509_signature) return c;  // nothing we could use
  if (data.size() % kCaHashSize != 0) {
    return detail::fail(errc::bad_length,
                        "CERTREQ authorities of " + std::to_string(data.size()) + " bytes");
  }
  if (data.size() / kCaHashSize > kMaxCaHashes) {
    return detail::fail(errc::too_large,
                        "CERTREQ with " + std::to_string(data.size() / kCaHashSize) + " CAs");
  }
  for (std::size_t at = 0; at < data.size(); at += kCaHashSize) {
    CaHash h{};
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(at), kCaHashSize, h.begin());
    c.authorities.push_back(h);
  }
  return c;
}

}  // namespace pqbranch::ikev2
