#pragma once
// "host:port" as written in config files: edge endpoints (a DNS name or an address) and
// listen addresses (an address only). IPv6 addresses are bracketed: "[2001:db8::1]:8443".

#include <cstdint>
#include <string>
#include <string_view>

#include "pqbranch/config/errc.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"

namespace pqbranch::config {

struct Endpoint {
  std::string host;  // a DNS name (RFC 1123 syntax) or an IP address without brackets
  std::uint16_t port = 0;

  // errc::bad_endpoint unless "name:port", "a.b.c.d:port" or "[v6]:port", port 1..65535.
  static core::Result<Endpoint> parse(std::string_view text);
  [[nodiscard]] std::string to_string() const;  // brackets an IPv6 host again
  [[nodiscard]] bool host_is_address() const;   // an IP literal, not a DNS name
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// The name a peer's certificate must carry: a DNS name (RFC 1123 syntax; matched against
// its dNSName SANs) or an IP address without brackets (matched against its iPAddress SANs).
// errc::bad_endpoint otherwise.
core::Result<std::string> parse_peer_name(std::string_view text);

// One replica of the edge: where the agent connects, and the name the edge's certificate
// must carry there (docs/config.md, [edge] name). The agent checks it on every connection.
struct EdgeEndpoint {
  Endpoint address;
  std::string name;  // a DNS name or an IP address (parse_peer_name)
  [[nodiscard]] std::string to_string() const { return address.to_string(); }
  friend bool operator==(const EdgeEndpoint&, const EdgeEndpoint&) = default;
};

struct SocketAddress {
  core::IpAddress address;
  std::uint16_t port = 0;

  // As Endpoint::parse, but the host must be an IP address (errc::bad_address otherwise).
  static core::Result<SocketAddress> parse(std::string_view text);
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const SocketAddress&, const SocketAddress&) = default;
};

}  // namespace pqbranch::config
