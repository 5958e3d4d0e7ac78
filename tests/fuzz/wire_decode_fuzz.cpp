// libFuzzer target for every wire decoder. The first input byte picks the decoder, the rest
// is the body or datagram. Beyond "no crash, no sanitizer report", whatever decodes must
// survive encode and decode again unchanged, so encoder and decoder agree on the schema.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "pqbranch/wire/ack.hpp"
#include "pqbranch/wire/error_response.hpp"
#include "pqbranch/wire/generation.hpp"
#include "pqbranch/wire/nat_hello.hpp"
#include "pqbranch/wire/nat_token.hpp"

namespace {

using namespace pqbranch::wire;

template <class Decode>
void round_trip(std::string_view body, Decode decode) {
  const auto first = decode(body);
  if (!first) return;
  const auto second = decode(encode(*first));
  if (!second || !(*second == *first)) std::abort();
}

void nat_hello(std::span<const std::uint8_t> datagram) {
  const auto hello = decode_nat_hello(datagram);
  if (!hello) return;
  static const pqbranch::core::SecureBytes key(std::size_t{kNatKeyBytes});
  const auto rebuilt = encode_nat_hello(hello->token, key);
  if (!rebuilt) std::abort();
  // A hello that carries our HMAC must verify; any other MAC must not.
  const bool ours =
      std::equal(hello->mac.begin(), hello->mac.end(), rebuilt->begin() + kNatHelloMacOffset);
  if (verify_nat_hello(*hello, key).has_value() != ours) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  const std::string_view body(reinterpret_cast<const char*>(rest.data()), rest.size());
  // Printable selectors ('0'..'6') keep the seed corpus readable.
  switch (data[0] % 8) {
    case 0:
      round_trip(body, decode_generation_request);
      break;
    case 1:
      round_trip(body, decode_generation_response);
      break;
    case 2:
      round_trip(body, decode_ack_request);
      break;
    case 3:
      round_trip(body, decode_ack_response);
      break;
    case 4:
      round_trip(body, decode_nat_token_response);
      break;
    case 5:
      round_trip(body, decode_error_response);
      break;
    default:
      nat_hello(rest);
      break;
  }
  return 0;
}
