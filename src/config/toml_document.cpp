#include <algorithm>
#include <limits>

#include "pqbranch/config/toml_reader.hpp"

namespace pqbranch::config {
namespace {

// Optimal string alignment distance: edits and adjacent swaps ("mdoe" -> "mode") cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The parent of a key path: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
std::string_view parent_path(std::string_view path) {
  const auto cut = path.find_last_of(".[");
  return cut == std::string_view::npos ? std::string_view{} : path.substr(0, cut);
}

}  // namespace

core::Result<toml::table> parse_toml(std::string_view text, const std::string& name) {
  // Debian's toml++ is built with exceptions; they stop here.
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return core::make_error(errc::syntax_error, name + ":" + std::to_string(at.line) + ":" +
                                                    std::to_string(at.column) + ": " +
                                                    std::string(e.description()));
  }
}

Document::Document(const toml::table& root, std::string name)
    : root_(root), name_(std::move(name)) {}

TableReader Document::root() {
  mark_opened(root_);
  return TableReader(*this, &root_, "");
}

void Document::mark_read(const toml::node& node, const std::string& path) {
  read_.insert(&node);
  note_position(node, path);
}

void Document::note_position(const toml::node& node, const std::string& path) {
  if (node.source().begin.line != 0) positions_.insert_or_assign(path, node.source().begin);
}

void Document::note_known_key(const toml::table* table, std::string_view key) {
  if (table != nullptr) known_[table].emplace(key);
}

void Document::add(boost::system::error_code code, const toml::source_position* at,
                   std::string_view key, std::string_view text) {
  std::string line = name_;
  const bool placed = at != nullptr && at->line != 0;
  if (placed) line += ":" + std::to_string(at->line) + ":" + std::to_string(at->column);
  if (!key.empty()) line += ": " + std::string(key);
  line += ": " + std::string(text);
  problems_.push_back(Line{placed ? at->line : 0, placed ? at->column : 0, code, std::move(line)});
}

void Document::report(const core::Error& error, const toml::source_region& where,
                      std::string_view key) {
  add(error.code, &where.begin, key, error.detail.empty() ? error.code.message() : error.detail);
}

void Document::report(const Problem& problem) {
  for (std::string_view path = problem.key;; path = parent_path(path)) {
    if (const auto it = positions_.find(path); it != positions_.end()) {
      add(make_error_code(problem.code), &it->second, problem.key, problem.text);
      return;
    }
    if (path.empty()) break;
  }
  add(make_error_code(problem.code), nullptr, problem.key, problem.text);
}

void Document::report_unknown_keys() {
  check_table(root_, "");
}

void Document::check_table(const toml::table& table, const std::string& path) {
  for (const auto& [key, node] : table) {
    const std::string key_path =
        path.empty() ? std::string(key.str()) : path + "." + std::string(key.str());
    if (read_.contains(&node)) {
      check_node(node, key_path);
      continue;
    }
    std::string text = "unknown key";
    std::size_t best = std::numeric_limits<std::size_t>::max();
    for (const auto& known : known_[&table]) {
      const std::size_t d = edit_distance(key.str(), known);
      if (d < best && d <= std::max<std::size_t>(1, known.size() / 3)) {
        best = d;
        text = "unknown key (did you mean \"" + known + "\"?)";
      }
    }
    add(make_error_code(errc::unknown_key), &key.source().begin, key_path, text);
  }
}

void Document::check_node(const toml::node& node, const std::string& path) {
  if (const auto* table = node.as_table(); table != nullptr && opened_.contains(table)) {
    check_table(*table, path);
  } else if (const auto* items = node.as_array()) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      const auto* item = items->get(i)->as_table();
      if (item != nullptr && opened_.contains(item)) {
        check_table(*item, path + "[" + std::to_string(i) + "]");
      }
    }
  }
}

core::Result<void> Document::result() const {
  if (problems_.empty()) return {};
  std::vector<const Line*> sorted;
  for (const auto& p : problems_)
    sorted.push_back(&p);
  // File order; problems without a position (whole-file rules) last.
  std::ranges::stable_sort(sorted, [](const Line* a, const Line* b) {
    const auto key = [](const Line* l) {
      return std::pair(l->line == 0 ? std::numeric_limits<std::uint32_t>::max() : l->line,
                       l->column);
    };
    return key(a) < key(b);
  });
  std::string detail;
  std::vector<std::string_view> seen;
  for (const Line* l : sorted) {
    if (std::ranges::find(seen, l->text) != seen.end()) continue;
    seen.push_back(l->text);
    if (!detail.empty()) detail += '\n';
    detail += l->text;
  }
  return core::Error{sorted.front()->code, detail};
}

}  // namespace pqbranch::config
