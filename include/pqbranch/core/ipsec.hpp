#pragma once
// IPsec vocabulary shared by the kernel layer, the key-service protocol and the
// configuration, which do not see each other: the reserved SPI range and the tunnel modes.

#include <cstdint>

namespace pqbranch::core {

// SPIs 1..255 are reserved by IANA and 0 means "no SA" (RFC 4303 §2.1).
inline constexpr std::uint32_t kMinSpi = 256;

// "route": an xfrm interface and routes steer traffic; "policy": selectors do.
enum class TunnelMode : std::uint8_t { route, policy };

}  // namespace pqbranch::core
