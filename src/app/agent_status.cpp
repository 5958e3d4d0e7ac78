#include "pqbranch/app/agent_status.hpp"

#include <charconv>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "pqbranch/rotation/errc.hpp"

#include "health_status_json.hpp"
#include "ikev2_status_json.hpp"
#include "json_fields.hpp"
#include "status_times.hpp"
#include "update_status_json.hpp"

namespace pqbranch::app {
namespace json = boost::json;
using detail::field;
using detail::flag;
using detail::num;
using detail::obj;
using detail::opt_str;
using detail::seconds_between;
using detail::seconds_since;
using detail::str;
using detail::SystemTime;
using detail::utc;

namespace {

json::object metrics_object(const std::string& text) {
  json::object out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    std::int64_t value = 0;
    const char* first = line.data() + space + 1;
    const char* last = line.data() + line.size();
    const auto [end, ec] = std::from_chars(first, last, value);
    if (ec == std::errc{} && end == last) out[line.substr(0, space)] = value;
  }
  return out;
}

double as_double(std::int64_t v) {
  return static_cast<double>(v);
}

std::string spi(std::int64_t v) {
  return v == 0 ? std::string("-") : fmt::format("0x{:08x}", v);
}

json::object config_json(const ConfigStatus& c, SystemTime now) {
  json::object o;
  o["file"] = c.file;
  o["generation"] = c.generation;
  o["last_reload_utc"] = utc(c.last_reload);
  o["last_reload_age_s"] = seconds_since(now, c.last_reload);
  o["last_reload"] =
      c.last_reload ? json::value(c.last_reload_ok ? "ok" : "refused") : json::value(nullptr);
  o["last_reload_error"] = c.last_reload_error;
  return o;
}

// "2026-12-04T18:00:00Z (12 s ago)"; `when` as the JSON has it.
std::string time_and_age(const json::object& o, std::string_view when, std::string_view age,
                         std::string_view suffix) {
  return fmt::format("{} ({} s {})", str(o, when), num(o, age), suffix);
}

}  // namespace

AgentStatusReport collect_status(const keysvc::AgentExecutor& executor,
                                 const keysvc::AgentClient* client, xfrm::Kernel& kernel,
                                 const core::Metrics& metrics, const StatusContext& context) {
  AgentStatusReport r;
  r.agent_version = PQB_VERSION;
  r.mode = context.mode;
  r.local_address = context.local_address;
  r.remote_address = context.remote_address;
  r.rotation = executor.status();
  r.now = std::chrono::system_clock::now();
  const auto steady_now = std::chrono::steady_clock::now();
  // The machine's times are steady; the operator reads wall-clock UTC.
  auto to_utc = [&](rotation::TimePoint t) { return detail::wall_time(t, steady_now, r.now); };
  if (r.rotation.next_rotation) {
    const auto left = *r.rotation.next_rotation - steady_now;
    r.next_rotation_in = std::max(std::chrono::milliseconds(0),
                                  std::chrono::duration_cast<std::chrono::milliseconds>(left));
    r.next_rotation = to_utc(std::max(*r.rotation.next_rotation, steady_now));
  }
  if (r.rotation.last_rotation) r.last_rotation = to_utc(*r.rotation.last_rotation);
  if (client != nullptr) {
    r.endpoint = client->endpoint_name(r.rotation.endpoint);
    const auto endpoints = client->endpoints();
    if (r.rotation.endpoint < endpoints.size()) r.edge_name = endpoints[r.rotation.endpoint].name;
    r.tls = client->last_handshake();
  }
  const rotation::SaLedger& ledger = executor.rotation().ledger();
  for (const auto& [gen, sas] : ledger.generations()) {
    for (const rotation::SaSlot* slot : {&sas.outbound, &sas.inbound}) {
      if (!slot->installed()) continue;
      SaStatus s;
      s.generation = gen;
      s.inbound = slot == &sas.inbound;
      s.spi = slot->spi;
      if (auto state = kernel.get_sa(ledger.id_of(*slot))) {
        s.present = true;
        s.packets = state->current.packets;
        s.bytes = state->current.bytes;
      }
      r.sas.push_back(s);
    }
  }
  r.rotations = executor.rotations();
  if (!executor.timings().empty()) r.last_rotation_latency = executor.timings().back().latency;
  r.metrics = metrics.render();
  return r;
}

