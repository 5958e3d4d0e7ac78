#include "pqbranch/ikev2/certificates.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "pqbranch/core/log_text.hpp"
#include "pqbranch/ikev2/exchange_errc.hpp"

namespace pqbranch::ikev2 {
namespace {

core::Error credentials(const std::filesystem::path& file, const core::Error& why) {
  return core::make_error(exchange_errc::credentials, file.string() + ": " + why.message());
}

core::Error untrusted(const std::string& why) {
  return core::make_error(exchange_errc::authentication_failed, "responder certificate: " + why);
}

bool names(const crypto::Certificate& cert, const IdPayload& id) {
  const std::string text(id.data.begin(), id.data.end());
  switch (id.type) {
    case IdType::fqdn:
      return cert.names_host(text);
    case IdType::rfc822_addr:
      return cert.names_email(text);
    case IdType::ipv4_addr:
    case IdType::ipv6_addr:
      return cert.names_ip(id.data);
    default:
      return false;
  }
}

// extendedKeyUsage purposes that allow IKE authentication. RFC 4945 §5.1.3.12 names
// id-kp-ipsecIKE and anyExtendedKeyUsage; serverAuth and iKEIntermediate are what
// strongSwan's documentation issues for IKE gateways (Windows and macOS clients ask for
// them), so refusing them would refuse the usual gateway certificate. strongSwan itself
// enforces no EKU for IKE; we refuse only a certificate whose EKU names none of these
// (e.g. clientAuth or codeSigning alone).
constexpr std::array<std::string_view, 4> kIkePurposes{
    "1.3.6.1.5.5.7.3.17",  // id-kp-ipsecIKE (RFC 4945)
    "2.5.29.37.0",         // anyExtendedKeyUsage (RFC 5280 §4.2.1.12)
    "1.3.6.1.5.5.7.3.1",   // id-kp-serverAuth
    "1.3.6.1.5.5.8.2.2",   // iKEIntermediate
};

// The certificate may sign IKE AUTH (RFC 4945 §5.1.3.2: keyUsage, when present, must
// allow signatures; we require digitalSignature, nonRepudiation alone is not enough).
core::Result<void> usable_for_ike(const crypto::Certificate& cert) {
  if (!cert.allows_digital_signature()) {
    return untrusted("its keyUsage does not include digitalSignature");
  }
  auto purposes = cert.extended_key_usages();
  if (!purposes) return untrusted(purposes.error().detail);
  if (!*purposes) return {};
  const bool ike = std::ranges::any_of(**purposes, [](const std::string& oid) {
    return std::ranges::find(kIkePurposes, std::string_view(oid)) != kIkePurposes.end();
  });
  if (!ike) {
    return untrusted(
        "its extendedKeyUsage allows neither IKE (ipsecIKE, iKEIntermediate), serverAuth nor "
        "any purpose");
  }
  return {};
}

}  // namespace

core::Result<std::vector<std::uint8_t>> load_certificate_der(const std::filesystem::path& file) {
  auto cert = crypto::Certificate::load_pem(file);
  if (!cert) return credentials(file, cert.error());
  auto der = cert->der();
  if (!der) return credentials(file, der.error());
  return der;
}

core::Result<void> check_identity_and_usage(const crypto::Certificate& cert, const IdPayload& id) {
  if (!names(cert, id)) {
    return untrusted("does not name the identity in IDr \"" +
                     core::log_safe(std::string_view(
                         reinterpret_cast<const char*>(id.data.data()),  // NOLINT: bytes as text
                         id.data.size())) +
                     "\" in its subjectAltName");
  }
  return usable_for_ike(cert);
}

core::Result<CertificateAuthority> CertificateAuthority::load(const std::filesystem::path& file) {
  auto cert = crypto::Certificate::load_pem(file);
  if (!cert) return credentials(file, cert.error());
  auto hash = cert->key_sha1();
  if (!hash) return credentials(file, hash.error());
  return CertificateAuthority(std::move(*cert), *hash);
}

core::Result<crypto::PublicKey> CertificateAuthority::verify(std::span<const std::uint8_t> der,
                                                             const IdPayload& id) const {
  auto cert = crypto::Certificate::from_der(der);
  if (!cert) return untrusted(cert.error().detail);
  if (auto ok = cert->verify_issued_by(cert_); !ok) return untrusted(ok.error().detail);
  if (auto ok = check_identity_and_usage(*cert, id); !ok) return ok.error();
  auto key = cert->public_key();
  if (!key) return untrusted(key.error().detail);
  return key;
}

}  // namespace pqbranch::ikev2
