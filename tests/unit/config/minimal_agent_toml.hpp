#pragma once
// The smallest valid agent.toml, which the agent configuration tests extend. Line numbers
// matter to some of them: [tls] is line 1, [edge] line 5, [tunnel] line 7, and a section
// appended after it starts on line 12.

namespace pqbranch::config::fixtures {

inline constexpr const char* kMinimalAgentToml = R"([tls]
certificate = "/etc/pqbranch/site.crt"
private_key = "/etc/pqbranch/site.key"
ca = "/etc/pqbranch/edge-ca.crt"
[edge]
endpoints = ["edge.example.net:8443"]
[tunnel]
local_address = "198.51.100.10"
remote_address = "203.0.113.1"
local_prefixes = ["10.1.0.0/16"]
remote_prefixes = ["10.0.0.0/16"]
)";

}  // namespace pqbranch::config::fixtures
