#include "pqbranch/ikev2/skf_payload.hpp"

#include <string>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/payload_header.hpp"

#include "byte_io.hpp"
#include "sk_protection.hpp"

namespace pqbranch::ikev2 {

core::Result<void> verify(const SkfFields& f) {
  if (f.total == 0 || f.number == 0 || f.number > f.total) {
    return detail::fail(errc::bad_value, "SKF fragment " + std::to_string(f.number) + " of " +
                                             std::to_string(f.total));
  }
  if (f.number > 1 && f.next_payload != PayloadType::none) {
    return detail::fail(errc::bad_value, "SKF fragment " + std::to_string(f.number) +
                                             " with Next Payload " +
                                             std::to_string(static_cast<unsigned>(f.next_payload)));
  }
  return {};
}

core::Result<std::vector<std::uint8_t>> seal_fragment(const Header& h, const SkfFields& f,
                                                      std::span<const std::uint8_t> content,
                                                      std::span<const std::uint8_t> sk_e,
                                                      std::uint64_t iv) {
  if (auto ok = verify(f); !ok) return ok.error();
  const auto skf_length = kSkfHeaderSize + detail::protected_size(content.size());
  const auto total = kHeaderSize + skf_length;
  if (total > kMaxMessageSize) {
    return detail::fail(errc::too_large, "fragment message of " + std::to_string(total) + " bytes");
  }
  Header fragment_header = h;
  fragment_header.next_payload = PayloadType::skf;
  fragment_header.length = static_cast<std::uint32_t>(total);
  std::vector<std::uint8_t> out;
  out.reserve(total);
  append_header(fragment_header, out);
  append_generic_header(f.next_payload, skf_length, out);
  detail::put16(out, f.number);
  detail::put16(out, f.total);
  if (auto ok = detail::append_protected(out, sk_e, iv, content); !ok) return ok.error();
  return out;
}

core::Result<FragmentView> parse_fragment(std::span<const std::uint8_t> datagram) {
  auto h = parse_header(datagram);
  if (!h) return h.error();
  const auto after_header = datagram.subspan(kHeaderSize);
  auto raw = walk_payloads(h->next_payload, after_header);
  if (!raw) return raw.error();
  if (raw->empty() || raw->back().type != PayloadType::skf) {
    return detail::fail(errc::missing_encrypted_payload, "no SKF payload");
  }
  if (raw->size() != 1) {
    return detail::fail(errc::bad_value, "payloads before the SKF payload");
  }
  const auto& skf = raw->front();
  detail::Reader r(skf.body, "SKF payload");
  auto number = r.u16();
  if (!number) return number.error();
  auto total = r.u16();
  if (!total) return total.error();
  FragmentView view;
  view.header = *h;
  view.fields = {static_cast<PayloadType>(after_header[skf.offset]), *number, *total};
  if (auto ok = verify(view.fields); !ok) return ok.error();
  view.protected_body = r.rest();
  if (view.protected_body.size() < detail::protected_size(0)) {
    return detail::fail(errc::truncated,
                        "SKF payload of " + std::to_string(skf.body.size()) + " bytes");
  }
  view.aad = datagram.first(kHeaderSize + kSkfHeaderSize);
  return view;
}

core::Result<OpenedFragment> open_fragment(const FragmentView& view,
                                           std::span<const std::uint8_t> sk_e) {
  auto content = detail::open_protected(sk_e, view.aad, view.protected_body, "SKF payload");
  if (!content) return content.error();
  return OpenedFragment{view.header, view.fields, std::move(*content)};
}

}  // namespace pqbranch::ikev2