namespace {

// The key-service tunnel's part of the document.
void key_service_json(const AgentStatusReport& r, json::object& root) {
  root["tunnel"] = {{"mode", r.mode}, {"local", r.local_address}, {"remote", r.remote_address}};
  const rotation::RotationStatus& s = r.rotation;
  json::object rot;
  rot["state"] = s.state;
  rot["generation"] = s.generation;
  rot["pending_generation"] = s.pending_generation;
  rot["peer_generation"] = s.peer_generation;
  rot["outbound_spi"] = s.outbound_spi;
  rot["inbound_spi"] = s.inbound_spi;
  rot["inbound_sas"] = s.inbound_sas;
  rot["last_error"] = s.last_error;
  rot["next_rotation_ms"] =
      r.next_rotation_in ? json::value(r.next_rotation_in->count()) : json::value(nullptr);
  rot["consecutive_failures"] = s.consecutive_failures;
  rot["edge_reachable"] = s.edge_reachable;
  rot["endpoint"] = r.endpoint;
  rot["edge_name"] = r.edge_name;
  rot["last_rotation_utc"] = utc(r.last_rotation);
  rot["last_rotation_age_s"] = seconds_since(r.now, r.last_rotation);
  rot["next_rotation_utc"] = utc(r.next_rotation);
  rot["next_rotation_s"] = seconds_between(r.now, r.next_rotation);
  root["rotation"] = std::move(rot);
  if (r.tls) {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now() - r.tls->at);
    root["tls"] = {{"endpoint", r.tls->endpoint},
                   {"group", r.tls->info.group},
                   {"peer_signature", r.tls->info.peer_signature},
                   {"session_signature", r.tls->session_signature},
                   {"cipher", r.tls->info.cipher},
                   {"version", r.tls->info.version},
                   {"resumed", r.tls->info.resumed},
                   {"post_quantum", r.tls->info.post_quantum},
                   {"age_seconds", age.count()}};
  } else {
    root["tls"] = nullptr;
  }
  json::array sas;
  for (const SaStatus& sa : r.sas) {
    sas.push_back({{"generation", sa.generation},
                   {"direction", sa.inbound ? "in" : "out"},
                   {"spi", sa.spi},
                   {"present", sa.present},
                   {"packets", sa.packets},
                   {"bytes", sa.bytes}});
  }
  root["sas"] = std::move(sas);
  root["rotations"] = r.rotations;
  root["last_rotation_latency_us"] = r.last_rotation_latency
                                         ? json::value(r.last_rotation_latency->count())
                                         : json::value(nullptr);
}

}  // namespace

std::string to_json(const AgentStatusReport& r) {
  json::object root;
  root["agent_version"] = r.agent_version;
  if (r.key_service) key_service_json(r, root);
  root["ikev2"] = detail::ikev2_status_json(r.ikev2, r.now);
  root["metrics"] = metrics_object(r.metrics);
  if (r.update) root["update"] = detail::update_status_json(*r.update, r.tz_database);
  if (r.health) root["health"] = detail::health_status_json(*r.health);
  if (r.config) root["config"] = config_json(*r.config, r.now);
  return json::serialize(root);
}

