#pragma once
// What `pqbranch-agent status` shows: the rotation (generation, SPIs, state, last error,
// next rotation, edge reachable, endpoint), the last TLS handshake (group, peer signature
// algorithm, post-quantum or not), the SAs' counters (packets through ESP), the metrics and,
// where the agent runs updates, the update machine's status; and each IKEv2 peer's IKE and
// CHILD SA (ikev2_status.hpp). An agent without the key service reports its IKEv2 peers only.
// The agent serves it as one JSON object on its status socket (status_server.hpp); the CLI
// renders it for humans. Never contains key material: SPIs, numbers and names only.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/app/ikev2_status.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/health/tunnel_health.hpp"
#include "pqbranch/keysvc/agent_client.hpp"
#include "pqbranch/keysvc/agent_executor.hpp"
#include "pqbranch/rotation/status.hpp"
#include "pqbranch/update/update_status.hpp"
#include "pqbranch/xfrm/kernel.hpp"

namespace pqbranch::app {

struct SaStatus {
  rotation::Generation generation = 0;
  bool inbound = false;
  std::uint32_t spi = 0;
  bool present = false;  // the kernel still holds it
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
};

// The tunnel's health probes ([health]); absent when off.
struct HealthStatusReport {
  std::string target;
  std::string source;
  health::HealthStatus status;
  std::chrono::seconds in_state{0};
  std::string error;  // the prober could not start (state "unavailable")
};

// The config in force and the last reload (AgentAssembly::reload).
struct ConfigStatus {
  std::string file;
  std::uint64_t generation = 1;  // configs in force so far: 1 at start, +1 per applied reload
  std::optional<std::chrono::system_clock::time_point> last_reload;  // none yet: unset
  bool last_reload_ok = true;
  std::string last_reload_error;  // why the last reload was refused (the running config stays)
};

struct AgentStatusReport {
  std::string agent_version;
  // The key-service tunnel's fields (mode ... last_rotation_latency) are reported only when
  // the agent runs it.
  bool key_service = true;
  std::string mode;  // "route" or "policy"
  std::string local_address;
  std::string remote_address;
  rotation::RotationStatus rotation;
  std::optional<std::chrono::milliseconds> next_rotation_in;
  std::string endpoint;   // of the current or last attempt
  std::string edge_name;  // the name its certificate must carry
  std::optional<std::chrono::system_clock::time_point> last_rotation;  // UTC of the steady times
  std::optional<std::chrono::system_clock::time_point> next_rotation;
  std::optional<keysvc::HandshakeRecord> tls;
  std::vector<SaStatus> sas;
  std::uint64_t rotations = 0;
  std::optional<std::chrono::microseconds> last_rotation_latency;
  std::string metrics;                         // Prometheus text (core::Metrics::render)
  std::optional<update::UpdateStatus> update;  // absent: updates are not configured
  std::string tz_database;                     // the time zone data windows are read with
  std::optional<HealthStatusReport> health;    // absent: health probes are off
  std::optional<ConfigStatus> config;          // absent: not assembled from a config file
  std::vector<Ikev2PeerReport> ikev2;          // the [[ikev2.peer]] sessions
  std::chrono::system_clock::time_point now;   // when collected (ages are from here)
};

struct StatusContext {
  std::string mode;
  std::string local_address;
  std::string remote_address;
};

// A snapshot: the machine's status, the client's last handshake and the kernel's counters
// of every SA the machine accounts for (Kernel::get_sa).
AgentStatusReport collect_status(const keysvc::AgentExecutor& executor,
                                 const keysvc::AgentClient* client, xfrm::Kernel& kernel,
                                 const core::Metrics& metrics, const StatusContext& context);

// The JSON object; "update" only when `report.update` is set, "health" when `report.health`;
// "tunnel", "rotation", "tls", "sas", ... only with the key service; "ikev2" always.
[[nodiscard]] std::string to_json(const AgentStatusReport& report);
// For humans: a few aligned lines. A classical key exchange (allow_classical) is shown as
// "NOT post-quantum". Errors: not a status object.
core::Result<std::string> render_status_text(std::string_view json);

}  // namespace pqbranch::app
