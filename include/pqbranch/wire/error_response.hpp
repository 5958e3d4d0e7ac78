#pragma once
// The body of every non-2xx answer: {"version":1,"error":{"code":"...","message":"..."}}.
// The code is for programs, the message for operators' logs (printable, bounded).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/wire/errc.hpp"

namespace pqbranch::wire {

enum class ErrorCode : std::uint8_t {
  unsupported_version,  // 400: "version" is not 1
  bad_request,          // 400: the body does not follow the schema
  unknown_site,         // 403: the client certificate names no configured site
  not_found,            // 404: no such endpoint
  method_not_allowed,   // 405
  spi_conflict,         // 409: agent_spi collides with an SA the edge holds; allocate again
  generation_mismatch,  // 409: an ack for a generation that is neither pending nor current
  nat_hello_missing,    // 409: "nat" given but no valid hello seen; resend it and retry
  payload_too_large,    // 413: body over kMaxBodyBytes
  internal,             // 500: the edge failed (e.g. the kernel refused an SA)
  busy,                 // 429: over a limit; retry after Retry-After (or with backoff)
};

std::string_view to_string(ErrorCode code) noexcept;
unsigned http_status(ErrorCode code) noexcept;
// Whether the agent should retry the same step (after a fresh ALLOCSPI, hello or backoff).
bool is_retryable(ErrorCode code) noexcept;
// The code an endpoint answers with when decoding the request failed with `decode_error`.
ErrorCode error_code_for(const core::Error& decode_error) noexcept;

// The Retry-After header of a `busy` answer (RFC 9110 §10.2.3), as delay-seconds only: we
// never send an HTTP-date, and one that arrives is ignored (nullopt), as are values with
// anything but digits or above kMaxRetryAfter (the caller falls back to its backoff).
inline constexpr std::chrono::seconds kMaxRetryAfter{24 * 3600};
[[nodiscard]] std::string format_retry_after(std::chrono::seconds delay);
[[nodiscard]] std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

struct ErrorResponse {
  ErrorCode code = ErrorCode::internal;
  std::string message;  // up to kMaxErrorMessageBytes, no control characters
  friend bool operator==(const ErrorResponse&, const ErrorResponse&) = default;
};

// `text` as a message: as it is when printable ASCII of at most kMaxErrorMessageBytes, else
// through core::log_safe and cut to fit. encode() writes every message this way, so what a
// peer's decoder accepts is unchanged by it.
[[nodiscard]] std::string error_message(std::string_view text);

[[nodiscard]] std::string encode(const ErrorResponse& response);
[[nodiscard]] core::Result<ErrorResponse> decode_error_response(std::string_view body);

}  // namespace pqbranch::wire
