#include "pqbranch/update/release_keys.hpp"

#include <array>
#include <cerrno>
#include <system_error>
#include <tuple>

#include <fmt/format.h>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/signature.hpp"

namespace pqbranch::update {
namespace {

using crypto::SignatureAlgorithm;

template <class Key>
core::Result<void> expect_algorithm(const Key& key, SignatureAlgorithm want,
                                    std::string_view role) {
  auto alg = crypto::signature_algorithm_of(key);
  if (alg && *alg == want) return {};
  return core::make_error(
      crypto::errc::bad_key,
      fmt::format("{} release key: expected {}, found {}", role, crypto::to_string(want),
                  key.type_name().empty() ? "no key" : key.type_name()));
}

core::Error file_error(const std::filesystem::path& file, const std::error_code& ec) {
  return core::make_error(crypto::errc::file_unreadable,
                          fmt::format("{}: {}", file.string(), ec.message()));
}

}  // namespace

core::Result<ReleaseKeys> ReleaseKeys::create(crypto::PublicKey ml_dsa_65,
                                              crypto::PublicKey ed25519) {
  if (auto r = expect_algorithm(ml_dsa_65, SignatureAlgorithm::ml_dsa_65, "ML-DSA-65"); !r) {
    return r.error();
  }
  if (auto r = expect_algorithm(ed25519, SignatureAlgorithm::ed25519, "Ed25519"); !r) {
    return r.error();
  }
  return ReleaseKeys(std::move(ml_dsa_65), std::move(ed25519));
}

core::Result<ReleaseSigningKeys> ReleaseSigningKeys::create(crypto::PrivateKey ml_dsa_65,
                                                            crypto::PrivateKey ed25519) {
  if (auto r = expect_algorithm(ml_dsa_65, SignatureAlgorithm::ml_dsa_65, "ML-DSA-65"); !r) {
    return r.error();
  }
  if (auto r = expect_algorithm(ed25519, SignatureAlgorithm::ed25519, "Ed25519"); !r) {
    return r.error();
  }
  return ReleaseSigningKeys(std::move(ml_dsa_65), std::move(ed25519));
}

core::Result<ReleaseKeys> ReleaseSigningKeys::public_keys() const {
  auto ml = ml_dsa_65_.public_key();
  if (!ml) return ml.error();
  auto ed = ed25519_.public_key();
  if (!ed) return ed.error();
  return ReleaseKeys::create(std::move(*ml), std::move(*ed));
}

core::Result<ReleaseKeys> load_release_keys(const std::filesystem::path& ml_dsa_65_pem,
                                            const std::filesystem::path& ed25519_pem) {
  auto ml = crypto::load_public_key(ml_dsa_65_pem);
  if (!ml) return ml.error();
  auto ed = crypto::load_public_key(ed25519_pem);
  if (!ed) return ed.error();
  auto keys = ReleaseKeys::create(std::move(*ml), std::move(*ed));
  if (!keys) {
    return core::prefixed(keys.error(),
                          fmt::format("{}, {}", ml_dsa_65_pem.string(), ed25519_pem.string()));
  }
  return keys;
}

core::Result<void> generate_release_keys(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return file_error(dir, ec);
    fs::permissions(dir, fs::perms::owner_all, ec);
    if (ec) return file_error(dir, ec);
  }
  // Check all four first, so a refusal leaves a directory as it was.
  for (const auto name : {kMlDsaKeyFile, kMlDsaPublicFile, kEd25519KeyFile, kEd25519PublicFile}) {
    if (fs::exists(fs::symlink_status(dir / name, ec))) {
      return core::Error{
          boost::system::error_code(EEXIST, boost::system::system_category()),
          fmt::format("{}: release keys are never overwritten", (dir / name).string())};
    }
  }
  const std::array pairs = {
      std::tuple{SignatureAlgorithm::ml_dsa_65, kMlDsaKeyFile, kMlDsaPublicFile},
      std::tuple{SignatureAlgorithm::ed25519, kEd25519KeyFile, kEd25519PublicFile}};
  for (const auto& [alg, key_file, public_file] : pairs) {
    auto key = crypto::generate_signing_key(alg);
    if (!key) return key.error();
    auto pub = key->public_key();
    if (!pub) return pub.error();
    if (auto r = crypto::write_private_key(*key, dir / key_file); !r) return r.error();
    if (auto r = crypto::write_public_key(*pub, dir / public_file); !r) return r.error();
  }
  return {};
}

core::Result<ReleaseSigningKeys> load_release_signing_keys(const std::filesystem::path& dir) {
  auto ml = crypto::load_private_key(dir / kMlDsaKeyFile);
  if (!ml) return ml.error();
  auto ed = crypto::load_private_key(dir / kEd25519KeyFile);
  if (!ed) return ed.error();
  auto keys = ReleaseSigningKeys::create(std::move(*ml), std::move(*ed));
  if (!keys) return core::prefixed(keys.error(), dir.string());
  return keys;
}

core::Result<ReleaseKeys> load_release_keys(const std::filesystem::path& dir) {
  return load_release_keys(dir / kMlDsaPublicFile, dir / kEd25519PublicFile);
}

}  // namespace pqbranch::update
