#pragma once
// A strict, typed reader over a parsed TOML document.
//
// Every problem names its place: "agent.toml:12:9: tunnel.mode: expected one of ...".
// The reader remembers which keys were looked up; Document::report_unknown_keys() then
// reports every other key, at any depth, as an error. Problems are collected rather than
// returned one by one, so an operator sees all of them at once:
//
//   auto table = parse_toml(text, "agent.toml");            // syntax errors
//   Document doc(*table, "agent.toml");
//   TableReader tls = doc.root().table("tls");
//   auto groups = tls.array("groups", kind::Group{}, {"X25519MLKEM768"});
//   doc.report_unknown_keys();
//   if (auto ok = doc.result(); !ok) return ok.error();

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.hpp>

#include "pqbranch/config/errc.hpp"
#include "pqbranch/config/problem.hpp"
#include "pqbranch/config/toml_kinds.hpp"
#include "pqbranch/core/error.hpp"

namespace pqbranch::config {

// toml++ parse without exceptions escaping: errc::syntax_error "name:line:col: why".
core::Result<toml::table> parse_toml(std::string_view text, const std::string& name);

class TableReader;

class Document {
 public:
  // `root` must outlive the Document; `name` is how messages name the file.
  Document(const toml::table& root, std::string name);
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  TableReader root();
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  // A problem at a place in the file (a value, a key or a table header).
  void report(const core::Error& error, const toml::source_region& where, std::string_view key);
  // A problem found after reading: placed at the key's value if the file has the key, else at
  // the nearest enclosing table the file has, else at the file.
  void report(const Problem& problem);
  // Every key that nothing looked up becomes errc::unknown_key (with a suggestion when a
  // known key of that table is spelled alike).
  void report_unknown_keys();
  [[nodiscard]] bool ok() const noexcept { return problems_.empty(); }
  // Success, or the first problem's code with every problem in the detail, one per line,
  // in file order.
  [[nodiscard]] core::Result<void> result() const;

 private:
  friend class TableReader;
  struct Line {
    std::uint32_t line;  // 0: no position
    std::uint32_t column;
    boost::system::error_code code;
    std::string text;
  };

  // A key's value was looked up (so it is not unknown); remembers where `path` is.
  void mark_read(const toml::node& node, const std::string& path);
  void note_position(const toml::node& node, const std::string& path);
  // A table the reader descended into: its own keys are checked for unknown ones.
  void mark_opened(const toml::table& table) { opened_.insert(&table); }
  void note_known_key(const toml::table* table, std::string_view key);
  void check_table(const toml::table& table, const std::string& path);
  void check_node(const toml::node& node, const std::string& path);
  void add(boost::system::error_code code, const toml::source_position* at, std::string_view key,
           std::string_view text);

  const toml::table& root_;
  std::string name_;
  std::vector<Line> problems_;
  std::set<const toml::node*> read_;
  std::set<const toml::table*> opened_;
  std::map<const toml::table*, std::set<std::string, std::less<>>> known_;
  std::map<std::string, toml::source_position, std::less<>> positions_;
};

// A view of one table of a Document. Cheap to copy; an absent table reads as empty.
class TableReader {
 public:
  template <class Kind>
  using ValueOf = typename Kind::value_type;

  TableReader(Document& doc, const toml::table* table, std::string path);

  // The full path of this table ("" for the root, "tunnel", "site[2]").
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::string path_of(std::string_view key) const;
  [[nodiscard]] bool present() const noexcept { return table_ != nullptr; }
  [[nodiscard]] bool has(std::string_view key) const;

  // The value, or nullopt if the key is absent or its value is bad (then it is reported).
  template <class Kind>
  std::optional<ValueOf<Kind>> optional(std::string_view key, const Kind& kind) {
    const toml::node* node = find(key);
    if (node == nullptr) return std::nullopt;
    return convert(*node, path_of(key), kind);
  }

  template <class Kind>
  ValueOf<Kind> get(std::string_view key, const Kind& kind, ValueOf<Kind> fallback) {
    auto value = optional(key, kind);
    return value ? std::move(*value) : std::move(fallback);
  }

  // Reports errc::missing_key (naming this table) when absent.
  template <class Kind>
  ValueOf<Kind> required(std::string_view key, const Kind& kind) {
    if (!has(key)) report_missing(key);
    return get(key, kind, ValueOf<Kind>{});
  }

  // An array whose elements are all of one kind; bad elements are reported and skipped.
  template <class Kind>
  std::vector<ValueOf<Kind>> array(std::string_view key, const Kind& kind,
                                   std::vector<ValueOf<Kind>> fallback = {}) {
    const toml::array* items = find_array(key);
    if (items == nullptr) return fallback;
    std::vector<ValueOf<Kind>> out;
    for (std::size_t i = 0; i < items->size(); ++i) {
      const toml::node& item = *items->get(i);
      const std::string item_path = path_of(key) + "[" + std::to_string(i) + "]";
      doc_->note_position(item, item_path);
      if (auto value = convert(item, item_path, kind)) out.push_back(std::move(*value));
    }
    return out;
  }

  // As array(), and absent or empty is an error.
  template <class Kind>
  std::vector<ValueOf<Kind>> required_array(std::string_view key, const Kind& kind) {
    if (!has(key)) report_missing(key);
    auto out = array(key, kind);
    report_if_empty(key);
    return out;
  }

  // A sub-table ([tunnel] or tunnel = { ... }); absent reads as an empty table.
  TableReader table(std::string_view key);
  // An array of tables ([[site]]); absent is empty.
  std::vector<TableReader> tables(std::string_view key);

 private:
  template <class Kind>
  std::optional<ValueOf<Kind>> convert(const toml::node& node, const std::string& path,
                                       const Kind& kind) {
    auto value = kind.parse(node);
    if (!value) {
      doc_->report(value.error(), node.source(), path);
      return std::nullopt;
    }
    return std::move(*value);
  }

  // Looks a key up and marks it read; nullptr if absent.
  const toml::node* find(std::string_view key);
  // As find(), and reports a non-array value.
  const toml::array* find_array(std::string_view key);
  void report_missing(std::string_view key);
  void report_if_empty(std::string_view key);

  Document* doc_;
  const toml::table* table_;
  std::string path_;
};

}  // namespace pqbranch::config
