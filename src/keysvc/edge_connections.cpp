#include "pqbranch/keysvc/edge_connections.hpp"

#include <utility>

namespace pqbranch::keysvc {

std::string_view to_string(HelloVerdict v) noexcept {
  switch (v) {
    case HelloVerdict::accepted:
      return "accepted";
    case HelloVerdict::unknown_token:
      return "unknown_token";
    case HelloVerdict::expired:
      return "expired";
    case HelloVerdict::bad_mac:
      return "bad_mac";
    case HelloVerdict::too_late:
      return "too_late";
    case HelloVerdict::repeated:
      return "repeated";
  }
  return "?";
}

void EdgeConnections::open(rotation::ConnectionId conn) {
  connections_.try_emplace(conn);
}

void EdgeConnections::close(rotation::ConnectionId conn) {
  auto it = connections_.find(conn);
  if (it == connections_.end()) return;
  if (it->second.token) tokens_.erase(*it->second.token);
  connections_.erase(it);
}

EdgeConnections::Connection* EdgeConnections::find(rotation::ConnectionId conn) {
  auto it = connections_.find(conn);
  return it == connections_.end() ? nullptr : &it->second;
}

bool EdgeConnections::set_token(rotation::ConnectionId conn, const wire::NatToken& token,
                                core::SecureBytes nat_key, rotation::TimePoint expires) {
  Connection* c = find(conn);
  if (c == nullptr) return false;
  if (auto it = tokens_.find(token); it != tokens_.end() && it->second != conn) return false;
  if (c->token) tokens_.erase(*c->token);
  c->token = token;
  c->nat_key = std::move(nat_key);
  c->token_expires = expires;
  tokens_[token] = conn;
  return true;
}

HelloVerdict EdgeConnections::hello(const wire::NatHello& hello, const rotation::NatMapping& from,
                                    rotation::TimePoint now, rotation::ConnectionId* conn_out) {
  auto it = tokens_.find(hello.token);
  if (it == tokens_.end()) return HelloVerdict::unknown_token;
  Connection& c = connections_.at(it->second);
  if (now >= c.token_expires) return HelloVerdict::expired;
  // Authenticate before looking at anything else the sender controls.
  if (!wire::verify_nat_hello(hello, c.nat_key)) return HelloVerdict::bad_mac;
  if (c.requested) return HelloVerdict::too_late;
  if (c.hello) return HelloVerdict::repeated;
  c.hello = from;
  if (conn_out != nullptr) *conn_out = it->second;
  return HelloVerdict::accepted;
}

void EdgeConnections::mark_requested(rotation::ConnectionId conn) {
  if (Connection* c = find(conn)) c->requested = true;
}

}  // namespace pqbranch::keysvc
