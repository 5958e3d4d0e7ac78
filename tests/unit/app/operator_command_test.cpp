#include "pqbranch/app/operator_command.hpp"

#include <gtest/gtest.h>

#include "pqbranch/app/errc.hpp"

namespace pqbranch::app {
namespace {

TEST(OperatorCommand, EachCommandParsesToItsUpdateEvent) {
  EXPECT_TRUE(
      std::holds_alternative<update::UpdateNow>(parse_operator_command("update now").value()));
  EXPECT_TRUE(
      std::holds_alternative<update::Pause>(parse_operator_command("update pause").value()));
  EXPECT_TRUE(
      std::holds_alternative<update::Resume>(parse_operator_command("update resume").value()));
  EXPECT_TRUE(
      std::holds_alternative<update::Unpin>(parse_operator_command("update unpin").value()));
  const auto pin = parse_operator_command("update pin 0.10.2");
  ASSERT_TRUE(pin);
  ASSERT_TRUE(std::holds_alternative<update::Pin>(*pin));
  EXPECT_EQ(std::get<update::Pin>(*pin).version, "0.10.2");
}

TEST(OperatorCommand, PinRefusesWhatIsNotAReleaseVersion) {
  for (const char* line :
       {"update pin ", "update pin 1.2", "update pin 01.2.3", "update pin 1.2.3 ",
        "update pin 1.2.3-rc1", "update pin ../1.2.3", "update pin 1.2.3\x1b[2J"}) {
    const auto r = parse_operator_command(line);
    ASSERT_FALSE(r) << line;
    EXPECT_EQ(r.error(), errc::bad_version) << line;
  }
}

TEST(OperatorCommand, AnythingElseIsAnUnknownCommandEchoedWithoutControlCharacters) {
  for (const char* line : {"", "status", "update", "update  now", "Update now", "update now ",
                           "update now\r", "update pin", "update pause please", "rm -rf /"}) {
    const auto r = parse_operator_command(line);
    ASSERT_FALSE(r) << line;
    EXPECT_EQ(r.error(), errc::unknown_command) << line;
  }
  const auto r = parse_operator_command("update \x1b]0;owned\x07");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail.find('\x1b'), std::string::npos);
  EXPECT_NE(r.error().message().find(R"("update \x1b]0;owned\x07")"), std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace pqbranch::app
