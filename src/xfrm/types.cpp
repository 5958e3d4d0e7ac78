#include "pqbranch/xfrm/types.hpp"

#include <fmt/format.h>

namespace pqbranch::xfrm {

const char* to_string(Proto p) noexcept {
  switch (p) {
    case Proto::esp:
      return "esp";
  }
  return "?";
}

const char* to_string(Mode m) noexcept {
  switch (m) {
    case Mode::transport:
      return "transport";
    case Mode::tunnel:
      return "tunnel";
  }
  return "?";
}

const char* to_string(SaDirection d) noexcept {
  switch (d) {
    case SaDirection::in:
      return "in";
    case SaDirection::out:
      return "out";
  }
  return "?";
}

const char* to_string(PolicyDirection d) noexcept {
  switch (d) {
    case PolicyDirection::in:
      return "in";
    case PolicyDirection::out:
      return "out";
    case PolicyDirection::fwd:
      return "fwd";
  }
  return "?";
}

const char* to_string(PolicyAction a) noexcept {
  switch (a) {
    case PolicyAction::allow:
      return "allow";
    case PolicyAction::block:
      return "block";
  }
  return "?";
}

std::string to_string(const SaId& id) {
  std::string s = fmt::format("spi 0x{:08x} dst {}", id.spi, id.dst);
  if (id.mark_mask != 0) s += fmt::format(" mark 0x{:x}/0x{:x}", id.mark_value, id.mark_mask);
  return s;
}

std::string to_string(const Selector& s) {
  std::string out = fmt::format("{} -> {} proto {}", s.src, s.dst, s.proto);
  if (s.src_port != 0 || s.dst_port != 0) {
    out += fmt::format(" ports {} -> {}", s.src_port, s.dst_port);
  }
  return out;
}

std::string to_string(const PolicyId& id) {
  std::string s = fmt::format("{} {}", to_string(id.direction), to_string(id.selector));
  if (id.if_id != 0) s += fmt::format(" if_id {}", id.if_id);
  if (id.mark.mask != 0) s += fmt::format(" mark 0x{:x}/0x{:x}", id.mark.value, id.mark.mask);
  return s;
}

PolicyId id_of(const Policy& p) {
  return {p.selector, p.direction, p.if_id, p.mark};
}

}  // namespace pqbranch::xfrm
