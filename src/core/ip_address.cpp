#include "pqbranch/core/ip_address.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <sys/socket.h>

namespace pqbranch::core {

const char* describe(ip_errc e) noexcept {
  switch (e) {
    case ip_errc::bad_address:
      return "not an IPv4 or IPv6 address";
    case ip_errc::bad_prefix_length:
      return "prefix length out of range";
    case ip_errc::host_bits_set:
      return "prefix has host bits set";
  }
  return "unknown ip error";
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  const std::string s(text);
  // inet_pton stops at a NUL: "1.2.3.4\0junk" must not parse as 1.2.3.4.
  if (s.find('\0') != std::string::npos) return make_error(ip_errc::bad_address, "embedded NUL");
  std::array<std::uint8_t, 16> buf{};
  if (::inet_pton(AF_INET, s.c_str(), buf.data()) == 1) {
    return v4({buf[0], buf[1], buf[2], buf[3]});
  }
  if (::inet_pton(AF_INET6, s.c_str(), buf.data()) == 1) return v6(buf);
  return make_error(ip_errc::bad_address, "'" + s + "'");
}

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> bytes) {
  IpAddress a;
  a.family_ = Family::v4;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::v6(std::array<std::uint8_t, 16> bytes) {
  IpAddress a;
  a.family_ = Family::v6;
  a.bytes_ = bytes;
  return a;
}

int IpAddress::af() const noexcept {
  return is_v4() ? AF_INET : AF_INET6;
}

std::string IpAddress::to_string() const {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  ::inet_ntop(af(), bytes_.data(), buf.data(), buf.size());
  return buf.data();
}

Result<IpPrefix> IpPrefix::make(IpAddress address, std::uint8_t length) {
  const std::size_t bits = address.bytes().size() * 8;
  if (length > bits) return make_error(ip_errc::bad_prefix_length, std::to_string(length));
  IpPrefix p;
  p.address_ = address;
  p.length_ = length;
  // Host bits must be zero so that equal networks compare equal.
  const auto b = address.bytes();
  for (std::size_t i = 0; i < b.size(); ++i) {
    const std::size_t first_bit = i * 8;
    std::uint8_t mask = 0xff;
    if (first_bit + 8 <= length) continue;
    if (first_bit < length) mask = static_cast<std::uint8_t>(0xff >> (length - first_bit));
    if ((b[i] & mask) != 0) return make_error(ip_errc::host_bits_set, p.to_string());
  }
  return p;
}

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return addr.error();
  const std::size_t max = addr->bytes().size() * 8;
  if (slash == std::string_view::npos) return make(*addr, static_cast<std::uint8_t>(max));
  const auto len_text = text.substr(slash + 1);
  unsigned len = 0;
  const auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || ptr != len_text.data() + len_text.size() || len_text.empty() ||
      len > max) {
    return make_error(ip_errc::bad_prefix_length, "'" + std::string(text) + "'");
  }
  return make(*addr, static_cast<std::uint8_t>(len));
}

bool IpPrefix::contains(const IpAddress& a) const noexcept {
  if (a.family() != family()) return false;
  const auto want = address_.bytes();
  const auto got = a.bytes();
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::size_t first_bit = i * 8;
    if (first_bit >= length_) break;
    const std::uint8_t mask = first_bit + 8 <= length_
                                  ? 0xff
                                  : static_cast<std::uint8_t>(0xff << (8 - (length_ - first_bit)));
    if ((want[i] & mask) != (got[i] & mask)) return false;
  }
  return true;
}

std::string IpPrefix::to_string() const {
  return address_.to_string() + "/" + std::to_string(length_);
}

}  // namespace pqbranch::core
