#include "pqbranch/config/endpoint.hpp"

#include <algorithm>
#include <charconv>

namespace pqbranch::config {
namespace {

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 1123 §2.1 host name: dot-separated labels of letters, digits and inner hyphens,
// 1..63 characters each, 253 in all; the last label is not all digits (so "10.0.0.300" is
// a bad address, not a name).
bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  const auto last = name.substr(name.rfind('.') + 1);
  if (std::ranges::all_of(last, [](char c) { return c >= '0' && c <= '9'; })) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto dot = name.find('.', start);
    const auto label = name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (const char c : label) {
      if (!is_alnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

core::Error bad(std::string_view text, const std::string& why) {
  return core::make_error(errc::bad_endpoint, "\"" + std::string(text) + "\" " + why);
}

}  // namespace

core::Result<Endpoint> Endpoint::parse(std::string_view text) {
  constexpr const char* kShape =
      "is not host:port (e.g. \"edge.example.net:8443\", "
      "\"192.0.2.1:8443\", \"[2001:db8::1]:8443\")";
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad(text, kShape);
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    bracketed = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad(text, kShape);
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return bad(text, "has an IPv6 address without brackets (write \"[addr]:port\")");
    }
  }
  unsigned port = 0;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port == 0 || port > 65535) {
    return bad(text, "has no valid port (1..65535)");
  }
  const auto ip = core::IpAddress::parse(host);
  if (bracketed && (!ip || ip->is_v4())) return bad(text, "has brackets around a non-IPv6 host");
  if (!ip && !is_host_name(host)) return bad(text, "has an invalid host name");
  return Endpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

bool Endpoint::host_is_address() const {
  return static_cast<bool>(core::IpAddress::parse(host));
}

core::Result<std::string> parse_peer_name(std::string_view text) {
  if (core::IpAddress::parse(text) || is_host_name(text)) return std::string(text);
  return bad(text, "is neither a DNS name nor an IP address");
}

std::string Endpoint::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

core::Result<SocketAddress> SocketAddress::parse(std::string_view text) {
  auto endpoint = Endpoint::parse(text);
  if (!endpoint) return endpoint.error();
  auto ip = core::IpAddress::parse(endpoint->host);
  if (!ip) {
    return core::make_error(errc::bad_address,
                            "\"" + std::string(text) + "\" needs an IP address, not a host name");
  }
  return SocketAddress{*ip, endpoint->port};
}

std::string SocketAddress::to_string() const {
  return Endpoint{address.to_string(), port}.to_string();
}

}  // namespace pqbranch::config
