// Error body of every non-2xx answer:
// {"version":1, "error":{"code":"spi_conflict", "message":"SPI 0x1000 in use"}}

#include "pqbranch/wire/error_response.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "pqbranch/core/log_text.hpp"
#include "pqbranch/wire/protocol.hpp"

#include "json_fields.hpp"

namespace pqbranch::wire {
namespace {

using detail::ObjectReader;

struct CodeInfo {
  unsigned status;
  bool retryable;
};

constexpr std::array<std::pair<std::string_view, ErrorCode>, 11> kCodeNames{{
    {"unsupported_version", ErrorCode::unsupported_version},
    {"bad_request", ErrorCode::bad_request},
    {"unknown_site", ErrorCode::unknown_site},
    {"not_found", ErrorCode::not_found},
    {"method_not_allowed", ErrorCode::method_not_allowed},
    {"spi_conflict", ErrorCode::spi_conflict},
    {"generation_mismatch", ErrorCode::generation_mismatch},
    {"nat_hello_missing", ErrorCode::nat_hello_missing},
    {"payload_too_large", ErrorCode::payload_too_large},
    {"internal", ErrorCode::internal},
    {"busy", ErrorCode::busy},
}};

CodeInfo info(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::unsupported_version:
    case ErrorCode::bad_request:
      return {400, false};
    case ErrorCode::unknown_site:
      return {403, false};
    case ErrorCode::not_found:
      return {404, false};
    case ErrorCode::method_not_allowed:
      return {405, false};
    case ErrorCode::spi_conflict:
    case ErrorCode::nat_hello_missing:
      return {409, true};
    // Not retried as is: the agent starts over with a generation request.
    case ErrorCode::generation_mismatch:
      return {409, false};
    case ErrorCode::payload_too_large:
      return {413, false};
    case ErrorCode::internal:
      return {500, true};
    // RFC 6585 §4: too many requests, with Retry-After.
    case ErrorCode::busy:
      return {429, true};
  }
  return {500, true};
}

}  // namespace

std::string_view to_string(ErrorCode code) noexcept {
  for (const auto& [name, c] : kCodeNames) {
    if (c == code) return name;
  }
  return "internal";
}

unsigned http_status(ErrorCode code) noexcept {
  return info(code).status;
}

bool is_retryable(ErrorCode code) noexcept {
  return info(code).retryable;
}

ErrorCode error_code_for(const core::Error& decode_error) noexcept {
  if (decode_error.code == errc::unsupported_version) return ErrorCode::unsupported_version;
  if (decode_error.code == errc::body_too_large) return ErrorCode::payload_too_large;
  return ErrorCode::bad_request;
}

std::string format_retry_after(std::chrono::seconds delay) {
  return std::to_string(std::clamp(delay, std::chrono::seconds(0), kMaxRetryAfter).count());
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  if (value.empty() || value.size() > 9) return std::nullopt;
  std::int64_t n = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (std::chrono::seconds(n) > kMaxRetryAfter) return std::nullopt;
  return std::chrono::seconds(n);
}

std::string error_message(std::string_view text) {
  if (text.size() <= kMaxErrorMessageBytes && core::is_printable_ascii(text)) {
    return std::string(text);
  }
  constexpr std::size_t kEllipsis = 3;
  return core::log_safe(text, kMaxErrorMessageBytes - kEllipsis);
}

std::string encode(const ErrorResponse& response) {
  auto m = detail::new_message();
  m["error"] = boost::json::object{{"code", to_string(response.code)},
                                   {"message", error_message(response.message)}};
  return detail::to_body(m);
}

core::Result<ErrorResponse> decode_error_response(std::string_view body) {
  return detail::decode_message<ErrorResponse>(
      body, [](ObjectReader& parent) -> core::Result<ErrorResponse> {
        auto v = parent.field("error");
        if (!v) return v.error();
        auto r = ObjectReader::open(**v, parent.path("error"));
        if (!r) return r.error();
        auto code_value = r->field("code");
        if (!code_value) return code_value.error();
        auto code = detail::read_enum(**code_value, r->path("code"), kCodeNames);
        if (!code) return code.error();
        auto message = r->text("message", kMaxErrorMessageBytes);
        if (!message) return message.error();
        // Printable ASCII, as encode() writes it: the message goes to operators' logs.
        if (!core::is_printable_ascii(*message)) {
          return core::make_error(errc::bad_value, r->path("message") + ": not printable ASCII");
        }
        if (auto done = r->finish(); !done) return done.error();
        return ErrorResponse{*code, std::string(*message)};
      });
}

}  // namespace pqbranch::wire
