// ICMP echo messages as the datagram socket carries them.

#include "pqbranch/health/echo_message.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/health/errc.hpp"

namespace pqbranch::health {
namespace {

// A reply as the kernel hands it over: the request with its type changed.
std::vector<std::uint8_t> reply_to(std::array<std::uint8_t, kEchoMessageSize> request,
                                   std::uint8_t type) {
  request[0] = type;
  return {request.begin(), request.end()};
}

TEST(EchoMessage, RequestCarriesTypeSequenceAndTokenAndLeavesIdentifierAndChecksumToTheKernel) {
  const auto m = encode_echo_request(core::Family::v4, 0x1234, 0x0102030405060708);
  EXPECT_EQ(m, (std::array<std::uint8_t, kEchoMessageSize>{8, 0, 0, 0, 0, 0, 0x12, 0x34, 1, 2, 3, 4,
                                                           5, 6, 7, 8}));
  EXPECT_EQ(encode_echo_request(core::Family::v6, 1, 0)[0], 128);
}

TEST(EchoMessage, ReplyOfEachFamilyGivesBackSequenceAndToken) {
  const auto v4 = parse_echo_reply(
      core::Family::v4, reply_to(encode_echo_request(core::Family::v4, 7, 0xfeedULL), 0));
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->sequence, 7);
  EXPECT_EQ(v4->token, 0xfeedULL);
  const auto v6 = parse_echo_reply(
      core::Family::v6, reply_to(encode_echo_request(core::Family::v6, 65535, ~0ULL), 129));
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->sequence, 65535);
  EXPECT_EQ(v6->token, ~0ULL);
}

TEST(EchoMessage, RequestsOtherTypesAndShortDatagramsAreNotReplies) {
  const auto request = encode_echo_request(core::Family::v4, 1, 2);
  const auto own_request = parse_echo_reply(core::Family::v4, request);
  ASSERT_FALSE(own_request);
  EXPECT_EQ(own_request.error(), errc::not_an_echo_reply);
  // An ICMPv6 reply type on an IPv4 socket, and a destination unreachable.
  EXPECT_FALSE(parse_echo_reply(core::Family::v4, reply_to(request, 129)));
  EXPECT_FALSE(parse_echo_reply(core::Family::v4, reply_to(request, 3)));
  auto nonzero_code = reply_to(request, 0);
  nonzero_code[1] = 1;
  EXPECT_FALSE(parse_echo_reply(core::Family::v4, nonzero_code));
  const std::vector<std::uint8_t> header_only(kEchoHeaderSize, 0);
  EXPECT_FALSE(parse_echo_reply(core::Family::v4, header_only));
  EXPECT_FALSE(parse_echo_reply(core::Family::v4, {}));
}

}  // namespace
}  // namespace pqbranch::health
