#include "pqbranch/crypto/ticket_key_ring.hpp"

#include <algorithm>

#include "pqbranch/crypto/error.hpp"
#include "pqbranch/crypto/random.hpp"

namespace pqbranch::crypto {

namespace {
constexpr std::size_t kKeyBytes = 32;
}  // namespace

core::Result<TicketKeyRing> TicketKeyRing::create(WallClock clock, std::chrono::seconds rotation,
                                                  std::chrono::seconds max_age) {
  if (!clock || rotation.count() <= 0 || rotation > max_age) {
    return core::make_error(errc::invalid_argument,
                            "ticket key rotation must be positive and no longer than the "
                            "resumption maximum age");
  }
  return TicketKeyRing(std::move(clock), rotation, max_age);
}

void TicketKeyRing::retire_old(std::chrono::system_clock::time_point now) {
  // Popping destroys the SecureBytes, which wipes the key.
  while (!keys_.empty() && now - keys_.back().created >= max_age_)
    keys_.pop_back();
}

core::Result<const TicketKey*> TicketKeyRing::current() {
  const auto now = clock_();
  retire_old(now);
  if (keys_.empty() || now - keys_.front().created >= rotation_) {
    TicketKey key;
    if (auto ok = random_fill(key.name); !ok) return ok.error();
    auto cipher = random_bytes(kKeyBytes);
    if (!cipher) return cipher.error();
    auto mac = random_bytes(kKeyBytes);
    if (!mac) return mac.error();
    key.cipher_key = std::move(*cipher);
    key.mac_key = std::move(*mac);
    key.created = now;
    keys_.push_front(std::move(key));
  }
  return &keys_.front();
}

std::optional<TicketKeyRing::Found> TicketKeyRing::find(std::span<const std::uint8_t> name) {
  retire_old(clock_());
  const auto it = std::find_if(keys_.begin(), keys_.end(), [&](const TicketKey& k) {
    return std::equal(k.name.begin(), k.name.end(), name.begin(), name.end());
  });
  if (it == keys_.end()) return std::nullopt;
  return Found{&*it, it == keys_.begin()};
}

}  // namespace pqbranch::crypto
