#include "pqbranch/ikev2/header.hpp"

#include <algorithm>
#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {

core::Result<Header> parse_header(std::span<const std::uint8_t> datagram) {
  if (datagram.size() < kHeaderSize) {
    return detail::fail(errc::truncated,
                        "IKE header: " + std::to_string(datagram.size()) + " bytes");
  }
  Header h;
  std::copy_n(datagram.begin(), 8, h.spi_i.begin());
  std::copy_n(datagram.begin() + 8, 8, h.spi_r.begin());
  h.next_payload = static_cast<PayloadType>(datagram[16]);
  h.major_version = static_cast<std::uint8_t>(datagram[17] >> 4U);
  h.minor_version = static_cast<std::uint8_t>(datagram[17] & 0x0FU);
  h.exchange = static_cast<ExchangeType>(datagram[18]);
  h.flags = datagram[19];
  h.message_id = detail::get32(datagram, 20);
  h.length = detail::get32(datagram, 24);
  // RFC 7296 §3.1: a major version above 2 is answered with INVALID_MAJOR_VERSION; below 2
  // is IKEv1, a different protocol.
  if (h.major_version != 2) {
    return detail::fail(errc::bad_version, "IKE major version " + std::to_string(h.major_version));
  }
  if (h.length != datagram.size()) {
    return detail::fail(errc::bad_length, "IKE header length " + std::to_string(h.length) +
                                              ", datagram " + std::to_string(datagram.size()));
  }
  return h;
}

void append_header(const Header& h, std::vector<std::uint8_t>& out) {
  detail::put_bytes(out, h.spi_i);
  detail::put_bytes(out, h.spi_r);
  detail::put8(out, static_cast<std::uint8_t>(h.next_payload));
  detail::put8(out, static_cast<std::uint8_t>((h.major_version << 4U) | (h.minor_version & 0x0FU)));
  detail::put8(out, static_cast<std::uint8_t>(h.exchange));
  detail::put8(out, h.flags);
  detail::put32(out, h.message_id);
  detail::put32(out, h.length);
}

}  // namespace pqbranch::ikev2
