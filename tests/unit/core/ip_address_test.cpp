#include "pqbranch/core/ip_address.hpp"

#include <gtest/gtest.h>

namespace pqbranch::core {
namespace {

TEST(IpAddress, ParsesBothFamiliesAndRejectsGarbage) {
  const auto v4 = IpAddress::parse("192.0.2.1");
  ASSERT_TRUE(v4.has_value());
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->bytes().size(), 4U);
  EXPECT_EQ(fmt::format("{}", *v4), "192.0.2.1");
  const auto v6 = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->family(), Family::v6);
  EXPECT_EQ(v6->to_string(), "2001:db8::1");
  EXPECT_FALSE(IpAddress::parse(std::string_view("1.2.3.4\0junk", 12)).has_value());
  for (const char* bad : {"", "1.2.3", "1.2.3.256", "example.org", "1.2.3.4/24", "::g"}) {
    const auto r = IpAddress::parse(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ip_errc::bad_address);
  }
}

TEST(IpPrefix, ParsesChecksHostBitsAndContains) {
  const auto p = IpPrefix::parse("10.1.0.0/16");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->length(), 16);
  EXPECT_TRUE(p->contains(*IpAddress::parse("10.1.200.3")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("10.2.0.1")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("::1")));
  EXPECT_EQ(IpPrefix::parse("10.1.0.1/16").error().code, ip_errc::host_bits_set);
  EXPECT_EQ(IpPrefix::parse("10.1.0.0/33").error().code, ip_errc::bad_prefix_length);
  EXPECT_EQ(IpPrefix::parse("10.1.0.0/").error().code, ip_errc::bad_prefix_length);
  EXPECT_EQ(IpPrefix::parse("10.1.0.0/1x").error().code, ip_errc::bad_prefix_length);
  EXPECT_EQ(IpPrefix::parse("192.0.2.7")->length(), 32);
  const auto v6 = IpPrefix::parse("2001:db8:1::/48");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->contains(*IpAddress::parse("2001:db8:1:ffff::1")));
  EXPECT_FALSE(v6->contains(*IpAddress::parse("2001:db8:2::1")));
  EXPECT_EQ(IpPrefix::parse("10.1.0.0/12").error().code, ip_errc::host_bits_set);
  EXPECT_TRUE(IpPrefix::parse("10.0.0.0/12").has_value());
  EXPECT_TRUE(IpPrefix::parse("0.0.0.0/0")->contains(*IpAddress::parse("8.8.8.8")));
}

}  // namespace
}  // namespace pqbranch::core
