#pragma once
// Which connections the edge's key service takes, and which it lets go first when a pool
// is full, so that an unauthenticated flood cannot lock the sites out (docs/security.md,
// "An unauthenticated flood"). Pure bookkeeping without sockets or a clock: the server asks
// before it serves an accepted connection and before it starts a TLS handshake, tells it
// when a handshake made a connection a configured site's, and closes whatever it is told
// to evict.
//
// Pools, each bounded:
// - all connections (max_connections);
// - unauthenticated ones: accepted, not (yet) a configured site's (max_unauthenticated);
//   what is left of max_connections is only ever used by sites;
// - TLS handshakes in progress: started once the client's first bytes arrived
//   (max_handshakes), so the handshake work queued ahead of a site's next step is small.
// When a newcomer finds the unauthenticated pool (or all connections) or the handshakes
// full, the connection to close is the oldest of the source address that holds the most
// of that pool: a flood from one address or a few pays first, and a site's one connection
// is the last to go. Per source address (an IPv4 address, an IPv6 /64) at most
// max_per_source connections and max_unauthenticated_per_source unauthenticated ones; a
// newcomer over either is refused (closed before any TLS work).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/rotation/generation.hpp"

namespace pqbranch::keysvc {

struct AdmissionLimits {
  std::size_t max_connections = 256;
  std::size_t max_unauthenticated = 128;
  std::size_t max_handshakes = 16;
  std::size_t max_per_source = 32;
  std::size_t max_unauthenticated_per_source = 8;
};

enum class AdmissionRefusal : std::uint8_t {
  max_connections,             // every connection is a site's
  per_source,                  // the source holds max_per_source
  per_source_unauthenticated,  // the source holds max_unauthenticated_per_source
};
[[nodiscard]] std::string_view to_string(AdmissionRefusal r) noexcept;

enum class EvictionPool : std::uint8_t { unauthenticated, handshakes };
[[nodiscard]] std::string_view to_string(EvictionPool p) noexcept;

struct Admission {
  std::optional<AdmissionRefusal> refused;      // set: close the newcomer, nothing recorded
  std::optional<rotation::ConnectionId> evict;  // close this one to make room
};

class EdgeAdmission {
 public:
  explicit EdgeAdmission(AdmissionLimits limits);

  // A connection just accepted from `source` (ids increase with the order of arrival).
  Admission admit(rotation::ConnectionId conn, const core::IpAddress& source);
  // Its first bytes arrived: it starts its TLS handshake now. Returns the connection to
  // close when the handshakes are full (never `conn` itself).
  std::optional<rotation::ConnectionId> begin_handshake(rotation::ConnectionId conn);
  // The handshake finished. `site`: the client certificate names a configured site, and
  // the connection leaves the unauthenticated pool; otherwise it stays in it.
  void handshake_done(rotation::ConnectionId conn, bool site);
  // The connection ended, or was evicted. Unknown ids are ignored.
  void close(rotation::ConnectionId conn);

  [[nodiscard]] bool contains(rotation::ConnectionId conn) const { return entries_.contains(conn); }
  [[nodiscard]] std::size_t connections() const noexcept { return entries_.size(); }
  [[nodiscard]] std::size_t unauthenticated() const noexcept { return unauthenticated_; }
  [[nodiscard]] std::size_t handshakes() const noexcept { return handshakes_; }
  [[nodiscard]] const AdmissionLimits& limits() const noexcept { return limits_; }

  // The key connections are counted under: the address, or an IPv6 address's /64.
  [[nodiscard]] static core::IpAddress source_key(const core::IpAddress& address);

 private:
  enum class Stage : std::uint8_t { waiting, handshaking, unauthorized, site };
  struct Entry {
    core::IpAddress source;
    Stage stage = Stage::waiting;
    std::uint64_t handshake_order = 0;
  };
  // Oldest first: by arrival (ids increase) and by the start of the handshake.
  struct PerSource {
    std::size_t all = 0;
    std::set<rotation::ConnectionId> unauthenticated;
    std::set<std::pair<std::uint64_t, rotation::ConnectionId>> handshakes;
  };

  // The oldest member of `pool` of the source holding the most of it; ties go to the
  // source whose oldest member is the oldest. O(sources), and only when a pool is full.
  [[nodiscard]] std::optional<rotation::ConnectionId> victim(EvictionPool pool) const;

  AdmissionLimits limits_;
  std::map<rotation::ConnectionId, Entry> entries_;
  std::map<core::IpAddress, PerSource> sources_;
  std::size_t unauthenticated_ = 0;
  std::size_t handshakes_ = 0;
  std::uint64_t next_handshake_order_ = 1;
};

}  // namespace pqbranch::keysvc
