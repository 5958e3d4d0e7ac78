#include "pqbranch/ikev2/nonce_payload.hpp"

#include <string>

#include "pqbranch/crypto/random.hpp"
#include "pqbranch/ikev2/errc.hpp"

#include "byte_io.hpp"

namespace pqbranch::ikev2 {

core::Result<void> verify(const NoncePayload& n) {
  if (n.data.size() < kMinNonceSize || n.data.size() > kMaxNonceSize) {
    return detail::fail(errc::bad_length, "nonce of " + std::to_string(n.data.size()) + " bytes");
  }
  return {};
}

void append_body(const NoncePayload& n, std::vector<std::uint8_t>& out) {
  detail::put_bytes(out, n.data);
}

core::Result<NoncePayload> parse_nonce_payload(std::span<const std::uint8_t> body) {
  NoncePayload n;
  n.data.assign(body.begin(), body.end());
  if (auto ok = verify(n); !ok) return ok.error();
  return n;
}

core::Result<NoncePayload> make_nonce(std::size_t size) {
  NoncePayload n;
  n.data.resize(size);
  if (auto ok = verify(n); !ok) return ok.error();
  if (auto filled = crypto::random_fill(n.data); !filled) {
    return detail::fail(errc::crypto_failure, filled.error().message());
  }
  return n;
}

}  // namespace pqbranch::ikev2
