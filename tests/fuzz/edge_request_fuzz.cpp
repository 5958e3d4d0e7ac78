// libFuzzer target for what the edge reads from an agent after the TLS handshake: each input
// is the decrypted byte stream of one connection, read as the edge reads it (Boost.Beast's
// request parser with the edge's limits, one request after another while keep-alive holds)
// and routed as the edge routes it (wire::read_edge_request), for a connection of a
// configured site and for one of no site. Beyond "no crash, no sanitizer report": a
// finished request's body is within the limit; without a site nothing is served; an
// endpoint is chosen only for its method and path; a decoded body and a release path
// survive encode and decode again unchanged; a refusal's message fits an error body.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "pqbranch/wire/edge_request.hpp"
#include "pqbranch/wire/protocol.hpp"

namespace {

namespace http = boost::beast::http;
using namespace pqbranch::wire;

// As many requests as one connection gets at most in any rotation, with room to spare.
constexpr int kMaxRequests = 16;

void check(bool condition) {
  if (!condition) std::abort();
}

template <class T, class Decode>
void round_trip(const T& value, Decode decode) {
  const auto again = decode(encode(value));
  check(again.has_value() && *again == value);
}

bool is(http::verb method, std::string_view target, http::verb want_method,
        std::string_view want_target) {
  return method == want_method && target == want_target;
}

void route_for_no_site(http::verb method, std::string_view target, std::string_view body) {
  const EdgeRequest r = read_edge_request(method, target, body, false);
  const auto* refused = std::get_if<RequestRefused>(&r);
  check(refused != nullptr);
  check(refused->code == ErrorCode::not_found ||
        (refused->code == ErrorCode::unknown_site && refused->close));
}

void route_for_site(http::verb method, std::string_view target, std::string_view body) {
  const EdgeRequest r = read_edge_request(method, target, body, true);
  if (const auto* refused = std::get_if<RequestRefused>(&r)) {
    check(!refused->message.empty());
    const auto error =
        decode_error_response(encode(ErrorResponse{refused->code, refused->message}));
    check(error.has_value() && error->code == refused->code);
  } else if (std::holds_alternative<NatTokenGet>(r)) {
    check(is(method, target, http::verb::get, kNatTokenPath));
  } else if (const auto* g = std::get_if<GenerationPost>(&r)) {
    check(is(method, target, http::verb::post, kGenerationPath));
    round_trip(g->request, decode_generation_request);
  } else if (const auto* a = std::get_if<AckPost>(&r)) {
    check(is(method, target, http::verb::post, kGenerationAckPath));
    round_trip(a->ack, decode_ack_request);
  } else if (const auto* f = std::get_if<ReleaseFileGet>(&r)) {
    check(method == http::verb::get && f->target.resource != ReleaseResource::report);
    check(release_target(f->target) == target);
    check(is_channel_name(f->target.channel));
    check(f->target.resource != ReleaseResource::package || is_package_name(f->target.file));
  } else {
    const auto& report = std::get<ReleaseReportPost>(r);
    check(method == http::verb::post && report.target.resource == ReleaseResource::report);
    check(release_target(report.target) == target);
    round_trip(report.report, decode_release_report);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t offset = 0;
  for (int n = 0; n < kMaxRequests && offset < size; ++n) {
    RequestParser parser;
    limit_request_parser(parser, kMaxBodyBytes);
    boost::beast::error_code ec;
    // As http::read does with a buffer that already holds everything the peer sent.
    for (;;) {
      const std::size_t used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
      offset += used;
      if (parser.is_done() || (ec && ec != http::error::need_more)) break;
      if (used == 0) {
        ec = {};
        parser.put_eof(ec);
        break;
      }
      ec = {};
    }
    if (ec || !parser.is_done()) return 0;  // the edge answers once (or not) and closes
    const auto& request = parser.get();
    check(request.body().size() <= kMaxBodyBytes);
    route_for_no_site(request.method(), request.target(), request.body());
    route_for_site(request.method(), request.target(), request.body());
    if (!request.keep_alive()) return 0;
  }
  return 0;
}
