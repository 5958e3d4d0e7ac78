#include "pqbranch/crypto/x509.hpp"

#include <cstring>
#include <string>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/crypto/certificate_name.hpp"
#include "pqbranch/crypto/hash.hpp"

#include "name_check_flags.hpp"
#include "openssl_error.hpp"

namespace pqbranch::crypto {
namespace {

using X509Handle = core::CHandle<X509, X509_free>;
using FileBio = core::CHandle<BIO, BIO_free>;
using Store = core::CHandle<X509_STORE, X509_STORE_free>;
using StoreCtx = core::CHandle<X509_STORE_CTX, X509_STORE_CTX_free>;

void free_eku(EXTENDED_KEY_USAGE* e) {
  sk_ASN1_OBJECT_pop_free(e, ASN1_OBJECT_free);
}
using Eku = core::CHandle<EXTENDED_KEY_USAGE, free_eku>;

void free_names(GENERAL_NAMES* n) {
  GENERAL_NAMES_free(n);
}
using GeneralNames = core::CHandle<GENERAL_NAMES, free_names>;

std::string string_of(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),  // NOLINT: bytes as chars
          static_cast<std::size_t>(ASN1_STRING_length(s))};
}

AltName alt_name(const GENERAL_NAME* n) {
  switch (n->type) {
    case GEN_DNS:
      return {AltName::Kind::dns, string_of(n->d.dNSName)};
    case GEN_EMAIL:
      return {AltName::Kind::email, string_of(n->d.rfc822Name)};
    case GEN_IPADD:
      return {AltName::Kind::ip, string_of(n->d.iPAddress)};
    default:
      return {AltName::Kind::other, {}};
  }
}

core::Error bad(const std::string& why) {
  return detail::openssl_error(errc::bad_certificate, why);
}

}  // namespace

struct Certificate::Impl {
  X509Handle cert;
};

Certificate::Certificate(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Certificate::Certificate(Certificate&&) noexcept = default;
Certificate& Certificate::operator=(Certificate&&) noexcept = default;
Certificate::~Certificate() = default;

core::Result<Certificate> Certificate::load_pem(const std::filesystem::path& file) {
  const detail::ErrorQueueScope scope;
  FileBio bio(BIO_new_file(file.c_str(), "r"));
  if (!bio)
    return detail::openssl_error(errc::file_unreadable, file.string() + ": cannot be opened");
  X509Handle cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return bad(file.string() + ": is not a PEM certificate");
  return Certificate(std::make_unique<Impl>(Impl{std::move(cert)}));
}

core::Result<Certificate> Certificate::from_der(std::span<const std::uint8_t> der) {
  const detail::ErrorQueueScope scope;
  const unsigned char* p = der.data();
  X509Handle cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) return bad("not a DER certificate");
  return Certificate(std::make_unique<Impl>(Impl{std::move(cert)}));
}

core::Result<std::vector<std::uint8_t>> Certificate::der() const {
  const detail::ErrorQueueScope scope;
  const int size = i2d_X509(impl_->cert.get(), nullptr);
  if (size <= 0) return bad("cannot be encoded");
  std::vector<std::uint8_t> out(static_cast<std::size_t>(size));
  unsigned char* p = out.data();
  if (i2d_X509(impl_->cert.get(), &p) != size) return bad("cannot be encoded");
  return out;
}

core::Result<std::array<std::uint8_t, 20>> Certificate::key_sha1() const {
  const detail::ErrorQueueScope scope;
  const X509_PUBKEY* spki = X509_get_X509_PUBKEY(impl_->cert.get());
  unsigned char* der = nullptr;
  const int size = spki != nullptr ? i2d_X509_PUBKEY(spki, &der) : -1;
  if (size <= 0) return bad("has no public key");
  auto hash = sha1_digest({der, static_cast<std::size_t>(size)});
  OPENSSL_free(der);
  return hash;
}

