#include "pqbranch/rotation/persisted_state.hpp"

#include <initializer_list>
#include <limits>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "pqbranch/core/site_id.hpp"
#include "pqbranch/rotation/errc.hpp"

namespace pqbranch::rotation {
namespace {

namespace json = boost::json;

constexpr std::int64_t kVersion = 1;
constexpr std::size_t kMaxTextBytes = std::size_t{16} * 1024;

core::Error bad(const std::string& why) {
  return core::make_error(errc::bad_state, why);
}

json::array encode_sas(const std::vector<SaRecord>& sas) {
  json::array a;
  for (const SaRecord& r : sas) {
    a.push_back(json::object{
        {"generation", r.generation}, {"direction", xfrm::to_string(r.direction)}, {"spi", r.spi}});
  }
  return a;
}

// Files written before SPIs were drawn at random carry the SPI high-water mark that chose
// them; it is accepted (an unsigned 32-bit number) and ignored, so an upgrade keeps its state.
// It is still written, as 0, because those versions require it: an update rolled back to one
// of them must find its state readable.
constexpr const char* kLegacyHighWater = "spi_high_water";

// The object must hold exactly `keys` (strict: nothing unknown, nothing missing), and may
// hold `optional`.
core::Result<void> expect_keys(const json::object& o, std::initializer_list<const char*> keys,
                               const char* what, const char* optional = nullptr) {
  for (const char* k : keys) {
    if (!o.contains(k)) return bad(fmt::format("{}: missing \"{}\"", what, k));
  }
  for (const auto& kv : o) {
    bool known = optional != nullptr && kv.key() == optional;
    for (const char* k : keys)
      known = known || kv.key() == k;
    if (!known) return bad(fmt::format("{}: unknown field \"{}\"", what, std::string(kv.key())));
  }
  return {};
}

core::Result<std::uint64_t> get_uint(const json::object& o, const char* key, std::uint64_t max) {
  const json::value& v = o.at(key);
  std::uint64_t n = 0;
  if (const auto* i = v.if_int64(); i != nullptr && *i >= 0) {
    n = static_cast<std::uint64_t>(*i);
  } else if (const auto* u = v.if_uint64(); u != nullptr) {
    n = *u;
  } else {
    return bad(fmt::format("\"{}\" must be a non-negative integer", key));
  }
  if (n > max) return bad(fmt::format("\"{}\" out of range", key));
  return n;
}

core::Result<json::object> parse_object(std::string_view text) {
  if (text.size() > kMaxTextBytes) return bad("state file too large");
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return bad("not JSON: " + ec.message());
  if (!v.is_object()) return bad("not a JSON object");
  return std::move(v.as_object());
}

core::Result<void> check_version(const json::object& o) {
  auto version = get_uint(o, "version", std::numeric_limits<std::uint32_t>::max());
  if (!version) return version.error();
  if (*version != static_cast<std::uint64_t>(kVersion)) {
    return bad(fmt::format("unsupported version {}", *version));
  }
  return {};
}

core::Result<std::vector<SaRecord>> decode_sas(const json::value& v) {
  const json::array* a = v.if_array();
  if (a == nullptr) return bad("\"sas\" must be an array");
  if (a->size() > kMaxSavedSas) return bad("too many SA records");
  std::vector<SaRecord> out;
  for (const json::value& item : *a) {
    const json::object* o = item.if_object();
    if (o == nullptr) return bad("an SA record must be an object");
    if (auto r = expect_keys(*o, {"generation", "direction", "spi"}, "SA record"); !r) {
      return r.error();
    }
    SaRecord rec;
    auto gen = get_uint(*o, "generation", std::numeric_limits<Generation>::max());
    if (!gen) return gen.error();
    if (*gen == 0) return bad("SA record: generation 0");
    rec.generation = *gen;
    auto spi = get_uint(*o, "spi", std::numeric_limits<std::uint32_t>::max());
    if (!spi) return spi.error();
    if (*spi < xfrm::kMinSpi) return bad("SA record: reserved SPI");
    rec.spi = static_cast<std::uint32_t>(*spi);
    const json::string* dir = o->at("direction").if_string();
    if (dir != nullptr && *dir == "in") {
      rec.direction = xfrm::SaDirection::in;
    } else if (dir != nullptr && *dir == "out") {
      rec.direction = xfrm::SaDirection::out;
    } else {
      return bad("SA record: direction must be \"in\" or \"out\"");
    }
    out.push_back(rec);
  }
  return out;
}

// The fields both states have: the current generation and the SAs.
template <typename State>
core::Result<void> decode_shared_fields(const json::object& o, State& s) {
  auto gen = get_uint(o, "generation", std::numeric_limits<Generation>::max());
  if (!gen) return gen.error();
  s.generation = *gen;
  if (o.contains(kLegacyHighWater)) {
    auto hw = get_uint(o, kLegacyHighWater, std::numeric_limits<std::uint32_t>::max());
    if (!hw) return hw.error();
  }
  auto sas = decode_sas(o.at("sas"));
  if (!sas) return sas.error();
  s.sas = std::move(*sas);
  return {};
}

}  // namespace

std::string encode(const AgentState& s) {
  json::object o{{"version", kVersion},
                 {"generation", s.generation},
                 {kLegacyHighWater, 0},
                 {"sas", encode_sas(s.sas)}};
  return json::serialize(o);
}

std::string encode(const EdgeSiteState& s) {
  json::object o{{"version", kVersion},          {"site_id", s.site_id},
                 {"last_issued", s.last_issued}, {"generation", s.generation},
                 {kLegacyHighWater, 0},          {"sas", encode_sas(s.sas)}};
  return json::serialize(o);
}

core::Result<AgentState> decode_agent_state(std::string_view text) {
  auto parsed = parse_object(text);
  if (!parsed) return parsed.error();
  const json::object& o = *parsed;
  if (auto r = expect_keys(o, {"version", "generation", "sas"}, "agent state", kLegacyHighWater);
      !r) {
    return r.error();
  }
  if (auto r = check_version(o); !r) return r.error();
  AgentState s;
  if (auto r = decode_shared_fields(o, s); !r) return r.error();
  return s;
}

core::Result<EdgeSiteState> decode_edge_site_state(std::string_view text) {
  auto parsed = parse_object(text);
  if (!parsed) return parsed.error();
  const json::object& o = *parsed;
  if (auto r = expect_keys(o, {"version", "site_id", "last_issued", "generation", "sas"},
                           "edge site state", kLegacyHighWater);
      !r) {
    return r.error();
  }
  if (auto r = check_version(o); !r) return r.error();
  EdgeSiteState s;
  const json::string* site = o.at("site_id").if_string();
  if (site == nullptr || site->empty() || site->size() > core::kMaxSiteIdBytes) {
    return bad("\"site_id\" must be a non-empty string");
  }
  s.site_id = std::string(*site);
  auto last = get_uint(o, "last_issued", std::numeric_limits<Generation>::max());
  if (!last) return last.error();
  s.last_issued = *last;
  if (auto r = decode_shared_fields(o, s); !r) return r.error();
  if (s.generation > s.last_issued) return bad("generation above last_issued");
  return s;
}

}  // namespace pqbranch::rotation
