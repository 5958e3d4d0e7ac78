#include "pqbranch/app/capability_policy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "pqbranch/core/capabilities.hpp"

namespace pqbranch::app {
namespace {

constexpr std::uint64_t bit(unsigned cap) {
  return std::uint64_t{1} << cap;
}

}  // namespace

std::uint64_t allowed_capabilities(const config::AgentConfig& config) {
  std::uint64_t allowed = bit(core::kCapNetAdmin);
  for (const auto& peer : config.ikev2_peers) {
    if (peer.local_port < 1024 || peer.local_natt_port < 1024) {
      allowed |= bit(core::kCapNetBindService);
    }
  }
  return allowed;
}

CapabilityVerdict judge_capabilities(std::uint64_t effective, const config::AgentConfig& config) {
  CapabilityVerdict v;
  v.ok = (effective & bit(core::kCapNetAdmin)) != 0;
  v.extra = core::extra_capabilities(effective, allowed_capabilities(config));
  return v;
}

bool check_capabilities(const config::AgentConfig& config) {
  auto caps = core::effective_capabilities();
  if (!caps) {
    spdlog::warn("cannot read the effective capabilities: {}", caps.error().message());
    return true;
  }
  const CapabilityVerdict v = judge_capabilities(*caps, config);
  if (!v.ok) {
    spdlog::critical("CAP_NET_ADMIN is missing: the agent cannot manage XFRM state");
    return false;
  }
  if (!v.extra.empty()) {
    spdlog::warn(
        "running with more capabilities than CAP_NET_ADMIN: {} (the systemd unit "
        "restricts them)",
        fmt::join(v.extra, ", "));
  }
  return true;
}

}  // namespace pqbranch::app
