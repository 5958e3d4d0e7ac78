#include "pqbranch/keysvc/edge_admission.hpp"

#include <array>

namespace pqbranch::keysvc {

std::string_view to_string(AdmissionRefusal r) noexcept {
  switch (r) {
    case AdmissionRefusal::max_connections:
      return "max_connections";
    case AdmissionRefusal::per_source:
      return "per_source";
    case AdmissionRefusal::per_source_unauthenticated:
      return "per_source_unauthenticated";
  }
  return "?";
}

std::string_view to_string(EvictionPool p) noexcept {
  return p == EvictionPool::unauthenticated ? "unauthenticated" : "handshakes";
}

EdgeAdmission::EdgeAdmission(AdmissionLimits limits) : limits_(limits) {}

core::IpAddress EdgeAdmission::source_key(const core::IpAddress& address) {
  if (address.is_v4()) return address;
  // One customer usually gets a /64 or more: counting single IPv6 addresses would let one
  // host appear as 2^64 sources.
  std::array<std::uint8_t, 16> bytes{};
  const auto b = address.bytes();
  for (std::size_t i = 0; i < 8; ++i)
    bytes[i] = b[i];
  return core::IpAddress::v6(bytes);
}

Admission EdgeAdmission::admit(rotation::ConnectionId conn, const core::IpAddress& source) {
  // Every connection a site's: nothing can make room.
  if (entries_.size() >= limits_.max_connections && unauthenticated_ == 0) {
    return {AdmissionRefusal::max_connections, {}};
  }
  const core::IpAddress key = source_key(source);
  if (auto it = sources_.find(key); it != sources_.end()) {
    if (it->second.all >= limits_.max_per_source) return {AdmissionRefusal::per_source, {}};
    if (it->second.unauthenticated.size() >= limits_.max_unauthenticated_per_source) {
      return {AdmissionRefusal::per_source_unauthenticated, {}};
    }
  }
  Admission a;
  if (unauthenticated_ >= limits_.max_unauthenticated ||
      entries_.size() >= limits_.max_connections) {
    a.evict = victim(EvictionPool::unauthenticated);
    if (!a.evict) return {AdmissionRefusal::max_connections, {}};
    close(*a.evict);
  }
  entries_[conn] = Entry{key, Stage::waiting, 0};
  PerSource& ps = sources_[key];
  ++ps.all;
  ps.unauthenticated.insert(conn);
  ++unauthenticated_;
  return a;
}

std::optional<rotation::ConnectionId> EdgeAdmission::begin_handshake(rotation::ConnectionId conn) {
  auto it = entries_.find(conn);
  if (it == entries_.end() || it->second.stage != Stage::waiting) return std::nullopt;
  std::optional<rotation::ConnectionId> evict;
  if (handshakes_ >= limits_.max_handshakes) {
    evict = victim(EvictionPool::handshakes);
    if (evict) close(*evict);
  }
  Entry& e = it->second;
  e.stage = Stage::handshaking;
  e.handshake_order = next_handshake_order_++;
  sources_.at(e.source).handshakes.insert({e.handshake_order, conn});
  ++handshakes_;
  return evict;
}

void EdgeAdmission::handshake_done(rotation::ConnectionId conn, bool site) {
  auto it = entries_.find(conn);
  if (it == entries_.end() || it->second.stage != Stage::handshaking) return;
  Entry& e = it->second;
  PerSource& ps = sources_.at(e.source);
  ps.handshakes.erase({e.handshake_order, conn});
  --handshakes_;
  e.stage = site ? Stage::site : Stage::unauthorized;
  if (site) {
    ps.unauthenticated.erase(conn);
    --unauthenticated_;
  }
}

void EdgeAdmission::close(rotation::ConnectionId conn) {
  auto it = entries_.find(conn);
  if (it == entries_.end()) return;
  const Entry& e = it->second;
  auto ps = sources_.find(e.source);
  if (e.stage == Stage::handshaking) {
    ps->second.handshakes.erase({e.handshake_order, conn});
    --handshakes_;
  }
  if (e.stage != Stage::site) {
    ps->second.unauthenticated.erase(conn);
    --unauthenticated_;
  }
  if (--ps->second.all == 0) sources_.erase(ps);
  entries_.erase(it);
}

std::optional<rotation::ConnectionId> EdgeAdmission::victim(EvictionPool pool) const {
  const bool handshakes = pool == EvictionPool::handshakes;
  std::size_t most = 0;
  std::optional<std::pair<std::uint64_t, rotation::ConnectionId>> chosen;  // (order, conn)
  for (const auto& [key, ps] : sources_) {
    const std::size_t n = handshakes ? ps.handshakes.size() : ps.unauthenticated.size();
    if (n == 0 || n < most) continue;
    const auto oldest = handshakes ? *ps.handshakes.begin()
                                   : std::pair<std::uint64_t, rotation::ConnectionId>{
                                         *ps.unauthenticated.begin(), *ps.unauthenticated.begin()};
    if (n > most || oldest < *chosen) {
      most = n;
      chosen = oldest;
    }
  }
  if (!chosen) return std::nullopt;
  return chosen->second;
}

}  // namespace pqbranch::keysvc
