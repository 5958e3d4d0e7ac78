#include "pqbranch/config/toml_reader.hpp"

#include <string>

#include <gtest/gtest.h>

namespace pqbranch::config {
namespace {

enum class Color { red, green };

// Parses `text` as "t.toml", runs `read` over its root and returns the result's detail.
template <class Read>
std::string problems_of(const std::string& text, Read read) {
  auto table = parse_toml(text, "t.toml");
  if (!table) return table.error().detail;
  Document doc(*table, "t.toml");
  read(doc.root());
  doc.report_unknown_keys();
  const auto r = doc.result();
  return r ? std::string() : r.error().detail;
}

TEST(TomlReader, ReadsTypedValuesAndDefaults) {
  const auto table = parse_toml(R"(
name = "x"
flag = true
count = 0x10
wait = "1h30m"
size = "64KiB"
raw_size = 4096
addr = "2001:db8::1"
nets = ["10.0.0.0/8", "192.0.2.0/24"]
color = "green"
[sub]
inner = 7
[[item]]
n = 1
[[item]]
n = 2
)",
                                "t.toml");
  ASSERT_TRUE(table.has_value());
  Document doc(*table, "t.toml");
  auto root = doc.root();
  EXPECT_EQ(root.required("name", kind::Text{}), "x");
  EXPECT_TRUE(root.get("flag", kind::Boolean{}, false));
  EXPECT_EQ(root.get("count", kind::Integer<int>{}, 0), 16);
  EXPECT_EQ(root.get("wait", kind::Duration{}, {}), std::chrono::minutes{90});
  EXPECT_EQ(root.get("size", kind::Size{}, 0), 65'536U);
  EXPECT_EQ(root.get("raw_size", kind::Size{}, 0), 4096U);
  EXPECT_EQ(root.required("addr", kind::Address{}).to_string(), "2001:db8::1");
  const auto nets = root.array("nets", kind::Prefix{});
  ASSERT_EQ(nets.size(), 2U);
  EXPECT_EQ(nets[1].to_string(), "192.0.2.0/24");
  EXPECT_EQ(root.get("color", kind::Choice<Color>{{{"red", Color::red}, {"green", Color::green}}},
                     Color::red),
            Color::green);
  EXPECT_EQ(root.table("sub").get("inner", kind::Integer<int>{}, 0), 7);
  const auto items = root.tables("item");
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[1].path(), "item[1]");
  auto second = items[1];
  EXPECT_EQ(second.get("n", kind::Integer<int>{}, 0), 2);
  auto first = items[0];
  EXPECT_EQ(first.get("n", kind::Integer<int>{}, 0), 1);
  // Absent keys and tables give the fallback and are no error.
  EXPECT_EQ(root.get("absent", kind::Integer<int>{}, 42), 42);
  EXPECT_FALSE(root.table("absent_table").present());
  EXPECT_TRUE(root.tables("absent_items").empty());
  doc.report_unknown_keys();
  EXPECT_TRUE(doc.result().has_value()) << doc.result().error().detail;
}

TEST(TomlReader, ReportsUnknownKeysAtEveryDepth) {
  const auto detail = problems_of(R"([sub]
inner = 1
innr = 2
[sub.deeper]
x = 1
[[item]]
n = 1
colour = "red"
[other]
y = 1
)",
                                  [](TableReader root) {
                                    auto sub = root.table("sub");
                                    (void)sub.get("inner", kind::Integer<int>{}, 0);
                                    for (auto item : root.tables("item")) {
                                      (void)item.get("n", kind::Integer<int>{}, 0);
                                      (void)item.get("color", kind::Text{}, "");
                                    }
                                  });
  EXPECT_EQ(detail,
            "t.toml:3:1: sub.innr: unknown key (did you mean \"inner\"?)\n"
            "t.toml:4:6: sub.deeper: unknown key\n"
            "t.toml:8:1: item[0].colour: unknown key (did you mean \"color\"?)\n"
            "t.toml:9:2: other: unknown key");
}

