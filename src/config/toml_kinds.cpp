#include "pqbranch/config/toml_kinds.hpp"

#include "pqbranch/config/groups.hpp"

#include "quoting.hpp"

namespace pqbranch::config {
namespace {

using detail::in_quotes;

// Large bounds (reqids, if_ids) read better in hex, as operators write them.
std::string show_bound(std::int64_t v) {
  if (v < 0x10000) return std::to_string(v);
  return fmt::format("{:#x}", v);
}

core::Result<std::string_view> string_of(const toml::node& node) {
  const auto* s = node.as_string();
  if (s == nullptr) return wrong_type("a string", node);
  return std::string_view(s->get());
}

// Parses a string node with `parse` (a units/address parser) and keeps its error.
template <class Parse>
auto parse_string_with(const toml::node& node, Parse parse) -> decltype(parse(std::string_view{})) {
  auto s = string_of(node);
  if (!s) return s.error();
  return parse(*s);
}

// core's address errors become errc::bad_address; config errors (wrong type) stay.
template <class T>
core::Result<T> as_config_error(core::Result<T> r) {
  if (!r && r.error().code.category() == core::ip_errc_category()) {
    return core::make_error(errc::bad_address, r.error().message());
  }
  return r;
}

}  // namespace

std::string_view type_name(const toml::node& node) noexcept {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

core::Error wrong_type(std::string_view expected, const toml::node& node) {
  return core::make_error(errc::wrong_type, "expected " + std::string(expected) + ", found " +
                                                std::string(type_name(node)));
}

namespace kind {

core::Result<std::string> Text::parse(const toml::node& node) const {
  auto s = string_of(node);
  if (!s) return s.error();
  if (s->empty()) return core::make_error(errc::invalid_value, "must not be empty");
  return std::string(*s);
}

core::Result<bool> Boolean::parse(const toml::node& node) const {
  const auto* b = node.as_boolean();
  if (b == nullptr) return wrong_type("a boolean (true or false)", node);
  return b->get();
}

core::Result<std::int64_t> parse_integer(const toml::node& node, std::int64_t min,
                                         std::int64_t max) {
  const auto* i = node.as_integer();
  if (i == nullptr) return wrong_type("an integer", node);
  const std::int64_t v = i->get();
  if (v < min || v > max) {
    return core::make_error(errc::out_of_range, std::to_string(v) + " is out of range (" +
                                                    show_bound(min) + ".." + show_bound(max) + ")");
  }
  return v;
}

core::Result<config::Duration> Duration::parse(const toml::node& node) const {
  if (node.is_integer() || node.is_floating_point()) {
    return wrong_type("a duration string with a unit, e.g. \"30s\"", node);
  }
  auto d = parse_string_with(node, parse_duration);
  if (!d) return d.error();
  if (*d < min)
    return core::make_error(errc::out_of_range, "must be at least " + format_duration(min));
  if (*d > max)
    return core::make_error(errc::out_of_range, "must be at most " + format_duration(max));
  return *d;
}

core::Result<std::uint64_t> Size::parse(const toml::node& node) const {
  core::Result<std::uint64_t> bytes = std::uint64_t{0};
  if (const auto* i = node.as_integer()) {
    if (i->get() < 0)
      return core::make_error(errc::bad_size, "size " + std::to_string(i->get()) + " is negative");
    bytes = static_cast<std::uint64_t>(i->get());
  } else if (node.is_string()) {
    bytes = parse_string_with(node, parse_size);
  } else {
    return wrong_type("a size (bytes as an integer, or a string like \"64KiB\")", node);
  }
  if (!bytes) return bytes.error();
  if (*bytes < min)
    return core::make_error(errc::out_of_range, "must be at least " + format_size(min));
  if (*bytes > max)
    return core::make_error(errc::out_of_range, "must be at most " + format_size(max));
  return *bytes;
}

core::Result<core::IpAddress> Address::parse(const toml::node& node) const {
  return as_config_error(parse_string_with(node, core::IpAddress::parse));
}

core::Result<core::IpPrefix> Prefix::parse(const toml::node& node) const {
  return as_config_error(parse_string_with(node, core::IpPrefix::parse));
}

core::Result<config::Endpoint> Endpoint::parse(const toml::node& node) const {
  return parse_string_with(node, config::Endpoint::parse);
}

core::Result<std::string> PeerName::parse(const toml::node& node) const {
  return parse_string_with(node, config::parse_peer_name);
}

core::Result<config::SocketAddress> SocketAddress::parse(const toml::node& node) const {
  return parse_string_with(node, config::SocketAddress::parse);
}

core::Result<std::filesystem::path> Path::parse(const toml::node& node) const {
  auto s = Text{}.parse(node);
  if (!s) return s.error();
  return std::filesystem::path(*s);
}

core::Result<std::string> Group::parse(const toml::node& node) const {
  auto s = string_of(node);
  if (!s) return s.error();
  if (const auto g = lookup_group(*s)) return std::string(g->canonical);
  std::string allowed;
  for (const auto name : kHybridGroups)
    allowed += (allowed.empty() ? "" : ", ") + in_quotes(name);
  return core::make_error(
      errc::unknown_group,
      "unknown group " + in_quotes(*s) + " (post-quantum hybrid groups: " + allowed + ")");
}

core::Result<std::size_t> parse_choice(const toml::node& node,
                                       const std::vector<std::string_view>& names) {
  std::string list;
  for (const auto name : names)
    list += (list.empty() ? "" : ", ") + in_quotes(name);
  auto s = string_of(node);
  if (!s) return wrong_type("one of " + list, node);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == *s) return i;
  }
  return core::make_error(errc::bad_choice, "expected one of " + list);
}

}  // namespace kind
}  // namespace pqbranch::config
