#include "options.hpp"

#include <charconv>
#include <fstream>

#include <fmt/format.h>

namespace pqbranch::driver {

Options::Options(std::span<char* const> args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (!a.starts_with("--") || i + 1 >= args.size()) {
      fail(fmt::format("unexpected argument '{}' (options are --name value)", a));
      return;
    }
    if (!values_.emplace(std::string(a.substr(2)), args[i + 1]).second) {
      fail(fmt::format("option {} given twice", a));
    }
    ++i;
  }
}

void Options::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
}

std::optional<std::string> Options::take(std::string_view key) {
  const auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  used_.emplace(key);
  return it->second;
}

std::string Options::text(std::string_view key, std::optional<std::string> fallback) {
  if (auto v = take(key)) return *v;
  if (!fallback) fail(fmt::format("--{} is required", key));
  return fallback.value_or("");
}

namespace {

std::optional<std::uint64_t> parse_number(std::string_view s) {
  int base = 10;
  if (s.starts_with("0x") || s.starts_with("0X")) {
    s.remove_prefix(2);
    base = 16;
  }
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::uint64_t> Options::optional_number(std::string_view key, std::uint64_t max) {
  const auto v = take(key);
  if (!v) return std::nullopt;
  const auto n = parse_number(*v);
  if (!n || *n > max) {
    fail(fmt::format("--{}: '{}' is not a number up to {}", key, *v, max));
    return std::nullopt;
  }
  return n;
}

std::uint64_t Options::number(std::string_view key, std::optional<std::uint64_t> fallback,
                              std::uint64_t max) {
  if (values_.find(key) == values_.end()) {
    if (!fallback) fail(fmt::format("--{} is required", key));
    return fallback.value_or(0);
  }
  return optional_number(key, max).value_or(0);
}

core::IpAddress Options::address(std::string_view key) {
  const std::string v = text(key);
  if (v.empty()) return {};
  auto a = core::IpAddress::parse(v);
  if (!a) {
    fail(fmt::format("--{}: '{}' is not an IP address", key, v));
    return {};
  }
  return *a;
}

core::IpPrefix Options::prefix(std::string_view key) {
  const std::string v = text(key);
  if (v.empty()) return {};
  auto p = core::IpPrefix::parse(v);
  if (!p) {
    fail(fmt::format("--{}: '{}' is not a prefix", key, v));
    return {};
  }
  return *p;
}

xfrm::SaDirection Options::direction(std::string_view key) {
  const std::string v = text(key);
  if (v == "in") return xfrm::SaDirection::in;
  if (v != "out" && !v.empty()) fail(fmt::format("--{}: '{}' is neither in nor out", key, v));
  return xfrm::SaDirection::out;
}

std::optional<xfrm::Encap> Options::encap(std::string_view key) {
  const auto v = take(key);
  if (!v) return std::nullopt;
  const std::string_view spec = *v;
  const auto colon = spec.find(':');
  // Without a colon DPORT is empty, which parse_number refuses.
  const auto sport = parse_number(spec.substr(0, colon));
  const auto dport =
      parse_number(colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1));
  if (!sport || !dport || *sport == 0 || *dport == 0 || *sport > 65535 || *dport > 65535) {
    fail(fmt::format("--{}: '{}' is not SPORT:DPORT", key, *v));
    return std::nullopt;
  }
  xfrm::Encap e;
  e.src_port = static_cast<std::uint16_t>(*sport);
  e.dst_port = static_cast<std::uint16_t>(*dport);
  return e;
}

core::SecureBytes Options::key_file(std::string_view key) {
  const std::string path = text(key);
  if (path.empty()) return {};
  // Read straight into SecureBytes: no other buffer ever holds the key.
  core::SecureBytes k(xfrm::kAeadKeyBytes);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(k.data()), static_cast<std::streamsize>(k.size()));
  const bool exact = in.gcount() == static_cast<std::streamsize>(k.size()) &&
                     in.peek() == std::ifstream::traits_type::eof();
  if (!exact) {
    fail(fmt::format("--{}: {} must hold exactly {} bytes", key, path, xfrm::kAeadKeyBytes));
  }
  return k;
}

bool Options::ok() const {
  return error().empty();
}

std::string Options::error() const {
  if (!error_.empty()) return error_;
  for (const auto& [key, value] : values_) {
    if (!used_.contains(key)) return fmt::format("unknown option --{}", key);
  }
  return {};
}

}  // namespace pqbranch::driver
