#include "pqbranch/ikev2/vendor_id_payload.hpp"

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {

core::Result<void> verify(const VendorIdPayload& v) {
  if (v.data.empty()) return detail::fail(errc::bad_length, "empty Vendor ID");
  return {};
}

void append_body(const VendorIdPayload& v, std::vector<std::uint8_t>& out) {
  detail::put_bytes(out, v.data);
}

core::Result<VendorIdPayload> parse_vendor_id_payload(std::span<const std::uint8_t> body) {
  VendorIdPayload v;
  v.data.assign(body.begin(), body.end());
  if (auto ok = verify(v); !ok) return ok.error();
  return v;
}

}  // namespace pqbranch::ikev2