TEST(TomlReader, NamesTheTableOfAMissingKey) {
  const auto detail = problems_of("[sub]\nx = 1\n", [](TableReader root) {
    auto sub = root.table("sub");
    (void)sub.get("x", kind::Integer<int>{}, 0);
    (void)sub.required("name", kind::Text{});
    auto absent = root.table("gone");
    (void)absent.required("name", kind::Text{});
    (void)root.required("top", kind::Text{});
  });
  EXPECT_EQ(detail,
            "t.toml:1:1: sub: missing required key \"name\"\n"
            "t.toml: gone: missing required key \"name\"\n"
            "t.toml: missing required key \"top\"");
}

TEST(TomlReader, ReportsBadValuesWithTheirPlace) {
  const auto detail = problems_of(
      R"(n = "seven"
big = 300
nets = ["10.0.0.0/8", "10.0.0.1/8", 5]
color = "blue"
sub = 3
items = [1, 2]
empty = []
)",
      [](TableReader root) {
        (void)root.get("n", kind::Integer<int>{}, 0);
        (void)root.get("big", kind::Integer<std::uint8_t>{}, 0);
        (void)root.array("nets", kind::Prefix{});
        (void)root.get("color", kind::Choice<Color>{{{"red", Color::red}, {"green", Color::green}}},
                       Color::red);
        (void)root.table("sub");
        (void)root.tables("items");
        (void)root.required_array("empty", kind::Text{});
      });
  EXPECT_EQ(detail,
            "t.toml:1:5: n: expected an integer, found a string\n"
            "t.toml:2:7: big: 300 is out of range (0..255)\n"
            "t.toml:3:23: nets[1]: 10.0.0.1/8: prefix has host bits set\n"
            "t.toml:3:37: nets[2]: expected a string, found an integer\n"
            "t.toml:4:9: color: expected one of \"red\", \"green\"\n"
            "t.toml:5:7: sub: expected a table ([sub]), found an integer\n"
            "t.toml:6:9: items: expected an array of tables ([[items]]), found an array\n"
            "t.toml:7:9: empty: must not be empty");
}

TEST(TomlReader, PlacesLaterProblemsAtTheKeyOrItsTable) {
  const auto table = parse_toml("[a]\nx = 1\n[b]\ny = 2\n", "t.toml");
  ASSERT_TRUE(table.has_value());
  Document doc(*table, "t.toml");
  auto root = doc.root();
  (void)root.table("a").get("x", kind::Integer<int>{}, 0);
  auto b = root.table("b");
  (void)b.get("y", kind::Integer<int>{}, 0);
  doc.report_unknown_keys();
  ASSERT_TRUE(doc.ok());
  doc.report(Problem{errc::invalid_value, "a.x", "too small"});
  doc.report(Problem{errc::out_of_range, "b.z", "needed"});  // z absent: at [b]
  doc.report(Problem{errc::invalid_value, "c.w", "nowhere"});
  const auto r = doc.result();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::invalid_value);
  EXPECT_EQ(r.error().detail,
            "t.toml:2:5: a.x: too small\n"
            "t.toml:3:1: b.z: needed\n"
            "t.toml: c.w: nowhere");
}

TEST(TomlReader, SyntaxErrorsNameLineAndColumn) {
  const auto r = parse_toml("a = 1\nb = \"unterminated\n", "t.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::syntax_error);
  EXPECT_EQ(r.error().detail.rfind("t.toml:2:", 0), 0U) << r.error().detail;
  const auto dup = parse_toml("a = 1\na = 2\n", "t.toml");
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().detail.rfind("t.toml:2:", 0), 0U) << dup.error().detail;
  const auto bad_utf8 = parse_toml("a = \"\xff\"\n", "t.toml");
  ASSERT_FALSE(bad_utf8.has_value());
  EXPECT_EQ(bad_utf8.error().code, errc::syntax_error);
}

}  // namespace
}  // namespace pqbranch::config
