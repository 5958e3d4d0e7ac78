#include "fakes/xfrm/fake_kernel.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/validate.hpp"

namespace pqbranch::test {

using xfrm::errc;

namespace {

// The kernel looks an SA up within a mark: (mark & sa.mask) == sa.value.
bool mark_matches(std::uint32_t mark, const xfrm::Mark& sa_mark) {
  return (mark & sa_mark.mask) == sa_mark.value;
}

std::chrono::sys_seconds whole_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

bool reached(std::uint64_t count, std::uint64_t limit) {
  return limit != xfrm::kNoLimit && count >= limit;
}

bool covers(const xfrm::Selector& policy, const xfrm::Selector& flow) {
  if (policy.family() != flow.family()) return false;
  if (!policy.src.contains(flow.src.address()) || !policy.dst.contains(flow.dst.address())) {
    return false;
  }
  if (policy.proto != 0 && policy.proto != flow.proto) return false;
  if (policy.src_port != 0 && policy.src_port != flow.src_port) return false;
  return policy.dst_port == 0 || policy.dst_port == flow.dst_port;
}

std::string sa_what(const xfrm::SaId& id) {
  return xfrm::to_string(id);
}

}  // namespace

const char* FakeKernel::to_string(Op op) noexcept {
  switch (op) {
    case Op::allocate_spi:
      return "allocate_spi";
    case Op::add_sa:
      return "add_sa";
    case Op::update_sa:
      return "update_sa";
    case Op::delete_sa:
      return "delete_sa";
    case Op::get_sa:
      return "get_sa";
    case Op::add_policy:
      return "add_policy";
    case Op::update_policy:
      return "update_policy";
    case Op::delete_policy:
      return "delete_policy";
    case Op::list_sas:
      return "list_sas";
    case Op::list_policies:
      return "list_policies";
    case Op::flush_owned:
      return "flush_owned";
    case Op::create_xfrm_interface:
      return "create_xfrm_interface";
    case Op::delete_xfrm_interface:
      return "delete_xfrm_interface";
  }
  return "?";
}

FakeKernel::FakeKernel(const core::Clock& clock, Options options)
    : clock_(clock),
      options_(options),
      event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      spi_random_(options.spi_seed.value_or(0)) {}

FakeKernel::~FakeKernel() {
  if (event_fd_ >= 0) ::close(event_fd_);
}

// --- bookkeeping ---

std::vector<FakeKernel::Entry>::iterator FakeKernel::find(const xfrm::SaId& id) {
  const std::uint32_t mark = id.mark_value & id.mark_mask;
  return std::find_if(sas_.begin(), sas_.end(), [&](const Entry& e) {
    return e.sa.dst == id.dst && e.sa.spi == id.spi && e.sa.proto == id.proto &&
           mark_matches(mark, e.sa.mark);
  });
}

std::vector<FakeKernel::Entry>::const_iterator FakeKernel::find(const xfrm::SaId& id) const {
  return const_cast<FakeKernel*>(this)->find(id);
}

xfrm::SaState FakeKernel::state_of(const Entry& e) const {
  const xfrm::Sa& sa = e.sa;
  xfrm::SaState s;
  s.src = sa.src;
  s.dst = sa.dst;
  s.spi = sa.spi;
  s.proto = sa.proto;
  s.reqid = sa.reqid;
  s.mode = sa.mode;
  s.direction = sa.direction;
  s.if_id = sa.if_id;
  s.mark = sa.mark;
  s.output_mark = sa.output_mark;
  s.encap = sa.encap;
  s.selector = sa.selector;
  s.lifetime = sa.lifetime;
  s.current.bytes = e.bytes;
  s.current.packets = e.packets;
  s.current.add_time = e.add_time;
  s.current.use_time = e.use_time;
  s.esn = !e.larval && sa.esn;
  s.replay_window = (e.larval || sa.direction == xfrm::SaDirection::out) ? 0 : sa.replay_window;
  s.algorithm = e.larval ? "" : xfrm::kAeadName;
  s.larval = e.larval;
  s.owned = xfrm::owns(options_.ownership, s);
  return s;
}

std::optional<core::Error> FakeKernel::take_fault(Op op, const std::string& what) {
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->op != op) continue;
    if (--it->remaining > 0) continue;
    const int err = it->err;
    faults_.erase(it);
    return xfrm::kernel_error(err, what, "injected");
  }
  return std::nullopt;
}

