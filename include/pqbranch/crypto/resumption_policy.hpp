#pragma once
// How long one full (certificate-verifying) handshake may be stretched by resumption. Every
// server ticket carries the time of the full handshake that authenticated the peer; a
// resumption keeps that time, so it never extends it. The server refuses to resume (the
// client silently runs a full handshake, which verifies its certificate again) when:
// - the original authentication is older than max_age, or its time is missing or malformed;
// - the peer certificate in the session has expired since;
// - the ticket was sealed under a key no longer in the ring (see ticket_key_ring.hpp).
// No OpenSSL here.

#include <chrono>
#include <functional>
#include <string_view>

#include "pqbranch/crypto/ticket_key_ring.hpp"

namespace pqbranch::crypto {

enum class ResumptionRefusal {
  too_old,              // the original authentication is older than max_age
  no_auth_time,         // the ticket carries no readable authentication time
  certificate_expired,  // the peer's certificate expired after the full handshake
  unknown_key,          // sealed under a retired (or foreign) ticket key
};

[[nodiscard]] std::string_view to_string(ResumptionRefusal r) noexcept;

struct ResumptionPolicy {
  std::chrono::seconds max_age{std::chrono::hours(24)};
  std::chrono::seconds ticket_key_rotation{std::chrono::hours(6)};  // <= max_age
  WallClock clock = [] { return std::chrono::system_clock::now(); };
  // Told of every refused resumption (the key service counts them); may be empty.
  std::function<void(ResumptionRefusal)> on_refused;
};

}  // namespace pqbranch::crypto
