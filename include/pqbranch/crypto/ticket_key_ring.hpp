#pragma once
// The server's session-ticket keys (RFC 8446 §4.6.1 tickets are sealed under them): a new
// random key every `rotation`, older keys kept only to open tickets they sealed until they
// are older than `max_age`, then wiped (SecureBytes). A ticket under a key no longer in the
// ring cannot be opened, so its holder must run a full handshake. Time comes from an
// injectable clock, so tests move it instead of waiting. No OpenSSL here.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"

namespace pqbranch::crypto {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

struct TicketKey {
  std::array<std::uint8_t, 16> name{};  // sent in clear in the ticket; random, not secret
  core::SecureBytes cipher_key;         // 32 bytes, AES-256-CBC
  core::SecureBytes mac_key;            // 32 bytes, HMAC-SHA256
  std::chrono::system_clock::time_point created;
};

class TicketKeyRing {
 public:
  // rotation must be positive and no longer than max_age (errc::invalid_argument).
  static core::Result<TicketKeyRing> create(WallClock clock, std::chrono::seconds rotation,
                                            std::chrono::seconds max_age);

  // The key new tickets are sealed under; makes a new one first when the newest is older
  // than the rotation interval. errc::backend if the random generator fails.
  core::Result<const TicketKey*> current();

  struct Found {
    const TicketKey* key = nullptr;
    bool is_current = false;  // false: the ticket should be replaced by one under current()
  };
  // The key named `name`, if it is still in the ring (retired keys are wiped first).
  [[nodiscard]] std::optional<Found> find(std::span<const std::uint8_t> name);

  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

 private:
  TicketKeyRing(WallClock clock, std::chrono::seconds rotation, std::chrono::seconds max_age)
      : clock_(std::move(clock)), rotation_(rotation), max_age_(max_age) {}
  void retire_old(std::chrono::system_clock::time_point now);

  WallClock clock_;
  std::chrono::seconds rotation_;
  std::chrono::seconds max_age_;
  std::deque<TicketKey> keys_;  // newest first
};

}  // namespace pqbranch::crypto