template <class T>
core::Result<T> FakeKernel::record(Op op, const std::string& what, core::Result<T> r) {
  std::string line = (what.empty() ? std::string(to_string(op)) : what) + " -> ";
  if (r) {
    line += "ok";
  } else {
    // The operation text is already in `line`; keep the kernel's words only.
    const auto& d = r.error().detail;
    line += d.size() > what.size() && d.starts_with(what) ? d.substr(what.size() + 2) : d;
  }
  log_.push_back(LogEntry{op, std::move(line), r.has_value()});
  return r;
}

void FakeKernel::queue(xfrm::Event e) {
  events_.push_back(e);
  const std::uint64_t one = 1;
  // Readiness for a poller; the counter cannot overflow in a test.
  [[maybe_unused]] const ssize_t n = ::write(event_fd_, &one, sizeof(one));
}

void FakeKernel::expire(std::vector<Entry>::iterator it, bool hard) {
  xfrm::ExpireEvent e;
  const xfrm::SaState s = state_of(*it);
  e.id = s.id();
  e.src = s.src;
  e.reqid = s.reqid;
  e.if_id = s.if_id;
  e.hard = hard;
  e.owned = s.owned;
  if (hard) {
    sas_.erase(it);
  } else {
    it->dying = true;
  }
  queue(e);
}

void FakeKernel::tick() {
  const auto now = clock_.now();
  for (auto it = sas_.begin(); it != sas_.end();) {
    const auto age = now - it->added;
    const auto& l = it->sa.lifetime;
    const bool hard = it->larval ? age >= options_.acquire_expiry
                                 : (l.hard_add.count() != 0 && age >= l.hard_add);
    if (hard) {
      const auto index = it - sas_.begin();
      expire(it, true);
      it = sas_.begin() + index;
      continue;
    }
    if (!it->larval && !it->dying && l.soft_add.count() != 0 && age >= l.soft_add) {
      expire(it, false);
    }
    ++it;
  }
}

void FakeKernel::check_counters(std::vector<Entry>::iterator it) {
  const auto& l = it->sa.lifetime;
  if (reached(it->bytes, l.hard_bytes) || reached(it->packets, l.hard_packets)) {
    expire(it, true);
  } else if (!it->dying &&
             (reached(it->bytes, l.soft_bytes) || reached(it->packets, l.soft_packets))) {
    expire(it, false);
  }
}

std::optional<std::uint32_t> FakeKernel::free_spi(const xfrm::SpiRequest& r) {
  const auto taken = [&](std::uint32_t spi) {
    return std::any_of(sas_.begin(), sas_.end(), [&](const Entry& e) {
      return e.sa.dst == r.dst && e.sa.spi == spi && e.sa.proto == r.proto;
    });
  };
  const std::uint64_t range = std::uint64_t{r.max_spi} - r.min_spi + 1;
  if (options_.spi_seed) {
    std::uniform_int_distribution<std::uint32_t> pick(r.min_spi, r.max_spi);
    for (std::uint64_t tries = 0; tries < range; ++tries) {
      const std::uint32_t spi = pick(spi_random_);
      if (!taken(spi)) return spi;
    }
    return std::nullopt;
  }
  // A counter walks the range; taken SPIs (per dst, proto) are skipped.
  for (std::uint64_t tries = 0; tries < std::min<std::uint64_t>(range, sas_.size() + 1); ++tries) {
    const auto spi = static_cast<std::uint32_t>(r.min_spi + (next_spi_++ % range));
    if (!taken(spi)) return spi;
  }
  return std::nullopt;
}

// --- Kernel ---

