#pragma once
// The edge's live key-service connections and their NAT tokens (docs/key-service.md §7).
// A token names one TLS connection; the NAT hello that carries it is authenticated with
// that connection's exporter key K_nat. The first valid hello per token, before the
// connection's generation request, gives the agent's public address and port; everything
// else is ignored (and counted by the caller). Tokens go with their connection. Pure
// bookkeeping: the server owns the sockets.

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/rotation/generation.hpp"
#include "pqbranch/rotation/rotation_config.hpp"
#include "pqbranch/wire/nat_hello.hpp"
#include "pqbranch/wire/nat_token.hpp"

namespace pqbranch::keysvc {

enum class HelloVerdict : std::uint8_t {
  accepted,       // the first valid hello of a live token: mapping recorded
  unknown_token,  // no live connection holds this token
  expired,        // the token's lifetime ended
  bad_mac,        // the HMAC does not verify with the connection's key
  too_late,       // the connection already sent its generation request
  repeated,       // a mapping is already recorded (first valid hello wins)
};
[[nodiscard]] std::string_view to_string(HelloVerdict v) noexcept;

class EdgeConnections {
 public:
  struct Connection {
    std::optional<wire::NatToken> token;
    core::SecureBytes nat_key;  // K_nat, for the token's hellos
    rotation::TimePoint token_expires{};
    std::optional<rotation::NatMapping> hello;  // the agent's public address and port
    bool requested = false;                     // its generation request arrived
  };

  void open(rotation::ConnectionId conn);
  // Forgets the connection and its token.
  void close(rotation::ConnectionId conn);
  [[nodiscard]] Connection* find(rotation::ConnectionId conn);
  [[nodiscard]] std::size_t size() const noexcept { return connections_.size(); }

  // Gives the connection `token` (replacing an earlier one of it), whose hellos are checked
  // with `nat_key`, valid until `expires`. False if the connection is unknown or another
  // connection holds the same token (16 random bytes: only by a broken random source).
  bool set_token(rotation::ConnectionId conn, const wire::NatToken& token,
                 core::SecureBytes nat_key, rotation::TimePoint expires);

  // A decoded hello from `from`. On `accepted`, `*conn_out` names the connection.
  HelloVerdict hello(const wire::NatHello& hello, const rotation::NatMapping& from,
                     rotation::TimePoint now, rotation::ConnectionId* conn_out = nullptr);

  // The connection's generation request arrived: later hellos are ignored.
  void mark_requested(rotation::ConnectionId conn);

 private:
  std::map<rotation::ConnectionId, Connection> connections_;
  std::map<wire::NatToken, rotation::ConnectionId> tokens_;
};

}  // namespace pqbranch::keysvc
