#include "xfrm_structs.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstring>
#include <sys/socket.h>

namespace pqbranch::xfrm::detail {

std::uint16_t af_of(core::Family f) noexcept {
  return f == core::Family::v4 ? AF_INET : AF_INET6;
}

xfrm_address_t to_kernel(const core::IpAddress& a) noexcept {
  xfrm_address_t x{};
  const auto b = a.bytes();
  std::memcpy(&x, b.data(), b.size());
  return x;
}

std::optional<core::IpAddress> from_kernel(const xfrm_address_t& a, std::uint16_t family) noexcept {
  if (family == AF_INET) {
    std::array<std::uint8_t, 4> b{};
    std::memcpy(b.data(), &a, b.size());
    return core::IpAddress::v4(b);
  }
  if (family == AF_INET6) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &a, b.size());
    return core::IpAddress::v6(b);
  }
  return std::nullopt;
}

xfrm_selector to_kernel(const Selector& s) noexcept {
  xfrm_selector k{};
  k.daddr = to_kernel(s.dst.address());
  k.saddr = to_kernel(s.src.address());
  k.prefixlen_d = s.dst.length();
  k.prefixlen_s = s.src.length();
  k.family = af_of(s.family());
  k.proto = s.proto;
  // A nonzero port matches exactly; 0 = any port (mask 0).
  k.dport = htons(s.dst_port);
  k.dport_mask = s.dst_port != 0 ? 0xffff : 0;
  k.sport = htons(s.src_port);
  k.sport_mask = s.src_port != 0 ? 0xffff : 0;
  return k;
}

xfrm_selector to_kernel(const std::optional<Selector>& s) noexcept {
  if (s) return to_kernel(*s);
  return xfrm_selector{};  // family AF_UNSPEC, all zero: any
}

std::optional<Selector> from_kernel(const xfrm_selector& s, bool& ok) noexcept {
  ok = true;
  if (s.family == AF_UNSPEC) return std::nullopt;
  const auto dst = from_kernel(s.daddr, s.family);
  const auto src = from_kernel(s.saddr, s.family);
  if (!dst || !src) {
    ok = false;
    return std::nullopt;
  }
  // The kernel keeps host bits as given; our prefixes require them clear, so mask them.
  const auto masked = [&](const core::IpAddress& a,
                          std::uint8_t len) -> std::optional<core::IpPrefix> {
    const std::size_t bits = a.bytes().size() * 8;
    if (len > bits) return std::nullopt;
    std::array<std::uint8_t, 16> b{};
    std::copy(a.bytes().begin(), a.bytes().end(), b.begin());
    for (std::size_t i = 0; i < a.bytes().size(); ++i) {
      const std::size_t first = i * 8;
      if (first + 8 <= len) continue;
      b[i] = first >= len ? 0 : static_cast<std::uint8_t>(b[i] & (0xff << (8 - (len - first))));
    }
    const core::IpAddress clean =
        a.is_v4() ? core::IpAddress::v4({b[0], b[1], b[2], b[3]}) : core::IpAddress::v6(b);
    auto p = core::IpPrefix::make(clean, len);
    if (!p) return std::nullopt;
    return *p;
  };
  const auto dp = masked(*dst, s.prefixlen_d);
  const auto sp = masked(*src, s.prefixlen_s);
  if (!dp || !sp) {
    ok = false;
    return std::nullopt;
  }
  Selector out;
  out.dst = *dp;
  out.src = *sp;
  out.proto = s.proto;
  out.dst_port = s.dport_mask != 0 ? ntohs(s.dport) : 0;
  out.src_port = s.sport_mask != 0 ? ntohs(s.sport) : 0;
  return out;
}

xfrm_lifetime_cfg to_kernel(const Lifetime& l) noexcept {
  xfrm_lifetime_cfg k{};
  k.soft_byte_limit = l.soft_bytes;
  k.hard_byte_limit = l.hard_bytes;
  k.soft_packet_limit = l.soft_packets;
  k.hard_packet_limit = l.hard_packets;
  k.soft_add_expires_seconds = static_cast<std::uint64_t>(l.soft_add.count());
  k.hard_add_expires_seconds = static_cast<std::uint64_t>(l.hard_add.count());
  return k;
}

Lifetime from_kernel(const xfrm_lifetime_cfg& k) noexcept {
  Lifetime l;
  l.soft_bytes = k.soft_byte_limit;
  l.hard_bytes = k.hard_byte_limit;
  l.soft_packets = k.soft_packet_limit;
  l.hard_packets = k.hard_packet_limit;
  l.soft_add = std::chrono::seconds(
      static_cast<std::int64_t>(std::min<std::uint64_t>(k.soft_add_expires_seconds, INT64_MAX)));
  l.hard_add = std::chrono::seconds(
      static_cast<std::int64_t>(std::min<std::uint64_t>(k.hard_add_expires_seconds, INT64_MAX)));
  return l;
}

xfrm_lifetime_cfg no_limits() noexcept {
  xfrm_lifetime_cfg k{};
  k.soft_byte_limit = XFRM_INF;
  k.hard_byte_limit = XFRM_INF;
  k.soft_packet_limit = XFRM_INF;
  k.hard_packet_limit = XFRM_INF;
  return k;
}

xfrm_user_tmpl to_kernel(const PolicyTemplate& t, std::uint16_t selector_family) noexcept {
  xfrm_user_tmpl k{};
  k.id.daddr = to_kernel(t.dst);
  k.id.spi = htonl(t.spi.value_or(0));
  k.id.proto = static_cast<std::uint8_t>(t.proto);
  k.saddr = to_kernel(t.src);
  // Transport-mode templates carry no endpoints: they take the selector's family.
  k.family = t.mode == Mode::tunnel ? af_of(t.dst.family()) : selector_family;
  k.reqid = t.reqid;
  k.mode = static_cast<std::uint8_t>(t.mode);
  // Any algorithm: the SA decides (as `ip xfrm policy` does).
  k.aalgos = ~0U;
  k.ealgos = ~0U;
  k.calgos = ~0U;
  return k;
}

}  // namespace pqbranch::xfrm::detail
