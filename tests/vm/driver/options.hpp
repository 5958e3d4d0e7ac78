#pragma once
// Command-line options of pqb-xfrm-driver: "--name value" pairs. Getters parse as they go
// and remember the first problem; ok() also fails on an option no getter asked for, so a
// misspelt option is an error rather than silently ignored.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::driver {

class Options {
 public:
  explicit Options(std::span<char* const> args);

  // Each getter: the value of --key; when absent, `fallback` or (required) an error.
  std::string text(std::string_view key, std::optional<std::string> fallback = std::nullopt);
  // Decimal or 0x-prefixed hexadecimal.
  std::uint64_t number(std::string_view key, std::optional<std::uint64_t> fallback = std::nullopt,
                       std::uint64_t max = UINT32_MAX);
  std::optional<std::uint64_t> optional_number(std::string_view key,
                                               std::uint64_t max = UINT64_MAX);
  core::IpAddress address(std::string_view key);
  core::IpPrefix prefix(std::string_view key);
  xfrm::SaDirection direction(std::string_view key);
  // "SPORT:DPORT" -> ESP-in-UDP encapsulation; absent -> none.
  std::optional<xfrm::Encap> encap(std::string_view key);
  // A file holding exactly kAeadKeyBytes raw bytes (key || salt, RFC 4106 section 8.1).
  core::SecureBytes key_file(std::string_view key);

  [[nodiscard]] bool ok() const;
  [[nodiscard]] std::string error() const;

 private:
  std::optional<std::string> take(std::string_view key);
  void fail(std::string message);

  std::map<std::string, std::string, std::less<>> values_;
  std::set<std::string, std::less<>> used_;
  std::string error_;
};

}  // namespace pqbranch::driver
