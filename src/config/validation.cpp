#include "pqbranch/config/validation.hpp"

#include <algorithm>
#include <set>
#include <string_view>
#include <sys/un.h>
#include <unordered_map>

#include "pqbranch/core/site_id.hpp"

#include "quoting.hpp"

namespace pqbranch::config {
namespace {

using detail::in_quotes;

std::string indexed(std::string_view key, std::size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

bool overlaps(const core::IpPrefix& a, const core::IpPrefix& b) {
  return a.contains(b.address()) || b.contains(a.address());
}

class Rules {
 public:
  void add(errc code, std::string key, std::string text) {
    problems_.push_back(Problem{code, std::move(key), std::move(text)});
  }
  void require(bool ok, std::string key, std::string text) {
    if (!ok) add(errc::invalid_value, std::move(key), std::move(text));
  }
  std::vector<Problem> take() { return std::move(problems_); }

  void tls(const TlsSettings& t) {
    require(!t.certificate.empty(), "tls.certificate", "must be set");
    require(!t.private_key.empty(), "tls.private_key", "must be set");
    require(!t.ca.empty(), "tls.ca", "must be set");
    require(!t.groups.empty(), "tls.groups", "must name at least one group");
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < t.groups.size(); ++i) {
      const auto key = indexed("tls.groups", i);
      const auto group = lookup_group(t.groups[i]);
      if (!group) {
        add(errc::unknown_group, key, "unknown group " + in_quotes(t.groups[i]));
        continue;
      }
      require(seen.insert(group->canonical).second, key,
              "group " + in_quotes(group->canonical) + " is listed twice");
      if (group->kind == GroupKind::classical && !t.allow_classical) {
        add(errc::classical_group_not_allowed, key,
            in_quotes(t.groups[i]) +
                " is a classical group, not post-quantum; it is refused unless "
                "tls.allow_classical = true");
      }
    }
  }

  void lifetime(const LifetimeSettings& l) {
    require(l.soft_time.count() > 0, "lifetime.soft_time", "must be longer than 0s");
    require(l.soft_time < l.hard_time, "lifetime.soft_time",
            "must be shorter than lifetime.hard_time (" + format_duration(l.soft_time) +
                " >= " + format_duration(l.hard_time) + ")");
    if (l.hard_bytes != 0) {
      require(l.soft_bytes != 0 && l.soft_bytes < l.hard_bytes, "lifetime.soft_bytes",
              "must be set and smaller than lifetime.hard_bytes (" + format_size(l.soft_bytes) +
                  " vs " + format_size(l.hard_bytes) +
                  "), so that rotation starts before the hard limit");
    }
  }

  void ownership(const OwnershipSettings& o) {
    // reqid 0 in a policy template means "any SA", so it can mark nothing as ours.
    require(o.reqid_min != 0, "ownership.reqid_min", "must not be 0");
    require(o.reqid_min <= o.reqid_max, "ownership.reqid_min", "must not exceed reqid_max");
  }

  void owned_reqid(const OwnershipSettings& o, std::uint32_t reqid, std::string key) {
    require(reqid >= o.reqid_min && reqid <= o.reqid_max, std::move(key),
            fmt::format("{:#x} is outside the owned range [ownership] {:#x}..{:#x}", reqid,
                        o.reqid_min, o.reqid_max));
  }

  void prefixes(const std::vector<core::IpPrefix>& list, const std::string& key) {
    require(!list.empty(), key, "must list at least one prefix");
  }

  // Traffic between overlapping prefixes would match both "local" and "remote".
  void disjoint(const std::vector<core::IpPrefix>& list, const std::vector<core::IpPrefix>& others,
                const std::string& key, const std::string& others_name) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      for (const auto& q : others) {
        require(!overlaps(list[i], q), indexed(key, i),
                list[i].to_string() + " overlaps " + q.to_string() + others_name);
      }
    }
  }

  void unix_socket(const std::filesystem::path& path, std::string key) {
    const std::size_t max = sizeof(sockaddr_un::sun_path) - 1;
    require(!path.empty() && path.native().size() <= max, std::move(key),
            "must be a path of 1.." + std::to_string(max) + " bytes (a Unix socket)");
  }

 private:
  std::vector<Problem> problems_;
};

// Linux interface names: 1..15 bytes (IFNAMSIZ - 1), no '/', ':' or white space.
bool is_interface_name(std::string_view name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  return std::ranges::none_of(name, [](char c) {
    return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\0';
  });
}

