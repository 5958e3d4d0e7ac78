#pragma once
// Readers for the sections both config files share, and the parse pipeline both use.
// Internal to the config module.

#include <string>
#include <string_view>

#include "pqbranch/config/common_settings.hpp"
#include "pqbranch/config/ikev2_config.hpp"
#include "pqbranch/config/toml_reader.hpp"
#include "pqbranch/config/update_config.hpp"
#include "pqbranch/config/validation.hpp"

namespace pqbranch::config::detail {

TlsSettings read_tls(TableReader table);
LifetimeSettings read_lifetime(TableReader table);
OwnershipSettings read_ownership(TableReader table);
NatSettings read_nat(TableReader table);
MetricsSettings read_metrics(TableReader table);
// [ikev2] with its [[ikev2.peer]] tables (ikev2_reader.cpp).
std::vector<Ikev2PeerSettings> read_ikev2(TableReader table);
// [update] with its [[update.window]] tables (update_reader.cpp).
UpdateSettings read_update(TableReader table);
spdlog::level::level_enum read_log_level(TableReader& table, spdlog::level::level_enum fallback);

// Syntax, then reading (types, values, unknown keys), then validation: each stage runs only
// if the one before found nothing, so one mistake is not reported three times.
template <class Config, class Read>
core::Result<Config> parse_config(std::string_view text, const std::string& name, Read read) {
  auto table = parse_toml(text, name);
  if (!table) return table.error();
  Document doc(*table, name);
  Config config = read(doc.root());
  doc.report_unknown_keys();
  if (!doc.ok()) return doc.result().error();
  for (const auto& problem : validate(config))
    doc.report(problem);
  if (!doc.ok()) return doc.result().error();
  return config;
}

}  // namespace pqbranch::config::detail