core::Result<PublicKey> Certificate::public_key() const {
  const detail::ErrorQueueScope scope;
  PkeyHandle key(X509_get_pubkey(impl_->cert.get()));
  if (!key) return bad("no public key");
  return PublicKey(std::move(key));
}

namespace {

// What the backend's name checks would read other than as the exact name: a length of 0 means
// "NUL-terminated" (strlen past a string_view's end), a trailing NUL is dropped before
// comparing, and a host starting with '.' means "any subdomain of" (X509_check_host).
bool checkable(std::string_view name) {
  return !name.empty() && name.find('\0') == std::string_view::npos;
}

}  // namespace

bool Certificate::names_host(std::string_view host) const {
  const detail::ErrorQueueScope scope;
  if (!checkable(host) || host.front() == '.') return false;
  return X509_check_host(impl_->cert.get(), host.data(), host.size(), detail::kSubjectAltNameOnly,
                         nullptr) == 1;
}

bool Certificate::names_email(std::string_view address) const {
  const detail::ErrorQueueScope scope;
  if (!checkable(address)) return false;
  return X509_check_email(impl_->cert.get(), address.data(), address.size(),
                          detail::kSubjectAltNameOnly) == 1;
}

bool Certificate::names_ip(std::span<const std::uint8_t> address) const {
  const detail::ErrorQueueScope scope;
  if (address.size() != 4 && address.size() != 16) return false;
  return X509_check_ip(impl_->cert.get(), address.data(), address.size(),
                       detail::kSubjectAltNameOnly) == 1;
}

core::Result<std::vector<AltName>> Certificate::subject_alt_names() const {
  const detail::ErrorQueueScope scope;
  int critical = 0;
  const GeneralNames names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(impl_->cert.get(), NID_subject_alt_name, &critical, nullptr)));
  std::vector<AltName> out;
  if (!names) {
    if (critical == -1) return out;  // absent
    return bad("subjectAltName does not parse");
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    out.push_back(alt_name(sk_GENERAL_NAME_value(names.get(), i)));
  }
  return out;
}

std::string Certificate::common_name() const {
  return crypto::common_name(impl_->cert.get());
}

bool Certificate::allows_digital_signature() const {
  const detail::ErrorQueueScope scope;
  X509* cert = impl_->cert.get();
  // X509_get_extension_flags also caches the extensions; EXFLAG_INVALID: one did not parse.
  const auto flags = X509_get_extension_flags(cert);
  if ((flags & EXFLAG_INVALID) != 0) return false;
  if ((flags & EXFLAG_KUSAGE) == 0) return true;
  return (X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE) != 0;
}

core::Result<std::optional<std::vector<std::string>>> Certificate::extended_key_usages() const {
  const detail::ErrorQueueScope scope;
  int critical = 0;
  const Eku eku(static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(impl_->cert.get(), NID_ext_key_usage, &critical, nullptr)));
  if (!eku) {
    // -1: absent; anything else: present but unreadable (or repeated).
    if (critical == -1) return std::optional<std::vector<std::string>>{};
    return bad("extendedKeyUsage does not parse");
  }
  std::vector<std::string> out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    std::array<char, 128> text{};
    const int n = OBJ_obj2txt(text.data(), static_cast<int>(text.size()),
                              sk_ASN1_OBJECT_value(eku.get(), i), 1);
    if (n <= 0 || static_cast<std::size_t>(n) >= text.size()) {
      return bad("extendedKeyUsage purpose does not convert");
    }
    out.emplace_back(text.data(), static_cast<std::size_t>(n));
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

core::Result<void> Certificate::verify_issued_by(const Certificate& ca) const {
  const detail::ErrorQueueScope scope;
  Store store(X509_STORE_new());
  StoreCtx ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.impl_->cert.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), impl_->cert.get(), nullptr) != 1) {
    return detail::openssl_error(errc::backend, "X509 store setup failed");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    return core::make_error(errc::bad_certificate,
                            X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  return {};
}

}  // namespace pqbranch::crypto
