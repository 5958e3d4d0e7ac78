#pragma once
// Constants of the key-service protocol (docs/key-service.md): version, endpoints and the
// bounds every decoder enforces.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pqbranch/core/ipsec.hpp"

namespace pqbranch::wire {

inline constexpr std::uint64_t kProtocolVersion = 1;

// HTTP/1.1 endpoints on the edge, all over the mutual-TLS connection.
inline constexpr std::string_view kGenerationPath = "/v1/generation";         // POST
inline constexpr std::string_view kGenerationAckPath = "/v1/generation/ack";  // POST
inline constexpr std::string_view kNatTokenPath = "/v1/nat-token";            // GET
inline constexpr std::string_view kContentType = "application/json";

// Bounds on untrusted input.
inline constexpr std::size_t kMaxBodyBytes = std::size_t{16} * 1024;
// An HTTP header block (request line or status line and fields), as both ends read it.
inline constexpr std::size_t kMaxHeaderBytes = 8192;
inline constexpr std::size_t kMaxJsonDepth = 8;
inline constexpr std::size_t kMaxSelectors = 64;
inline constexpr std::size_t kMaxCapabilities = 16;
inline constexpr std::size_t kMaxCapabilityBytes = 32;
inline constexpr std::size_t kMaxAgentVersionBytes = 64;
inline constexpr std::size_t kMaxErrorMessageBytes = 512;

// Integers are kept within the exactly representable range of an IEEE double, so any JSON
// implementation reads them without loss (I-JSON, RFC 7493 §2.2).
inline constexpr std::uint64_t kMaxJsonInteger = (std::uint64_t{1} << 53) - 1;

using core::kMinSpi;

// ESN replay window: at least 1024 packets (our rule), at most what the kernel's
// XFRMA_REPLAY_ESN_VAL bitmap accepts (XFRMA_REPLAY_ESN_MAX = 4096 bits, linux/xfrm.h).
inline constexpr std::uint32_t kMinReplayWindow = 1024;
inline constexpr std::uint32_t kMaxReplayWindow = 4096;

// rfc4106(gcm(aes)) with a 16-byte ICV; ESN always on.
inline constexpr std::uint32_t kIcvBytes = 16;

// The NAT token's lifetime as the edge announces it.
inline constexpr std::uint64_t kMaxNatTokenSeconds = 600;

}  // namespace pqbranch::wire
