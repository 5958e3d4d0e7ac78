#include "pqbranch/ikev2/key_exchange.hpp"

#include <optional>
#include <string>

#include "pqbranch/crypto/ecdh.hpp"
#include "pqbranch/crypto/ml_kem.hpp"
#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/ke_payload.hpp"

namespace pqbranch::ikev2 {
namespace {

std::optional<crypto::EcdhGroup> ecdh_group(KeMethod m) {
  switch (m) {
    case KeMethod::ecp256:
      return crypto::EcdhGroup::p256;
    case KeMethod::ecp384:
      return crypto::EcdhGroup::p384;
    case KeMethod::x25519:
      return crypto::EcdhGroup::x25519;
    default:
      return std::nullopt;
  }
}

std::optional<crypto::MlKem> ml_kem(KeMethod m) {
  if (m == KeMethod::mlkem768) return crypto::MlKem::ml_kem_768;
  if (m == KeMethod::mlkem1024) return crypto::MlKem::ml_kem_1024;
  return std::nullopt;
}

bool is_ecp(KeMethod m) {
  return m == KeMethod::ecp256 || m == KeMethod::ecp384;
}

core::Error unsupported(KeMethod m) {
  return core::make_error(errc::unsupported_algorithm,
                          "key exchange method " + std::to_string(static_cast<unsigned>(m)));
}

core::Error wrap(const core::Error& e, const std::string& what) {
  return core::make_error(errc::crypto_failure, what + ": " + e.message());
}

// IKE's ECP encoding lacks the uncompressed-point marker the crypto adapter uses.
std::vector<std::uint8_t> to_ike(KeMethod m, std::vector<std::uint8_t> value) {
  if (is_ecp(m) && !value.empty()) value.erase(value.begin());
  return value;
}
std::vector<std::uint8_t> from_ike(KeMethod m, std::span<const std::uint8_t> value) {
  std::vector<std::uint8_t> out;
  if (is_ecp(m)) out.push_back(0x04);
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

core::Result<void> check_size(KeMethod m, std::span<const std::uint8_t> data, bool from_initiator) {
  const auto method = [m] { return "KE method " + std::to_string(static_cast<unsigned>(m)); };
  const auto sizes = ke_data_sizes(m);
  if (!sizes) return core::make_error(errc::unsupported_algorithm, method() + ": not supported");
  const std::size_t want = from_initiator ? sizes->initiator : sizes->responder;
  if (data.size() != want) {
    return core::make_error(errc::bad_length, method() + ": " + std::to_string(data.size()) +
                                                  " bytes, expected " + std::to_string(want));
  }
  return {};
}

}  // namespace

core::Result<KeyExchange> KeyExchange::start(KeMethod method) {
  if (auto group = ecdh_group(method)) return adopt(method, crypto::ecdh_generate(*group));
  if (auto params = ml_kem(method)) return adopt(method, crypto::ml_kem_generate(*params));
  return unsupported(method);
}

core::Result<KeyExchange> KeyExchange::from_seed(KeMethod method,
                                                 std::span<const std::uint8_t> seed) {
  if (method == KeMethod::x25519) {
    return adopt(method, crypto::ecdh_from_private(crypto::EcdhGroup::x25519, seed));
  }
  if (auto params = ml_kem(method)) return adopt(method, crypto::ml_kem_from_seed(*params, seed));
  return unsupported(method);
}

core::Result<KeyExchange> KeyExchange::adopt(KeMethod method,
                                             core::Result<crypto::PrivateKey> key) {
  if (ml_kem(method)) {
    if (!key) return wrap(key.error(), "ML-KEM key");
    auto ek = crypto::ml_kem_encapsulation_key(*key);
    if (!ek) return wrap(ek.error(), "ML-KEM encapsulation key");
    return KeyExchange(method, std::move(*key), std::move(*ek));
  }
  if (!key) return wrap(key.error(), "ECDH key");
  auto value = crypto::ecdh_public_value(*key);
  if (!value) return wrap(value.error(), "ECDH public value");
  return KeyExchange(method, std::move(*key), to_ike(method, std::move(*value)));
}

core::Result<core::SecureBytes> KeyExchange::finish(std::span<const std::uint8_t> peer) const {
  if (auto ok = check_size(method_, peer, false); !ok) return ok.error();
  if (ml_kem(method_)) {
    auto ss = crypto::ml_kem_decapsulate(key_, peer);
    if (!ss) return wrap(ss.error(), "ML-KEM decapsulation");
    return std::move(*ss);
  }
  auto ss = crypto::ecdh_derive(key_, from_ike(method_, peer));
  if (!ss) return wrap(ss.error(), "ECDH with the responder's value");
  return std::move(*ss);
}

core::Result<KeResponse> respond(KeMethod method, std::span<const std::uint8_t> initiator_data) {
  if (ecdh_group(method)) {
    if (auto ok = check_size(method, initiator_data, true); !ok) return ok.error();
    auto own = KeyExchange::start(method);
    if (!own) return own.error();
    auto ss = crypto::ecdh_derive(own->key_, from_ike(method, initiator_data));
    if (!ss) return wrap(ss.error(), "ECDH with the initiator's value");
    return KeResponse{own->data_, std::move(*ss)};
  }
  if (auto params = ml_kem(method)) {
    if (auto ok = check_size(method, initiator_data, true); !ok) return ok.error();
    auto enc = crypto::ml_kem_encapsulate(*params, initiator_data);
    if (!enc) return wrap(enc.error(), "ML-KEM encapsulation");
    return KeResponse{std::move(enc->ciphertext), std::move(enc->shared_secret)};
  }
  return unsupported(method);
}

}  // namespace pqbranch::ikev2
