#pragma once
// An in-memory xfrm::Kernel with the kernel semantics pqbranch depends on, so component
// tests can assert the exact SA and policy set at every step:
// - SPI uniqueness per (dst, proto, mark); ALLOCSPI creates a larval SA that expires after
//   acquire_expiry (hard expire event); UPDSA completes it (NEWSA with its SPI ->
//   already_exists; UPDSA after expiry -> not_found); UPDSA never changes keys.
// - Outbound selection as xfrm_state_find does it: candidates by family, reqid, if_id,
//   mark, addresses, mode, proto (and SPI if the template pins one), never an inbound
//   (XFRMA_SA_DIR=in) or larval SA; non-dying first, then the newest add time in whole
//   seconds, then the first found. The kernel inserts new SAs at the head of their hash
//   bucket, so the first found is the most recently added (a hash resize may reorder:
//   code must never rely on the tie-break), and so it is here by default;
//   Options::outbound_tie = oldest_first reverses it to show that code does not rely on it.
// - ALLOCSPI: by default a counter walks the range (predictable SPIs); with
//   Options::spi_seed, random SPIs in the range as the kernel picks them, reproducibly.
// - Inbound lookup by (dst, SPI, proto) within the mark, as xfrm_state_lookup does.
// - UPDSA of an installed SA changes lifetimes (clearing "dying"), encap (same type only),
//   output mark and if_id; never keys or selector. UPDSA of a larval SA must repeat the
//   ALLOCSPI's addresses, reqid, mode, if_id, mark and direction: the kernel only insists
//   on the direction (ESRCH), but anything else is a pqbranch bug, so it is refused here
//   (EINVAL) to catch it in tests.
// - Lifetimes: add-time limits from the injected clock (call tick() after moving it) and
//   byte/packet limits from account_traffic(); soft expiry marks the SA dying, hard
//   expiry deletes it; both queue expire events.
// - The same ownership rules as NetlinkKernel, an operation log, and fault injection.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/xfrm/kernel.hpp"

namespace pqbranch::test {

class FakeKernel final : public xfrm::Kernel {
 public:
  enum class Op {
    allocate_spi,
    add_sa,
    update_sa,
    delete_sa,
    get_sa,
    add_policy,
    update_policy,
    delete_policy,
    list_sas,
    list_policies,
    flush_owned,
    create_xfrm_interface,
    delete_xfrm_interface,
  };
  static const char* to_string(Op op) noexcept;

  // Which of several equally good outbound SAs (same dying state, same add second) wins.
  enum class TieBreak {
    newest_first,  // the kernel's hash-chain order (new SAs go to the head of the bucket)
    oldest_first,  // the reverse, for tests showing that code never relies on the order
  };

  struct Options {
    xfrm::Ownership ownership;
    std::chrono::seconds acquire_expiry{30};  // net.core.xfrm_acq_expires
    bool xfrm_interfaces_supported = true;
    TieBreak outbound_tie = TieBreak::newest_first;
    // Unset: ALLOCSPI walks the range with a counter. Set: random SPIs in the range from
    // this seed, as xfrm_alloc_spi picks them (random tries, as many as the range holds).
    std::optional<std::uint64_t> spi_seed{};
  };

  // One call, as the log records it: "add SA spi 0x00001000 dst 10.0.0.2 -> ok" or
  // "add SA spi 0x00001000 dst 10.0.0.2 -> File exists".
  struct LogEntry {
    Op op;
    std::string line;
    bool ok = true;
  };

  explicit FakeKernel(const core::Clock& clock) : FakeKernel(clock, Options{}) {}
  FakeKernel(const core::Clock& clock, Options options);
  ~FakeKernel() override;
  FakeKernel(const FakeKernel&) = delete;
  FakeKernel& operator=(const FakeKernel&) = delete;

  // xfrm::Kernel
  core::Result<std::uint32_t> allocate_spi(const xfrm::SpiRequest& request) override;
  core::Result<void> add_sa(const xfrm::Sa& sa) override;
  core::Result<void> update_sa(const xfrm::Sa& sa) override;
  core::Result<void> delete_sa(const xfrm::SaId& id) override;
  core::Result<xfrm::SaState> get_sa(const xfrm::SaId& id) override;
  core::Result<void> add_policy(const xfrm::Policy& policy) override;
  core::Result<void> update_policy(const xfrm::Policy& policy) override;
  core::Result<void> delete_policy(const xfrm::PolicyId& id) override;
  core::Result<std::vector<xfrm::SaState>> list_sas() override;
  core::Result<std::vector<xfrm::PolicyState>> list_policies() override;
  core::Result<xfrm::FlushReport> flush_owned() override;
  core::Result<void> create_xfrm_interface(const xfrm::XfrmInterface& xi) override;
  core::Result<void> delete_xfrm_interface(const std::string& name) override;
  [[nodiscard]] int event_fd() const override { return event_fd_; }
  core::Result<std::vector<xfrm::Event>> read_events() override;
  [[nodiscard]] const xfrm::Ownership& ownership() const override { return options_.ownership; }