core::Result<std::uint32_t> FakeKernel::allocate_spi(const xfrm::SpiRequest& r) {
  tick();
  const std::string what = fmt::format("allocate SPI dst {} reqid {}", r.dst, r.reqid);
  const auto run = [&]() -> core::Result<std::uint32_t> {
    if (auto f = take_fault(Op::allocate_spi, what)) return *f;
    if (auto v = xfrm::validate(r); !v) return v.error();
    const std::optional<std::uint32_t> spi = free_spi(r);
    if (!spi) return core::make_error(errc::spi_exhausted, what + ": no free SPI in the range");
    Entry e;
    e.sa.src = r.src;
    e.sa.dst = r.dst;
    e.sa.spi = *spi;
    e.sa.proto = r.proto;
    e.sa.reqid = r.reqid;
    e.sa.mode = r.mode;
    e.sa.direction = r.direction;
    e.sa.if_id = r.if_id;
    e.sa.mark = r.mark;
    // As the kernel's xfrm_find_acq does: a host-to-host selector.
    const auto host = [](const core::IpAddress& a) {
      return *core::IpPrefix::make(a, static_cast<std::uint8_t>(a.bytes().size() * 8));
    };
    e.sa.selector = xfrm::Selector{host(r.src), host(r.dst), 0, 0, 0};
    e.larval = true;
    e.added = clock_.now();
    e.add_time = whole_seconds(clock_.wall_now());
    sas_.push_back(std::move(e));
    return *spi;
  };
  auto result = run();
  record<void>(Op::allocate_spi, result ? fmt::format("{} = 0x{:08x}", what, *result) : what,
               result ? core::Result<void>{} : core::Result<void>{result.error()});
  return result;
}

core::Result<void> FakeKernel::add_sa(const xfrm::Sa& sa) {
  tick();
  const std::string what = "add SA " + sa_what(sa.id());
  const auto run = [&]() -> core::Result<void> {
    if (auto f = take_fault(Op::add_sa, what)) return *f;
    if (auto v = xfrm::validate(sa); !v) return v.error();
    const bool taken = std::any_of(sas_.begin(), sas_.end(), [&](const Entry& e) {
      return e.sa.dst == sa.dst && e.sa.spi == sa.spi && e.sa.proto == sa.proto;
    });
    if (taken) return xfrm::kernel_error(EEXIST, what);
    Entry e;
    e.sa = sa.clone();
    e.added = clock_.now();
    e.add_time = whole_seconds(clock_.wall_now());
    sas_.push_back(std::move(e));
    return {};
  };
  return record(Op::add_sa, what, run());
}

core::Result<void> FakeKernel::update_sa(const xfrm::Sa& sa) {
  tick();
  const std::string what = "update SA " + sa_what(sa.id());
  const auto run = [&]() -> core::Result<void> {
    if (auto f = take_fault(Op::update_sa, what)) return *f;
    if (auto v = xfrm::validate(sa); !v) return v.error();
    auto it = find(sa.id());
    if (it == sas_.end()) return xfrm::kernel_error(ESRCH, what);
    if (it->sa.direction != sa.direction) {
      return xfrm::kernel_error(ESRCH, what, "direction differs");
    }
    if (it->larval) {
      const xfrm::Sa& l = it->sa;
      if (l.src != sa.src || l.reqid != sa.reqid || l.mode != sa.mode || l.if_id != sa.if_id ||
          l.mark != sa.mark) {
        return xfrm::kernel_error(EINVAL, what, "differs from the ALLOCSPI request");
      }
      it->sa = sa.clone();
      it->larval = false;
      it->dying = false;
      it->added = clock_.now();
      it->add_time = whole_seconds(clock_.wall_now());
      return {};
    }
    // An installed SA: keys and selector stay; lifetimes, encap, output mark, if_id change.
    if (sa.encap.has_value() != it->sa.encap.has_value() ||
        (sa.encap && sa.encap->type != it->sa.encap->type)) {
      return xfrm::kernel_error(EINVAL, what, "encapsulation cannot be added or removed");
    }
    it->sa.encap = sa.encap;
    it->sa.lifetime = sa.lifetime;
    it->dying = false;
    if (sa.output_mark || sa.if_id != 0) {
      it->sa.output_mark = sa.output_mark;
      if (sa.if_id != 0) it->sa.if_id = sa.if_id;
    }
    check_counters(it);
    return {};
  };
  return record(Op::update_sa, what, run());
}

