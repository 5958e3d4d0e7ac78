#include "pqbranch/ikev2/signature_auth.hpp"

#include <string>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/signature.hpp"
#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {
namespace {

// The signature scheme a key signs with in IKEv2.
template <class Key>
core::Result<SignatureScheme> signature_scheme_of(const Key& key) {
  auto alg = crypto::signature_algorithm_of(key);
  if (!alg) return detail::fail(errc::unsupported_algorithm, alg.error().message());
  switch (*alg) {
    case crypto::SignatureAlgorithm::ecdsa_p256_sha256:
      return SignatureScheme::ecdsa_with_sha256;
    case crypto::SignatureAlgorithm::ed25519:
      return SignatureScheme::ed25519;
    case crypto::SignatureAlgorithm::ml_dsa_65:
      break;
  }
  return detail::fail(errc::unsupported_algorithm,
                      std::string(crypto::to_string(*alg)) + " has no IKEv2 AUTH encoding here");
}

}  // namespace

core::Result<AuthPayload> sign_auth(const crypto::PrivateKey& key,
                                    std::span<const std::uint8_t> octets) {
  auto scheme = signature_scheme_of(key);
  if (!scheme) return scheme.error();
  auto sig = crypto::sign(key, octets);
  if (!sig) return detail::fail(errc::crypto_failure, sig.error().message());
  return AuthPayload{AuthMethod::digital_signature,
                     encode_digital_signature(DigitalSignature{*scheme, std::move(*sig)})};
}

core::Result<void> verify_auth_signature(const crypto::PublicKey& key, const AuthPayload& auth,
                                         std::span<const std::uint8_t> octets) {
  if (auth.method != AuthMethod::digital_signature) {
    return detail::fail(errc::unsupported_algorithm,
                        "AUTH method " + std::to_string(static_cast<unsigned>(auth.method)));
  }
  auto received = parse_digital_signature(auth.data);
  if (!received) return received.error();
  auto expected = signature_scheme_of(key);
  if (!expected) return expected.error();
  if (received->scheme != *expected) {
    return detail::fail(errc::unsupported_algorithm, std::string(to_string(received->scheme)) +
                                                         " with a key for " +
                                                         std::string(to_string(*expected)));
  }
  if (auto ok = crypto::verify(key, octets, received->signature); !ok) {
    if (ok.error() == crypto::errc::bad_signature) {
      return detail::fail(errc::integrity_check_failed, "AUTH signature does not verify");
    }
    return detail::fail(errc::crypto_failure, ok.error().message());
  }
  return {};
}

}  // namespace pqbranch::ikev2
