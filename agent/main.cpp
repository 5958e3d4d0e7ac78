// pqbranch-agent: argument parsing and dispatch. The agent is assembled in the library
// (app::AgentAssembly); the other commands are app/program_commands.
//
//   pqbranch-agent run [--config PATH]
//   pqbranch-agent status [--socket PATH | --config PATH] [--json]
//   pqbranch-agent update now|pause|resume|pin VERSION|unpin [--socket PATH | --config PATH]
//   pqbranch-agent flush [--config PATH]
//   pqbranch-agent check-config [--config PATH]
//   pqbranch-agent version            (also --version)
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "pqbranch/app/agent_assembly.hpp"
#include "pqbranch/app/capability_policy.hpp"
#include "pqbranch/app/program_commands.hpp"
#include "pqbranch/app/program_loop.hpp"
#include "pqbranch/config/agent_config.hpp"
#include "pqbranch/core/log.hpp"
#include "pqbranch/core/process_hardening.hpp"
#include "pqbranch/keysvc/fault_hook.hpp"

namespace {

using namespace pqbranch;  // NOLINT(google-build-using-namespace): a main file

constexpr int kUsageError = 2;
constexpr const char* kUsage =
    "usage: pqbranch-agent run [--config PATH]\n"
    "       pqbranch-agent status [--socket PATH | --config PATH] [--json]\n"
    "       pqbranch-agent update now|pause|resume|pin VERSION|unpin"
    " [--socket PATH | --config PATH]\n"
    "       pqbranch-agent flush [--config PATH]\n"
    "       pqbranch-agent check-config [--config PATH]\n"
    "       pqbranch-agent version\n";

struct Args {
  std::string command;
  std::filesystem::path config{std::string(config::kDefaultAgentConfigPath)};
  bool config_given = false;
  std::optional<std::filesystem::path> socket;
  bool json = false;
  std::vector<std::string> words;  // update: the command and its version
};

std::optional<Args> parse_args(int argc, char** argv) {
  const std::vector<std::string_view> a(argv + 1, argv + argc);
  if (a.empty()) return std::nullopt;
  Args args;
  args.command = a[0] == "--version" ? "version" : a[0];
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--config" && i + 1 < a.size()) {
      args.config = a[++i];
      args.config_given = true;
    } else if (a[i] == "--socket" && i + 1 < a.size() &&
               (args.command == "status" || args.command == "update")) {
      args.socket = a[++i];
    } else if (a[i] == "--json" && args.command == "status") {
      args.json = true;
    } else if (args.command == "update" && !a[i].starts_with("--")) {
      args.words.emplace_back(a[i]);
    } else {
      return std::nullopt;
    }
  }
  if (args.command == "update" && args.words.empty()) return std::nullopt;
  return args;
}

std::optional<config::AgentConfig> load(const Args& args) {
  auto cfg = config::load_agent_config(args.config);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().detail.c_str());
    return std::nullopt;
  }
  return std::move(*cfg);
}

int run(const config::AgentConfig& cfg, const Args& args) {
  core::init_logging({.name = "pqbranch-agent", .level = cfg.log_level});
  if (auto hardened = core::forbid_core_dumps(); !hardened) {
    spdlog::critical("{}", hardened.error().message());
    return 1;
  }
  spdlog::info("pqbranch-agent {} starting with {}", PQB_VERSION, args.config.string());
  auto fault = keysvc::FaultHook::from_environment();
  if (!fault) {
    spdlog::critical("{}", fault.error().detail);
    return kUsageError;
  }
  if (!app::check_capabilities(cfg)) return 1;
  if (cfg.key_service) {
    if (auto r = app::prepare_state_directory(cfg.state_directory); !r) {
      spdlog::critical("{}", r.error().message());
      return 1;
    }
  }
  boost::asio::io_context io;
  app::AgentAssemblyOptions options;
  options.fault = std::move(*fault);
  options.config_file = args.config;
  auto agent = app::AgentAssembly::create(io, cfg, {}, std::move(options));
  auto started = agent ? (*agent)->start() : core::Result<void>(agent.error());
  if (!started) {
    spdlog::critical("{}", started.error().message());
    return 1;
  }
  app::run_until_signal(
      io,
      [&] {
        (*agent)->stop();
        io.stop();
      },
      [&] { (*agent)->reload(); });
  return 0;
}

// The agent's control socket: --socket, else the configuration's (when one is given or the
// default exists), else the default path.
std::optional<std::filesystem::path> control_socket(const Args& args) {
  if (args.socket) return args.socket;
  if (args.config_given || std::filesystem::exists(args.config)) {
    auto cfg = load(args);
    if (!cfg) return std::nullopt;
    return cfg->status_socket;
  }
  return std::filesystem::path("/run/pqbranch/agent.sock");
}

int status(const Args& args) {
  const auto socket = control_socket(args);
  if (!socket) return kUsageError;
  auto text = app::agent_status(*socket, args.json);
  if (!text) {
    std::fprintf(stderr, "pqbranch-agent status: %s\n", text.error().message().c_str());
    return 1;
  }
  std::fputs(text->c_str(), stdout);
  return 0;
}

// Exit 0 when the agent did it, 1 when it refused, 2 on a usage or connection error.
int operator_update(const Args& args) {
  const auto socket = control_socket(args);
  if (!socket) return kUsageError;
  auto reply = app::agent_update(*socket, args.words);
  if (!reply) {
    std::fprintf(stderr, "pqbranch-agent update: %s\n", reply.error().message().c_str());
    return kUsageError;
  }
  std::printf("%s\n", reply->text.c_str());
  return reply->ok ? 0 : 1;
}

int with_config(const Args& args) {
  auto cfg = load(args);
  if (!cfg) return kUsageError;
  if (args.command == "run") return run(*cfg, args);
  if (args.command == "flush") {
    core::init_logging({.name = "pqbranch-agent", .level = cfg->log_level, .journald = false});
    const auto out = app::flush_agent(*cfg);
    std::fputs(out.text.c_str(), out.ok ? stdout : stderr);
    return out.ok ? 0 : 1;
  }
  // The file once more, through what a reload runs: both report the same errors.
  auto checked = app::check_agent_config_file(args.config);
  if (!checked) {
    std::fprintf(stderr, "%s\n", checked.error().detail.c_str());
    return 1;
  }
  std::printf("%s: %s\n", args.config.c_str(), checked->summary.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse_args(argc, argv);
  if (!args) {
    std::fputs(kUsage, stderr);
    return kUsageError;
  }
  if (args->command == "version") {
    std::printf("pqbranch-agent %s\n", PQB_VERSION);
    return 0;
  }
  if (args->command == "status") return status(*args);
  if (args->command == "update") return operator_update(*args);
  if (args->command == "run" || args->command == "flush" || args->command == "check-config") {
    return with_config(*args);
  }
  std::fputs(kUsage, stderr);
  return kUsageError;
}