core::Result<void> FakeKernel::delete_sa(const xfrm::SaId& id) {
  tick();
  const std::string what = "delete SA " + sa_what(id);
  const auto run = [&]() -> core::Result<void> {
    if (auto f = take_fault(Op::delete_sa, what)) return *f;
    auto it = find(id);
    if (it == sas_.end()) return xfrm::kernel_error(ESRCH, what);
    sas_.erase(it);
    return {};
  };
  return record(Op::delete_sa, what, run());
}

core::Result<xfrm::SaState> FakeKernel::get_sa(const xfrm::SaId& id) {
  tick();
  const std::string what = "get SA " + sa_what(id);
  const auto run = [&]() -> core::Result<xfrm::SaState> {
    if (auto f = take_fault(Op::get_sa, what)) return *f;
    auto it = find(id);
    if (it == sas_.end()) return xfrm::kernel_error(ESRCH, what);
    return state_of(*it);
  };
  return record(Op::get_sa, what, run());
}

core::Result<void> FakeKernel::put_policy(const xfrm::Policy& policy, bool replace) {
  if (auto v = xfrm::validate(policy); !v) return v.error();
  const xfrm::PolicyId id = xfrm::id_of(policy);
  auto it = std::find_if(policies_.begin(), policies_.end(),
                         [&](const xfrm::PolicyState& p) { return xfrm::id_of(p.policy) == id; });
  if (it != policies_.end()) {
    if (!replace) return xfrm::kernel_error(EEXIST, "add policy " + xfrm::to_string(id));
    it->policy = policy;
    it->owned = xfrm::owns(options_.ownership, policy);
    return {};
  }
  // Kernel-style index: a counter with the direction in the low 3 bits.
  next_policy_index_ += 8;
  policies_.push_back(
      xfrm::PolicyState{policy, next_policy_index_ | static_cast<std::uint32_t>(policy.direction),
                        xfrm::owns(options_.ownership, policy)});
  return {};
}

core::Result<void> FakeKernel::add_policy(const xfrm::Policy& policy) {
  tick();
  const std::string what = "add policy " + xfrm::to_string(xfrm::id_of(policy));
  if (auto f = take_fault(Op::add_policy, what)) return record<void>(Op::add_policy, what, *f);
  return record(Op::add_policy, what, put_policy(policy, false));
}

core::Result<void> FakeKernel::update_policy(const xfrm::Policy& policy) {
  tick();
  const std::string what = "update policy " + xfrm::to_string(xfrm::id_of(policy));
  if (auto f = take_fault(Op::update_policy, what)) {
    return record<void>(Op::update_policy, what, *f);
  }
  return record(Op::update_policy, what, put_policy(policy, true));
}

core::Result<void> FakeKernel::delete_policy(const xfrm::PolicyId& id) {
  tick();
  const std::string what = "delete policy " + xfrm::to_string(id);
  const auto run = [&]() -> core::Result<void> {
    if (auto f = take_fault(Op::delete_policy, what)) return *f;
    if (auto v = xfrm::validate(id); !v) return v.error();
    auto it = std::find_if(policies_.begin(), policies_.end(),
                           [&](const xfrm::PolicyState& p) { return xfrm::id_of(p.policy) == id; });
    if (it == policies_.end()) return xfrm::kernel_error(ENOENT, what);
    policies_.erase(it);
    return {};
  };
  return record(Op::delete_policy, what, run());
}

core::Result<std::vector<xfrm::SaState>> FakeKernel::list_sas() {
  tick();
  if (auto f = take_fault(Op::list_sas, "list SAs")) {
    return record<std::vector<xfrm::SaState>>(Op::list_sas, "", *f);
  }
  return record<std::vector<xfrm::SaState>>(Op::list_sas, "", sas());
}

