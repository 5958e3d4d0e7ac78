#include "pqbranch/ikev2/int_auth.hpp"

#include "pqbranch/ikev2/prf.hpp"

#include "secure_concat.hpp"

namespace pqbranch::ikev2 {

core::Result<core::SecureBytes> int_auth_step(IkePrf prf_id, std::span<const std::uint8_t> sk_p,
                                              std::span<const std::uint8_t> previous,
                                              std::span<const std::uint8_t> octets) {
  const auto data = detail::secure_concat({previous, octets});
  return prf(prf_id, sk_p, data.span());
}

core::Result<void> IntAuth::add_initiator_message(std::span<const std::uint8_t> sk_pi,
                                                  std::span<const std::uint8_t> int_auth_octets) {
  auto next = int_auth_step(prf_, sk_pi, i_.span(), int_auth_octets);
  if (!next) return next.error();
  i_ = std::move(*next);
  return {};
}

core::Result<void> IntAuth::add_responder_message(std::span<const std::uint8_t> sk_pr,
                                                  std::span<const std::uint8_t> int_auth_octets) {
  auto next = int_auth_step(prf_, sk_pr, r_.span(), int_auth_octets);
  if (!next) return next.error();
  r_ = std::move(*next);
  return {};
}

}  // namespace pqbranch::ikev2
