#include <openssl/evp.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/hash.hpp"

#include "hash_name.hpp"
#include "openssl_error.hpp"

namespace pqbranch::crypto {

struct HashStream::State {
  core::CHandle<EVP_MD_CTX, EVP_MD_CTX_free> ctx;
  Hash hash = Hash::sha256;
};

HashStream::HashStream(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
HashStream::HashStream(HashStream&&) noexcept = default;
HashStream& HashStream::operator=(HashStream&&) noexcept = default;
HashStream::~HashStream() = default;

core::Result<HashStream> HashStream::create(Hash h) {
  const detail::ErrorQueueScope scope;
  auto state = std::make_unique<State>();
  state->hash = h;
  state->ctx.reset(EVP_MD_CTX_new());
  if (!state->ctx || EVP_DigestInit_ex2(state->ctx.get(),
                                        EVP_get_digestbyname(detail::hash_name(h)), nullptr) != 1) {
    return detail::openssl_error(errc::backend, "digest init");
  }
  return HashStream(std::move(state));
}

core::Result<void> HashStream::update(std::span<const std::uint8_t> data) {
  const detail::ErrorQueueScope scope;
  if (!state_ || !state_->ctx) return core::make_error(errc::invalid_argument, "digest finished");
  if (EVP_DigestUpdate(state_->ctx.get(), data.data(), data.size()) != 1) {
    return detail::openssl_error(errc::backend, "digest update");
  }
  return {};
}

core::Result<std::vector<std::uint8_t>> HashStream::finish() {
  const detail::ErrorQueueScope scope;
  if (!state_ || !state_->ctx) return core::make_error(errc::invalid_argument, "digest finished");
  std::vector<std::uint8_t> out(digest_size(state_->hash));
  unsigned int len = 0;
  const bool ok = EVP_DigestFinal_ex(state_->ctx.get(), out.data(), &len) == 1;
  state_->ctx.reset();
  if (!ok || len != out.size()) return detail::openssl_error(errc::backend, "digest final");
  return out;
}

}  // namespace pqbranch::crypto
