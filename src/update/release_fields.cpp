#include "release_fields.hpp"

#include <algorithm>

#include "pqbranch/core/release_names.hpp"

namespace pqbranch::update::detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool in(std::string_view set, char c) {
  return set.find(c) != std::string_view::npos;
}

}  // namespace

bool valid_version(std::string_view v) {
  return !v.empty() && v.size() <= 64 && is_digit(v.front()) &&
         std::ranges::all_of(v, [](char c) { return is_alnum(c) || in(".+~-", c); });
}

bool valid_sha256(std::string_view h) {
  return h.size() == 64 &&
         std::ranges::all_of(h, [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
}

bool valid_package_name(std::string_view name) {
  return core::is_package_file_name(name);
}

bool valid_package_path(std::string_view p, std::string_view dir) {
  return p.size() >= 6 && p.size() <= 256 && p.front() == '/' && p.ends_with(".deb") &&
         p.find("..") == std::string_view::npos && p.starts_with(dir) && p.size() > dir.size() &&
         p[dir.size()] == '/' &&
         std::ranges::all_of(p, [](char c) { return is_alnum(c) || in("._/+~-", c); });
}

}  // namespace pqbranch::update::detail
