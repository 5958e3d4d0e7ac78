#include "pqbranch/ikev2/ts_payload.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr std::size_t kV4SelectorSize = 16;
constexpr std::size_t kV6SelectorSize = 40;

std::string where(bool initiator, std::size_t index) {
  return std::string(initiator ? "TSi" : "TSr") + " selector " + std::to_string(index + 1);
}

core::IpAddress address_from(std::span<const std::uint8_t> b) {
  if (b.size() == 4) {
    std::array<std::uint8_t, 4> a{};
    std::copy(b.begin(), b.end(), a.begin());
    return core::IpAddress::v4(a);
  }
  std::array<std::uint8_t, 16> a{};
  std::copy_n(b.begin(), a.size(), a.begin());
  return core::IpAddress::v6(a);
}

}  // namespace

TrafficSelector selector_for(const core::IpPrefix& prefix) {
  TrafficSelector ts;
  ts.start = prefix.address();
  const auto bytes = prefix.address().bytes();
  std::array<std::uint8_t, 16> end{};
  std::copy(bytes.begin(), bytes.end(), end.begin());
  for (std::size_t bit = prefix.length(); bit < bytes.size() * 8; ++bit) {
    end[bit / 8] = static_cast<std::uint8_t>(end[bit / 8] | (0x80U >> (bit % 8)));
  }
  ts.end = address_from(std::span<const std::uint8_t>(end.data(), bytes.size()));
  return ts;
}

core::Result<void> verify(const TsPayload& ts) {
  if (ts.selectors.empty() || ts.selectors.size() > kMaxTrafficSelectors) {
    return detail::fail(errc::bad_count, std::string(ts.initiator ? "TSi" : "TSr") + " with " +
                                             std::to_string(ts.selectors.size()) + " selectors");
  }
  for (std::size_t i = 0; i < ts.selectors.size(); ++i) {
    const auto& s = ts.selectors[i];
    if (s.start.family() != s.end.family()) {
      return detail::fail(errc::bad_value, where(ts.initiator, i) + ": mixed address families");
    }
    if (s.end < s.start) {
      return detail::fail(errc::bad_value, where(ts.initiator, i) + ": start address above end");
    }
  }
  return {};
}

void append_body(const TsPayload& ts, std::vector<std::uint8_t>& out) {
  detail::put8(out, static_cast<std::uint8_t>(ts.selectors.size()));
  detail::put8(out, 0);
  detail::put16(out, 0);
  for (const auto& s : ts.selectors) {
    detail::put8(out, static_cast<std::uint8_t>(s.type()));
    detail::put8(out, s.ip_protocol);
    detail::put16(out,
                  static_cast<std::uint16_t>(s.start.is_v4() ? kV4SelectorSize : kV6SelectorSize));
    detail::put16(out, s.start_port);
    detail::put16(out, s.end_port);
    detail::put_bytes(out, s.start.bytes());
    detail::put_bytes(out, s.end.bytes());
  }
}

core::Result<TsPayload> parse_ts_payload(std::span<const std::uint8_t> body, bool initiator) {
  detail::Reader r(body, initiator ? "TSi payload" : "TSr payload");
  auto count = r.u8();
  if (!count) return count.error();
  if (auto reserved = r.bytes(3); !reserved) return reserved.error();
  TsPayload ts;
  ts.initiator = initiator;
  while (r.remaining() > 0) {
    const auto at = where(initiator, ts.selectors.size());
    if (ts.selectors.size() == *count) {
      return detail::fail(errc::bad_count, at + ": beyond Number of TSs " + std::to_string(*count));
    }
    auto type = r.u8();
    auto protocol = r.u8();
    auto length = r.u16();
    if (!type || !protocol || !length) return detail::fail(errc::truncated, at);
    std::size_t address_size = 0;
    if (*type == static_cast<std::uint8_t>(TsType::ipv4_addr_range)) {
      address_size = 4;
    } else if (*type == static_cast<std::uint8_t>(TsType::ipv6_addr_range)) {
      address_size = 16;
    } else {
      return detail::fail(errc::bad_value, at + ": TS Type " + std::to_string(*type));
    }
    if (*length != 8 + 2 * address_size) {
      return detail::fail(errc::bad_length, at + ": Selector Length " + std::to_string(*length));
    }
    auto start_port = r.u16();
    auto end_port = r.u16();
    auto start = r.bytes(address_size);
    auto end = r.bytes(address_size);
    if (!start_port || !end_port || !start || !end) return detail::fail(errc::truncated, at);
    TrafficSelector s;
    s.ip_protocol = *protocol;
    s.start_port = *start_port;
    s.end_port = *end_port;
    s.start = address_from(*start);
    s.end = address_from(*end);
    ts.selectors.push_back(s);
  }
  if (ts.selectors.size() != *count) {
    return detail::fail(errc::bad_count, std::string(initiator ? "TSi" : "TSr") +
                                             ": Number of TSs " + std::to_string(*count) +
                                             ", found " + std::to_string(ts.selectors.size()));
  }
  if (auto ok = verify(ts); !ok) return ok.error();
  return ts;
}

}  // namespace pqbranch::ikev2
