#include <gtest/gtest.h>

#include "pqbranch/wire/ack.hpp"
#include "pqbranch/wire/error_response.hpp"
#include "pqbranch/wire/nat_token.hpp"
#include "pqbranch/wire/protocol.hpp"

namespace pqbranch::wire {
namespace {

TEST(Ack, RequestAndResponseRoundTrip) {
  for (const AckRequest& request :
       {AckRequest{kMaxJsonInteger, kMinSpi, 0xffffffff}, AckRequest{1, 0xc0ffee01, 0x1000}}) {
    const auto r = decode_ack_request(encode(request));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(*r, request);
  }
  for (const bool installed : {true, false}) {
    const AckResponse response{7, installed};
    const auto s = decode_ack_response(encode(response));
    ASSERT_TRUE(s.has_value()) << s.error().message();
    EXPECT_EQ(*s, response);
  }
}

TEST(Ack, GenerationZeroReservedSpisAndMissingFieldsAreRefused) {
  auto ack = [](const std::string& fields) {
    return decode_ack_request(R"({"version":1,)" + fields + "}");
  };
  EXPECT_TRUE(ack(R"("generation":3,"agent_spi":256,"edge_spi":4096)").has_value());
  EXPECT_EQ(ack(R"("generation":0,"agent_spi":256,"edge_spi":4096)").error().code,
            errc::out_of_range);
  EXPECT_EQ(ack(R"("generation":3,"agent_spi":255,"edge_spi":4096)").error().code,
            errc::out_of_range);
  EXPECT_EQ(ack(R"("generation":3,"agent_spi":256,"edge_spi":4294967296)").error().code,
            errc::out_of_range);
  EXPECT_EQ(ack(R"("generation":3,"agent_spi":256)").error().code, errc::missing_field);
  EXPECT_EQ(ack(R"("generation":3,"agent_spi":"256","edge_spi":4096)").error().code,
            errc::wrong_type);
  // Version 1's earlier draft had "installed"; it is not part of the schema.
  EXPECT_EQ(ack(R"("generation":3,"agent_spi":256,"edge_spi":4096,"installed":true)").error().code,
            errc::unknown_field);
  EXPECT_EQ(decode_ack_response(R"({"version":1,"generation":3,"installed":true})").error().code,
            errc::missing_field);
}

TEST(NatToken, RoundTripsAsLowercaseHex) {
  NatTokenResponse t;
  for (std::size_t i = 0; i < t.token.size(); ++i)
    t.token[i] = static_cast<std::uint8_t>(i * 17);
  t.expires_seconds = 60;
  const auto body = encode(t);
  EXPECT_NE(body.find(R"("token":"00112233445566778899aabbccddeeff")"), std::string::npos) << body;
  const auto r = decode_nat_token_response(body);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(*r, t);
}

TEST(NatToken, RefusesOtherSpellingsAndLifetimes) {
  auto with = [](const std::string& token, const std::string& expires) {
    return decode_nat_token_response(R"({"version":1,"token":)" + token + R"(,"expires_seconds":)" +
                                     expires + "}");
  };
  const std::string good = R"("00112233445566778899aabbccddeeff")";
  EXPECT_TRUE(with(good, "600").has_value());
  EXPECT_EQ(with(R"("00112233445566778899AABBCCDDEEFF")", "60").error().code, errc::bad_value);
  EXPECT_EQ(with(R"("00112233445566778899aabbccddeef")", "60").error().code, errc::bad_value);
  EXPECT_EQ(with(R"("00112233445566778899aabbccddeeff00")", "60").error().code, errc::too_long);
  EXPECT_EQ(with(R"("0011223344556677889gaabbccddeeff")", "60").error().code, errc::bad_value);
  EXPECT_EQ(with(good, "0").error().code, errc::out_of_range);
  EXPECT_EQ(with(good, "601").error().code, errc::out_of_range);
}

TEST(ErrorResponse, EveryCodeRoundTripsWithItsStatus) {
  const std::pair<ErrorCode, unsigned> codes[] = {
      {ErrorCode::unsupported_version, 400},
      {ErrorCode::bad_request, 400},
      {ErrorCode::unknown_site, 403},
      {ErrorCode::not_found, 404},
      {ErrorCode::method_not_allowed, 405},
      {ErrorCode::spi_conflict, 409},
      {ErrorCode::generation_mismatch, 409},
      {ErrorCode::nat_hello_missing, 409},
      {ErrorCode::payload_too_large, 413},
      {ErrorCode::internal, 500},
      {ErrorCode::busy, 429},
  };
  for (const auto& [code, status] : codes) {
    EXPECT_EQ(http_status(code), status) << to_string(code);
    const ErrorResponse e{code, "why: " + std::string(to_string(code))};
    const auto body = encode(e);
    EXPECT_NE(body.find('"' + std::string(to_string(code)) + '"'), std::string::npos);
    const auto r = decode_error_response(body);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(*r, e);
  }
  EXPECT_TRUE(is_retryable(ErrorCode::spi_conflict));
  EXPECT_TRUE(is_retryable(ErrorCode::busy));
  EXPECT_FALSE(is_retryable(ErrorCode::unknown_site));
  EXPECT_FALSE(is_retryable(ErrorCode::bad_request));
}

TEST(ErrorResponse, RetryAfterIsDelaySecondsOnly) {
  using std::chrono::seconds;
  EXPECT_EQ(format_retry_after(seconds(7)), "7");
  EXPECT_EQ(format_retry_after(seconds(-3)), "0");
  EXPECT_EQ(format_retry_after(seconds(10'000'000)), "86400");  // kMaxRetryAfter
  EXPECT_EQ(parse_retry_after("7"), seconds(7));
  EXPECT_EQ(parse_retry_after(" 120 "), seconds(120));
  EXPECT_EQ(parse_retry_after("0"), seconds(0));
  EXPECT_EQ(parse_retry_after("86400"), seconds(86400));
  // An HTTP-date, a sign, a fraction, junk, too long or too large: ignored.
  for (const char* bad : {"Fri, 31 Dec 1999 23:59:59 GMT", "-1", "+5", "1.5", "", " ", "5s", "0x10",
                          "86401", "9999999999"}) {
    EXPECT_FALSE(parse_retry_after(bad).has_value()) << bad;
  }
}

TEST(ErrorResponse, EncodeKeepsTheMessagePrintableAndBounded) {
  const ErrorResponse e{ErrorCode::internal, "kernel said\n\x1b[31mEEXIST" + std::string(600, 'x')};
  const auto r = decode_error_response(encode(e));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->message.size(), kMaxErrorMessageBytes);
  EXPECT_EQ(r->message.substr(0, 21), "kernel said\\n\\x1b[31m");
  EXPECT_EQ(r->message.substr(r->message.size() - 3), "...");
}

TEST(ErrorResponse, APrintableMessageGoesOutAsItIsUpToTheBound) {
  const std::string exact(kMaxErrorMessageBytes, '\\');
  EXPECT_EQ(error_message(exact), exact);
  EXPECT_EQ(error_message("no SA for spi 0x100 (EEXIST)"), "no SA for spi 0x100 (EEXIST)");
  const auto r = decode_error_response(encode(ErrorResponse{ErrorCode::busy, exact}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->message, exact);
  // One byte more: written through core::log_safe (each backslash doubled), cut to fit.
  const std::string cut = error_message(exact + "x");
  EXPECT_LE(cut.size(), kMaxErrorMessageBytes);
  EXPECT_EQ(cut.substr(0, 4), "\\\\\\\\");
  EXPECT_EQ(cut.substr(cut.size() - 3), "...");
}

TEST(ErrorResponse, DecodeRefusesUnknownCodesAndControlCharacters) {
  EXPECT_EQ(
      decode_error_response(R"({"version":1,"error":{"code":"teapot","message":""}})").error().code,
      errc::bad_value);
  EXPECT_EQ(decode_error_response(R"({"version":1,"error":{"code":"busy","message":"a\u0007"}})")
                .error()
                .code,
            errc::bad_value);
  EXPECT_EQ(decode_error_response(R"({"version":1,"error":{"code":"busy","message":"caf\u00e9"}})")
                .error()
                .code,
            errc::bad_value);
  EXPECT_EQ(decode_error_response(R"({"version":1,"error":{"code":"busy"}})").error().code,
            errc::missing_field);
}

TEST(ErrorResponse, DecodeFailuresMapToProtocolCodes) {
  EXPECT_EQ(error_code_for(decode_ack_request(R"({"version":2})").error()),
            ErrorCode::unsupported_version);
  EXPECT_EQ(error_code_for(decode_ack_request(std::string(kMaxBodyBytes + 1, ' ')).error()),
            ErrorCode::payload_too_large);
  EXPECT_EQ(error_code_for(decode_ack_request("{").error()), ErrorCode::bad_request);
  EXPECT_EQ(error_code_for(decode_ack_request(R"({"version":1})").error()), ErrorCode::bad_request);
}

}  // namespace
}  // namespace pqbranch::wire
