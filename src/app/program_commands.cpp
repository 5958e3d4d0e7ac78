#include "pqbranch/app/program_commands.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pqbranch/app/agent_settings.hpp"
#include "pqbranch/app/agent_status.hpp"
#include "pqbranch/app/ikev2_peers.hpp"
#include "pqbranch/app/operator_command.hpp"
#include "pqbranch/app/status_server.hpp"
#include "pqbranch/app/tunnel_stack.hpp"
#include "pqbranch/app/update_executor.hpp"
#include "pqbranch/crypto/tls_context.hpp"
#include "pqbranch/keysvc/edge_server.hpp"

namespace pqbranch::app {

core::Result<std::string> check_agent_config(const config::AgentConfig& config) {
  if (auto r = check_ikev2_peers(config); !r) return r.error();
  if (!config.key_service) {
    return fmt::format("OK ({} IKEv2 peer(s), no key-service tunnel)", config.ikev2_peers.size());
  }
  const AgentSettings settings = agent_settings(config);
  if (auto ctx = crypto::make_client_context(settings.client.tls); !ctx) {
    return core::prefixed(ctx.error(), "tls");
  }
  if (config.update.enabled) {
    if (auto r = check_update_settings(config.update); !r) return r.error();
  }
  return fmt::format(
      "OK ({} mode, {} endpoint(s), {} policies{})",
      settings.layout.route_mode ? "route" : "policy", settings.client.endpoints.size(),
      tunnel::tunnel_policies(settings.layout).size(),
      config.update.enabled ? fmt::format(", updates on channel {}, {} window(s)",
                                          config.update.channel, config.update.windows.size())
                            : std::string());
}

core::Result<CheckedAgentConfig> check_agent_config_file(const std::filesystem::path& path) {
  auto config = config::load_agent_config(path);
  if (!config) return config.error();
  auto summary = check_agent_config(*config);
  if (!summary) {
    return core::Error{summary.error().code,
                       fmt::format("{}: {}", path.string(), summary.error().message())};
  }
  return CheckedAgentConfig{std::move(*config), std::move(*summary)};
}

core::Result<std::string> check_edge_config(const config::EdgeConfig& config) {
  return fmt::format("OK ({} site(s), {} thread(s))", config.sites.size(), config.threads);
}

FlushOutcome flush_agent(const config::AgentConfig& config, const AssemblyDeps& deps) {
  FlushOutcome out;
  for (const PeerFlush& f : flush_ikev2_peers(config, deps)) {
    if (!f.report) {
      out.ok = false;
      out.text += fmt::format("flush ikev2 {}: {}\n", f.peer, f.report.error().message());
      continue;
    }
    out.text += fmt::format("flushed ikev2 {}: {} SA(s), {} policy(ies)\n", f.peer,
                            f.report->sas_deleted, f.report->policies_deleted);
  }
  if (!out.ok || !config.key_service) return out;
  const AgentSettings settings = agent_settings(config);
  auto report = flush_tunnel(deps, settings.ownership, settings.layout);
  if (!report) {
    out.ok = false;
    out.text += fmt::format("flush: {}\n", report.error().message());
    return out;
  }
  std::error_code ignored;
  std::filesystem::remove(settings.state_file, ignored);
  out.text += fmt::format("flushed: {} SA(s), {} policy(ies){}\n", report->sas_deleted,
                          report->policies_deleted,
                          settings.layout.route_mode ? ", routes and the xfrm interface" : "");
  return out;
}

core::Result<std::string> agent_status(const std::filesystem::path& socket, bool json) {
  auto text = fetch_status(socket);
  if (!text || json) return text;
  return render_status_text(*text);
}

core::Result<OperatorReply> agent_update(const std::filesystem::path& socket,
                                         const std::vector<std::string>& words) {
  const std::string line = fmt::format("update {}", fmt::join(words, " "));
  if (auto command = parse_operator_command(line); !command) return command.error();
  auto reply = send_operator_command(socket, line);
  if (!reply) return reply.error();
  return OperatorReply{*reply, reply->starts_with("ok:")};
}

}  // namespace pqbranch::app
