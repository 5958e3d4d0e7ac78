#include "pqbranch/config/config_file.hpp"

#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/config/edge_config.hpp"

#include "fakes/test_paths.hpp"

namespace pqbranch::config {
namespace {

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "pqb-config-XXXXXX").string();
    const char* made = ::mkdtemp(templ.data());
    EXPECT_NE(made, nullptr);
    path_ = templ;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::filesystem::path file(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void expect_error(const core::Result<std::string>& r, errc code, const std::string& detail) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().detail, detail);
}

TEST(ReadConfigFile, ReadsARegularFile) {
  const TempDir dir;
  const auto r = read_config_file(dir.file("a.toml", "x = 1\n"));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(*r, "x = 1\n");
}

TEST(ReadConfigFile, MissingFileNamesThePath) {
  const TempDir dir;
  const auto p = dir.path() / "absent.toml";
  expect_error(read_config_file(p), errc::file_not_found,
               p.string() + ": cannot open: No such file or directory");
}

// Tests run as root, so permission bits cannot make a file unreadable; these can.
TEST(ReadConfigFile, UnreadablePathsNameThePath) {
  const TempDir dir;
  expect_error(read_config_file(dir.path()), errc::file_unreadable,
               dir.path().string() + ": is a directory");
  const auto plain = dir.file("plain", "x = 1\n");
  expect_error(read_config_file(plain / "agent.toml"), errc::file_unreadable,
               (plain / "agent.toml").string() + ": cannot open: Not a directory");
  const auto fifo = dir.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Must not block waiting for a writer.
  expect_error(read_config_file(fifo), errc::file_unreadable,
               fifo.string() + ": is not a regular file");
}

TEST(ReadConfigFile, RefusesOversizedFiles) {
  const TempDir dir;
  const auto at_limit = dir.file("limit.toml", std::string(kMaxConfigBytes, '#'));
  EXPECT_TRUE(read_config_file(at_limit).has_value());
  const auto big = dir.file("big.toml", std::string(kMaxConfigBytes + 1, '#'));
  expect_error(read_config_file(big), errc::file_too_large,
               big.string() + ": larger than 16777216 bytes");
}

TEST(LoadConfig, ErrorsNameTheFileGiven) {
  const TempDir dir;
  const auto missing = load_agent_config(dir.path() / "agent.toml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, errc::file_not_found);
  EXPECT_NE(missing.error().detail.find((dir.path() / "agent.toml").string()), std::string::npos);

  const auto unreadable = load_edge_config(dir.path());
  ASSERT_FALSE(unreadable.has_value());
  EXPECT_EQ(unreadable.error().code, errc::file_unreadable);

  const auto syntax = dir.file("syntax.toml", "[tls]\ncertificate = \n");
  const auto r = load_agent_config(syntax);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::syntax_error);
  EXPECT_EQ(r.error().detail.rfind(syntax.string() + ":2:", 0), 0U) << r.error().detail;

  const auto unknown = dir.file("unknown.toml", "bogus = 1\n");
  const auto u = load_edge_config(unknown);
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code, errc::unknown_key);
  EXPECT_EQ(u.error().detail.rfind(unknown.string() + ":1:1: bogus: unknown key\n", 0), 0U)
      << u.error().detail;
}

// Untrusted text never crashes or throws: every truncation of the samples either loads or
// yields an error that names the file.
TEST(LoadConfig, EveryTruncationOfTheSamplesFailsCleanly) {
  for (const char* sample : {"agent.toml", "edge-stub.toml"}) {
    const auto text = read_config_file(test::source_dir() / "packaging" / sample);
    ASSERT_TRUE(text.has_value()) << text.error().message();
    for (std::size_t n = 0; n < text->size(); n += 4) {
      const std::string_view prefix(text->data(), n);
      const auto agent = parse_agent_config(prefix, "x.toml");
      const auto edge = parse_edge_config(prefix, "x.toml");
      if (!agent) {
        EXPECT_EQ(agent.error().detail.rfind("x.toml", 0), 0U) << n;
      }
      if (!edge) {
        EXPECT_EQ(edge.error().detail.rfind("x.toml", 0), 0U) << n;
      }
    }
  }
}

}  // namespace
}  // namespace pqbranch::config
