#include "json_fields.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "pqbranch/wire/protocol.hpp"

namespace pqbranch::wire::detail {
namespace {

std::string_view kind_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "an integer";
    case boost::json::kind::double_:
      return "a fraction";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "an unknown kind";
}

core::Error wrong_type(const boost::json::value& v, const std::string& path,
                       std::string_view expected) {
  return core::make_error(errc::wrong_type,
                          fmt::format("{}: expected {}, got {}", path, expected, kind_name(v)));
}

}  // namespace

core::Result<std::uint64_t> read_uint(const boost::json::value& value, const std::string& path,
                                      std::uint64_t min, std::uint64_t max) {
  std::uint64_t n = 0;
  if (const auto* i = value.if_int64()) {
    if (*i < 0) return core::make_error(errc::negative_number, fmt::format("{}: {}", path, *i));
    n = static_cast<std::uint64_t>(*i);
  } else if (const auto* u = value.if_uint64()) {
    n = *u;
  } else {
    return wrong_type(value, path, "an unsigned integer");
  }
  if (n < min || n > max) {
    return core::make_error(errc::out_of_range,
                            fmt::format("{}: {} not in {}..{}", path, n, min, max));
  }
  return n;
}

core::Result<bool> read_bool(const boost::json::value& value, const std::string& path) {
  if (const auto* b = value.if_bool()) return *b;
  return wrong_type(value, path, "a boolean");
}

core::Result<std::string_view> read_text(const boost::json::value& value, const std::string& path,
                                         std::size_t max_bytes) {
  const auto* s = value.if_string();
  if (s == nullptr) return wrong_type(value, path, "a string");
  if (s->size() > max_bytes) {
    return core::make_error(errc::too_long,
                            fmt::format("{}: {} bytes > {}", path, s->size(), max_bytes));
  }
  // Boost.JSON has checked the UTF-8; control characters (NUL included) would truncate or
  // forge text further on (inet_pton, log lines).
  const auto bad = std::find_if(s->begin(), s->end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
  if (bad != s->end()) {
    return core::make_error(errc::bad_value, fmt::format("{}: control character", path));
  }
  return std::string_view(s->data(), s->size());
}

core::Result<core::IpAddress> read_address(const boost::json::value& value,
                                           const std::string& path) {
  constexpr std::size_t kMaxAddressText = 64;
  auto text = read_text(value, path, kMaxAddressText);
  if (!text) return text.error();
  auto address = core::IpAddress::parse(*text);
  if (!address) {
    return core::make_error(errc::bad_address,
                            fmt::format("{}: {}", path, address.error().message()));
  }
  return *address;
}

core::Result<core::IpPrefix> read_prefix(const boost::json::value& value, const std::string& path) {
  constexpr std::size_t kMaxPrefixText = 64;
  auto text = read_text(value, path, kMaxPrefixText);
  if (!text) return text.error();
  // The length is always written out: a bare address is not a prefix on the wire.
  if (text->find('/') == std::string_view::npos) {
    return core::make_error(errc::bad_address, fmt::format("{}: prefix without length", path));
  }
  auto prefix = core::IpPrefix::parse(*text);
  if (!prefix) {
    return core::make_error(errc::bad_address,
                            fmt::format("{}: {}", path, prefix.error().message()));
  }
  return *prefix;
}

core::Result<ObjectReader> ObjectReader::open(const boost::json::value& value, std::string path) {
  const auto* object = value.if_object();
  if (object == nullptr) return wrong_type(value, path.empty() ? "body" : path, "an object");
  return ObjectReader(*object, std::move(path));
}

std::string ObjectReader::path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return fmt::format("{}.{}", path_, key);
}

core::Result<const boost::json::value*> ObjectReader::field(std::string_view key) {
  const auto it = object_->find(key);
  if (it == object_->end()) return core::make_error(errc::missing_field, path(key));
  read_.push_back(it->key());
  return &it->value();
}

core::Result<const boost::json::value*> ObjectReader::nullable(std::string_view key) {
  auto v = field(key);
  if (!v) return v;
  if ((*v)->is_null()) return nullptr;
  return v;
}

core::Result<void> ObjectReader::finish() const {
  for (const auto& member : *object_) {
    if (std::find(read_.begin(), read_.end(), std::string_view(member.key())) == read_.end()) {
      return core::make_error(errc::unknown_field, path(detail::quoted(member.key())));
    }
  }
  return {};
}

core::Result<bool> ObjectReader::boolean(std::string_view key) {
  auto v = field(key);
  if (!v) return v.error();
  return read_bool(**v, path(key));
}

core::Result<std::string_view> ObjectReader::text(std::string_view key, std::size_t max_bytes) {
  auto v = field(key);
  if (!v) return v.error();
  return read_text(**v, path(key), max_bytes);
}

core::Result<core::IpAddress> ObjectReader::address(std::string_view key) {
  auto v = field(key);
  if (!v) return v.error();
  return read_address(**v, path(key));
}

core::Result<core::IpPrefix> ObjectReader::prefix(std::string_view key) {
  auto v = field(key);
  if (!v) return v.error();
  return read_prefix(**v, path(key));
}

core::Result<const boost::json::array*> ObjectReader::array(std::string_view key,
                                                            std::size_t max_items) {
  auto v = field(key);
  if (!v) return v.error();
  const auto* a = (*v)->if_array();
  if (a == nullptr) return wrong_type(**v, path(key), "an array");
  if (a->size() > max_items) {
    return core::make_error(errc::too_many_items,
                            fmt::format("{}: {} items > {}", path(key), a->size(), max_items));
  }
  return a;
}

core::Result<void> ObjectReader::expect_bool(std::string_view key, bool expected) {
  auto b = boolean(key);
  if (!b) return b.error();
  if (*b != expected) {
    return core::make_error(errc::bad_value, fmt::format("{}: must be {}", path(key), expected));
  }
  return {};
}

core::Result<void> ObjectReader::expect_uint(std::string_view key, std::uint64_t expected) {
  auto v = field(key);
  if (!v) return v.error();
  auto n = read_uint(**v, path(key), 0, kMaxJsonInteger);
  if (!n) return n.error();
  if (*n != expected) {
    return core::make_error(errc::bad_value, fmt::format("{}: must be {}", path(key), expected));
  }
  return {};
}

core::Result<void> ObjectReader::expect_version() {
  auto v = field("version");
  if (!v) return v.error();
  // Any integer but ours is a version we do not speak; anything else is malformed.
  const auto* i = (*v)->if_int64();
  const auto* u = (*v)->if_uint64();
  if (i == nullptr && u == nullptr) return wrong_type(**v, path("version"), "an integer");
  if ((i != nullptr && *i == static_cast<std::int64_t>(kProtocolVersion)) ||
      (u != nullptr && *u == kProtocolVersion)) {
    return {};
  }
  const std::string seen = i != nullptr ? std::to_string(*i) : std::to_string(*u);
  return core::make_error(errc::unsupported_version,
                          fmt::format("version {} (this side speaks {})", seen, kProtocolVersion));
}

boost::json::object new_message() {
  boost::json::object message;
  message["version"] = kProtocolVersion;
  return message;
}

std::string to_body(const boost::json::object& message) {
  return boost::json::serialize(message);
}

}  // namespace pqbranch::wire::detail
