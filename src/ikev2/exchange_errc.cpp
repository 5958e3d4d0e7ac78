#include "pqbranch/ikev2/exchange_errc.hpp"

#include "pqbranch/ikev2/errc.hpp"

namespace pqbranch::ikev2 {

const char* describe(exchange_errc e) noexcept {
  switch (e) {
    case exchange_errc::unexpected_message:
      return "unexpected IKE message";
    case exchange_errc::peer_refused:
      return "the responder refused";
    case exchange_errc::no_acceptable_proposal:
      return "the responder chose no proposal we offered";
    case exchange_errc::not_post_quantum:
      return "the responder chose a proposal without ML-KEM (not post-quantum)";
    case exchange_errc::authentication_failed:
      return "the responder failed authentication";
    case exchange_errc::traffic_selectors:
      return "traffic selectors not acceptable";
    case exchange_errc::key_exchange_failed:
      return "key exchange failed";
    case exchange_errc::credentials:
      return "own credentials unusable";
    case exchange_errc::temporary_failure:
      return "the responder is busy (TEMPORARY_FAILURE)";
  }
  return "unknown IKEv2 exchange error";
}

core::Error unexpected_message(const std::string& why) {
  return core::make_error(exchange_errc::unexpected_message, why);
}

bool is_drop(const core::Error& e) noexcept {
  if (e.code.category() == errc_category()) {
    // The backend failing on our side is not the message's fault, but retrying the same
    // bytes cannot help either: end the attempt.
    return e.code != make_error_code(errc::crypto_failure) &&
           e.code != make_error_code(errc::unsupported_algorithm);
  }
  return e.code == make_error_code(exchange_errc::unexpected_message);
}

}  // namespace pqbranch::ikev2
