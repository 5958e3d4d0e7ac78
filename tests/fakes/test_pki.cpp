#include "fakes/test_pki.hpp"

#include <array>
#include <cstdlib>
#include <utility>
#include <vector>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/random.hpp"
#include "pqbranch/crypto/signature.hpp"

namespace pqbranch::test {
namespace {

using X509Handle = core::CHandle<X509, X509_free>;
using Bio = core::CHandle<BIO, BIO_free_all>;
using Bignum = core::CHandle<BIGNUM, BN_free>;
using Ext = core::CHandle<X509_EXTENSION, X509_EXTENSION_free>;

core::Error failed(const std::string& what) {
  std::array<char, 256> buf{};
  ERR_error_string_n(ERR_get_error(), buf.data(), buf.size());
  ERR_clear_error();
  return core::make_error(crypto::errc::backend, what + ": " + buf.data());
}

crypto::SignatureAlgorithm signature_of(PkiAlgorithm a) {
  return a == PkiAlgorithm::ml_dsa_65 ? crypto::SignatureAlgorithm::ml_dsa_65
                                      : crypto::SignatureAlgorithm::ecdsa_p256_sha256;
}

core::Result<void> add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  const Ext ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return failed("extension " + value);
  return {};
}

struct CertSpec {
  std::string name;
  bool ca = false;
  LeafProfile leaf;
};

std::string usages_of(CertRole role) {
  switch (role) {
    case CertRole::server:
      return "serverAuth";
    case CertRole::client:
      return "clientAuth";
    case CertRole::client_and_server:
      return "serverAuth,clientAuth";
  }
  return "clientAuth";
}

// Builds and signs one certificate; a null issuer means self-signed.
core::Result<X509Handle> make_cert(const CertSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                                   EVP_PKEY* issuer_key, PkiAlgorithm alg) {
  X509Handle cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return failed("X509_new");
  std::array<std::uint8_t, 16> serial{};
  if (!crypto::random_fill(serial)) return failed("serial");
  serial[0] &= 0x7F;  // positive (RFC 5280 §4.1.2.2)
  const Bignum bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return failed("serial");
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600) == nullptr) {
    return failed("validity");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(
          subject, "CN", MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(spec.name.c_str()),  // NOLINT
          -1, -1, 0) != 1) {
    return failed("subject");
  }
  X509* signer = issuer == nullptr ? cert.get() : issuer;
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1 ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    return failed("issuer/key");
  }
  std::vector<std::pair<int, std::string>> exts;
  if (spec.ca) {
    exts = {{NID_basic_constraints, "critical,CA:TRUE"},
            {NID_key_usage, "critical,keyCertSign,cRLSign"},
            {NID_subject_key_identifier, "hash"}};
  } else {
    const auto& leaf = spec.leaf;
    exts = {{NID_basic_constraints, "critical,CA:FALSE"},
            {NID_subject_key_identifier, "hash"},
            {NID_authority_key_identifier, "keyid:always"}};
    if (!leaf.key_usage.empty()) exts.emplace_back(NID_key_usage, leaf.key_usage);
    if (!leaf.extended_key_usage.empty()) {
      exts.emplace_back(NID_ext_key_usage, leaf.extended_key_usage);
    }
    std::string alt_names;
    for (const auto& n : leaf.alt_names)
      alt_names += (alt_names.empty() ? "" : ",") + n;
    if (!alt_names.empty()) exts.emplace_back(NID_subject_alt_name, alt_names);
  }
  for (const auto& [nid, value] : exts) {
    if (auto ok = add_ext(cert.get(), signer, nid, value); !ok) return ok.error();
  }
  // ML-DSA signs the certificate itself: no separate digest.
  const EVP_MD* md = alg == PkiAlgorithm::ml_dsa_65 ? nullptr : EVP_sha256();
  if (X509_sign(cert.get(), issuer_key, md) <= 0) return failed("X509_sign");
  return cert;
}

core::Result<void> write_cert(X509* cert, const std::filesystem::path& file) {
  const Bio bio(BIO_new_file(file.c_str(), "w"));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return failed("writing " + file.string());
  return {};
}

}  // namespace

TestPki::TestPki(std::filesystem::path dir, PkiAlgorithm algorithm, crypto::PrivateKey ca_key,
                 X509Handle ca_cert)
    : dir_(std::move(dir)),
      algorithm_(algorithm),
      ca_key_(std::move(ca_key)),
      ca_cert_(std::move(ca_cert)) {}

TestPki::TestPki(TestPki&& other) noexcept
    : dir_(std::exchange(other.dir_, {})),
      algorithm_(other.algorithm_),
      ca_key_(std::move(other.ca_key_)),
      ca_cert_(std::move(other.ca_cert_)) {}

TestPki::~TestPki() {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

core::Result<TestPki> TestPki::create(PkiAlgorithm algorithm, const std::string& ca_name) {
  std::string templ = (std::filesystem::temp_directory_path() / "pqb-pki-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {  // mode 0700
    return core::make_error(crypto::errc::file_unreadable, "mkdtemp " + templ);
  }
  const std::filesystem::path dir(templ);
  auto key = crypto::generate_signing_key(signature_of(algorithm));
  if (!key) return key.error();
  auto cert = make_cert({ca_name, true, {}}, key->native(), nullptr, key->native(), algorithm);
  if (!cert) return cert.error();
  TestPki pki(dir, algorithm, std::move(*key), std::move(*cert));
  if (auto ok = write_cert(pki.ca_cert_.get(), pki.ca_file()); !ok) return ok.error();
  return pki;
}

core::Result<IssuedCert> TestPki::issue(const std::string& name, CertRole role,
                                        const std::vector<std::string>& alt_names,
                                        const std::string& file_stem) {
  LeafProfile leaf;
  leaf.alt_names = alt_names;
  if (alt_names.empty() && role != CertRole::client) leaf.alt_names = {"DNS:" + name};
  leaf.extended_key_usage = usages_of(role);
  return issue_with(name, leaf, file_stem);
}

core::Result<IssuedCert> TestPki::issue_with(const std::string& name, const LeafProfile& leaf,
                                             const std::string& file_stem) {
  auto key = crypto::generate_signing_key(signature_of(algorithm_));
  if (!key) return key.error();
  auto cert =
      make_cert({name, false, leaf}, key->native(), ca_cert_.get(), ca_key_.native(), algorithm_);
  if (!cert) return cert.error();
  const std::string stem = file_stem.empty() ? name : file_stem;
  IssuedCert out{dir_ / (stem + ".pem"), dir_ / (stem + ".key")};
  if (auto ok = write_cert(cert->get(), out.certificate); !ok) return ok.error();
  if (auto ok = crypto::write_private_key(*key, out.private_key); !ok) return ok.error();
  return out;
}

crypto::TlsOptions TestPki::tls_options(const IssuedCert& cert) const {
  crypto::TlsOptions o;
  o.ca_file = ca_file();
  o.certificate_file = cert.certificate;
  o.private_key_file = cert.private_key;
  return o;
}

}  // namespace pqbranch::test
