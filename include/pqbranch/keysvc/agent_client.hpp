#pragma once
// The agent's key-service client: the production AgentTransport. For every Connect it opens
// a NEW TLS 1.3 connection (mutual TLS with the site certificate, key exchange only in the
// configured hybrid groups) to the endpoint the machine names:
// - the TCP socket bypasses the tunnel's policies (xfrm::bypass_policies before connect),
//   so a renewal never travels inside the SAs it renews;
// - the edge's certificate must chain to the configured CA, be for TLS servers
//   (serverAuth) and carry the endpoint's edge name (config::EdgeEndpoint::name: a dNSName
//   SAN, or an iPAddress SAN when the name is an address); a DNS name is also sent as SNI
//   (RFC 6066 §3 has no SNI for addresses). A refused certificate is logged with the
//   reason and counted as agent_edge_certificate_refused_total{reason};
// - deadlines: connect + handshake within connect_timeout, each request and answer within
//   io_timeout;
// - crypto::enforce_policy after the handshake; a failed handshake becomes one clear
//   sentence (crypto::describe_client_error; alert 40 = "edge refused: no common hybrid
//   group or signature algorithm"), logged and reported as ConnectFailed.
// Requests are HTTP/1.1 JSON (Beast) with keep-alive: with NAT traversal, GET /v1/nat-token
// and the NAT hello (twice, from the UDP encapsulation socket) first, then POST
// /v1/generation; the offer's keys are derived from this connection's exporter
// (derive_generation_keys). The acknowledgement goes on the same connection; then close.
// With NAT traversal the client also owns the UDP encapsulation socket
// (xfrm::open_natt_socket, which lets the kernel decapsulate ESP-in-UDP) and sends RFC 3948
// keepalives (0xFF) from it at the configured interval. Sessions are resumed (psk_dhe_ke,
// see AgentClientOptions::resume_sessions) to save the edge's ML-DSA signature.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pqbranch/config/endpoint.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/crypto/tls_context.hpp"
#include "pqbranch/crypto/tls_handshake.hpp"
#include "pqbranch/keysvc/agent_transport.hpp"
#include "pqbranch/keysvc/release_fetch.hpp"
#include "pqbranch/wire/release_report.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pqbranch::keysvc {

struct NatOptions {
  core::IpAddress local_address;    // bind address of the encapsulation socket
  std::uint16_t local_port = 4500;  // 0: any free port (tests)
  core::IpAddress edge_address;     // the edge's ESP endpoint: hellos and keepalives go there
  std::uint16_t edge_port = 4500;
  std::chrono::milliseconds keepalive{20000};  // RFC 3948 §4
  std::chrono::milliseconds hello_gap{50};     // between the two copies of a hello
  // Empty: xfrm::open_natt_socket (policy bypass and ESP-in-UDP, needs CAP_NET_ADMIN).
  xfrm::NatSocketFactory open_socket;
};

struct AgentClientOptions {
  // Replicas of one edge, by index; every one needs a name (create() refuses one without).
  std::vector<config::EdgeEndpoint> endpoints;
  // Certificate, key, CA, groups, signature algorithms. tls.peer_name is not used: each
  // connection checks its endpoint's name.
  crypto::TlsOptions tls;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds io_timeout{10000};
  bool bypass_tunnel = true;  // needs CAP_NET_ADMIN
  std::optional<NatOptions> nat;
  std::string agent_version = PQB_VERSION;
  bool route_mode = false;  // advertised as a capability
  // TLS 1.3 resumption of the previous session of the same endpoint: psk_dhe_ke only (the
  // contexts never allow psk_ke), so every connection still runs a fresh hybrid key
  // exchange and gets its own exporter; only the certificate signatures are saved. A ticket
  // the edge no longer accepts falls back to a full handshake.
  bool resume_sessions = true;
};

// The most recent successful handshake, for the status.
struct HandshakeRecord {
  std::string endpoint;        // "host:port"
  crypto::HandshakeInfo info;  // info.peer_signature is empty on a resumed session
  // The edge's signature algorithm in the full handshake that authenticated this session
  // (the same as info.peer_signature unless resumed).
  std::string session_signature;
  std::chrono::system_clock::time_point at;
};

class AgentClient final : public AgentTransport {
 public:
  // Builds the TLS context (errors name the file or setting) and, with NAT traversal, opens
  // the encapsulation socket.
  static core::Result<std::unique_ptr<AgentClient>> create(boost::asio::io_context& io,
                                                           AgentClientOptions options,
                                                           core::Metrics& metrics);
  ~AgentClient() override;
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  // A config reload: later connections use these endpoints (the rotation machine is told
  // their count apart); connections already open finish on theirs; resumable sessions are
  // forgotten (an index may now name another endpoint). Refused as create() refuses.
  core::Result<void> set_endpoints(std::vector<config::EdgeEndpoint> endpoints);
  // A config reload: later connects and requests use these deadlines.
  void set_timeouts(std::chrono::milliseconds connect, std::chrono::milliseconds io);
  // The endpoints in use (for the status).
  [[nodiscard]] std::vector<config::EdgeEndpoint> endpoints() const;

  void set_sink(Sink sink) override;
  void connect(rotation::ConnectionId conn, std::size_t endpoint) override;
  void send_request(rotation::ConnectionId conn,
                    const rotation::GenerationRequest& request) override;
  void send_ack(rotation::ConnectionId conn, const rotation::GenerationAck& ack) override;
  void close(rotation::ConnectionId conn) override;
  void shutdown() override;

  // Release transfers (docs/key-service.md §9), each on its own new connection. `done` is
  // called exactly once, later, on the io_context's thread (also after shutdown(), with an
  // error). Names are checked first (errc::release_bad_name without any connection).
  // The manifest's bytes, at most min(transfer.max_bytes, wire::kMaxManifestBytes).
  void fetch_release_manifest(const std::string& channel, ReleaseTransfer transfer,
                              ManifestHandler done);
  // The package into <directory>/<file> (see DownloadedPackage); on any failure nothing is
  // left under either that name or the partial one.
  void download_release_package(const std::string& channel, const std::string& file,
                                const std::filesystem::path& directory, ReleaseTransfer transfer,
                                PackageHandler done);
  // POST .../report; success once the edge answered 200.
  void send_release_report(const std::string& channel, const wire::ReleaseReport& report,
                           ReleaseTransfer transfer, ReportHandler done);

  [[nodiscard]] std::optional<HandshakeRecord> last_handshake() const;
  // The bound port of the encapsulation socket; nullopt without NAT traversal.
  [[nodiscard]] std::optional<std::uint16_t> nat_port() const;
  [[nodiscard]] std::string endpoint_name(std::size_t endpoint) const;

 private:
  struct Impl;
  explicit AgentClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace pqbranch::keysvc
