#include "pqbranch/wire/edge_request.hpp"

#include <algorithm>

#include "pqbranch/wire/protocol.hpp"

namespace pqbranch::wire {
namespace {

namespace http = boost::beast::http;

RequestRefused refused(ErrorCode code, std::string message, bool close = false,
                       std::string_view release_kind = {}) {
  return {code, std::move(message), close, release_kind};
}

// A body the decoder refused: its error code and the field it names, nothing else; a body
// over the limit also ends the connection.
RequestRefused decode_refused(const core::Error& e, std::string_view release_kind = {}) {
  const ErrorCode code = error_code_for(e);
  return refused(code, e.message(), code == ErrorCode::payload_too_large, release_kind);
}

RequestRefused unknown_site() {
  return refused(ErrorCode::unknown_site, "the client certificate names no configured site", true);
}

EdgeRequest release_request(http::verb method, std::string_view path, std::string_view body) {
  auto target = parse_release_target(path);
  if (!target) return refused(ErrorCode::bad_request, target.error().message(), false, "invalid");
  if (target->resource == ReleaseResource::report) {
    if (method != http::verb::post) return refused(ErrorCode::method_not_allowed, "use POST");
    auto report = decode_release_report(body);
    if (!report) return decode_refused(report.error(), "report");
    return ReleaseReportPost{std::move(*target), std::move(*report)};
  }
  if (method != http::verb::get) return refused(ErrorCode::method_not_allowed, "use GET");
  return ReleaseFileGet{std::move(*target)};
}

}  // namespace

void limit_request_parser(RequestParser& parser, std::size_t max_body_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  parser.body_limit(std::min(max_body_bytes, kMaxBodyBytes));
}

EdgeRequest read_edge_request(http::verb method, std::string_view target, std::string_view body,
                              bool known_site) {
  if (is_release_target(target)) {
    if (!known_site) return unknown_site();
    return release_request(method, target, body);
  }
  const bool known =
      target == kGenerationPath || target == kGenerationAckPath || target == kNatTokenPath;
  if (!known) return refused(ErrorCode::not_found, "no such endpoint");
  if (!known_site) return unknown_site();
  if (target == kNatTokenPath) {
    if (method != http::verb::get) return refused(ErrorCode::method_not_allowed, "use GET");
    return NatTokenGet{};
  }
  if (method != http::verb::post) return refused(ErrorCode::method_not_allowed, "use POST");
  if (target == kGenerationPath) {
    auto request = decode_generation_request(body);
    if (!request) return decode_refused(request.error());
    return GenerationPost{std::move(*request)};
  }
  auto ack = decode_ack_request(body);
  if (!ack) return decode_refused(ack.error());
  return AckPost{*ack};
}

}  // namespace pqbranch::wire
