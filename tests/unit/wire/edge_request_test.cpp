// The edge's reading of a request: which endpoint, in which order path, site, method and body
// are checked, and the parser's limits.

#include "pqbranch/wire/edge_request.hpp"

#include <string>
#include <variant>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

#include "pqbranch/wire/protocol.hpp"

#include "samples.hpp"

namespace pqbranch::wire {
namespace {

namespace http = boost::beast::http;

const std::string kAck = R"({"version":1,"generation":42,"agent_spi":3237998081,"edge_spi":4096})";

RequestRefused refused(const EdgeRequest& r) {
  const auto* no = std::get_if<RequestRefused>(&r);
  EXPECT_NE(no, nullptr) << "expected a refusal, got alternative " << r.index();
  return no != nullptr ? *no : RequestRefused{};
}

TEST(EdgeRequest, EachEndpointForItsMethodAndPath) {
  EXPECT_TRUE(std::holds_alternative<NatTokenGet>(
      read_edge_request(http::verb::get, kNatTokenPath, "", true)));
  const auto g =
      read_edge_request(http::verb::post, kGenerationPath, encode(testing::sample_request()), true);
  ASSERT_TRUE(std::holds_alternative<GenerationPost>(g));
  EXPECT_EQ(std::get<GenerationPost>(g).request, testing::sample_request());
  const auto a = read_edge_request(http::verb::post, kGenerationAckPath, kAck, true);
  ASSERT_TRUE(std::holds_alternative<AckPost>(a));
  EXPECT_EQ(std::get<AckPost>(a).ack.generation, 42U);
  const auto m = read_edge_request(http::verb::get, "/v1/releases/stable/manifest", "", true);
  ASSERT_TRUE(std::holds_alternative<ReleaseFileGet>(m));
  EXPECT_EQ(std::get<ReleaseFileGet>(m).target.resource, ReleaseResource::manifest);
  const auto r = read_edge_request(http::verb::post, "/v1/releases/stable/report",
                                   R"({"version":"0.2.0","result":"rolled-back"})", true);
  ASSERT_TRUE(std::holds_alternative<ReleaseReportPost>(r));
  EXPECT_EQ(std::get<ReleaseReportPost>(r).report.result, ReleaseResult::rolled_back);
}

TEST(EdgeRequest, AnUnknownPathIsNotFoundBeforeTheSiteIsAsked) {
  EXPECT_EQ(refused(read_edge_request(http::verb::get, "/v1/status", "", false)).code,
            ErrorCode::not_found);
  for (const std::string_view path :
       {kNatTokenPath, kGenerationPath, kGenerationAckPath, std::string_view("/v1/releases/x")}) {
    const RequestRefused no = refused(read_edge_request(http::verb::get, path, "", false));
    EXPECT_EQ(no.code, ErrorCode::unknown_site) << path;
    EXPECT_TRUE(no.close) << path;
  }
}

TEST(EdgeRequest, TheMethodIsCheckedBeforeTheBody) {
  EXPECT_EQ(refused(read_edge_request(http::verb::get, kGenerationPath, "junk", true)).code,
            ErrorCode::method_not_allowed);
  EXPECT_EQ(refused(read_edge_request(http::verb::post, kNatTokenPath, "", true)).message,
            "use GET");
  EXPECT_EQ(
      refused(read_edge_request(http::verb::get, "/v1/releases/stable/report", "", true)).message,
      "use POST");
  EXPECT_EQ(
      refused(read_edge_request(http::verb::put, "/v1/releases/stable/manifest", "", true)).message,
      "use GET");
}

TEST(EdgeRequest, ABadBodyOrReleasePathGetsTheDecodersCode) {
  const RequestRefused bad =
      refused(read_edge_request(http::verb::post, kGenerationAckPath, R"({"version":2})", true));
  EXPECT_EQ(bad.code, ErrorCode::unsupported_version);
  EXPECT_FALSE(bad.close);
  EXPECT_TRUE(bad.release_kind.empty());
  const RequestRefused large = refused(read_edge_request(
      http::verb::post, kGenerationPath, std::string(kMaxBodyBytes + 1, ' '), true));
  EXPECT_EQ(large.code, ErrorCode::payload_too_large);
  EXPECT_TRUE(large.close);
  const RequestRefused path =
      refused(read_edge_request(http::verb::get, "/v1/releases/../manifest", "", true));
  EXPECT_EQ(path.code, ErrorCode::bad_request);
  EXPECT_EQ(path.release_kind, "invalid");
  const RequestRefused report =
      refused(read_edge_request(http::verb::post, "/v1/releases/stable/report", "{}", true));
  EXPECT_EQ(report.code, ErrorCode::bad_request);
  EXPECT_EQ(report.release_kind, "report");
}

// Feeds `bytes` to a parser with the edge's limits, as http::read would; its error.
boost::beast::error_code parse(const std::string& bytes, std::size_t max_body) {
  RequestParser parser;
  limit_request_parser(parser, max_body);
  boost::beast::error_code ec;
  std::size_t offset = 0;
  while (!parser.is_done()) {
    const std::size_t used =
        parser.put(boost::asio::buffer(bytes.data() + offset, bytes.size() - offset), ec);
    offset += used;
    if (ec && ec != http::error::need_more) break;
    ec = {};
    if (used == 0) {
      parser.put_eof(ec);
      break;
    }
  }
  return ec;
}

TEST(EdgeRequestParser, RefusesABodyOverTheLimitFromItsLengthAndAnOversizedHeader) {
  const std::string head = "POST /v1/generation HTTP/1.1\r\nContent-Length: ";
  EXPECT_FALSE(parse(head + "2\r\n\r\n{}", 100));
  EXPECT_EQ(parse(head + "101\r\n\r\n{", 100), http::error::body_limit);
  // The configured limit never exceeds the protocol's.
  EXPECT_EQ(parse(head + std::to_string(kMaxBodyBytes + 1) + "\r\n\r\n{", kMaxBodyBytes * 4),
            http::error::body_limit);
  const std::string big_field = "X-Pad: " + std::string(kMaxHeaderBytes, 'a') + "\r\n";
  EXPECT_EQ(parse("GET /v1/nat-token HTTP/1.1\r\n" + big_field + "\r\n", 100),
            http::error::header_limit);
}

}  // namespace
}  // namespace pqbranch::wire
