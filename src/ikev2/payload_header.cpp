#include "pqbranch/ikev2/payload_header.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {

core::Result<GenericHeader> parse_generic_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kGenericHeaderSize) {
    return detail::fail(errc::truncated,
                        "generic payload header: " + std::to_string(bytes.size()) + " bytes");
  }
  GenericHeader g;
  g.next_payload = static_cast<PayloadType>(bytes[0]);
  g.critical = (bytes[1] & 0x80U) != 0;
  g.length = detail::get16(bytes, 2);
  if (g.length < kGenericHeaderSize || g.length > bytes.size()) {
    return detail::fail(errc::bad_length, "payload length " + std::to_string(g.length) + " with " +
                                              std::to_string(bytes.size()) + " bytes left");
  }
  return g;
}

void append_generic_header(PayloadType next, std::size_t length, std::vector<std::uint8_t>& out) {
  detail::put8(out, static_cast<std::uint8_t>(next));
  detail::put8(out, 0);
  detail::put16(out, static_cast<std::uint16_t>(length));
}

core::Result<std::vector<RawPayload>> walk_payloads(PayloadType first,
                                                    std::span<const std::uint8_t> bytes) {
  std::vector<RawPayload> out;
  PayloadType type = first;
  std::size_t offset = 0;
  while (type != PayloadType::none) {
    if (out.size() == kMaxPayloads) {
      return detail::fail(errc::too_large,
                          "more than " + std::to_string(kMaxPayloads) + " payloads");
    }
    auto g = parse_generic_header(bytes.subspan(offset));
    if (!g) return g.error();
    RawPayload p;
    p.type = type;
    p.critical = g->critical;
    p.body = bytes.subspan(offset + kGenericHeaderSize, g->length - kGenericHeaderSize);
    p.offset = offset;
    out.push_back(p);
    offset += g->length;
    // SK / SKF: the Next Payload field names the first inner payload (RFC 7296 §3.14), and
    // the encrypted payload is the last one of the message.
    if (type == PayloadType::sk || type == PayloadType::skf) {
      if (offset != bytes.size()) {
        return detail::fail(errc::bad_length, "bytes after the encrypted payload");
      }
      return out;
    }
    type = g->next_payload;
  }
  if (offset != bytes.size()) {
    return detail::fail(errc::bad_length,
                        std::to_string(bytes.size() - offset) + " bytes after the last payload");
  }
  return out;
}

}  // namespace pqbranch::ikev2
