#pragma once
// X.509 for IKEv2 certificate authentication (RFC 7296 §3.6, §3.7; RFC 7427): our
// certificate as sent in CERT, and the CA that must have issued the responder's, whose
// certificate must also name the identity the responder claims in IDr.

#include <filesystem>
#include <span>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/crypto/keys.hpp"
#include "pqbranch/crypto/x509.hpp"
#include "pqbranch/ikev2/certreq_payload.hpp"
#include "pqbranch/ikev2/id_payload.hpp"

namespace pqbranch::ikev2 {

// A PEM certificate file as DER (for the CERT payload, encoding 4).
core::Result<std::vector<std::uint8_t>> load_certificate_der(const std::filesystem::path& file);

// What verify() checks after the signature: `cert` names `id` in its subjectAltName and may
// sign IKE AUTH (keyUsage, extendedKeyUsage), as described there;
// exchange_errc::authentication_failed with the reason otherwise.
core::Result<void> check_identity_and_usage(const crypto::Certificate& cert, const IdPayload& id);

class CertificateAuthority {
 public:
  static core::Result<CertificateAuthority> load(const std::filesystem::path& file);

  // SHA-1 of the CA's SubjectPublicKeyInfo: what CERTREQ names (RFC 7296 §3.7).
  [[nodiscard]] const CaHash& key_hash() const noexcept { return key_hash_; }

  // The peer's DER certificate: issued by this CA, valid now, naming `id` in its
  // subjectAltName (an FQDN as a dNSName, an address as an iPAddress, an RFC 822 address as
  // an rfc822Name; never the subject CN), with digitalSignature in keyUsage if that is
  // present and an IKE-compatible extendedKeyUsage if that is present (docs/ikev2.md). Its
  // public key, or exchange_errc::authentication_failed with the reason.
  [[nodiscard]] core::Result<crypto::PublicKey> verify(std::span<const std::uint8_t> der,
                                                       const IdPayload& id) const;

 private:
  CertificateAuthority(crypto::Certificate cert, const CaHash& hash)
      : cert_(std::move(cert)), key_hash_(hash) {}
  crypto::Certificate cert_;
  CaHash key_hash_{};
};

struct EcdsaCredentials {
  crypto::PrivateKey key;                     // ECDSA P-256
  std::vector<std::uint8_t> certificate_der;  // ours
  CertificateAuthority ca;                    // of the responder's certificate
};

}  // namespace pqbranch::ikev2
