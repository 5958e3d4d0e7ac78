#include "pqbranch/ikev2/cert_payload.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {

core::Result<void> verify(const CertPayload& c) {
  if (c.data.empty()) return detail::fail(errc::bad_length, "CERT without data");
  if (c.encoding == CertEncoding::x509_signature && c.data.front() != 0x30) {
    return detail::fail(errc::bad_value, "CERT encoding 4: data is not a DER SEQUENCE");
  }
  return {};
}

void append_body(const CertPayload& c, std::vector<std::uint8_t>& out) {
  detail::put8(out, static_cast<std::uint8_t>(c.encoding));
  detail::put_bytes(out, c.data);
}

core::Result<CertPayload> parse_cert_payload(std::span<const std::uint8_t> body) {
  detail::Reader r(body, "CERT payload");
  auto encoding = r.u8();
  if (!encoding) return encoding.error();
  CertPayload c;
  c.encoding = static_cast<CertEncoding>(*encoding);
  const auto data = r.rest();
  c.data.assign(data.begin(), data.end());
  if (auto ok = verify(c); !ok) return ok.error();
  return c;
}

}  // namespace pqbranch::ikev2
