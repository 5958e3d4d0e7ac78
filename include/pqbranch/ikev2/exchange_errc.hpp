#pragma once
// Why an exchange (not a single payload: errc.hpp) failed. The session tells two kinds
// apart: a message to drop and count (unexpected_message, and every codec errc), after
// which it keeps waiting for the right one; and a refusal that ends the attempt.

#include <string>

#include "pqbranch/core/error.hpp"

namespace pqbranch::ikev2 {

enum class exchange_errc {
  unexpected_message = 1,  // wrong SPI, exchange, message ID or flags, or a missing payload
  peer_refused,            // the responder answered with an error notify (named in detail)
  no_acceptable_proposal,  // the responder chose something we did not offer
  not_post_quantum,        // the chosen proposal has no ML-KEM and allow_classical is off
  authentication_failed,   // the responder's AUTH, identity or certificate does not verify
  traffic_selectors,       // the responder's TSi/TSr are not within ours
  key_exchange_failed,     // a KE value was invalid or the backend failed
  credentials,             // our own PSK, key or certificate could not be used
  // The responder answered our IKE SA rekey TEMPORARY_FAILURE: it is busy with an exchange
  // of its own; we wait and try again (RFC 7296 §2.25).
  temporary_failure,
};
const char* describe(exchange_errc e) noexcept;
PQB_ERROR_ENUM(exchange_errc, "pqbranch.ikev2.exchange")

// An exchange_errc::unexpected_message error with `why` as its detail.
[[nodiscard]] core::Error unexpected_message(const std::string& why);

// True for errors after which the message is dropped and the exchange goes on.
[[nodiscard]] bool is_drop(const core::Error& e) noexcept;

}  // namespace pqbranch::ikev2

PQB_ERROR_ENUM_TRAIT(pqbranch::ikev2::exchange_errc);