namespace {

// The key-service tunnel's lines.
void render_key_service(const json::object& root, const json::object& rot, const json::object& tun,
                        const detail::LineWriter& line) {
  line("tunnel",
       fmt::format("{} -> {} ({} mode)", str(tun, "local"), str(tun, "remote"), str(tun, "mode")));
  line("state", str(rot, "state"));
  line("generation", fmt::format("{} (outbound SPI {}, inbound SPI {}, {} inbound SA(s))",
                                 num(rot, "generation"), spi(num(rot, "outbound_spi")),
                                 spi(num(rot, "inbound_spi")), num(rot, "inbound_sas")));
  line("edge", fmt::format("{}, endpoint {}, proven on generation {}",
                           flag(rot, "edge_reachable") ? "reachable" : "UNREACHABLE, retrying",
                           str(rot, "endpoint"), num(rot, "peer_generation")));
  if (const std::string name = str(rot, "edge_name"); !name.empty()) line("edge name", name);
  line("last rotation", opt_str(rot, "last_rotation_utc")
                            ? time_and_age(rot, "last_rotation_utc", "last_rotation_age_s", "ago")
                            : std::string("none since start"));
  if (const json::value* next = field(rot, "next_rotation_ms");
      next != nullptr && !next->is_null()) {
    const auto when = opt_str(rot, "next_rotation_utc");
    line("next rotation",
         fmt::format("in {:.1f} s{}", as_double(num(rot, "next_rotation_ms")) / 1000.0,
                     when ? fmt::format(" ({})", *when) : std::string()));
  }
  const json::value* latency = field(root, "last_rotation_latency_us");
  const std::string took =
      latency != nullptr && !latency->is_null()
          ? fmt::format("{:.2f} ms", as_double(num(root, "last_rotation_latency_us")) / 1000.0)
          : std::string("-");
  line("rotations", fmt::format("{} (last took {})", num(root, "rotations"), took));
  const std::string error = str(rot, "last_error");
  line("last error", error.empty() ? std::string("-") : error);
  if (const json::object* health = obj(root, "health"); health != nullptr) {
    detail::render_health_status(*health, line);
  }
  if (const json::object* tls = obj(root, "tls"); tls != nullptr) {
    std::string sig = str(*tls, "session_signature");
    if (sig.empty()) sig = str(*tls, "peer_signature");
    if (sig.empty()) sig = "?";
    if (flag(*tls, "resumed")) sig += " (resumed session, psk_dhe_ke)";
    line("TLS", fmt::format("{}, {}, peer signature {} -- {}", str(*tls, "group"),
                            str(*tls, "cipher"), sig,
                            flag(*tls, "post_quantum")
                                ? "post-quantum"
                                : "NOT post-quantum (classical key exchange, allow_classical)"));
  } else {
    line("TLS", "no handshake yet");
  }
  if (const json::value* sas = field(root, "sas"); sas != nullptr && sas->is_array()) {
    bool first = true;
    for (const json::value& v : sas->get_array()) {
      if (!v.is_object()) continue;
      const json::object& sa = v.get_object();
      line(first ? "SAs" : "",
           fmt::format("gen {:<6} {:<3} SPI {}  {} packets, {} bytes{}", num(sa, "generation"),
                       str(sa, "direction"), spi(num(sa, "spi")), num(sa, "packets"),
                       num(sa, "bytes"), flag(sa, "present") ? "" : " (gone from the kernel)"));
      first = false;
    }
    if (first) line("SAs", "none");
  }
}

}  // namespace

core::Result<std::string> render_status_text(std::string_view text) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) {
    return core::make_error(rotation::errc::bad_state, "the agent's status is not a JSON object");
  }
  const json::object& root = doc.get_object();
  const json::object* rot = obj(root, "rotation");
  const json::object* tun = obj(root, "tunnel");
  const json::value* ikev2 = field(root, "ikev2");
  const bool peers = ikev2 != nullptr && ikev2->is_array() && !ikev2->get_array().empty();
  if ((rot == nullptr || tun == nullptr) && !peers) {
    return core::make_error(rotation::errc::bad_state,
                            "the agent's status has neither rotation and tunnel nor IKEv2 peers");
  }
  std::string out;
  const detail::LineWriter line = [&](std::string_view label, const std::string& value) {
    out += fmt::format("{:<15}{}\n", label, value);
  };
  line("agent", fmt::format("pqbranch-agent {}", str(root, "agent_version")));
  if (rot != nullptr && tun != nullptr) render_key_service(root, *rot, *tun, line);
  if (peers) detail::render_ikev2_status(ikev2->get_array(), line);
  if (const json::object* update = obj(root, "update"); update != nullptr) {
    detail::render_update_status(*update, line);
  }
  if (const json::object* config = obj(root, "config"); config != nullptr) {
    std::string said =
        fmt::format("{}, generation {}", str(*config, "file"), num(*config, "generation"));
    if (opt_str(*config, "last_reload_utc")) {
      const std::string result = str(*config, "last_reload") == "ok"
                                     ? std::string("ok")
                                     : "REFUSED: " + str(*config, "last_reload_error");
      said +=
          fmt::format(", last reload {}: {}",
                      time_and_age(*config, "last_reload_utc", "last_reload_age_s", "ago"), result);
    }
    line("config", said);
  }
  return out;
}

}  // namespace pqbranch::app
