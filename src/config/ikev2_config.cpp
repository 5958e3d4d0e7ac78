#include "pqbranch/config/ikev2_config.hpp"

#include <array>
#include <optional>
#include <span>
#include <utility>

#include "pqbranch/config/errc.hpp"
#include "pqbranch/core/log_text.hpp"

namespace pqbranch::config {
namespace {

constexpr std::array<std::pair<std::string_view, IkePrf>, 3> kPrfs{{
    {"prfsha256", IkePrf::hmac_sha256},
    {"prfsha384", IkePrf::hmac_sha384},
    {"prfsha512", IkePrf::hmac_sha512},
}};

constexpr std::array<std::pair<std::string_view, KeMethod>, 5> kMethods{{
    {"ecp256", KeMethod::ecp256},
    {"ecp384", KeMethod::ecp384},
    {"x25519", KeMethod::x25519},
    {"mlkem768", KeMethod::mlkem768},
    {"mlkem1024", KeMethod::mlkem1024},
}};

constexpr std::string_view kEncryption = "aes256gcm16";
constexpr std::string_view kAddke1 = "ke1_";

template <class T, std::size_t N>
std::optional<T> find(const std::array<std::pair<std::string_view, T>, N>& table,
                      std::string_view name) {
  for (const auto& [text, value] : table) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

core::Error bad_proposal(std::string_view text, const std::string& why) {
  return core::make_error(errc::bad_choice, "proposal \"" + std::string(text) + "\" " + why);
}

struct KeyExchanges {
  KeMethod ke = KeMethod::none;
  std::optional<KeMethod> ke1;
};

// The key exchange parts of a proposal: the method `parts[0]` (`position` names its place
// in the text) and, when present, `parts[1]` as ke1_ with ML-KEM after a classical method.
core::Result<KeyExchanges> key_exchanges(std::string_view text,
                                         std::span<const std::string_view> parts,
                                         std::string_view position) {
  KeyExchanges out;
  const auto ke = find(kMethods, parts[0]);
  if (!ke) {
    return bad_proposal(text, "has no key exchange ecp256, ecp384, x25519, mlkem768 or mlkem1024 " +
                                  std::string(position));
  }
  out.ke = *ke;
  if (parts.size() == 2) {
    const auto extra = parts[1];
    const auto method =
        extra.starts_with(kAddke1) ? find(kMethods, extra.substr(kAddke1.size())) : std::nullopt;
    if (!method || !is_ml_kem(*method)) {
      return bad_proposal(text, "may end only in ke1_mlkem768 or ke1_mlkem1024");
    }
    if (is_ml_kem(out.ke)) {
      return bad_proposal(text, "has ML-KEM twice; ke1_ follows a classical method");
    }
    out.ke1 = method;
  }
  return out;
}

// "-method[-ke1_method]" as written after the first parts.
std::string key_exchange_text(KeMethod ke, const std::optional<KeMethod>& ke1) {
  std::string out;
  if (ke != KeMethod::none) out += "-" + std::string(to_string(ke));
  if (ke1) out += "-" + std::string(kAddke1) + std::string(to_string(*ke1));
  return out;
}

}  // namespace

bool is_ml_kem(KeMethod m) noexcept {
  return m == KeMethod::mlkem512 || m == KeMethod::mlkem768 || m == KeMethod::mlkem1024;
}

std::string_view to_string(KeMethod m) noexcept {
  for (const auto& [text, value] : kMethods) {
    if (value == m) return text;
  }
  return "unknown";
}

core::Result<IkeProposal> parse_ike_proposal(std::string_view text) {
  const auto parts = split(text, '-');
  if (parts.size() < 3 || parts.size() > 4) {
    return bad_proposal(text,
                        "must read encryption-prf-method[-ke1_mlkem...], e.g. "
                        "\"aes256gcm16-prfsha384-x25519-ke1_mlkem768\"");
  }
  if (parts[0] != kEncryption) {
    return bad_proposal(text, "must start with \"aes256gcm16\" (the only IKE encryption offered)");
  }
  IkeProposal p;
  const auto prf = find(kPrfs, parts[1]);
  if (!prf) return bad_proposal(text, "has no PRF prfsha256, prfsha384 or prfsha512 second");
  p.prf = *prf;
  auto kes = key_exchanges(text, std::span(parts).subspan(2), "third");
  if (!kes) return kes.error();
  p.ke = kes->ke;
  p.ke1 = kes->ke1;
  return p;
}

std::string to_string(const IkeProposal& p) {
  std::string out(kEncryption);
  for (const auto& [text, value] : kPrfs) {
    if (value == p.prf) out += "-" + std::string(text);
  }
  return out + key_exchange_text(p.ke, p.ke1);
}

core::Result<EspProposal> parse_esp_proposal(std::string_view text) {
  const auto parts = split(text, '-');
  if (parts.size() > 3 || parts[0] != kEncryption) {
    return bad_proposal(text,
                        "must read aes256gcm16[-method[-ke1_mlkem...]], e.g. "
                        "\"aes256gcm16-ecp384-ke1_mlkem1024\"");
  }
  EspProposal p;
  if (parts.size() >= 2) {
    auto kes = key_exchanges(text, std::span(parts).subspan(1), "second");
    if (!kes) return kes.error();
    p.ke = kes->ke;
    p.ke1 = kes->ke1;
  }
  return p;
}

std::string to_string(const EspProposal& p) {
  return std::string(kEncryption) + key_exchange_text(p.ke, p.ke1);
}

std::vector<IkeProposal> default_ike_proposals() {
  std::vector<IkeProposal> out;
  for (const auto text : kDefaultIkeProposals) {
    out.push_back(parse_ike_proposal(text).value());  // constants: a failure is a bug
  }
  return out;
}

core::Result<IkeIdentity> parse_ike_identity(std::string_view text) {
  if (text.empty() || text.size() > 255) {
    return core::make_error(errc::invalid_value, "identity must be 1..255 bytes");
  }
  for (const char c : text) {
    if (c <= ' ' || c > '~') {
      return core::make_error(errc::invalid_value, "identity \"" + core::log_safe(text) +
                                                       "\" must be printable ASCII without spaces");
    }
  }
  IkeIdentity id{IkeIdType::fqdn, std::string(text)};
  if (auto address = core::IpAddress::parse(text)) {
    id.type = address->is_v4() ? IkeIdType::ipv4_addr : IkeIdType::ipv6_addr;
  } else if (text.find('@') != std::string_view::npos) {
    id.type = IkeIdType::rfc822_addr;
  }
  return id;
}

}  // namespace pqbranch::config
