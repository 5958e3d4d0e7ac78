#pragma once
// X.509 certificates (RFC 5280) as the other modules need them: read from a PEM file or from
// DER off the wire, written as DER, checked against a CA, matched against an identity (a
// host name, an RFC 822 address, an IP address) and asked for their public key or the SHA-1
// of their SubjectPublicKeyInfo. The backend's object never leaves this module.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/crypto/keys.hpp"

namespace pqbranch::crypto {

// One subjectAltName entry: a dNSName or rfc822Name as its IA5String bytes, an iPAddress
// as its raw octets; other kinds (URI, directoryName, ...) with an empty value.
struct AltName {
  enum class Kind : std::uint8_t { dns, email, ip, other };
  Kind kind = Kind::other;
  std::string value;
  friend bool operator==(const AltName&, const AltName&) = default;
};

class Certificate {
 public:
  // The first certificate of a PEM file (errc::file_unreadable, errc::bad_certificate).
  static core::Result<Certificate> load_pem(const std::filesystem::path& file);
  // Exactly one DER certificate, no trailing bytes (errc::bad_certificate).
  static core::Result<Certificate> from_der(std::span<const std::uint8_t> der);

  [[nodiscard]] core::Result<std::vector<std::uint8_t>> der() const;
  // SHA-1 over the DER SubjectPublicKeyInfo (what an IKEv2 CERTREQ names, RFC 7296 §3.7).
  [[nodiscard]] core::Result<std::array<std::uint8_t, 20>> key_sha1() const;
  [[nodiscard]] core::Result<PublicKey> public_key() const;

  // Whether the certificate names the identity in its subjectAltName: a dNSName (no partial
  // wildcards), an rfc822Name, or an iPAddress of 4 or 16 bytes. Never the subject's CN or
  // emailAddress, even without SANs of that kind. An empty host or address, one with a NUL
  // byte, or a host that starts with '.' (for the backend: any subdomain of it) names nothing.
  [[nodiscard]] bool names_host(std::string_view host) const;
  [[nodiscard]] bool names_email(std::string_view address) const;
  [[nodiscard]] bool names_ip(std::span<const std::uint8_t> address) const;
  // The subjectAltName entries in their order (empty when there is none), for an operator's
  // message; errc::bad_certificate when the extension does not parse.
  [[nodiscard]] core::Result<std::vector<AltName>> subject_alt_names() const;
  // The subject CN as UTF-8, as crypto::common_name reads it (empty when there is none).
  [[nodiscard]] std::string common_name() const;

  // True when keyUsage is absent or asserts digitalSignature (false if an extension is
  // malformed).
  [[nodiscard]] bool allows_digital_signature() const;
  // The extendedKeyUsage purposes as dotted OIDs ("1.3.6.1.5.5.7.3.1"), or nullopt when the
  // extension is absent; errc::bad_certificate when it does not parse.
  [[nodiscard]] core::Result<std::optional<std::vector<std::string>>> extended_key_usages() const;

  // Success when `ca` issued this certificate and both are valid now; otherwise
  // errc::bad_certificate with the verifier's reason.
  [[nodiscard]] core::Result<void> verify_issued_by(const Certificate& ca) const;

  Certificate(Certificate&&) noexcept;
  Certificate& operator=(Certificate&&) noexcept;
  ~Certificate();

 private:
  struct Impl;
  explicit Certificate(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pqbranch::crypto
