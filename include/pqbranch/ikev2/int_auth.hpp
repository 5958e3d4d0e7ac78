#pragma once
// Key material, part 3: the IntAuth chains of RFC 9242 §3.3.1 over the IKE_INTERMEDIATE
// messages.
//
//   IntAuth_i1 = prf(SK_pi1,              IntAuth_i1_A [| IntAuth_i1_P])
//   IntAuth_in = prf(SK_pin, IntAuth_in-1 | IntAuth_in_A [| IntAuth_in_P])
//   (and the same for the responder's messages with SK_pr)
//
// The octets A ‖ P are what seal_message / open_message return as int_auth_octets. SK_p is
// the key of the key set that protected that IKE_INTERMEDIATE exchange, i.e. before the
// RFC 9370 update that the exchange's key exchange triggers.

#include <cstdint>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/constants.hpp"

namespace pqbranch::ikev2 {

class IntAuth {
 public:
  explicit IntAuth(IkePrf prf) noexcept : prf_(prf) {}

  // The initiator's IKE_INTERMEDIATE request (sent or received), with that exchange's SK_pi.
  core::Result<void> add_initiator_message(std::span<const std::uint8_t> sk_pi,
                                           std::span<const std::uint8_t> int_auth_octets);
  // The responder's IKE_INTERMEDIATE response, with that exchange's SK_pr.
  core::Result<void> add_responder_message(std::span<const std::uint8_t> sk_pr,
                                           std::span<const std::uint8_t> int_auth_octets);

  // No IKE_INTERMEDIATE exchange took place: AUTH is plain RFC 7296.
  [[nodiscard]] bool empty() const noexcept { return i_.empty() && r_.empty(); }
  [[nodiscard]] std::span<const std::uint8_t> initiator() const noexcept { return i_.span(); }
  [[nodiscard]] std::span<const std::uint8_t> responder() const noexcept { return r_.span(); }

 private:
  IkePrf prf_;
  core::SecureBytes i_;
  core::SecureBytes r_;
};

// One chain step: prf(sk_p, previous | octets); `previous` empty for the first message.
core::Result<core::SecureBytes> int_auth_step(IkePrf prf, std::span<const std::uint8_t> sk_p,
                                              std::span<const std::uint8_t> previous,
                                              std::span<const std::uint8_t> octets);

}  // namespace pqbranch::ikev2
