#include "pqbranch/update/release_signature.hpp"

#include <span>

#include <fmt/format.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/signature.hpp"
#include "pqbranch/update/errc.hpp"

namespace pqbranch::update {
namespace {

constexpr crypto::SignatureContext kContext{kReleaseSignatureContext};

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};  // NOLINT
}

core::Result<void> check(const crypto::PublicKey& key, std::string_view message,
                         std::span<const std::uint8_t> signature, std::string_view name) {
  if (auto r = crypto::verify(key, bytes_of(message), signature, kContext); !r) {
    // A backend failure is a refusal too, but its text says more than "does not verify".
    const bool plain = r.error() == crypto::errc::bad_signature;
    return core::make_error(errc::signature_invalid,
                            fmt::format("{} signature does not verify with the pinned key{}", name,
                                        plain ? "" : " (" + r.error().message() + ")"));
  }
  return {};
}

}  // namespace

core::Result<std::string> sign_manifest(const Manifest& m, const ReleaseSigningKeys& keys) {
  auto message = manifest_message(m);
  if (!message) return message.error();
  auto ml = crypto::sign(keys.ml_dsa_65(), bytes_of(*message), kContext);
  if (!ml) return ml.error();
  auto ed = crypto::sign(keys.ed25519(), bytes_of(*message), kContext);
  if (!ed) return ed.error();
  return manifest_file(*message, *ml, *ed);
}

core::Result<Manifest> verify_signatures(const SignedManifest& signed_manifest,
                                         const ReleaseKeys& keys) {
  // Both present before either is checked: a missing one is reported as missing even when
  // the other is also wrong.
  for (const auto& [sig, name] : {std::pair{&signed_manifest.ml_dsa_65, "ML-DSA-65"},
                                  std::pair{&signed_manifest.ed25519, "Ed25519"}}) {
    if (sig->empty()) {
      return core::make_error(errc::signature_missing, fmt::format("no {} signature", name));
    }
  }
  if (auto r =
          check(keys.ml_dsa_65(), signed_manifest.message, signed_manifest.ml_dsa_65, "ML-DSA-65");
      !r) {
    return r.error();
  }
  if (auto r = check(keys.ed25519(), signed_manifest.message, signed_manifest.ed25519, "Ed25519");
      !r) {
    return r.error();
  }
  return signed_manifest.unverified;
}

}  // namespace pqbranch::update
