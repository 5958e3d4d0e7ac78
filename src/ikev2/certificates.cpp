#include "pqbranch/ikev2/certificates.hpp"

#include <string>

#include "pqbranch/ikev2/exchange_errc.hpp"

namespace pqbranch::ikev2 {
namespace {

core::Error credentials(const std::filesystem::path& file, const core::Error& why) {
  return core::make_error(exchange_errc::credentials, file.string() + ": " + why.message());
}

core::Error refused(const std::string& why) {
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

}  // namespace

core::Result<std::vector<std::uint8_t>> load_certificate_der(const std::filesystem::path& file) {
  auto cert = crypto::Certificate::load_pem(file);
  if (!cert) return credentials(file, cert.error());
  auto der = cert->der();
  if (!der) return credentials(file, der.error());
  return der;
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
  if (!cert) return refused(cert.error().detail);
  if (auto ok = cert->verify_issued_by(cert_); !ok) return refused(ok.error().detail);
  if (!names(*cert, id)) {
    return refused("does not name the identity in IDr \"" +
                   std::string(id.data.begin(), id.data.end()) + "\"");
  }
  auto key = cert->public_key();
  if (!key) return refused(key.error().detail);
  return key;
}

}  // namespace pqbranch::ikev2