  // --- test controls (not logged, never fail) ---

  // Applies the clock: larval expiry and add-time lifetimes. Every Kernel call does this
  // first too; tests call it after moving the clock to see the events.
  void tick();
  // Counts traffic on one SA; byte and packet lifetimes fire (events queued).
  core::Result<void> account_traffic(const xfrm::SaId& id, std::uint64_t bytes,
                                     std::uint64_t packets);
  // The SA the kernel would pick for a packet leaving through this policy (its first
  // template, its if_id and mark); nullopt = none (the kernel would send an ACQUIRE).
  [[nodiscard]] std::optional<xfrm::SaState> select_outbound(const xfrm::Policy& policy);
  // The same for a flow: the best matching outbound policy (lowest priority value, then
  // the first installed) decides; nullopt when no policy or no SA matches.
  [[nodiscard]] std::optional<xfrm::SaState> select_outbound(const xfrm::Selector& flow);
  // The SA an inbound ESP packet with this SPI would be processed by (not larval).
  [[nodiscard]] std::optional<xfrm::SaState> select_inbound(const xfrm::SaId& id);

  // Fails the n-th (1-based, counted from now) next call of `op` with errno `err` (mapped
  // as the kernel's would be); the call changes nothing.
  void fail_nth(Op op, int n, int err);
  // Queues an event as if the kernel sent it (acquire, mapping...).
  void inject_event(xfrm::Event event);

  [[nodiscard]] const std::vector<LogEntry>& log() const noexcept { return log_; }
  [[nodiscard]] std::vector<std::string> log_lines() const;
  void clear_log() { log_.clear(); }
  // Snapshots in insertion order (not logged).
  [[nodiscard]] std::vector<xfrm::SaState> sas();
  [[nodiscard]] std::vector<xfrm::PolicyState> policies() const;
  [[nodiscard]] std::vector<xfrm::XfrmInterface> interfaces() const { return interfaces_; }
  // The key an installed SA carries (nullptr if none/larval): lets tests check that both
  // ends installed the same key without the key ever leaving SecureBytes.
  [[nodiscard]] const core::SecureBytes* key_of(const xfrm::SaId& id) const;
  // Calls f(sa, larval) for each SA as stored, in insertion order, keys included and
  // nothing copied (a larval SA holds its ALLOCSPI parameters and no key); for simulators
  // that inspect the whole set after every step. Does not tick(): call it first.
  template <class F>
  void visit_sas(F&& f) const {
    for (const Entry& e : sas_)
      f(e.sa, e.larval);
  }

 private:
  struct Entry {
    xfrm::Sa sa;  // for a larval SA: the ALLOCSPI parameters, no key
    bool larval = false;
    bool dying = false;
    core::Clock::time_point added;        // lifetimes run from here
    std::chrono::sys_seconds add_time{};  // what the kernel reports, whole seconds
    std::uint64_t bytes = 0;
    std::uint64_t packets = 0;
    std::chrono::sys_seconds use_time{};
  };
  struct Fault {
    Op op;
    int remaining;
    int err;
  };

  std::vector<Entry>::iterator find(const xfrm::SaId& id);
  // A free SPI for this request as Options say (counter or seeded random); nullopt = none.
  std::optional<std::uint32_t> free_spi(const xfrm::SpiRequest& r);
  [[nodiscard]] std::vector<Entry>::const_iterator find(const xfrm::SaId& id) const;
  [[nodiscard]] xfrm::SaState state_of(const Entry& e) const;
  // A pending injected fault for this call of `op`, as an error.
  std::optional<core::Error> take_fault(Op op, const std::string& what);
  template <class T>
  core::Result<T> record(Op op, const std::string& what, core::Result<T> r);
  void queue(xfrm::Event e);
  void expire(std::vector<Entry>::iterator it, bool hard);
  void check_counters(std::vector<Entry>::iterator it);
  core::Result<void> put_policy(const xfrm::Policy& policy, bool replace);
  std::optional<xfrm::SaState> select(const xfrm::PolicyTemplate& t, std::uint32_t if_id,
                                      const xfrm::Mark& mark, const xfrm::Selector* flow);

  const core::Clock& clock_;
  Options options_;
  int event_fd_ = -1;
  std::vector<Entry> sas_;  // insertion order = "first found" order
  std::vector<xfrm::PolicyState> policies_;
  std::vector<xfrm::XfrmInterface> interfaces_;
  std::deque<xfrm::Event> events_;
  std::vector<Fault> faults_;
  std::vector<LogEntry> log_;
  std::uint32_t next_spi_ = 0;
  std::mt19937_64 spi_random_;
  std::uint32_t next_policy_index_ = 8;
};

}  // namespace pqbranch::test
