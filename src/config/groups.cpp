#include "pqbranch/config/groups.hpp"

#include <algorithm>

namespace pqbranch::config {
namespace {

struct Entry {
  std::string_view name;
  std::string_view canonical;
  GroupKind kind;
};

constexpr std::array<Entry, 16> kGroups{{
    {"X25519MLKEM768", "X25519MLKEM768", GroupKind::hybrid},
    {"SecP256r1MLKEM768", "SecP256r1MLKEM768", GroupKind::hybrid},
    {"SecP384r1MLKEM1024", "SecP384r1MLKEM1024", GroupKind::hybrid},
    {"X25519", "X25519", GroupKind::classical},
    {"X448", "X448", GroupKind::classical},
    {"secp256r1", "secp256r1", GroupKind::classical},
    {"P-256", "secp256r1", GroupKind::classical},
    {"secp384r1", "secp384r1", GroupKind::classical},
    {"P-384", "secp384r1", GroupKind::classical},
    {"secp521r1", "secp521r1", GroupKind::classical},
    {"P-521", "secp521r1", GroupKind::classical},
    {"ffdhe2048", "ffdhe2048", GroupKind::classical},
    {"ffdhe3072", "ffdhe3072", GroupKind::classical},
    {"ffdhe4096", "ffdhe4096", GroupKind::classical},
    {"ffdhe6144", "ffdhe6144", GroupKind::classical},
    {"ffdhe8192", "ffdhe8192", GroupKind::classical},
}};

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace

std::optional<GroupName> lookup_group(std::string_view name) noexcept {
  for (const auto& e : kGroups) {
    if (equal_ignoring_case(e.name, name)) return GroupName{e.canonical, e.kind};
  }
  return std::nullopt;
}

}  // namespace pqbranch::config
