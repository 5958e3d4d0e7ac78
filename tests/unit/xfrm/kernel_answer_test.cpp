// parse_kernel_answer: the kernel's ACK and error answers as netlink_socket reads them, with
// the extended-ACK text that goes into our error messages (and so into log lines).
#include <cerrno>
#include <climits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/netlink_messages.hpp"

#include "fakes/xfrm/kernel_answers.hpp"

namespace pqbranch::xfrm {
namespace {

using test::kernel_ack;
using test::kernel_error;
using test::NetlinkWriter;

TEST(KernelAnswer, AnAckIsErrorZeroWithoutExplanation) {
  const auto a = parse_kernel_answer(kernel_ack());
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->error, 0);
  EXPECT_TRUE(a->explanation.empty());
}

TEST(KernelAnswer, AnErrorCarriesItsErrnoAndTheKernelsText) {
  const auto capped = parse_kernel_answer(kernel_error(EINVAL, "Invalid SA direction"));
  ASSERT_TRUE(capped.has_value()) << capped.error().message();
  EXPECT_EQ(capped->error, EINVAL);
  EXPECT_EQ(capped->explanation, "Invalid SA direction");
  // The request echoed whole (no NETLINK_CAP_ACK): the text follows it.
  const std::vector<std::uint8_t> request(12, 0xAB);
  const auto echoed = parse_kernel_answer(kernel_error(EEXIST, "SA exists", request));
  ASSERT_TRUE(echoed.has_value()) << echoed.error().message();
  EXPECT_EQ(echoed->error, EEXIST);
  EXPECT_EQ(echoed->explanation, "SA exists");
}

TEST(KernelAnswer, TheTextIsPrintableAsciiAndCapped) {
  const auto odd = parse_kernel_answer(kernel_error(EINVAL, "line\nbreak\x1b[31m\xff"));
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->explanation, "line?break?[31m?");
  const std::string long_text(1000, 'x');
  const auto capped = parse_kernel_answer(kernel_error(EINVAL, long_text));
  ASSERT_TRUE(capped.has_value());
  EXPECT_EQ(capped->explanation, std::string(KernelAnswer::kMaxExplanation, 'x'));
}

TEST(KernelAnswer, AttributesCountOnlyWhenTheKernelFlaggedThem) {
  auto bytes = kernel_error(EPERM, "Operation not permitted");
  reinterpret_cast<nlmsghdr*>(bytes.data())->nlmsg_flags = NLM_F_CAPPED;  // no NLM_F_ACK_TLVS
  const auto a = parse_kernel_answer(bytes);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->error, EPERM);
  EXPECT_TRUE(a->explanation.empty());
}

TEST(KernelAnswer, WhatIsNoAnswerIsMalformed) {
  const auto refused = [](const std::vector<std::uint8_t>& bytes) {
    const auto a = parse_kernel_answer(bytes);
    return !a.has_value() && a.error() == errc::malformed_reply;
  };
  EXPECT_TRUE(refused(NetlinkWriter(NLMSG_DONE, nlmsgerr{}).bytes()));
  auto short_error = kernel_ack();
  short_error.resize(NLMSG_HDRLEN + 2);
  reinterpret_cast<nlmsghdr*>(short_error.data())->nlmsg_len = NLMSG_HDRLEN + 2;
  EXPECT_TRUE(refused(short_error));
  nlmsgerr positive{};
  positive.error = EINVAL;
  EXPECT_TRUE(refused(NetlinkWriter(NLMSG_ERROR, positive).bytes()));
  nlmsgerr lowest{};
  lowest.error = INT_MIN;
  EXPECT_TRUE(refused(NetlinkWriter(NLMSG_ERROR, lowest).bytes()));
  EXPECT_TRUE(refused({}));
}

}  // namespace
}  // namespace pqbranch::xfrm
