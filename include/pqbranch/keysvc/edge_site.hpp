#pragma once
// One branch site as the edge runs it, built from edge-stub.toml (config::EdgeConfig): its
// rotation machine's config, its tunnel layout and its state file. Pure, so the mapping is
// unit-tested.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/rotation/rotation_config.hpp"
#include "pqbranch/tunnel/tunnel_setup.hpp"
#include "pqbranch/xfrm/ownership.hpp"

namespace pqbranch::keysvc {

struct EdgeSite {
  rotation::EdgeSiteConfig rotation;
  // local = the edge, remote = the site. Without a configured address (`[[site]]` has no
  // remote_address: the site sits behind a NAT or has a dynamic address) the layout's
  // remote_address is learned per exchange, and the tunnel is set up once an offer names it.
  tunnel::TunnelLayout layout;
  bool address_configured = false;
  std::filesystem::path state_file;
};

// "site-<id>.json": bytes of the id outside [A-Za-z0-9._-] are written as %XX, so two ids
// never share a file and no id can leave the directory. Ids whose name would exceed 200
// bytes use "site-#<SHA-256 of the id, hex>.json" instead.
[[nodiscard]] std::string site_state_file_name(std::string_view site_id);

// The xfrm interface of a route-mode site: "pqbe<if_id>" (at most 14 characters, within
// IFNAMSIZ).
[[nodiscard]] std::string site_interface_name(std::uint32_t if_id);

// For every [[site]]:
// - the tunnel: the edge's local_address, the site's reqid and if_id (route mode), the edge's
//   NAT-T port unless nat_traversal is off;
// - the offered lifetimes from [lifetime] (0 bytes = no byte limit);
// - the offer's selectors: every pair (site prefix, edge prefix) of one family;
// - the layout: edge prefixes local, site prefixes remote.
[[nodiscard]] std::vector<EdgeSite> edge_sites(const config::EdgeConfig& config);

// The reqid range of [ownership]. No if_id: route-mode sites each have their own.
[[nodiscard]] xfrm::Ownership edge_ownership(const config::EdgeConfig& config);

}  // namespace pqbranch::keysvc
