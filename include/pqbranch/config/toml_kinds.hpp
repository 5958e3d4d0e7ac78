#pragma once
// The kinds of value a config key can hold. A kind turns one TOML node into a typed value
// or an error whose detail says what was wrong with the value (the reader adds the place):
//   reader.get("mode", kind::Choice<Mode>{{{"route", Mode::route}, {"policy", Mode::policy}}},
//              Mode::route);

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <toml++/toml.hpp>

#include "pqbranch/config/endpoint.hpp"
#include "pqbranch/config/errc.hpp"
#include "pqbranch/config/units.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"

namespace pqbranch::config {

// "a string", "an integer", "a table", ... for messages.
std::string_view type_name(const toml::node& node) noexcept;
// errc::wrong_type: "expected <expected>, found <type of node>".
core::Error wrong_type(std::string_view expected, const toml::node& node);

namespace kind {

struct Text {  // a non-empty string
  using value_type = std::string;
  [[nodiscard]] core::Result<std::string> parse(const toml::node& node) const;
};

struct Boolean {
  using value_type = bool;
  [[nodiscard]] core::Result<bool> parse(const toml::node& node) const;
};

// An integer within [min, max]; hex (0x7071_0000) and underscores are TOML syntax.
core::Result<std::int64_t> parse_integer(const toml::node& node, std::int64_t min,
                                         std::int64_t max);
template <class T>
  requires(std::is_integral_v<T> && sizeof(T) < 8)
struct Integer {
  using value_type = T;
  T min = std::numeric_limits<T>::min();
  T max = std::numeric_limits<T>::max();
  [[nodiscard]] core::Result<T> parse(const toml::node& node) const {
    auto v = parse_integer(node, min, max);
    if (!v) return v.error();
    return static_cast<T>(*v);
  }
};

struct Duration {  // "30s" (see units.hpp), within [min, max]
  using value_type = config::Duration;
  config::Duration min{0};
  config::Duration max = config::Duration::max();
  [[nodiscard]] core::Result<config::Duration> parse(const toml::node& node) const;
};

struct Size {  // bytes: an integer or "64KiB" (see units.hpp), within [min, max]
  using value_type = std::uint64_t;
  std::uint64_t min = 0;
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  [[nodiscard]] core::Result<std::uint64_t> parse(const toml::node& node) const;
};

struct Address {
  using value_type = core::IpAddress;
  [[nodiscard]] core::Result<core::IpAddress> parse(const toml::node& node) const;
};

struct Prefix {
  using value_type = core::IpPrefix;
  [[nodiscard]] core::Result<core::IpPrefix> parse(const toml::node& node) const;
};

struct Endpoint {  // "host:port"
  using value_type = config::Endpoint;
  [[nodiscard]] core::Result<config::Endpoint> parse(const toml::node& node) const;
};

struct PeerName {  // a DNS name or an IP address a certificate must carry
  using value_type = std::string;
  [[nodiscard]] core::Result<std::string> parse(const toml::node& node) const;
};

struct SocketAddress {  // "address:port"
  using value_type = config::SocketAddress;
  [[nodiscard]] core::Result<config::SocketAddress> parse(const toml::node& node) const;
};

struct Path {  // a non-empty file system path
  using value_type = std::filesystem::path;
  [[nodiscard]] core::Result<std::filesystem::path> parse(const toml::node& node) const;
};

struct Group {  // a TLS group name, returned in OpenSSL's spelling (groups.hpp)
  using value_type = std::string;
  [[nodiscard]] core::Result<std::string> parse(const toml::node& node) const;
};

// The index of the string in `names`, or errc::bad_choice: expected one of "a", "b".
core::Result<std::size_t> parse_choice(const toml::node& node,
                                       const std::vector<std::string_view>& names);
template <class E>
struct Choice {
  using value_type = E;
  std::vector<std::pair<std::string_view, E>> options;
  [[nodiscard]] core::Result<E> parse(const toml::node& node) const {
    std::vector<std::string_view> names;
    names.reserve(options.size());
    for (const auto& option : options)
      names.push_back(option.first);
    auto i = parse_choice(node, names);
    if (!i) return i.error();
    return options[*i].second;
  }
};

}  // namespace kind
}  // namespace pqbranch::config
