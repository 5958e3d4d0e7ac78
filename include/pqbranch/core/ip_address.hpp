#pragma once
// IPv4/IPv6 addresses and prefixes as plain values: parsed once at the edge (config,
// netlink, wire), compared and printed everywhere else. No Asio in this header.

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "pqbranch/core/error.hpp"

namespace pqbranch::core {

enum class ip_errc { bad_address = 1, bad_prefix_length, host_bits_set };
const char* describe(ip_errc e) noexcept;
PQB_ERROR_ENUM(ip_errc, "pqbranch.ip")

enum class Family : std::uint8_t { v4 = 4, v6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  static Result<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::array<std::uint8_t, 4> bytes);
  static IpAddress v6(std::array<std::uint8_t, 16> bytes);

  [[nodiscard]] Family family() const noexcept { return family_; }
  [[nodiscard]] bool is_v4() const noexcept { return family_ == Family::v4; }
  // 4 or 16 bytes in network order.
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept {
    return {bytes_.data(), is_v4() ? 4U : 16U};
  }
  // AF_INET or AF_INET6.
  [[nodiscard]] int af() const noexcept;
  [[nodiscard]] std::string to_string() const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  Family family_ = Family::v4;
  std::array<std::uint8_t, 16> bytes_{};
};

class IpPrefix {
 public:
  IpPrefix() = default;
  // "10.1.0.0/16", "2001:db8::/48"; a bare address is a host prefix. Host bits must be zero.
  static Result<IpPrefix> parse(std::string_view text);
  static Result<IpPrefix> make(IpAddress address, std::uint8_t length);

  [[nodiscard]] const IpAddress& address() const noexcept { return address_; }
  [[nodiscard]] std::uint8_t length() const noexcept { return length_; }
  [[nodiscard]] Family family() const noexcept { return address_.family(); }
  [[nodiscard]] bool contains(const IpAddress& a) const noexcept;
  [[nodiscard]] std::string to_string() const;

  friend auto operator<=>(const IpPrefix&, const IpPrefix&) = default;

 private:
  IpAddress address_;
  std::uint8_t length_ = 0;
};

}  // namespace pqbranch::core

PQB_ERROR_ENUM_TRAIT(pqbranch::core::ip_errc);

template <>
struct fmt::formatter<pqbranch::core::IpAddress> : fmt::formatter<std::string_view> {
  auto format(const pqbranch::core::IpAddress& a, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(a.to_string(), ctx);
  }
};
template <>
struct fmt::formatter<pqbranch::core::IpPrefix> : fmt::formatter<std::string_view> {
  auto format(const pqbranch::core::IpPrefix& p, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(p.to_string(), ctx);
  }
};
