#include "pqbranch/ikev2/auth_octets.hpp"

#include <string_view>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/prf.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {
namespace {

// RFC 7296 §2.15: the 17 ASCII characters, no terminating NUL.
constexpr std::string_view kKeyPad = "Key Pad for IKEv2";

}  // namespace

core::Result<std::vector<std::uint8_t>> auth_octets(IkePrf prf_id, const AuthOctetsInput& in) {
  if (in.id == nullptr) return detail::fail(errc::invalid_argument, "auth_octets without an ID");
  if (in.real_message.empty() || in.peer_nonce.empty() || in.sk_p.empty()) {
    return detail::fail(errc::invalid_argument, "auth_octets with an empty input");
  }
  auto maced_id = prf(prf_id, in.sk_p, id_body(*in.id));
  if (!maced_id) return maced_id.error();
  std::vector<std::uint8_t> out;
  detail::put_bytes(out, in.real_message);
  detail::put_bytes(out, in.peer_nonce);
  detail::put_bytes(out, maced_id->span());
  if (in.int_auth != nullptr && !in.int_auth->empty()) {
    // RFC 9242 §3.3.2: IntAuth = IntAuth_iN | IntAuth_rN | IKE_AUTH_MID.
    detail::put_bytes(out, in.int_auth->initiator());
    detail::put_bytes(out, in.int_auth->responder());
    detail::put32(out, in.ike_auth_message_id);
  }
  return out;
}

core::Result<core::SecureBytes> psk_auth(IkePrf prf_id, std::span<const std::uint8_t> shared_secret,
                                         std::span<const std::uint8_t> octets) {
  if (shared_secret.empty()) return detail::fail(errc::bad_key, "empty pre-shared key");
  const auto* pad = reinterpret_cast<const std::uint8_t*>(kKeyPad.data());
  auto key = prf(prf_id, shared_secret, std::span(pad, kKeyPad.size()));
  if (!key) return key.error();
  return prf(prf_id, key->span(), octets);
}

core::Result<void> verify_psk_auth(IkePrf prf_id, std::span<const std::uint8_t> shared_secret,
                                   std::span<const std::uint8_t> octets,
                                   std::span<const std::uint8_t> received) {
  auto expected = psk_auth(prf_id, shared_secret, octets);
  if (!expected) return expected.error();
  if (!expected->equals(received)) {
    return detail::fail(errc::integrity_check_failed, "AUTH (shared key) does not match");
  }
  return {};
}

}  // namespace pqbranch::ikev2
