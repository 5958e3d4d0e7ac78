#pragma once
// Internal to src/wire: the strict JSON reading (and the little writing) every message
// codec shares, so each codec only states its schema. Included by .cpp files only.

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/core/log_text.hpp"
#include "pqbranch/wire/errc.hpp"

namespace pqbranch::wire::detail {

// Parses `body` into `storage`: at most kMaxBodyBytes, valid UTF-8, at most kMaxJsonDepth
// levels, no trailing data and no name twice in one object (RFC 7493 §2.3; Boost.JSON
// would silently keep the last one, so a first pass looks for duplicates).
core::Result<boost::json::value> parse_strict(std::string_view body,
                                              boost::json::storage_ptr storage);

// An untrusted value as an error detail quotes it: core::log_safe, at most 40 bytes in all
// (37 and the "..." that marks a cut).
inline std::string quoted(std::string_view text) {
  return core::log_safe(text, 37);
}

// Value-level readers; `path` names the value in error details ("tunnel.selectors[1]").
core::Result<std::uint64_t> read_uint(const boost::json::value& value, const std::string& path,
                                      std::uint64_t min, std::uint64_t max);
core::Result<bool> read_bool(const boost::json::value& value, const std::string& path);
// A string of at most `max_bytes` with no control characters.
core::Result<std::string_view> read_text(const boost::json::value& value, const std::string& path,
                                         std::size_t max_bytes);
core::Result<core::IpAddress> read_address(const boost::json::value& value,
                                           const std::string& path);
// "address/length" with the length written out and host bits zero.
core::Result<core::IpPrefix> read_prefix(const boost::json::value& value, const std::string& path);

// A string that must be one of `names` (bad_value otherwise).
template <class E, std::size_t N>
core::Result<E> read_enum(const boost::json::value& value, const std::string& path,
                          const std::array<std::pair<std::string_view, E>, N>& names) {
  constexpr std::size_t kMaxEnumText = 64;
  auto text = read_text(value, path, kMaxEnumText);
  if (!text) return text.error();
  for (const auto& [name, e] : names) {
    if (*text == name) return e;
  }
  return core::make_error(errc::bad_value, path + ": unknown value '" + quoted(*text) + "'");
}

// Reads one JSON object field by field. Every field read is remembered, so finish() can
// refuse the first field the schema does not have.
class ObjectReader {
 public:
  // wrong_type unless `value` is an object. `value` must outlive the reader.
  static core::Result<ObjectReader> open(const boost::json::value& value, std::string path);

  // The field's value; missing_field if absent.
  core::Result<const boost::json::value*> field(std::string_view key);
  // As field(), but a JSON null gives nullptr.
  core::Result<const boost::json::value*> nullable(std::string_view key);
  // unknown_field naming the first field that was never read.
  [[nodiscard]] core::Result<void> finish() const;
  // "parent.key", or "key" at the root.
  [[nodiscard]] std::string path(std::string_view key) const;

  template <class T>
  core::Result<T> uint(std::string_view key, T min, T max = std::numeric_limits<T>::max()) {
    auto v = field(key);
    if (!v) return v.error();
    auto n = read_uint(**v, path(key), min, max);
    if (!n) return n.error();
    return static_cast<T>(*n);
  }
  core::Result<bool> boolean(std::string_view key);
  core::Result<std::string_view> text(std::string_view key, std::size_t max_bytes);
  core::Result<core::IpAddress> address(std::string_view key);
  core::Result<core::IpPrefix> prefix(std::string_view key);
  // The field as an array of at most `max_items` (too_many_items beyond).
  core::Result<const boost::json::array*> array(std::string_view key, std::size_t max_items);
  // A field that must hold exactly `expected`, e.g. "esn": true (bad_value otherwise).
  core::Result<void> expect_bool(std::string_view key, bool expected);
  core::Result<void> expect_uint(std::string_view key, std::uint64_t expected);
  // "version": unsupported_version unless it is kProtocolVersion.
  core::Result<void> expect_version();

 private:
  ObjectReader(const boost::json::object& object, std::string path)
      : object_(&object), path_(std::move(path)) {}
  const boost::json::object* object_;
  std::string path_;
  std::vector<std::string_view> read_;  // views of object_'s keys
};

// The common frame of every message: a JSON object whose "version" is read first (so a
// future version is named as such, whatever else it holds), then `read_body`, then the
// check for unknown fields. The parsed value lives in an arena on this stack frame.
template <class T, class ReadBody>
core::Result<T> decode_message(std::string_view body, ReadBody&& read_body) {
  std::array<unsigned char, 4096> arena{};
  boost::json::monotonic_resource resource(arena.data(), arena.size());
  auto root = parse_strict(body, &resource);
  if (!root) return root.error();
  auto reader = ObjectReader::open(*root, {});
  if (!reader) return reader.error();
  if (auto v = reader->expect_version(); !v) return v.error();
  core::Result<T> message = std::forward<ReadBody>(read_body)(*reader);
  if (!message) return message;
  if (auto done = reader->finish(); !done) return done.error();
  return message;
}

// {"version":1} to add the message's fields to, and its serialization.
boost::json::object new_message();
std::string to_body(const boost::json::object& message);

}  // namespace pqbranch::wire::detail
