#include "pqbranch/keysvc/edge_site.hpp"

#include <span>

#include <fmt/format.h>

#include "pqbranch/crypto/hash.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::keysvc {
namespace {

constexpr std::size_t kMaxStateNameBytes = 200;

bool plain(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::uint64_t byte_limit(std::uint64_t configured) {
  return configured == 0 ? xfrm::kNoLimit : configured;
}

std::chrono::seconds whole_seconds(config::Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d);
}

}  // namespace

std::string site_state_file_name(std::string_view site_id) {
  std::string name = "site-";
  for (const char c : site_id) {
    if (plain(c)) {
      name.push_back(c);
    } else {
      name += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  name += ".json";
  if (name.size() <= kMaxStateNameBytes) return name;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(site_id.data());
  const auto d = crypto::digest(crypto::Hash::sha256, std::span(bytes, site_id.size()));
  std::string hex;
  for (const std::uint8_t b : d.value())
    hex += fmt::format("{:02x}", b);
  return "site-#" + hex + ".json";
}

std::string site_interface_name(std::uint32_t if_id) {
  return fmt::format("pqbe{}", if_id);
}

std::vector<EdgeSite> edge_sites(const config::EdgeConfig& c) {
  std::vector<EdgeSite> sites;
  const bool nat = c.nat_traversal.mode != config::NatMode::off;
  for (const config::SiteSettings& s : c.sites) {
    EdgeSite site;
    rotation::EdgeSiteConfig& r = site.rotation;
    r.site_id = s.id;
    r.outbound_drain = rotation::kOutboundDrain;
    r.limits.burst = c.limits.generation_burst;
    r.limits.refill = c.limits.generation_refill;
    r.limits.max_outstanding = c.limits.max_outstanding_generations;
    r.limits.abandoned_lifetime = c.limits.abandoned_generation_lifetime;
    r.tunnel.local = c.tunnel.local_address;
    if (s.remote_address) r.tunnel.remote = *s.remote_address;
    r.tunnel.reqid = s.reqid;
    r.tunnel.if_id = s.if_id.value_or(0);
    r.tunnel.nat_port = nat ? c.nat_traversal.port : 0;
    r.lifetime.soft_add = whole_seconds(c.lifetime.soft_time);
    r.lifetime.hard_add = whole_seconds(c.lifetime.hard_time);
    r.lifetime.soft_bytes = byte_limit(c.lifetime.soft_bytes);
    r.lifetime.hard_bytes = byte_limit(c.lifetime.hard_bytes);
    for (const core::IpPrefix& theirs : s.prefixes) {
      for (const core::IpPrefix& ours : c.tunnel.local_prefixes) {
        if (theirs.family() != ours.family()) continue;
        xfrm::Selector sel;
        sel.src = theirs;
        sel.dst = ours;
        r.selectors.push_back(sel);
      }
    }
    tunnel::TunnelLayout& l = site.layout;
    l.route_mode = s.if_id.has_value();
    l.local_address = c.tunnel.local_address;
    if (s.remote_address) l.remote_address = *s.remote_address;
    l.local_prefixes = c.tunnel.local_prefixes;
    l.remote_prefixes = s.prefixes;
    l.reqid = s.reqid;
    l.if_id = s.if_id.value_or(0);
    if (l.route_mode) l.interface = site_interface_name(l.if_id);
    site.address_configured = s.remote_address.has_value();
    site.state_file = c.state_directory / site_state_file_name(s.id);
    sites.push_back(std::move(site));
  }
  return sites;
}

xfrm::Ownership edge_ownership(const config::EdgeConfig& c) {
  xfrm::Ownership o;
  o.reqid_min = c.ownership.reqid_min;
  o.reqid_max = c.ownership.reqid_max;
  return o;
}

}  // namespace pqbranch::keysvc
