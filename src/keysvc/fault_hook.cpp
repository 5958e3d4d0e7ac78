#include "pqbranch/keysvc/fault_hook.hpp"

#include <array>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <span>

#include <spdlog/spdlog.h>

namespace pqbranch::keysvc {
namespace {

constexpr std::string_view kAfter = "after_";

// In the order of the AgentAction and EdgeAction variants.
constexpr std::array<const char*, std::variant_size_v<rotation::AgentAction>> kAgentNames{
    "connect",   "send_request", "send_ack",      "close_connection", "allocate_spi", "add_sa",
    "update_sa", "delete_sa",    "read_counters", "save_agent_state", "wake_at",      "note"};
constexpr std::array<const char*, std::variant_size_v<rotation::EdgeAction>> kEdgeNames{
    "send_offer", "send_refusal",     "derive_keys",   "allocate_spi",    "add_sa",  "update_sa",
    "delete_sa",  "update_peer_port", "read_counters", "save_edge_state", "wake_at", "note"};

core::Error invalid(std::string detail) {
  return core::Error{make_error_code(boost::system::errc::invalid_argument),
                     std::string(kFaultKillAtVariable) + ": " + std::move(detail)};
}

std::span<const char* const> names_of(FaultSide side) {
  if (side == FaultSide::edge) return kEdgeNames;
  return kAgentNames;
}

}  // namespace

const char* action_name(const rotation::AgentAction& action) noexcept {
  return kAgentNames.at(action.index());
}

const char* action_name(const rotation::EdgeAction& action) noexcept {
  return kEdgeNames.at(action.index());
}

core::Result<FaultHook::Spec> FaultHook::parse(std::string_view text, FaultSide side) {
  Spec spec;
  std::string_view name = text;
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    name = text.substr(0, colon);
    const std::string_view n = text.substr(colon + 1);
    const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), spec.nth);
    if (n.empty() || ec != std::errc{} || end != n.data() + n.size() || spec.nth == 0) {
      return invalid("bad count '" + std::string(n) + "' (want a number >= 1)");
    }
  }
  if (name.starts_with(kAfter)) {
    spec.after = true;
    name.remove_prefix(kAfter.size());
  }
  for (const char* known : names_of(side)) {
    if (name == known) {
      spec.action = known;
      return spec;
    }
  }
  return invalid("unknown action '" + std::string(name) + "'");
}

core::Result<FaultHook> FaultHook::from_environment(FaultSide side) {
#if !PQB_FAULT_HOOK
  // Release and package builds: the variable is not read and the hook never fires.
  (void)side;
  return FaultHook{};
#else
  const char* value = std::getenv(kFaultKillAtVariable);  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr || *value == '\0') return FaultHook{};
  auto spec = parse(value, side);
  if (!spec) return spec.error();
  spdlog::warn("fault hook armed: SIGKILL {} {} #{} ({})", spec->after ? "after" : "before",
               spec->action, spec->nth, kFaultKillAtVariable);
  return FaultHook(*spec);
#endif
}

FaultHook::FaultHook(Spec spec, std::function<void()> kill)
    : spec_(std::move(spec)), kill_(std::move(kill)) {}

void FaultHook::at(std::string_view action, bool after) {
  if (!spec_ || spec_->after != after || spec_->action != action) return;
  if (++seen_ != spec_->nth) return;
  if (kill_) {
    kill_();
    return;
  }
  spdlog::default_logger()->flush();
  std::raise(SIGKILL);
}

}  // namespace pqbranch::keysvc
