#pragma once
// The programs' commands besides `run`, as library calls that return what to print:
// check-config (the errors run would report, without touching the kernel), flush (the
// agent's tunnels and state), status (fetch the agent's JSON, render it) and update (an
// operator command to the running agent).

#include <filesystem>
#include <string>
#include <vector>

#include "pqbranch/app/assembly_deps.hpp"
#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/core/error.hpp"

namespace pqbranch::app {

// "OK (route mode, 2 endpoint(s), 3 policies)" or an error naming the section.
core::Result<std::string> check_agent_config(const config::AgentConfig& config);

struct CheckedAgentConfig {
  config::AgentConfig config;
  std::string summary;  // check_agent_config's "OK (...)"
};
// What check-config and a reload both run: the file parsed and validated, then
// check_agent_config. The error's detail is the one line both report, naming the file.
core::Result<CheckedAgentConfig> check_agent_config_file(const std::filesystem::path& path);
core::Result<std::string> check_edge_config(const config::EdgeConfig& config);

struct FlushOutcome {
  std::string text;  // one line per tunnel flushed or failed
  bool ok = true;
};
// Removes the IKEv2 peers' and the key-service tunnel's SAs and policies (route mode: routes
// and the interface) and the agent's state file.
FlushOutcome flush_agent(const config::AgentConfig& config, const AssemblyDeps& deps = {});

// The status document from `socket`: the JSON as served, or rendered for humans.
core::Result<std::string> agent_status(const std::filesystem::path& socket, bool json);

struct OperatorReply {
  std::string text;  // the agent's reply line, "ok: ..." or "error: ..."
  bool ok = false;   // the agent did it
};
// `words` after "update" ({"pin", "0.3.0"}) sent to the agent on `socket`. Errors: the words
// are no operator command (found before connecting), or the socket failed.
core::Result<OperatorReply> agent_update(const std::filesystem::path& socket,
                                         const std::vector<std::string>& words);

}  // namespace pqbranch::app
