#include "pqbranch/ikev2/notify_payload.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {
namespace {

std::string name(NotifyType t) {
  return "notify " + std::to_string(static_cast<unsigned>(t));
}

// Data sizes fixed by the defining RFC; nullopt-like -1 for free-form data.
long fixed_data_size(NotifyType t) {
  switch (t) {
    case NotifyType::nat_detection_source_ip:
    case NotifyType::nat_detection_destination_ip:
      return 20;  // RFC 7296 §2.23: a SHA-1 digest
    case NotifyType::invalid_ke_payload:
      return 2;                                        // RFC 7296 §1.3
    case NotifyType::intermediate_exchange_supported:  // RFC 9242 §3
    case NotifyType::use_transport_mode:               // RFC 7296 §1.3.1
    case NotifyType::esp_tfc_padding_not_supported:    // RFC 7296 §1.3.1
    case NotifyType::fragmentation_supported:          // RFC 7383 §2.3
    case NotifyType::initial_contact:                  // RFC 7296 §3.10.1
      return 0;
    default:
      return -1;
  }
}

}  // namespace

NotifyPayload make_notify(NotifyType type, std::vector<std::uint8_t> data) {
  NotifyPayload n;
  n.type = type;
  n.data = std::move(data);
  return n;
}

core::Result<void> verify(const NotifyPayload& n) {
  if (!n.spi.empty() && n.spi.size() != 4 && n.spi.size() != 8) {
    return detail::fail(errc::bad_length,
                        name(n.type) + ": SPI size " + std::to_string(n.spi.size()));
  }
  if (!n.spi.empty() && n.protocol != ProtocolId::ike && n.protocol != ProtocolId::ah &&
      n.protocol != ProtocolId::esp) {
    return detail::fail(errc::bad_value, name(n.type) + ": SPI with Protocol ID " +
                                             std::to_string(static_cast<unsigned>(n.protocol)));
  }
  if (n.data.size() > kMaxNotifyDataSize) {
    return detail::fail(errc::too_large,
                        name(n.type) + ": " + std::to_string(n.data.size()) + " bytes");
  }
  const auto fixed = fixed_data_size(n.type);
  if (fixed >= 0 && n.data.size() != static_cast<std::size_t>(fixed)) {
    return detail::fail(errc::bad_length, name(n.type) + ": " + std::to_string(n.data.size()) +
                                              " bytes of data, want " + std::to_string(fixed));
  }
  if (n.type == NotifyType::signature_hash_algorithms && n.data.size() % 2 != 0) {
    return detail::fail(errc::bad_length, name(n.type) + ": odd data length");
  }
  return {};
}

void append_body(const NotifyPayload& n, std::vector<std::uint8_t>& out) {
  detail::put8(out, static_cast<std::uint8_t>(n.protocol));
  detail::put8(out, static_cast<std::uint8_t>(n.spi.size()));
  detail::put16(out, static_cast<std::uint16_t>(n.type));
  detail::put_bytes(out, n.spi);
  detail::put_bytes(out, n.data);
}

core::Result<NotifyPayload> parse_notify_payload(std::span<const std::uint8_t> body) {
  detail::Reader r(body, "Notify payload");
  auto protocol = r.u8();
  auto spi_size = r.u8();
  auto type = r.u16();
  if (!protocol || !spi_size || !type) return detail::fail(errc::truncated, "Notify payload");
  NotifyPayload n;
  n.protocol = static_cast<ProtocolId>(*protocol);
  n.type = static_cast<NotifyType>(*type);
  auto spi = r.bytes(*spi_size);
  if (!spi) return detail::fail(errc::bad_length, name(n.type) + ": SPI beyond the payload");
  n.spi.assign(spi->begin(), spi->end());
  const auto data = r.rest();
  n.data.assign(data.begin(), data.end());
  if (auto ok = verify(n); !ok) return ok.error();
  return n;
}

NotifyPayload make_fragmentation_supported() {
  return make_notify(NotifyType::fragmentation_supported);
}

NotifyPayload make_invalid_ke(KeMethod wanted) {
  std::vector<std::uint8_t> data;
  detail::put16(data, static_cast<std::uint16_t>(wanted));
  return make_notify(NotifyType::invalid_ke_payload, std::move(data));
}

core::Result<KeMethod> invalid_ke_method(const NotifyPayload& n) {
  if (n.type != NotifyType::invalid_ke_payload || n.data.size() != 2) {
    return detail::fail(errc::bad_value, name(n.type) + ": not an INVALID_KE_PAYLOAD with 2 bytes");
  }
  return static_cast<KeMethod>(detail::get16(n.data, 0));
}

NotifyPayload make_signature_hash_algorithms(std::span<const SignatureHash> hashes) {
  std::vector<std::uint8_t> data;
  for (const auto h : hashes)
    detail::put16(data, static_cast<std::uint16_t>(h));
  return make_notify(NotifyType::signature_hash_algorithms, std::move(data));
}

core::Result<std::vector<SignatureHash>> signature_hash_algorithms(const NotifyPayload& n) {
  if (n.type != NotifyType::signature_hash_algorithms || n.data.size() % 2 != 0) {
    return detail::fail(errc::bad_value, name(n.type) + ": not a SIGNATURE_HASH_ALGORITHMS list");
  }
  std::vector<SignatureHash> out;
  for (std::size_t at = 0; at < n.data.size(); at += 2) {
    out.push_back(static_cast<SignatureHash>(detail::get16(n.data, at)));
  }
  return out;
}

}  // namespace pqbranch::ikev2
