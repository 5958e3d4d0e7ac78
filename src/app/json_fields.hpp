#pragma once
// Reading the agent's own status document back (agent_status.cpp and its parts): a missing
// or mistyped field shows as empty, never throws.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

namespace pqbranch::app::detail {

inline const boost::json::value* field(const boost::json::object& o, std::string_view key) {
  return o.if_contains(key);
}
inline std::string str(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = field(o, key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
}
// A string or null.
inline std::optional<std::string> opt_str(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = field(o, key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}
inline std::int64_t num(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = field(o, key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}
inline bool flag(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = field(o, key);
  return v != nullptr && v->is_bool() && v->get_bool();
}
inline const boost::json::object* obj(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = field(o, key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

}  // namespace pqbranch::app::detail
