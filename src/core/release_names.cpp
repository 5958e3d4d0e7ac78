#include "pqbranch/core/release_names.hpp"

#include <algorithm>

namespace pqbranch::core {
namespace {

bool is_lower_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_channel_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= kMaxChannelBytes &&
         std::ranges::all_of(name, [](char c) { return is_lower_alnum(c) || c == '-'; });
}

bool is_package_file_name(std::string_view name) noexcept {
  constexpr std::string_view kSymbols = ".+~_-";
  constexpr std::string_view kSuffix = ".deb";
  return name.size() > kSuffix.size() && name.size() <= kMaxPackageNameBytes &&
         is_lower_alnum(name.front()) && name.ends_with(kSuffix) &&
         std::ranges::all_of(name, [&](char c) {
           return is_lower_alnum(c) || kSymbols.find(c) != std::string_view::npos;
         });
}

}  // namespace pqbranch::core
