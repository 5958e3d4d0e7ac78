#include "pqbranch/config/toml_reader.hpp"

namespace pqbranch::config {

TableReader::TableReader(Document& doc, const toml::table* table, std::string path)
    : doc_(&doc), table_(table), path_(std::move(path)) {}

std::string TableReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool TableReader::has(std::string_view key) const {
  return table_ != nullptr && table_->contains(key);
}

const toml::node* TableReader::find(std::string_view key) {
  doc_->note_known_key(table_, key);
  const toml::node* node = table_ != nullptr ? table_->get(key) : nullptr;
  if (node != nullptr) doc_->mark_read(*node, path_of(key));
  return node;
}

const toml::array* TableReader::find_array(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return nullptr;
  if (!node->is_array()) {
    doc_->report(wrong_type("an array", *node), node->source(), path_of(key));
    return nullptr;
  }
  return node->as_array();
}

void TableReader::report_missing(std::string_view key) {
  const auto error =
      core::make_error(errc::missing_key, "missing required key \"" + std::string(key) + "\"");
  // Named after the table; placed at its header when the file has one.
  const bool placed = table_ != nullptr && !path_.empty();
  doc_->report(error, placed ? table_->source() : toml::source_region{}, path_);
}

void TableReader::report_if_empty(std::string_view key) {
  const toml::node* node = table_ != nullptr ? table_->get(key) : nullptr;
  if (node != nullptr && node->is_array() && node->as_array()->empty()) {
    doc_->report(core::make_error(errc::invalid_value, "must not be empty"), node->source(),
                 path_of(key));
  }
}

TableReader TableReader::table(std::string_view key) {
  const toml::node* node = find(key);
  const toml::table* sub = node != nullptr ? node->as_table() : nullptr;
  if (node != nullptr && sub == nullptr) {
    doc_->report(wrong_type("a table ([" + path_of(key) + "])", *node), node->source(),
                 path_of(key));
  }
  if (sub != nullptr) doc_->mark_opened(*sub);
  return TableReader(*doc_, sub, path_of(key));
}

std::vector<TableReader> TableReader::tables(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return {};
  const toml::array* items = node->as_array();
  bool all_tables = items != nullptr;
  for (std::size_t i = 0; all_tables && i < items->size(); ++i) {
    all_tables = items->get(i)->is_table();
  }
  if (!all_tables) {
    doc_->report(wrong_type("an array of tables ([[" + path_of(key) + "]])", *node), node->source(),
                 path_of(key));
    return {};
  }
  std::vector<TableReader> out;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const toml::table& sub = *items->get(i)->as_table();
    const std::string sub_path = path_of(key) + "[" + std::to_string(i) + "]";
    doc_->mark_opened(sub);
    doc_->note_position(sub, sub_path);
    out.emplace_back(*doc_, &sub, sub_path);
  }
  return out;
}

}  // namespace pqbranch::config
