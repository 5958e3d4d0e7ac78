// libFuzzer target for the certificate checks: the first input byte picks one DER certificate
// (the rest of the input) or a chain (two big-endian length bytes, the issuer's DER, then the
// leaf's). Each certificate goes through crypto::Certificate (the DER codec, its names,
// keyUsage and extendedKeyUsage, its key) and IKEv2's identity and usage check with the
// identities a peer or an operator might claim for it: its own names, their variants and some
// fixed ones. Beyond "no crash, no sanitizer report": an identity accepted for a certificate
// is present in its subjectAltName (exactly, up to ASCII case, or under a "*." wildcard for
// one whole left-most label), never through its subject, and a certificate accepted for IKE
// allows digital signatures and an IKE purpose.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/crypto/x509.hpp"
#include "pqbranch/ikev2/certificates.hpp"
#include "pqbranch/ikev2/id_payload.hpp"

namespace {

using pqbranch::crypto::AltName;
using pqbranch::crypto::Certificate;
using pqbranch::ikev2::IdPayload;
using pqbranch::ikev2::IdType;

void check(bool condition) {
  if (!condition) std::abort();
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// The reference rule for a dNSName: the same name, or "*.rest" for "<one label>.rest".
bool dns_names(std::string_view san, std::string_view host) {
  if (same_ignoring_case(san, host)) return true;
  if (!san.starts_with("*.")) return false;
  const auto dot = host.find('.');
  return dot != std::string_view::npos && dot > 0 &&
         same_ignoring_case(san.substr(1), host.substr(dot));
}

bool present(const std::vector<AltName>& sans, AltName::Kind kind, std::string_view identity) {
  return std::ranges::any_of(sans, [&](const AltName& n) {
    if (n.kind != kind) return false;
    switch (kind) {
      case AltName::Kind::dns:
        return dns_names(n.value, identity);
      case AltName::Kind::email:
        return same_ignoring_case(n.value, identity);
      default:
        return n.value == identity;
    }
  });
}

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};  // NOLINT: text as bytes
}

// Identities to try: each name of the certificate as written, in upper case, under another
// label, as its parent domain with a leading dot and with a trailing NUL; the subject CN;
// and fixed names the test PKI uses.
std::vector<std::string> candidates(const std::vector<AltName>& sans, const std::string& cn) {
  std::vector<std::string> out{cn, "edge.pqb.test", "branch.example", "site-1", "192.0.2.1", ""};
  for (const AltName& n : sans) {
    std::string upper = n.value;
    std::ranges::transform(upper, upper.begin(), [](char c) {
      return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
    });
    out.insert(out.end(), {n.value, upper, "x." + n.value, n.value + std::string(1, '\0')});
    if (const auto dot = n.value.find('.'); dot != std::string::npos) {
      out.push_back(n.value.substr(dot));
    }
    if (n.value.starts_with("*.")) out.push_back("a" + n.value.substr(1));
  }
  return out;
}

bool allows_ike(const Certificate& cert) {
  if (!cert.allows_digital_signature()) return false;
  const auto purposes = cert.extended_key_usages();
  if (!purposes) return false;
  if (!*purposes) return true;
  return std::ranges::any_of(**purposes, [](const std::string& oid) {
    return oid == "1.3.6.1.5.5.7.3.17" || oid == "2.5.29.37.0" || oid == "1.3.6.1.5.5.7.3.1" ||
           oid == "1.3.6.1.5.5.8.2.2";
  });
}

void check_ike(const Certificate& cert, IdType type, std::string_view identity, bool named,
               bool usable) {
  const IdPayload id{false, type, {identity.begin(), identity.end()}};
  const auto ok = pqbranch::ikev2::check_identity_and_usage(cert, id);
  check(!ok || (named && usable));
}

void check_certificate(std::span<const std::uint8_t> der) {
  const auto cert = Certificate::from_der(der);
  if (!cert) return;
  (void)cert->key_sha1();
  (void)cert->public_key();
  const auto sans = cert->subject_alt_names();
  const std::string cn = cert->common_name();
  // What parsed encodes, and that encoding parses again, to the same names.
  if (const auto encoded = cert->der()) {
    const auto again = Certificate::from_der(*encoded);
    check(again.has_value());
    const auto sans_again = again->subject_alt_names();
    check(sans_again.has_value() == sans.has_value() && (!sans || *sans_again == *sans));
  }
  const bool usable = allows_ike(*cert);
  const std::vector<AltName> names = sans ? *sans : std::vector<AltName>{};
  for (const std::string& identity : candidates(names, cn)) {
    const bool host = cert->names_host(identity);
    const bool email = cert->names_email(identity);
    check(!host || (sans && present(*sans, AltName::Kind::dns, identity)));
    check(!email || (sans && present(*sans, AltName::Kind::email, identity)));
    check_ike(*cert, IdType::fqdn, identity, host, usable);
    check_ike(*cert, IdType::rfc822_addr, identity, email, usable);
    if (identity.size() == 4 || identity.size() == 16) {
      const bool ip = cert->names_ip(bytes_of(identity));
      check(!ip || (sans && present(*sans, AltName::Kind::ip, identity)));
      check_ike(*cert, identity.size() == 4 ? IdType::ipv4_addr : IdType::ipv6_addr, identity, ip,
                usable);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  // Printable selectors ('0' one certificate, '1' issuer and leaf) keep the corpus readable.
  if (data[0] != '1') {
    check_certificate(rest);
    return 0;
  }
  if (rest.size() < 2) return 0;
  const std::size_t issuer_size = (std::size_t{rest[0]} << 8U) | rest[1];
  if (issuer_size > rest.size() - 2) return 0;
  const auto issuer_der = rest.subspan(2, issuer_size);
  const auto leaf_der = rest.subspan(2 + issuer_size);
  check_certificate(leaf_der);
  const auto issuer = Certificate::from_der(issuer_der);
  const auto leaf = Certificate::from_der(leaf_der);
  if (issuer && leaf) (void)leaf->verify_issued_by(*issuer);
  return 0;
}
