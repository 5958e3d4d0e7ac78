#include "ikev2_status_json.hpp"

#include <fmt/format.h>

#include "json_fields.hpp"
#include "status_times.hpp"

namespace pqbranch::app::detail {
namespace json = boost::json;

namespace {

json::object counters_json(const std::optional<xfrm::SaCounters>& c) {
  return {{"present", c.has_value()}, {"packets", c ? c->packets : 0}, {"bytes", c ? c->bytes : 0}};
}

std::string half(const json::object& peer, std::string_view spi_key, std::string_view key) {
  const auto spi = num(peer, spi_key);
  if (spi == 0) return "-";
  const json::object* c = obj(peer, key);
  if (c == nullptr) return fmt::format("0x{:08x}", spi);
  return fmt::format("0x{:08x} ({} packets, {} bytes{})", spi, num(*c, "packets"), num(*c, "bytes"),
                     flag(*c, "present") ? "" : ", gone from the kernel");
}

// "in 120 s" or "-" when the time is null.
std::string in_seconds(const json::object& o, std::string_view key) {
  const json::value* v = field(o, key);
  return v == nullptr || v->is_null() ? std::string("-") : fmt::format("in {} s", num(o, key));
}

}  // namespace

json::array ikev2_status_json(const std::vector<Ikev2PeerReport>& peers,
                              std::chrono::system_clock::time_point now) {
  json::array out;
  for (const auto& p : peers) {
    const ikev2::SessionStatus& s = p.session;
    json::object o;
    o["name"] = p.name;
    o["local"] = p.local;
    o["remote"] = p.remote;
    o["state"] = s.state;
    o["proposal"] = s.proposal;
    o["post_quantum"] = s.post_quantum;
    o["udp_encapsulation"] = s.udp_encapsulation;
    o["esp_proposal"] = s.esp_proposal;
    o["inbound_spi"] = s.inbound_spi;
    o["outbound_spi"] = s.outbound_spi;
    o["inbound"] = counters_json(p.inbound);
    o["outbound"] = counters_json(p.outbound);
    o["ike_sas_established"] = s.established;
    o["ike_rekeys"] = s.ike_rekeys;
    o["peer_ike_rekeys"] = s.peer_ike_rekeys;
    o["child_rekeys"] = s.child_rekeys;
    o["peer_child_rekeys"] = s.peer_child_rekeys;
    o["established_utc"] = utc(p.established);
    o["established_age_s"] = seconds_since(now, p.established);
    o["child_installed_utc"] = utc(p.child_installed);
    o["child_age_s"] = seconds_since(now, p.child_installed);
    o["next_child_rekey_utc"] = utc(p.next_child_rekey);
    o["next_child_rekey_s"] = seconds_between(now, p.next_child_rekey);
    o["next_ike_replacement_utc"] = utc(p.next_ike_replacement);
    o["next_ike_replacement_s"] = seconds_between(now, p.next_ike_replacement);
    o["last_error"] = s.last_error;
    out.push_back(std::move(o));
  }
  return out;
}

void render_ikev2_status(const json::array& peers, const LineWriter& line) {
  for (const json::value& v : peers) {
    if (!v.is_object()) continue;
    const json::object& p = v.get_object();
    line("ikev2 " + str(p, "name"),
         fmt::format("{}, {} -> {}", str(p, "state"), str(p, "local"), str(p, "remote")));
    if (const std::string proposal = str(p, "proposal"); !proposal.empty()) {
      line("", fmt::format("IKE {} -- {}{}", proposal,
                           flag(p, "post_quantum") ? "post-quantum (ML-KEM)" : "NOT post-quantum",
                           flag(p, "udp_encapsulation") ? ", UDP-encapsulated ESP" : ""));
    }
    if (opt_str(p, "established_utc")) {
      line("", fmt::format("IKE SA made {} ({} s ago; {} so far, {} rekey(s) and {} by the peer), "
                           "rekeyed {}",
                           str(p, "established_utc"), num(p, "established_age_s"),
                           num(p, "ike_sas_established"), num(p, "ike_rekeys"),
                           num(p, "peer_ike_rekeys"), in_seconds(p, "next_ike_replacement_s")));
      line("", fmt::format("CHILD SA in {} out {}", half(p, "inbound_spi", "inbound"),
                           half(p, "outbound_spi", "outbound")));
      line("", fmt::format("CHILD SA {} s old, {} rekey(s) with {} (and {} by the peer), next {}",
                           num(p, "child_age_s"), num(p, "child_rekeys"), str(p, "esp_proposal"),
                           num(p, "peer_child_rekeys"), in_seconds(p, "next_child_rekey_s")));
    }
    const std::string error = str(p, "last_error");
    line("", "last error " + (error.empty() ? std::string("-") : error));
  }
}

}  // namespace pqbranch::app::detail