bool inside(const std::vector<core::IpPrefix>& prefixes, const core::IpAddress& a) {
  return std::ranges::any_of(prefixes, [&](const core::IpPrefix& p) { return p.contains(a); });
}

// The probes must travel the tunnel: from the branch's prefixes to the edge's.
void health(Rules& r, const AgentConfig& c) {
  const HealthSettings& h = c.health;
  if (!h.enabled) return;
  r.require(inside(c.tunnel.remote_prefixes, h.target), "health.target",
            h.target.to_string() +
                " is not inside tunnel.remote_prefixes: probes to it would not use the tunnel");
  if (h.source) {
    r.require(inside(c.tunnel.local_prefixes, *h.source), "health.source",
              h.source->to_string() +
                  " is not inside tunnel.local_prefixes: probes from it would not use the tunnel");
    r.require(h.source->family() == h.target.family(), "health.source",
              "must be of the same address family as health.target");
  } else {
    r.require(std::ranges::any_of(
                  c.tunnel.local_prefixes,
                  [&](const core::IpPrefix& p) { return p.family() == h.target.family(); }),
              "health.target",
              "tunnel.local_prefixes has no prefix of its address family to send probes from");
  }
  r.require(h.timeout <= h.interval * h.down_after, "health.timeout",
            "must not exceed interval * down_after (" + format_duration(h.interval * h.down_after) +
                "), or an outage would be seen only long after it began");
}

void key_service(Rules& r, const AgentConfig& c) {
  r.tls(c.tls);
  r.require(!c.edge.endpoints.empty(), "edge.endpoints", "must list at least one endpoint");
  for (std::size_t i = 0; i < c.edge.endpoints.size(); ++i) {
    const auto& e = c.edge.endpoints[i];
    if (e.name.empty()) {
      r.add(errc::missing_key, indexed("edge.endpoints", i),
            in_quotes(e.to_string()) +
                " is an IP address, so the edge's certificate cannot be checked against it: "
                "set edge.name to the DNS name (or IP address) the edge's certificate carries");
    } else if (!parse_peer_name(e.name)) {
      r.add(errc::bad_endpoint, "edge.name",
            in_quotes(e.name) + " is neither a DNS name nor an IP address");
    }
  }
  r.require(c.edge.connect_timeout.count() > 0, "edge.connect_timeout", "must be longer than 0s");
  r.require(c.edge.backoff_initial.count() > 0, "edge.backoff_initial", "must be longer than 0s");
  r.require(c.edge.backoff_initial <= c.edge.backoff_max, "edge.backoff_initial",
            "must not exceed edge.backoff_max");

  const auto& t = c.tunnel;
  r.require(t.local_address.family() == t.remote_address.family(), "tunnel.remote_address",
            "must be of the same address family as tunnel.local_address");
  r.require(t.local_address != t.remote_address, "tunnel.remote_address",
            "must differ from tunnel.local_address");
  r.prefixes(t.local_prefixes, "tunnel.local_prefixes");
  r.prefixes(t.remote_prefixes, "tunnel.remote_prefixes");
  r.disjoint(t.remote_prefixes, t.local_prefixes, "tunnel.remote_prefixes",
             " in tunnel.local_prefixes");
  if (t.mode == TunnelMode::route) {
    r.require(t.if_id != 0, "tunnel.if_id", "must not be 0 in route mode");
    r.require(is_interface_name(t.interface), "tunnel.interface",
              "must be a Linux interface name (1..15 bytes, no '/', ':' or spaces)");
  }
  r.ownership(c.ownership);
  r.owned_reqid(c.ownership, t.reqid, "tunnel.reqid");
  health(r, c);

  r.require(c.rotation.interval.count() > 0, "rotation.interval", "must be longer than 0s");
  r.require(c.rotation.jitter < c.rotation.interval, "rotation.jitter",
            "must be shorter than rotation.interval");
  // Rotation must come before the soft limit, or every generation would run on the kernel's
  // soft-expire event instead of the schedule.
  r.require(c.rotation.interval + c.rotation.jitter < c.lifetime.soft_time, "rotation.interval",
            "interval + jitter (" + format_duration(c.rotation.interval + c.rotation.jitter) +
                ") must be shorter than lifetime.soft_time (" +
                format_duration(c.lifetime.soft_time) + ")");
}

