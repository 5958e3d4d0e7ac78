#include "pqbranch/ikev2/delete_payload.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {

core::Result<void> verify(const DeletePayload& d) {
  switch (d.protocol) {
    case ProtocolId::ike:
      // RFC 7296 §3.11: deleting the IKE SA carries no SPI (the header names it).
      if (!d.spis.empty()) return detail::fail(errc::bad_count, "Delete IKE with SPIs");
      return {};
    case ProtocolId::ah:
    case ProtocolId::esp:
      if (d.spis.empty() || d.spis.size() > kMaxDeleteSpis) {
        return detail::fail(errc::bad_count,
                            "Delete with " + std::to_string(d.spis.size()) + " SPIs");
      }
      return {};
    default:
      return detail::fail(errc::bad_value, "Delete Protocol ID " +
                                               std::to_string(static_cast<unsigned>(d.protocol)));
  }
}

void append_body(const DeletePayload& d, std::vector<std::uint8_t>& out) {
  detail::put8(out, static_cast<std::uint8_t>(d.protocol));
  detail::put8(out, d.protocol == ProtocolId::ike ? 0 : 4);
  detail::put16(out, static_cast<std::uint16_t>(d.spis.size()));
  for (const auto spi : d.spis)
    detail::put32(out, spi);
}

core::Result<DeletePayload> parse_delete_payload(std::span<const std::uint8_t> body) {
  detail::Reader r(body, "Delete payload");
  auto protocol = r.u8();
  auto spi_size = r.u8();
  auto count = r.u16();
  if (!protocol || !spi_size || !count) return detail::fail(errc::truncated, "Delete payload");
  DeletePayload d;
  d.protocol = static_cast<ProtocolId>(*protocol);
  const std::size_t want_size = d.protocol == ProtocolId::ike ? 0 : 4;
  if (*spi_size != want_size) {
    return detail::fail(errc::bad_length, "Delete SPI size " + std::to_string(*spi_size));
  }
  if (*count > kMaxDeleteSpis) {
    return detail::fail(errc::too_large, "Delete with " + std::to_string(*count) + " SPIs");
  }
  if (d.protocol == ProtocolId::ike && *count != 0) {
    return detail::fail(errc::bad_count, "Delete IKE with Num of SPIs " + std::to_string(*count));
  }
  if (r.remaining() != want_size * *count) {
    return detail::fail(errc::bad_count, "Delete: Num of SPIs " + std::to_string(*count) +
                                             " with " + std::to_string(r.remaining()) + " bytes");
  }
  for (std::size_t i = 0; i < *count; ++i) {
    auto spi = r.u32();
    if (!spi) return spi.error();
    d.spis.push_back(*spi);
  }
  if (auto ok = verify(d); !ok) return ok.error();
  return d;
}

}  // namespace pqbranch::ikev2
