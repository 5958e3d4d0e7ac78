#pragma once
// A minimal in-memory SA set for the rotation simulator (rotation_harness.hpp): just the
// kernel rules rotation depends on, so the rotation tests do not wait for FakeKernel.
// - ALLOCSPI picks a free SPI in the requested range and creates a larval SA that expires
//   after 30 s (hard expire event); UPDSA completes it (NEWSA with its SPI -> already_exists;
//   UPDSA of a missing SA -> not_found) and never changes the key of an installed SA.
// - Parameters are checked with xfrm::validate() like the real implementations do.
// - Add-time lifetimes: soft -> dying + soft event, hard -> deleted + hard event.
// - The outbound SA "the kernel" uses: non-dying first, then the later add time in whole
//   seconds, then (a tie) the newest insertion, or the oldest with prefer_oldest_on_tie (the
//   kernel's order on a tie is its hash bucket's, normally newest first).
// - Per-operation fault injection.

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/events.hpp"
#include "pqbranch/xfrm/types.hpp"

namespace pqbranch::test {

class MiniSaTable {
 public:
  using TimePoint = core::Clock::time_point;
  enum class Op { allocate_spi, add_sa, update_sa, delete_sa };

  struct Entry {
    xfrm::SaId id;
    core::IpAddress src;
    xfrm::SaDirection direction = xfrm::SaDirection::in;
    std::uint32_t reqid = 0;
    std::uint32_t if_id = 0;
    bool larval = false;
    bool dying = false;
    core::SecureBytes key;
    xfrm::Lifetime lifetime;
    std::optional<xfrm::Encap> encap;
    std::uint64_t packets = 0;
    TimePoint added;
    std::uint64_t order = 0;  // insertion order
  };

  explicit MiniSaTable(std::uint64_t seed) : rng_(seed) {}
  void prefer_oldest_on_tie(bool on) { prefer_oldest_on_tie_ = on; }

  core::Result<std::uint32_t> allocate_spi(const xfrm::SpiRequest& r, TimePoint now);
  core::Result<void> add_sa(const xfrm::Sa& sa, TimePoint now);
  core::Result<void> update_sa(const xfrm::Sa& sa, TimePoint now);
  core::Result<void> delete_sa(const xfrm::SaId& id);
  [[nodiscard]] core::Result<std::uint64_t> packets(const xfrm::SaId& id) const;
  // What list_sas() would report (all entries, marked owned).
  [[nodiscard]] std::vector<xfrm::SaState> list() const;
  // Applies lifetimes and larval expiry at `now`; returns the events the kernel would send.
  std::vector<xfrm::ExpireEvent> expire(TimePoint now);

  // The next `nth` call of `op` fails with `code` (1 = the very next one).
  void fail_nth(Op op, xfrm::errc code, int nth = 1);

  [[nodiscard]] Entry* find(const xfrm::SaId& id);
  [[nodiscard]] const Entry* find(const xfrm::SaId& id) const;
  [[nodiscard]] const Entry* selected_outbound() const;
  [[nodiscard]] std::vector<const Entry*> installed(xfrm::SaDirection d) const;
  [[nodiscard]] std::size_t larval_count() const;
  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return entries_; }
  [[nodiscard]] std::string describe() const;

  static constexpr std::chrono::seconds kLarvalExpiry{30};

 private:
  struct Fault {
    Op op;
    int remaining;
    xfrm::errc code;
  };
  std::optional<core::Error> take_fault(Op op);

  std::vector<Entry> entries_;
  std::vector<Fault> faults_;
  std::mt19937_64 rng_;
  std::uint64_t order_ = 0;
  bool prefer_oldest_on_tie_ = false;
};

}  // namespace pqbranch::test
