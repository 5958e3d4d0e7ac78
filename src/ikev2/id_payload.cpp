#include "pqbranch/ikev2/id_payload.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {

IdPayload make_id(bool initiator, IdType type, std::string_view text) {
  IdPayload id;
  id.initiator = initiator;
  id.type = type;
  id.data.assign(text.begin(), text.end());
  return id;
}

core::Result<void> verify(const IdPayload& id) {
  const std::string what = id.initiator ? "IDi" : "IDr";
  if (id.data.empty() || id.data.size() > kMaxIdDataSize) {
    return detail::fail(errc::bad_length, what + ": " + std::to_string(id.data.size()) + " bytes");
  }
  if ((id.type == IdType::ipv4_addr && id.data.size() != 4) ||
      (id.type == IdType::ipv6_addr && id.data.size() != 16)) {
    return detail::fail(errc::bad_length,
                        what + ": address of " + std::to_string(id.data.size()) + " bytes");
  }
  return {};
}

void append_body(const IdPayload& id, std::vector<std::uint8_t>& out) {
  detail::put_bytes(out, id_body(id));
}

core::Result<IdPayload> parse_id_payload(std::span<const std::uint8_t> body, bool initiator) {
  detail::Reader r(body, initiator ? "IDi payload" : "IDr payload");
  auto type = r.u8();
  auto reserved = r.bytes(3);
  if (!type) return type.error();
  if (!reserved) return reserved.error();
  // RestOfInitIDPayload includes RESERVED (RFC 7296 §2.15); a non-zero value would make our
  // MACedIDFor* differ from the sender's, so it is refused here rather than there.
  if ((*reserved)[0] != 0 || (*reserved)[1] != 0 || (*reserved)[2] != 0) {
    return detail::fail(errc::bad_value, "ID payload RESERVED not zero");
  }
  IdPayload id;
  id.initiator = initiator;
  id.type = static_cast<IdType>(*type);
  const auto data = r.rest();
  id.data.assign(data.begin(), data.end());
  if (auto ok = verify(id); !ok) return ok.error();
  return id;
}

std::vector<std::uint8_t> id_body(const IdPayload& id) {
  std::vector<std::uint8_t> out;
  out.reserve(4 + id.data.size());
  detail::put8(out, static_cast<std::uint8_t>(id.type));
  detail::put8(out, 0);
  detail::put16(out, 0);
  detail::put_bytes(out, id.data);
  return out;
}

}  // namespace pqbranch::ikev2
