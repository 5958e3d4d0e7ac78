#include "pqbranch/keysvc/fault_hook.hpp"

#include <array>
#include <charconv>
#include <csignal>
#include <cstdlib>

#include <spdlog/spdlog.h>

namespace pqbranch::keysvc {
namespace {

// In the order of the AgentAction variant.
constexpr std::array<const char*, std::variant_size_v<AgentAction>> kNames{
    "connect",   "send_request", "send_ack",      "close_connection", "allocate_spi", "add_sa",
    "update_sa", "delete_sa",    "read_counters", "save_agent_state", "wake_at",      "note"};

core::Error invalid(std::string detail) {
  return core::Error{make_error_code(boost::system::errc::invalid_argument),
                     std::string(kFaultKillAtVariable) + ": " + std::move(detail)};
}

}  // namespace

const char* action_name(const AgentAction& action) noexcept {
  return kNames.at(action.index());
}

core::Result<FaultHook::Spec> FaultHook::parse(std::string_view text) {
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
  for (const char* known : kNames) {
    if (name == known) {
      spec.action = known;
      return spec;
    }
  }
  return invalid("unknown action '" + std::string(name) + "'");
}

core::Result<FaultHook> FaultHook::from_environment() {
  const char* value = std::getenv(kFaultKillAtVariable);  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr || *value == '\0') return FaultHook{};
  auto spec = parse(value);
  if (!spec) return spec.error();
  spdlog::warn("fault hook armed: SIGKILL before {} #{} ({})", spec->action, spec->nth,
               kFaultKillAtVariable);
  return FaultHook(*spec);
}

FaultHook::FaultHook(Spec spec, std::function<void()> kill)
    : spec_(std::move(spec)), kill_(std::move(kill)) {}

void FaultHook::before(const AgentAction& action) {
  if (!spec_ || spec_->action != action_name(action)) return;
  if (++seen_ != spec_->nth) return;
  if (kill_) {
    kill_();
    return;
  }
  spdlog::default_logger()->flush();
  std::raise(SIGKILL);
}

}  // namespace pqbranch::keysvc
