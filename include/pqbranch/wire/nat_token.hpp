#pragma once
// GET /v1/nat-token: the edge hands the agent a random token that names this TLS connection
// in the NAT hello (nat_hello.hpp). The token is not a secret: the hello is authenticated
// by an HMAC whose key comes from the connection's exporter.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/wire/errc.hpp"

namespace pqbranch::wire {

using NatToken = std::array<std::uint8_t, 16>;

struct NatTokenResponse {
  NatToken token{};                   // encoded as 32 lowercase hex digits
  std::uint64_t expires_seconds = 0;  // 1..kMaxNatTokenSeconds
  friend bool operator==(const NatTokenResponse&, const NatTokenResponse&) = default;
};

[[nodiscard]] std::string encode(const NatTokenResponse& response);
[[nodiscard]] core::Result<NatTokenResponse> decode_nat_token_response(std::string_view body);

}  // namespace pqbranch::wire
