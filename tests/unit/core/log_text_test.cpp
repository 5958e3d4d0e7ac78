// Untrusted text made safe for a log line: nothing that starts a line or drives a terminal,
// and bounded.

#include "pqbranch/core/log_text.hpp"

#include <string>

#include <gtest/gtest.h>

namespace pqbranch::core {
namespace {

TEST(LogSafe, PrintableAsciiStaysAsItIs) {
  EXPECT_EQ(log_safe("branch-1.example (site 7)"), "branch-1.example (site 7)");
}

TEST(LogSafe, NewlinesAndTerminalEscapesAreWrittenOutNotPassedOn) {
  const std::string cn = "b\nFAKE line\r\t\x1b[31mred\x7f\\";
  const std::string safe = log_safe(cn);
  EXPECT_EQ(safe, "b\\nFAKE line\\r\\t\\x1b[31mred\\x7f\\\\");
  for (const char c : safe) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 && u < 0x7f) << static_cast<int>(u);
  }
}

TEST(LogSafe, BytesOutsideAsciiAreHexAndALongTextIsCut) {
  EXPECT_EQ(log_safe("caf\xc3\xa9"), "caf\\xc3\\xa9");
  const std::string long_text(1000, 'a');
  EXPECT_EQ(log_safe(long_text), std::string(kMaxLoggedChars, 'a') + "...");
  EXPECT_EQ(log_safe("abcdef", 3), "abc...");
  EXPECT_LE(log_safe(std::string(1000, '\x01')).size(), kMaxLoggedChars + 3);
}

TEST(LogSafe, TheBoundIsOnWhatIsWrittenAndNeverCutsAnEscape) {
  EXPECT_EQ(log_safe("ab\x01", 5), "ab...");  // "\x01" would need 4 more bytes
  EXPECT_EQ(log_safe("ab\x01", 6), "ab\\x01");
  EXPECT_EQ(log_safe("a\n", 2), "a...");
  EXPECT_EQ(log_safe("abc", 3), "abc");  // exactly the bound: nothing left out
  EXPECT_EQ(log_safe("", 0), "");
}

TEST(IsPrintableAscii, RefusesControlBytesDelAndUtf8) {
  EXPECT_TRUE(is_printable_ascii("site-1 ~!\\"));
  EXPECT_TRUE(is_printable_ascii(""));
  for (const char* bad : {"a\nb", "\t", "\x1b[31m", "\x7f", "caf\xc3\xa9"}) {
    EXPECT_FALSE(is_printable_ascii(bad)) << log_safe(bad);
  }
  EXPECT_FALSE(is_printable_ascii(std::string_view("a\0b", 3)));
}

}  // namespace
}  // namespace pqbranch::core
