// GET /v1/nat-token response: {"version":1, "token":"<32 lowercase hex digits>",
// "expires_seconds":60}

#include "pqbranch/wire/nat_token.hpp"

#include "pqbranch/wire/protocol.hpp"

#include "json_fields.hpp"

namespace pqbranch::wire {
namespace {

using detail::ObjectReader;

constexpr std::string_view kHexDigits = "0123456789abcdef";

// Lowercase only, so one token has exactly one spelling.
int hex_value(char c) {
  const auto pos = kHexDigits.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

core::Result<NatToken> read_token(ObjectReader& r) {
  constexpr std::size_t kHexLength = 2 * std::tuple_size_v<NatToken>;
  auto text = r.text("token", kHexLength);
  if (!text) return text.error();
  if (text->size() != kHexLength) {
    return core::make_error(errc::bad_value, "token: want 32 lowercase hex digits");
  }
  NatToken token{};
  for (std::size_t i = 0; i < token.size(); ++i) {
    const int hi = hex_value((*text)[2 * i]);
    const int lo = hex_value((*text)[(2 * i) + 1]);
    if (hi < 0 || lo < 0) {
      return core::make_error(errc::bad_value, "token: want 32 lowercase hex digits");
    }
    token[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return token;
}

}  // namespace

std::string encode(const NatTokenResponse& response) {
  std::string hex;
  for (const auto b : response.token) {
    hex += kHexDigits[b >> 4];
    hex += kHexDigits[b & 0x0f];
  }
  auto m = detail::new_message();
  m["token"] = hex;
  m["expires_seconds"] = response.expires_seconds;
  return detail::to_body(m);
}

core::Result<NatTokenResponse> decode_nat_token_response(std::string_view body) {
  return detail::decode_message<NatTokenResponse>(
      body, [](ObjectReader& r) -> core::Result<NatTokenResponse> {
        auto token = read_token(r);
        if (!token) return token.error();
        auto expires = r.uint<std::uint64_t>("expires_seconds", 1, kMaxNatTokenSeconds);
        if (!expires) return expires.error();
        return NatTokenResponse{*token, *expires};
      });
}

}  // namespace pqbranch::wire
