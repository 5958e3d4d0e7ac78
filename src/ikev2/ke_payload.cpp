#include "pqbranch/ikev2/ke_payload.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {

std::optional<KeDataSizes> ke_data_sizes(KeMethod m) noexcept {
  switch (m) {
    case KeMethod::ecp256:
      return KeDataSizes{64, 64};
    case KeMethod::ecp384:
      return KeDataSizes{96, 96};
    case KeMethod::x25519:
      return KeDataSizes{32, 32};
    case KeMethod::mlkem512:
      return KeDataSizes{800, 768};
    case KeMethod::mlkem768:
      return KeDataSizes{1184, 1088};
    case KeMethod::mlkem1024:
      return KeDataSizes{1568, 1568};
    default:
      return std::nullopt;
  }
}

core::Result<void> verify(const KePayload& ke) {
  const auto method = std::to_string(static_cast<unsigned>(ke.method));
  if (ke.data.empty()) return detail::fail(errc::bad_length, "KE method " + method + ": no data");
  if (const auto sizes = ke_data_sizes(ke.method)) {
    if (ke.data.size() != sizes->initiator && ke.data.size() != sizes->responder) {
      return detail::fail(errc::bad_length, "KE method " + method + ": " +
                                                std::to_string(ke.data.size()) + " bytes of data");
    }
  }
  return {};
}

void append_body(const KePayload& ke, std::vector<std::uint8_t>& out) {
  detail::put16(out, static_cast<std::uint16_t>(ke.method));
  detail::put16(out, 0);
  detail::put_bytes(out, ke.data);
}

core::Result<KePayload> parse_ke_payload(std::span<const std::uint8_t> body) {
  detail::Reader r(body, "KE payload");
  auto method = r.u16();
  if (!method) return method.error();
  if (auto reserved = r.u16(); !reserved) return reserved.error();
  KePayload ke;
  ke.method = static_cast<KeMethod>(*method);
  const auto data = r.rest();
  ke.data.assign(data.begin(), data.end());
  if (auto ok = verify(ke); !ok) return ok.error();
  return ke;
}

}  // namespace pqbranch::ikev2
