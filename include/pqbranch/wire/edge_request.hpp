#pragma once
// A request as the edge reads it (docs/key-service.md §4, §9): the HTTP parser with the
// edge's limits, then which endpoint a parsed request is for, with its body decoded, or why
// it is refused. No sockets, no TLS and no state: the edge's session performs what this
// decides, and the fuzz target drives exactly this path with hostile bytes. Beast's compiled
// part (the parser's put) is in the `net` module, which whoever parses links.

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include "pqbranch/wire/ack.hpp"
#include "pqbranch/wire/error_response.hpp"
#include "pqbranch/wire/generation.hpp"
#include "pqbranch/wire/release_path.hpp"
#include "pqbranch/wire/release_report.hpp"

namespace pqbranch::wire {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// The edge's parser limits: the header block at most kMaxHeaderBytes, the body at most
// `max_body_bytes` (the configured limit, capped at kMaxBodyBytes). A larger Content-Length
// fails with http::error::body_limit before the body is read.
void limit_request_parser(RequestParser& parser, std::size_t max_body_bytes);

// GET /v1/nat-token.
struct NatTokenGet {};
// POST /v1/generation with a body that decoded.
struct GenerationPost {
  GenerationRequest request;
};
// POST /v1/generation/ack with a body that decoded.
struct AckPost {
  AckRequest ack;
};
// GET of a release's manifest or package file (names checked).
struct ReleaseFileGet {
  ReleaseTarget target;
};
// POST /v1/releases/<channel>/report with a body that decoded.
struct ReleaseReportPost {
  ReleaseTarget target;
  ReleaseReport report;
};
// The answer instead: its code and message, whether to close the connection afterwards, and
// the `kind` label of edge_release_requests_total when the refusal counts as a release
// request ("invalid", "report"; empty: not counted).
struct RequestRefused {
  ErrorCode code = ErrorCode::bad_request;
  std::string message;
  bool close = false;
  std::string_view release_kind;
};

using EdgeRequest = std::variant<NatTokenGet, GenerationPost, AckPost, ReleaseFileGet,
                                 ReleaseReportPost, RequestRefused>;

// What the request is for. `known_site`: the client certificate names a configured site;
// without one every endpoint is refused (unknown_site, closing), but an unknown path is
// not_found first. The order of the checks is the order of the answers a client sees:
// path, site, method, body.
[[nodiscard]] EdgeRequest read_edge_request(boost::beast::http::verb method,
                                            std::string_view target, std::string_view body,
                                            bool known_site);

}  // namespace pqbranch::wire