core::Result<std::vector<xfrm::PolicyState>> FakeKernel::list_policies() {
  tick();
  if (auto f = take_fault(Op::list_policies, "list policies")) {
    return record<std::vector<xfrm::PolicyState>>(Op::list_policies, "", *f);
  }
  return record<std::vector<xfrm::PolicyState>>(Op::list_policies, "", policies());
}

core::Result<xfrm::FlushReport> FakeKernel::flush_owned() {
  tick();
  if (auto f = take_fault(Op::flush_owned, "flush owned")) {
    return record<xfrm::FlushReport>(Op::flush_owned, "", *f);
  }
  xfrm::FlushReport report;
  // SAs first, then policies, as NetlinkKernel does (fail closed if interrupted).
  const auto sa_end =
      std::remove_if(sas_.begin(), sas_.end(), [&](const Entry& e) { return state_of(e).owned; });
  report.sas_deleted = static_cast<std::size_t>(sas_.end() - sa_end);
  sas_.erase(sa_end, sas_.end());
  const auto p_end = std::remove_if(policies_.begin(), policies_.end(),
                                    [](const xfrm::PolicyState& p) { return p.owned; });
  report.policies_deleted = static_cast<std::size_t>(policies_.end() - p_end);
  policies_.erase(p_end, policies_.end());
  return record<xfrm::FlushReport>(
      Op::flush_owned,
      fmt::format("{} SAs, {} policies", report.sas_deleted, report.policies_deleted), report);
}

core::Result<void> FakeKernel::create_xfrm_interface(const xfrm::XfrmInterface& xi) {
  const std::string what = fmt::format("create xfrm interface {} (if_id {})", xi.name, xi.if_id);
  const auto run = [&]() -> core::Result<void> {
    if (auto f = take_fault(Op::create_xfrm_interface, what)) return *f;
    if (auto v = xfrm::validate(xi); !v) return v.error();
    if (!options_.xfrm_interfaces_supported) {
      return xfrm::kernel_error(EOPNOTSUPP, what, "Unknown device type");
    }
    for (const auto& existing : interfaces_) {
      if (existing.name == xi.name || existing.if_id == xi.if_id) {
        return xfrm::kernel_error(EEXIST, what);
      }
    }
    interfaces_.push_back(xi);
    return {};
  };
  return record(Op::create_xfrm_interface, what, run());
}

core::Result<void> FakeKernel::delete_xfrm_interface(const std::string& name) {
  const std::string what = "delete xfrm interface " + name;
  const auto run = [&]() -> core::Result<void> {
    if (auto f = take_fault(Op::delete_xfrm_interface, what)) return *f;
    auto it = std::find_if(interfaces_.begin(), interfaces_.end(),
                           [&](const xfrm::XfrmInterface& x) { return x.name == name; });
    if (it == interfaces_.end()) return xfrm::kernel_error(ENODEV, what);
    interfaces_.erase(it);
    return {};
  };
  return record(Op::delete_xfrm_interface, what, run());
}