void ikev2_peer(Rules& r, const AgentConfig& c, std::size_t i) {
  const auto& p = c.ikev2_peers[i];
  const auto key = indexed("ikev2.peer", i);
  r.require(!p.name.empty(), key + ".name", "must be set");
  r.require(p.local_address.family() == p.remote_address.family(), key + ".remote_address",
            "must be of the same address family as local_address");
  r.require(p.local_address != p.remote_address, key + ".remote_address",
            "must differ from local_address");
  r.require(p.local_port != p.local_natt_port, key + ".local_natt_port",
            "must differ from local_port");
  if (p.auth == IkeAuth::psk) {
    r.require(!p.psk_file.empty(), key + ".psk_file",
              "must name the file holding the pre-shared key (auth = \"psk\")");
    const std::pair<const char*, const std::filesystem::path*> ecdsa_files[] = {
        {"certificate", &p.certificate}, {"private_key", &p.private_key}, {"ca", &p.ca}};
    for (const auto& [name, path] : ecdsa_files) {
      r.require(path->empty(), key + "." + name, "is for auth = \"ecdsa\", not \"psk\"");
    }
  } else {
    r.require(!p.certificate.empty(), key + ".certificate", "must be set (auth = \"ecdsa\")");
    r.require(!p.private_key.empty(), key + ".private_key", "must be set (auth = \"ecdsa\")");
    r.require(!p.ca.empty(), key + ".ca", "must be set (auth = \"ecdsa\")");
    r.require(p.psk_file.empty(), key + ".psk_file", "is for auth = \"psk\", not \"ecdsa\"");
  }
  r.require(!p.proposals.empty(), key + ".proposals", "must list at least one proposal");
  for (std::size_t j = 0; j < p.proposals.size(); ++j) {
    const auto& proposal = p.proposals[j];
    if (!proposal.post_quantum() && !p.allow_classical) {
      r.add(errc::classical_group_not_allowed, indexed(key + ".proposals", j),
            in_quotes(to_string(proposal)) +
                " has no ML-KEM key exchange, so it is not post-quantum; it is refused unless "
                "allow_classical = true");
    }
    for (std::size_t k = 0; k < j; ++k) {
      r.require(p.proposals[k] != proposal, indexed(key + ".proposals", j), "is listed twice");
    }
  }
  r.prefixes(p.local_ts, key + ".local_ts");
  r.prefixes(p.remote_ts, key + ".remote_ts");
  if (p.mode == TunnelMode::route) {
    r.require(p.if_id != 0, key + ".if_id", "must be set and not 0 in route mode");
    r.require(is_interface_name(p.interface), key + ".interface",
              "must be a Linux interface name (1..15 bytes, no '/', ':' or spaces) in route mode");
  }
  r.owned_reqid(c.ownership, p.reqid, key + ".reqid");
  r.require(p.dpd_delay.count() == 0 || p.dpd_delay >= std::chrono::seconds{1}, key + ".dpd_delay",
            "must be 0 (off) or at least 1s");
  r.require(p.nat_keepalive.count() == 0 || p.nat_keepalive >= std::chrono::seconds{1},
            key + ".nat_keepalive", "must be 0 (off) or at least 1s");
  r.require(p.rekey_time < p.lifetime, key + ".rekey_time",
            "must be shorter than lifetime (" + format_duration(p.rekey_time) +
                " >= " + format_duration(p.lifetime) + ")");
  if (c.key_service) {
    r.require(p.reqid != c.tunnel.reqid, key + ".reqid", "repeats tunnel.reqid");
    const bool natt_clash =
        c.nat_traversal.mode != NatMode::off &&
        (p.local_port == c.nat_traversal.port || p.local_natt_port == c.nat_traversal.port);
    r.require(!natt_clash, key + ".local_natt_port",
              "clashes with nat_traversal.port of the key-service tunnel");
  }
  for (std::size_t j = 0; j < i; ++j) {
    const auto& o = c.ikev2_peers[j];
    const auto other = " as " + indexed("ikev2.peer", j);
    r.require(p.name != o.name, key + ".name", "repeats the name " + in_quotes(p.name) + other);
    r.require(p.reqid != o.reqid, key + ".reqid", "repeats the reqid" + other);
    r.require(p.mode != TunnelMode::route || o.mode != TunnelMode::route || p.if_id != o.if_id,
              key + ".if_id", "repeats the if_id" + other);
    // Each peer's session binds its own IKE sockets.
    const bool same_socket =
        p.local_address == o.local_address &&
        (p.local_port == o.local_port || p.local_port == o.local_natt_port ||
         p.local_natt_port == o.local_port || p.local_natt_port == o.local_natt_port);
    r.require(!same_socket, key + ".local_port", "repeats a local IKE port" + other);
  }
}

