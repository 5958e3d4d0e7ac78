#include "pqbranch/xfrm/validate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pqbranch/xfrm/errc.hpp"

namespace pqbranch::xfrm {
namespace {

core::Error invalid(std::string what) {
  return core::make_error(errc::invalid_parameter, std::move(what));
}

bool unspecified(const core::IpAddress& a) {
  const auto b = a.bytes();
  return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

core::Result<void> check_endpoints(const char* what, const core::IpAddress& src,
                                   const core::IpAddress& dst) {
  if (src.family() != dst.family()) {
    return invalid(fmt::format("{}: src {} and dst {} are of different families", what, src, dst));
  }
  if (unspecified(src) || unspecified(dst)) {
    return invalid(fmt::format("{}: src and dst must be set (got {} -> {})", what, src, dst));
  }
  return {};
}

core::Result<void> check_mark(const char* what, const Mark& m) {
  if ((m.value & ~m.mask) != 0) {
    return invalid(
        fmt::format("{} 0x{:x} has bits outside its mask 0x{:x}", what, m.value, m.mask));
  }
  return {};
}

core::Result<void> check_limits(const char* what, std::uint64_t soft, std::uint64_t hard) {
  if (soft != kNoLimit && hard != kNoLimit && soft > hard) {
    return invalid(fmt::format("lifetime: soft {} limit {} above hard limit {}", what, soft, hard));
  }
  return {};
}

bool valid_mode(Mode m) {
  return m == Mode::tunnel || m == Mode::transport;
}
bool valid_proto(Proto p) {
  return p == Proto::esp;
}

}  // namespace

core::Result<void> validate(const Selector& s) {
  if (s.src.family() != s.dst.family()) {
    return invalid(fmt::format("selector {} -> {}: prefixes of different families", s.src, s.dst));
  }
  if ((s.src_port != 0 || s.dst_port != 0) && s.proto == 0) {
    return invalid("selector: ports need a protocol");
  }
  return {};
}

core::Result<void> validate(const Sa& sa) {
  if (auto r = check_endpoints("SA", sa.src, sa.dst); !r) return r;
  if (sa.spi < kMinSpi) {
    return invalid(fmt::format("SA: spi 0x{:x} is reserved (RFC 4303 §2.1: use >= 256)", sa.spi));
  }
  if (!valid_proto(sa.proto)) return invalid("SA: protocol must be ESP");
  if (!valid_mode(sa.mode)) return invalid("SA: unknown mode");
  if (sa.direction != SaDirection::in && sa.direction != SaDirection::out) {
    return invalid("SA: direction must be in or out");
  }
  if (sa.reqid == 0) return invalid("SA: reqid must be nonzero");
  if (sa.aead_key.size() != kAeadKeyBytes) {
    return invalid(fmt::format("SA: {} needs a {}-byte key (AES-256 key + salt), got {}", kAeadName,
                               kAeadKeyBytes, sa.aead_key.size()));
  }
  if (sa.direction == SaDirection::in &&
      (sa.replay_window < kMinReplayWindow || sa.replay_window > kMaxReplayWindow)) {
    return invalid(fmt::format("SA: inbound replay window {} outside [{}, {}]", sa.replay_window,
                               kMinReplayWindow, kMaxReplayWindow));
  }
  // Without ESN the 32-bit sequence number must never wrap (RFC 4303 §3.3.3).
  if (!sa.esn && sa.lifetime.hard_packets >= (std::uint64_t{1} << 32)) {
    return invalid("SA: without ESN a hard packet limit below 2^32 is required");
  }
  const Lifetime& l = sa.lifetime;
  if (auto r = check_limits("byte", l.soft_bytes, l.hard_bytes); !r) return r;
  if (auto r = check_limits("packet", l.soft_packets, l.hard_packets); !r) return r;
  if (l.soft_add.count() < 0 || l.hard_add.count() < 0) {
    return invalid("lifetime: negative add-time limit");
  }
  if (l.soft_add.count() != 0 && l.hard_add.count() != 0 && l.soft_add > l.hard_add) {
    return invalid(fmt::format("lifetime: soft add-time limit {} s above hard limit {} s",
                               l.soft_add.count(), l.hard_add.count()));
  }
  if (sa.encap) {
    if (sa.encap->type != kEncapEspInUdp) {
      return invalid(fmt::format("SA: encap type {} is not UDP_ENCAP_ESPINUDP", sa.encap->type));
    }
    if (sa.encap->src_port == 0 || sa.encap->dst_port == 0) {
      return invalid("SA: encap ports must be nonzero");
    }
    if (sa.encap->original_address && sa.encap->original_address->family() != sa.family()) {
      return invalid("SA: encap original address of another family");
    }
  }
  if (auto r = check_mark("SA mark", sa.mark); !r) return r;
  if (sa.output_mark) {
    if (auto r = check_mark("SA output mark", *sa.output_mark); !r) return r;
  }
  if (sa.selector) {
    if (auto r = validate(*sa.selector); !r) return r;
  }
  return {};
}

core::Result<void> validate(const SpiRequest& r) {
  if (auto e = check_endpoints("ALLOCSPI", r.src, r.dst); !e) return e;
  if (!valid_proto(r.proto)) return invalid("ALLOCSPI: protocol must be ESP");
  if (!valid_mode(r.mode)) return invalid("ALLOCSPI: unknown mode");
  if (r.direction != SaDirection::in && r.direction != SaDirection::out) {
    return invalid("ALLOCSPI: direction must be in or out");
  }
  if (r.reqid == 0) return invalid("ALLOCSPI: reqid must be nonzero");
  if (r.min_spi < kMinSpi || r.min_spi > r.max_spi) {
    return invalid(fmt::format("ALLOCSPI: bad SPI range [0x{:x}, 0x{:x}] (minimum 0x{:x})",
                               r.min_spi, r.max_spi, kMinSpi));
  }
  return check_mark("ALLOCSPI mark", r.mark);
}

core::Result<void> validate(const Policy& p) {
  if (auto r = validate(id_of(p)); !r) return r;
  if (p.action != PolicyAction::allow && p.action != PolicyAction::block) {
    return invalid("policy: action must be allow or block");
  }
  if (p.action == PolicyAction::block && !p.templates.empty()) {
    return invalid("policy: a block policy takes no templates");
  }
  for (const PolicyTemplate& t : p.templates) {
    if (!valid_proto(t.proto)) return invalid("policy template: protocol must be ESP");
    if (!valid_mode(t.mode)) return invalid("policy template: unknown mode");
    if (t.reqid == 0) return invalid("policy template: reqid must be nonzero");
    if (t.mode == Mode::tunnel) {
      if (auto r = check_endpoints("policy template", t.src, t.dst); !r) return r;
    }
    if (t.spi && *t.spi < kMinSpi) return invalid("policy template: reserved SPI");
  }
  return {};
}

core::Result<void> validate(const PolicyId& id) {
  if (auto r = validate(id.selector); !r) return r;
  if (id.direction != PolicyDirection::in && id.direction != PolicyDirection::out &&
      id.direction != PolicyDirection::fwd) {
    return invalid("policy: direction must be in, out or fwd");
  }
  return check_mark("policy mark", id.mark);
}

core::Result<void> validate(const XfrmInterface& xi) {
  const auto bad_name = [](const std::string& n) {
    return n.empty() || n.size() > 15 || n == "." || n == ".." ||
           n.find_first_of("/: \t\n") != std::string::npos;
  };
  if (bad_name(xi.name)) {
    return invalid(
        fmt::format("xfrm interface: bad name '{}' (1-15 bytes, no '/', ':', spaces)", xi.name));
  }
  if (!xi.underlying.empty() && bad_name(xi.underlying)) {
    return invalid(fmt::format("xfrm interface: bad underlying device '{}'", xi.underlying));
  }
  if (xi.if_id == 0) return invalid("xfrm interface: if_id must be nonzero");
  return {};
}

}  // namespace pqbranch::xfrm
