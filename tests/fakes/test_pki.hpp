#pragma once
// A throw-away PKI for tests, made with the OpenSSL API: a CA and leaf certificates
// (ML-DSA-65 or ECDSA P-256; CN = the name, e.g. a site id) written into a private
// temporary directory that is removed when the TestPki goes. Key files are created with
// mode 0600. As scripts/test-pki.sh: a server (edge) certificate has extendedKeyUsage
// serverAuth only and the name as a DNS SAN, a client (site) certificate clientAuth only.

#include <filesystem>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/crypto/keys.hpp"
#include "pqbranch/crypto/tls_context.hpp"

namespace pqbranch::test {

enum class PkiAlgorithm { ml_dsa_65, ecdsa_p256 };
// client_and_server: both usages, as any TLS end (what test-pki.sh once issued for every
// name), for tests of the name check alone.
enum class CertRole { server, client, client_and_server };

// A leaf's extensions in OpenSSL's config syntax; an empty string or list leaves the
// extension out (e.g. no alt_names: a certificate that names its holder in the CN only).
struct LeafProfile {
  std::vector<std::string> alt_names;                   // "DNS:a.test", "IP:192.0.2.1"
  std::string key_usage = "critical,digitalSignature";  // keyUsage
  std::string extended_key_usage = "serverAuth";        // extendedKeyUsage
};

struct IssuedCert {
  std::filesystem::path certificate;  // <dir>/<name>.pem
  std::filesystem::path private_key;  // <dir>/<name>.key, mode 0600
};

class TestPki {
 public:
  // A new directory under the system temp dir, and a CA named `ca_name` in <dir>/ca.pem.
  static core::Result<TestPki> create(PkiAlgorithm algorithm,
                                      const std::string& ca_name = "pqbranch test CA");

  TestPki(TestPki&& other) noexcept;
  TestPki& operator=(TestPki&&) = delete;
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;
  ~TestPki();  // removes the directory and everything in it

  // A leaf certificate signed by the CA, valid from an hour ago for 30 days. Its SANs are
  // `alt_names` in OpenSSL's syntax ("DNS:edge.test", "IP:127.0.0.1") if any, else
  // "DNS:<name>" for a server role and none for a client. `file_stem` names the files
  // (default: `name`), for a second certificate with the same name.
  core::Result<IssuedCert> issue(const std::string& name, CertRole role,
                                 const std::vector<std::string>& alt_names = {},
                                 const std::string& file_stem = {});

  // A leaf certificate as issue() makes, with exactly the extensions of `leaf`.
  core::Result<IssuedCert> issue_with(const std::string& name, const LeafProfile& leaf,
                                      const std::string& file_stem = {});

  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
  [[nodiscard]] std::filesystem::path ca_file() const { return dir_ / "ca.pem"; }

  // TLS options trusting this CA and presenting `cert`.
  [[nodiscard]] crypto::TlsOptions tls_options(const IssuedCert& cert) const;

 private:
  TestPki(std::filesystem::path dir, PkiAlgorithm algorithm, crypto::PrivateKey ca_key,
          core::CHandle<X509, X509_free> ca_cert);

  std::filesystem::path dir_;
  PkiAlgorithm algorithm_;
  crypto::PrivateKey ca_key_;
  core::CHandle<X509, X509_free> ca_cert_;
};

}  // namespace pqbranch::test
