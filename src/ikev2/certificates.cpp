#include "pqbranch/ikev2/certificates.hpp"

#include <cstring>
#include <string>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pqbranch/crypto/hash.hpp"
#include "pqbranch/ikev2/exchange_errc.hpp"

namespace pqbranch::ikev2 {
namespace {

using Bio = core::CHandle<BIO, BIO_free>;
using Store = core::CHandle<X509_STORE, X509_STORE_free>;
using StoreCtx = core::CHandle<X509_STORE_CTX, X509_STORE_CTX_free>;

core::Error credentials(const std::filesystem::path& file, const std::string& why) {
  return core::make_error(exchange_errc::credentials, file.string() + ": " + why);
}

core::Error refused(const std::string& why) {
  return core::make_error(exchange_errc::authentication_failed, "responder certificate: " + why);
}

core::Result<X509Handle> read_pem(const std::filesystem::path& file) {
  Bio bio(BIO_new_file(file.c_str(), "r"));
  if (!bio) return credentials(file, "cannot be opened");
  X509Handle cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return credentials(file, "is not a PEM certificate");
  return cert;
}

std::vector<std::uint8_t> to_der(X509* cert) {
  const int size = i2d_X509(cert, nullptr);
  if (size <= 0) return {};
  std::vector<std::uint8_t> der(static_cast<std::size_t>(size));
  unsigned char* p = der.data();
  i2d_X509(cert, &p);
  return der;
}

bool names(X509* cert, const IdPayload& id) {
  const std::string text(id.data.begin(), id.data.end());
  switch (id.type) {
    case IdType::fqdn:
      return X509_check_host(cert, text.data(), text.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                             nullptr) == 1;
    case IdType::rfc822_addr:
      return X509_check_email(cert, text.data(), text.size(), 0) == 1;
    case IdType::ipv4_addr:
    case IdType::ipv6_addr:
      return X509_check_ip(cert, id.data.data(), id.data.size(), 0) == 1;
    default:
      return false;
  }
}

}  // namespace

core::Result<std::vector<std::uint8_t>> load_certificate_der(const std::filesystem::path& file) {
  auto cert = read_pem(file);
  if (!cert) return cert.error();
  auto der = to_der(cert->get());
  if (der.empty()) return credentials(file, "cannot be encoded");
  return der;
}

core::Result<CertificateAuthority> CertificateAuthority::load(const std::filesystem::path& file) {
  auto cert = read_pem(file);
  if (!cert) return cert.error();
  const X509_PUBKEY* spki = X509_get_X509_PUBKEY(cert->get());
  unsigned char* der = nullptr;
  const int size = spki != nullptr ? i2d_X509_PUBKEY(spki, &der) : -1;
  if (size <= 0) return credentials(file, "has no public key");
  auto hash = crypto::sha1_digest({der, static_cast<std::size_t>(size)});
  OPENSSL_free(der);
  if (!hash) return credentials(file, hash.error().message());
  CaHash key_hash{};
  std::memcpy(key_hash.data(), hash->data(), key_hash.size());
  return CertificateAuthority(std::move(*cert), key_hash);
}

core::Result<crypto::PublicKey> CertificateAuthority::verify(std::span<const std::uint8_t> der,
                                                             const IdPayload& id) const {
  const unsigned char* p = der.data();
  X509Handle cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) return refused("not a DER certificate");
  Store store(X509_STORE_new());
  StoreCtx ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), cert_.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) {
    return core::make_error(exchange_errc::authentication_failed, "X509 store setup failed");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    return refused(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  if (!names(cert.get(), id)) {
    return refused("does not name the identity in IDr \"" +
                   std::string(id.data.begin(), id.data.end()) + "\"");
  }
  crypto::PkeyHandle key(X509_get_pubkey(cert.get()));
  if (!key) return refused("no public key");
  return crypto::PublicKey(std::move(key));
}

}  // namespace pqbranch::ikev2
