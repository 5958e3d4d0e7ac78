#pragma once
// Traffic Selector payloads TSi and TSr (RFC 7296 §3.13) with IPv4 and IPv6 address ranges.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Number of TSs |                 RESERVED                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                       <Traffic Selectors>                     ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Traffic Selector (§3.13.1):
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   TS Type     |IP Protocol ID*|       Selector Length         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Start Port*         |           End Port*           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                         Starting Address*                     ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                         Ending Address*                       ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#include <cstdint>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

inline constexpr std::size_t kMaxTrafficSelectors = 32;

struct TrafficSelector {
  std::uint8_t ip_protocol = 0;  // 0 = any
  std::uint16_t start_port = 0;
  std::uint16_t end_port = 65535;
  core::IpAddress start;  // both of one family; the TS Type follows from it
  core::IpAddress end;

  [[nodiscard]] TsType type() const noexcept {
    return start.is_v4() ? TsType::ipv4_addr_range : TsType::ipv6_addr_range;
  }
  friend bool operator==(const TrafficSelector&, const TrafficSelector&) = default;
};

// The selector covering exactly `prefix`, any protocol and port.
[[nodiscard]] TrafficSelector selector_for(const core::IpPrefix& prefix);

struct TsPayload {
  bool initiator = true;  // TSi (44) or TSr (45)
  std::vector<TrafficSelector> selectors;

  friend bool operator==(const TsPayload&, const TsPayload&) = default;
};

// 1..kMaxTrafficSelectors selectors; start and end of one family, start <= end. The parser
// also checks Number of TSs against the data (bad_count), each Selector Length against its
// type (16 for IPv4, 40 for IPv6: bad_length), and refuses unknown TS types (bad_value).
core::Result<void> verify(const TsPayload& ts);
void append_body(const TsPayload& ts, std::vector<std::uint8_t>& out);
core::Result<TsPayload> parse_ts_payload(std::span<const std::uint8_t> body, bool initiator);

}  // namespace pqbranch::ikev2
