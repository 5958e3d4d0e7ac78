#include "fakes/release_samples.hpp"

#include <algorithm>

#include "pqbranch/crypto/hash.hpp"
#include "pqbranch/crypto/signature.hpp"

namespace pqbranch::test {

update::ReleaseSigningKeys make_release_signing_keys() {
  using crypto::SignatureAlgorithm;
  return update::ReleaseSigningKeys::create(
             crypto::generate_signing_key(SignatureAlgorithm::ml_dsa_65).value(),
             crypto::generate_signing_key(SignatureAlgorithm::ed25519).value())
      .value();
}

std::vector<std::uint8_t> sample_package() {
  std::vector<std::uint8_t> out(3000);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(i * 7 + i / 256);
  return out;
}

update::Manifest sample_manifest() {
  using namespace std::chrono;
  const auto package = sample_package();
  const auto digest = crypto::digest(crypto::Hash::sha256, package).value();
  update::Manifest m;
  m.channel = "stable";
  m.version = {.major = 0, .minor = 2, .patch = 0};
  m.package = "pqbranch-agent_0.2.0_amd64.deb";
  m.size = package.size();
  std::ranges::copy(digest, m.sha256.begin());
  m.minimum_version = {.major = 0, .minor = 1, .patch = 0};
  m.not_before = sys_days{year{2026} / 12 / 4};
  m.expires = sys_days{year{2026} / 12 / 11};
  return m;
}

}  // namespace pqbranch::test
