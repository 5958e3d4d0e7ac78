#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "pqbranch/core/atomic_file.hpp"
#include "pqbranch/core/capabilities.hpp"

#include "fakes/temp_dir.hpp"

namespace pqbranch::core {
namespace {

using test::TempDir;

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st{};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(AtomicFile, WritesWithExactModeAndReplacesWholeContents) {
  const TempDir dir;
  const auto file = dir.path() / "state.json";
  const mode_t old_umask = ::umask(0);  // would make a plain open() create 0666
  ASSERT_TRUE(write_file_atomically(file, "first version, longer", 0600));
  ::umask(old_umask);
  EXPECT_EQ(mode_of(file), 0600U);
  ASSERT_TRUE(write_file_atomically(file, "second", 0600));
  auto text = read_small_file(file, 1024);
  ASSERT_TRUE(text);
  ASSERT_TRUE(text->has_value());
  EXPECT_EQ(**text, "second");
  // No temporary file is left beside it.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
    ++entries;
  EXPECT_EQ(entries, 1U);
}

TEST(AtomicFile, MissingFileIsNoneAndOversizeIsAnError) {
  const TempDir dir;
  auto none = read_small_file(dir.path() / "absent", 16);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(write_file_atomically(dir.path() / "big", std::string(100, 'x')));
  auto big = read_small_file(dir.path() / "big", 99);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code.value(), EFBIG);
}

TEST(AtomicFile, MissingDirectoryIsAnErrorNamingTheFile) {
  const TempDir dir;
  auto r = write_file_atomically(dir.path() / "no" / "such" / "file", "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("file"), std::string::npos);
}

TEST(Capabilities, ParsesCapEffFromProcStatus) {
  const std::string text =
      "Name:\tpqbranch-agent\nCapInh:\t0000000000000000\nCapPrm:\t0000000000001000\n"
      "CapEff:\t0000000000001000\nCapBnd:\t000001ffffffffff\n";
  auto mask = parse_effective_capabilities(text);
  ASSERT_TRUE(mask);
  EXPECT_EQ(*mask, std::uint64_t{1} << kCapNetAdmin);
  EXPECT_TRUE(extra_capabilities(*mask, *mask).empty());
}

TEST(Capabilities, NamesWhatIsMoreThanAllowed) {
  const std::uint64_t mask =
      (std::uint64_t{1} << kCapNetAdmin) | (std::uint64_t{1} << 21) | (std::uint64_t{1} << 50);
  const auto extra = extra_capabilities(mask, std::uint64_t{1} << kCapNetAdmin);
  ASSERT_EQ(extra.size(), 2U);
  EXPECT_EQ(extra[0], "cap_sys_admin");
  EXPECT_EQ(extra[1], "cap_50");
}

TEST(Capabilities, RefusesMissingOrMalformedLine) {
  EXPECT_FALSE(parse_effective_capabilities("Name:\tx\n"));
  EXPECT_FALSE(parse_effective_capabilities("CapEff:\tzz\n"));
  EXPECT_FALSE(parse_effective_capabilities("CapEff:\t\n"));
  EXPECT_TRUE(effective_capabilities());  // this process has a status file
}

}  // namespace
}  // namespace pqbranch::core
