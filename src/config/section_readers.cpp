#include "section_readers.hpp"

namespace pqbranch::config::detail {

TlsSettings read_tls(TableReader table) {
  TlsSettings t;
  t.certificate = table.required("certificate", kind::Path{});
  t.private_key = table.required("private_key", kind::Path{});
  t.ca = table.required("ca", kind::Path{});
  t.groups = table.array("groups", kind::Group{}, t.groups);
  t.allow_classical = table.get("allow_classical", kind::Boolean{}, t.allow_classical);
  return t;
}

LifetimeSettings read_lifetime(TableReader table) {
  LifetimeSettings l;
  const kind::Duration positive{.min = std::chrono::seconds{1}};
  l.soft_time = table.get("soft_time", positive, l.soft_time);
  l.hard_time = table.get("hard_time", positive, l.hard_time);
  l.soft_bytes = table.get("soft_bytes", kind::Size{}, l.soft_bytes);
  l.hard_bytes = table.get("hard_bytes", kind::Size{}, l.hard_bytes);
  return l;
}

OwnershipSettings read_ownership(TableReader table) {
  OwnershipSettings o;
  o.reqid_min = table.get("reqid_min", kind::Integer<std::uint32_t>{}, o.reqid_min);
  o.reqid_max = table.get("reqid_max", kind::Integer<std::uint32_t>{}, o.reqid_max);
  return o;
}

NatSettings read_nat(TableReader table) {
  NatSettings n;
  n.mode = table.get(
      "mode",
      kind::Choice<NatMode>{
          {{"off", NatMode::off}, {"auto", NatMode::automatic}, {"force", NatMode::force}}},
      n.mode);
  n.port = table.get("port", kind::Integer<std::uint16_t>{.min = 1}, n.port);
  n.keepalive = table.get("keepalive", kind::Duration{.min = std::chrono::seconds{1}}, n.keepalive);
  return n;
}

MetricsSettings read_metrics(TableReader table) {
  MetricsSettings m;
  m.listen = table.optional("listen", kind::SocketAddress{});
  return m;
}

spdlog::level::level_enum read_log_level(TableReader& table, spdlog::level::level_enum fallback) {
  using L = spdlog::level::level_enum;
  return table.get("log_level",
                   kind::Choice<L>{{{"trace", L::trace},
                                    {"debug", L::debug},
                                    {"info", L::info},
                                    {"warn", L::warn},
                                    {"warning", L::warn},
                                    {"error", L::err},
                                    {"critical", L::critical},
                                    {"off", L::off}}},
                   fallback);
}

}  // namespace pqbranch::config::detail