// Channel names travel in the manifest's URL and name: lower-case letters, digits, '-'.
bool is_channel_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxChannelBytes && std::ranges::all_of(name, [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  });
}

void update_window(Rules& r, const UpdateSettings& u, std::size_t i) {
  const auto& w = u.windows[i];
  const auto key = indexed("update.window", i);
  r.require(!w.days.empty(), key + ".days", "must name at least one day");
  for (std::size_t j = 0; j < w.days.size(); ++j) {
    const bool repeated = std::find(w.days.begin(), w.days.begin() + static_cast<long>(j),
                                    w.days[j]) != w.days.begin() + static_cast<long>(j);
    r.require(!repeated, indexed(key + ".days", j), "is listed twice");
  }
  r.require(w.start_hour <= 23, key + ".start_hour", "must be 0..23");
  r.require(w.duration >= std::chrono::hours{1} && w.duration <= std::chrono::hours{24},
            key + ".duration", "must be 1h..24h");
  r.require(w.time_zone != nullptr, key + ".time_zone", "must be set");
  // A window shorter than an install could never start one.
  r.require(w.duration >= u.install_time, key + ".duration",
            "must be at least update.install_time (" + format_duration(w.duration) + " < " +
                format_duration(u.install_time) + ")");
}

void update(Rules& r, const UpdateSettings& u) {
  r.require(is_channel_name(u.channel), "update.channel",
            "must be 1.." + std::to_string(kMaxChannelBytes) + " characters of a-z, 0-9 and '-'");
  if (u.enabled) {
    r.require(!u.ml_dsa_65_key.empty(), "update.ml_dsa_65_key",
              "must be set (the pinned ML-DSA-65 release key) when updates are enabled");
    r.require(!u.ed25519_key.empty(), "update.ed25519_key",
              "must be set (the pinned Ed25519 release key) when updates are enabled");
  }
  r.require(
      u.check_interval >= std::chrono::minutes{1} && u.check_interval <= std::chrono::hours{24},
      "update.check_interval", "must be 1m..24h");
  r.require(u.install_time >= std::chrono::minutes{1} && u.install_time <= std::chrono::hours{4},
            "update.install_time", "must be 1m..4h");
  r.require(u.embargo_dates.size() <= kMaxEmbargoDates, "update.embargo_dates",
            "must list at most " + std::to_string(kMaxEmbargoDates) + " dates");
  for (std::size_t i = 0; i < u.embargo_dates.size(); ++i) {
    r.require(u.embargo_dates[i].ok(), indexed("update.embargo_dates", i),
              "must be a calendar date");
  }
  r.require(u.windows.size() <= kMaxUpdateWindows, "update.window",
            "must list at most " + std::to_string(kMaxUpdateWindows) + " windows");
  for (std::size_t i = 0; i < u.windows.size(); ++i)
    update_window(r, u, i);
}

// Sites differ in id, reqid and if_id, and no prefix of one overlaps a prefix of another.
// With indexes rather than a comparison of every pair: an edge may serve tens of thousands
// of sites, and N^2 checks of that many took half a minute at start.
void distinct_sites(Rules& r, const std::vector<SiteSettings>& sites) {
  std::unordered_map<std::string_view, std::size_t> ids;
  std::unordered_map<std::uint32_t, std::size_t> reqids;
  std::unordered_map<std::uint32_t, std::size_t> if_ids;
  struct Entry {
    core::IpPrefix prefix;
    std::size_t site;
    std::size_t index;  // in the site's prefixes
  };
  std::vector<Entry> all;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const auto& s = sites[i];
    const auto key = indexed("site", i);
    if (auto [at, fresh] = ids.emplace(s.id, i); !fresh) {
      r.add(errc::invalid_value, key + ".id",
            "repeats the id " + in_quotes(s.id) + " as " + indexed("site", at->second));
    }
    if (auto [at, fresh] = reqids.emplace(s.reqid, i); !fresh) {
      r.add(errc::invalid_value, key + ".reqid",
            "repeats the reqid as " + indexed("site", at->second));
    }
    if (s.if_id) {
      if (auto [at, fresh] = if_ids.emplace(*s.if_id, i); !fresh) {
        r.add(errc::invalid_value, key + ".if_id",
              "repeats the if_id as " + indexed("site", at->second));
      }
    }
    for (std::size_t k = 0; k < s.prefixes.size(); ++k)
      all.push_back({s.prefixes[k], i, k});
  }
  // Two prefixes overlap only when one contains the other; in address order the container
  // comes first, so a stack of the prefixes containing the current one finds every overlap.
  std::ranges::sort(all, {}, &Entry::prefix);
  std::vector<const Entry*> open;
  for (const Entry& e : all) {
    while (!open.empty() && !open.back()->prefix.contains(e.prefix.address()))
      open.pop_back();
    for (const Entry* o : open) {
      if (o->site == e.site) continue;
      const Entry& later = o->site > e.site ? *o : e;
      const Entry& earlier = o->site > e.site ? e : *o;
      r.add(errc::invalid_value, indexed(indexed("site", later.site) + ".prefixes", later.index),
            later.prefix.to_string() + " overlaps " + earlier.prefix.to_string() + " of " +
                indexed("site", earlier.site));
      break;
    }
    open.push_back(&e);
  }
}

}  // namespace

