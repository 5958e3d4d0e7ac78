#pragma once
// TLS key-exchange group names as OpenSSL 3.5 spells them. pqbranch offers only hybrid
// post-quantum groups unless the operator sets `allow_classical = true`.

#include <array>
#include <optional>
#include <string_view>

namespace pqbranch::config {

inline constexpr std::string_view kDefaultGroup = "X25519MLKEM768";
// The only groups allowed by default (draft-ietf-tls-ecdhe-mlkem).
inline constexpr std::array<std::string_view, 3> kHybridGroups{
    "X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024"};

enum class GroupKind { hybrid, classical };

struct GroupName {
  std::string_view canonical;  // OpenSSL's spelling, e.g. "secp256r1" for "P-256"
  GroupKind kind;
};

// Looks a name up case-insensitively among the hybrid groups and the classical (EC)DHE
// groups OpenSSL knows (X25519, X448, secp256r1/P-256, secp384r1/P-384, secp521r1/P-521,
// ffdhe2048..ffdhe8192). nullopt for anything else, including pure ML-KEM.
std::optional<GroupName> lookup_group(std::string_view name) noexcept;

}  // namespace pqbranch::config