core::Result<std::vector<xfrm::Event>> FakeKernel::read_events() {
  tick();
  if (events_.empty()) return std::vector<xfrm::Event>{};  // nothing queued: fd not readable
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(event_fd_, &count, sizeof(count));  // resets readiness
  std::vector<xfrm::Event> out(std::make_move_iterator(events_.begin()),
                               std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

// --- test controls ---

core::Result<void> FakeKernel::account_traffic(const xfrm::SaId& id, std::uint64_t bytes,
                                               std::uint64_t packets) {
  tick();
  auto it = find(id);
  if (it == sas_.end() || it->larval) {
    return xfrm::kernel_error(ESRCH, "account traffic on SA " + sa_what(id));
  }
  it->bytes += bytes;
  it->packets += packets;
  it->use_time = whole_seconds(clock_.wall_now());
  check_counters(it);
  return {};
}

std::optional<xfrm::SaState> FakeKernel::select(const xfrm::PolicyTemplate& t, std::uint32_t if_id,
                                                const xfrm::Mark& mark,
                                                const xfrm::Selector* flow) {
  const std::uint32_t m = mark.value & mark.mask;
  const Entry* best = nullptr;
  const auto consider = [&](const Entry& e) {
    const xfrm::Sa& sa = e.sa;
    if (e.larval || sa.direction == xfrm::SaDirection::in) return;
    if (sa.family() != t.dst.family() || sa.reqid != t.reqid || sa.if_id != if_id ||
        !mark_matches(m, sa.mark) || sa.mode != t.mode || sa.proto != t.proto) {
      return;
    }
    if (t.mode == xfrm::Mode::tunnel && (sa.dst != t.dst || sa.src != t.src)) return;
    if (t.spi && sa.spi != *t.spi) return;
    if (flow != nullptr && sa.selector && !covers(*sa.selector, *flow)) return;
    // Only a strictly better SA replaces the first found: the walk order breaks ties.
    if (best == nullptr || (best->dying && !e.dying) ||
        (best->dying == e.dying && e.add_time > best->add_time)) {
      best = &e;
    }
  };
  if (options_.outbound_tie == TieBreak::newest_first) {
    // Newest insertion first: the order the kernel's hash chain is walked in.
    std::for_each(sas_.rbegin(), sas_.rend(), consider);
  } else {
    std::for_each(sas_.begin(), sas_.end(), consider);
  }
  if (best == nullptr) return std::nullopt;
  return state_of(*best);
}

std::optional<xfrm::SaState> FakeKernel::select_outbound(const xfrm::Policy& policy) {
  tick();
  if (policy.action != xfrm::PolicyAction::allow || policy.templates.empty()) return std::nullopt;
  return select(policy.templates.front(), policy.if_id, policy.mark, nullptr);
}

std::optional<xfrm::SaState> FakeKernel::select_outbound(const xfrm::Selector& flow) {
  tick();
  const xfrm::PolicyState* chosen = nullptr;
  for (const auto& p : policies_) {
    if (p.policy.direction != xfrm::PolicyDirection::out || !covers(p.policy.selector, flow)) {
      continue;
    }
    // Lower priority value wins; among equals the first installed.
    if (chosen == nullptr || p.policy.priority < chosen->policy.priority) chosen = &p;
  }
  if (chosen == nullptr || chosen->policy.action != xfrm::PolicyAction::allow ||
      chosen->policy.templates.empty()) {
    return std::nullopt;
  }
  return select(chosen->policy.templates.front(), chosen->policy.if_id, chosen->policy.mark, &flow);
}

std::optional<xfrm::SaState> FakeKernel::select_inbound(const xfrm::SaId& id) {
  tick();
  auto it = find(id);
  if (it == sas_.end() || it->larval || it->sa.direction == xfrm::SaDirection::out) {
    return std::nullopt;
  }
  return state_of(*it);
}

void FakeKernel::fail_nth(Op op, int n, int err) {
  faults_.push_back(Fault{op, n, err});
}

void FakeKernel::inject_event(xfrm::Event event) {
  queue(event);
}

std::vector<std::string> FakeKernel::log_lines() const {
  std::vector<std::string> out;
  out.reserve(log_.size());
  for (const auto& e : log_)
    out.push_back(e.line);
  return out;
}

std::vector<xfrm::SaState> FakeKernel::sas() {
  tick();
  std::vector<xfrm::SaState> out;
  out.reserve(sas_.size());
  for (const auto& e : sas_)
    out.push_back(state_of(e));
  return out;
}

std::vector<xfrm::PolicyState> FakeKernel::policies() const {
  return policies_;
}

const core::SecureBytes* FakeKernel::key_of(const xfrm::SaId& id) const {
  auto it = find(id);
  if (it == sas_.end() || it->larval) return nullptr;
  return &it->sa.aead_key;
}

}  // namespace pqbranch::test