std::vector<Problem> validate(const AgentConfig& c) {
  Rules r;
  r.require(!c.state_directory.empty(), "state_directory", "must be set");
  r.unix_socket(c.status_socket, "status_socket");
  if (c.key_service) {
    key_service(r, c);
  } else {
    r.ownership(c.ownership);
  }
  for (std::size_t i = 0; i < c.ikev2_peers.size(); ++i)
    ikev2_peer(r, c, i);
  r.lifetime(c.lifetime);
  update(r, c.update);
  return r.take();
}

std::vector<Problem> validate(const EdgeConfig& c) {
  Rules r;
  r.require(!c.state_directory.empty(), "state_directory", "must be set");
  r.require(!c.listen.empty(), "listen", "must list at least one address");
  for (std::size_t i = 0; i < c.listen.size(); ++i) {
    const bool repeated = std::find(c.listen.begin(), c.listen.begin() + static_cast<long>(i),
                                    c.listen[i]) != c.listen.begin() + static_cast<long>(i);
    r.require(!repeated, indexed("listen", i), "is listed twice");
  }
  r.tls(c.tls);
  r.require(c.resumption.ticket_key_rotation <= c.resumption.max_age, "tls.ticket_key_rotation",
            "must not be longer than tls.resumption_max_age (" +
                format_duration(c.resumption.ticket_key_rotation) + " > " +
                format_duration(c.resumption.max_age) + ")");
  const LimitSettings& l = c.limits;
  r.require(l.max_connections > 0, "limits.max_connections", "must be at least 1");
  r.require(l.max_unauthenticated <= l.max_connections, "limits.max_unauthenticated",
            "must not exceed limits.max_connections");
  r.require(l.max_handshakes <= l.max_unauthenticated, "limits.max_handshakes",
            "must not exceed limits.max_unauthenticated");
  r.require(l.max_per_source <= l.max_connections, "limits.max_per_source",
            "must not exceed limits.max_connections");
  r.require(l.max_unauthenticated_per_source <= l.max_per_source &&
                l.max_unauthenticated_per_source <= l.max_unauthenticated,
            "limits.max_unauthenticated_per_source",
            "must not exceed limits.max_per_source and limits.max_unauthenticated");
  r.require(l.max_body_bytes > 0, "limits.max_body_bytes", "must be at least 1");
  r.require(l.read_timeout.count() > 0, "limits.read_timeout", "must be longer than 0s");
  r.prefixes(c.tunnel.local_prefixes, "tunnel.local_prefixes");
  r.lifetime(c.lifetime);
  r.ownership(c.ownership);

  for (std::size_t i = 0; i < c.sites.size(); ++i) {
    const auto& s = c.sites[i];
    const auto key = indexed("site", i);
    r.require(!s.id.empty() && s.id.size() <= core::kMaxSiteIdBytes, key + ".id",
              "must be 1.." + std::to_string(core::kMaxSiteIdBytes) + " bytes");
    r.prefixes(s.prefixes, key + ".prefixes");
    r.disjoint(s.prefixes, c.tunnel.local_prefixes, key + ".prefixes", " in tunnel.local_prefixes");
    r.owned_reqid(c.ownership, s.reqid, key + ".reqid");
    if (s.if_id) r.require(*s.if_id != 0, key + ".if_id", "must not be 0");
    if (s.remote_address) {
      r.require(s.remote_address->family() == c.tunnel.local_address.family(),
                key + ".remote_address",
                "must be of the same address family as tunnel.local_address");
    }
  }
  distinct_sites(r, c.sites);
  return r.take();
}

}  // namespace pqbranch::config
