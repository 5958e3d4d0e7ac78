#include "fakes/mini_sa_table.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pqbranch/xfrm/validate.hpp"

namespace pqbranch::test {
namespace {

core::Error fail(xfrm::errc code, const std::string& what) {
  return core::make_error(code, what);
}

}  // namespace

std::optional<core::Error> MiniSaTable::take_fault(Op op) {
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->op == op && --it->remaining == 0) {
      const xfrm::errc code = it->code;
      faults_.erase(it);
      return fail(code, "injected");
    }
  }
  return std::nullopt;
}

void MiniSaTable::fail_nth(Op op, xfrm::errc code, int nth) {
  faults_.push_back({op, nth, code});
}

core::Result<std::uint32_t> MiniSaTable::allocate_spi(const xfrm::SpiRequest& r, TimePoint now) {
  if (auto f = take_fault(Op::allocate_spi)) return *f;
  if (auto v = xfrm::validate(r); !v) return v.error();
  std::uniform_int_distribution<std::uint32_t> pick(r.min_spi, r.max_spi);
  for (int tries = 0; tries < 64; ++tries) {
    const std::uint32_t spi = pick(rng_);
    const xfrm::SaId id{r.dst, spi, r.proto, r.mark.value, r.mark.mask};
    if (find(id) != nullptr) continue;
    Entry e;
    e.id = id;
    e.src = r.src;
    e.direction = r.direction;
    e.reqid = r.reqid;
    e.if_id = r.if_id;
    e.larval = true;
    e.added = now;
    e.order = ++order_;
    entries_.push_back(std::move(e));
    return spi;
  }
  return fail(xfrm::errc::spi_exhausted, "allocate_spi");
}

core::Result<void> MiniSaTable::add_sa(const xfrm::Sa& sa, TimePoint now) {
  if (auto f = take_fault(Op::add_sa)) return *f;
  if (auto v = xfrm::validate(sa); !v) return v;
  if (find(sa.id()) != nullptr) return fail(xfrm::errc::already_exists, "add_sa");
  Entry e;
  e.id = sa.id();
  e.src = sa.src;
  e.direction = sa.direction;
  e.reqid = sa.reqid;
  e.if_id = sa.if_id;
  e.key = sa.aead_key.clone();
  e.lifetime = sa.lifetime;
  e.encap = sa.encap;
  e.added = now;
  e.order = ++order_;
  entries_.push_back(std::move(e));
  return {};
}

core::Result<void> MiniSaTable::update_sa(const xfrm::Sa& sa, TimePoint now) {
  if (auto f = take_fault(Op::update_sa)) return *f;
  if (auto v = xfrm::validate(sa); !v) return v;
  Entry* e = find(sa.id());
  if (e == nullptr) return fail(xfrm::errc::not_found, "update_sa");
  if (e->src != sa.src || e->reqid != sa.reqid || e->if_id != sa.if_id ||
      e->direction != sa.direction) {
    return fail(xfrm::errc::rejected, "update_sa: parameters differ from the larval SA");
  }
  if (e->larval) {
    e->larval = false;
    e->key = sa.aead_key.clone();
    e->added = now;
  } else if (!e->key.equals(sa.aead_key.span())) {
    return fail(xfrm::errc::rejected, "update_sa: keys never change");
  }
  e->lifetime = sa.lifetime;
  e->encap = sa.encap;
  return {};
}

core::Result<void> MiniSaTable::delete_sa(const xfrm::SaId& id) {
  if (auto f = take_fault(Op::delete_sa)) return *f;
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.id == id; });
  if (it == entries_.end()) return fail(xfrm::errc::not_found, "delete_sa");
  entries_.erase(it);
  return {};
}

core::Result<std::uint64_t> MiniSaTable::packets(const xfrm::SaId& id) const {
  const Entry* e = find(id);
  if (e == nullptr) return fail(xfrm::errc::not_found, "get_sa");
  return e->packets;
}

std::vector<xfrm::SaState> MiniSaTable::list() const {
  std::vector<xfrm::SaState> out;
  for (const Entry& e : entries_) {
    xfrm::SaState s;
    s.src = e.src;
    s.dst = e.id.dst;
    s.spi = e.id.spi;
    s.reqid = e.reqid;
    s.direction = e.direction;
    s.if_id = e.if_id;
    s.mark = {e.id.mark_value, e.id.mark_mask};
    s.encap = e.encap;
    s.lifetime = e.lifetime;
    s.current.packets = e.packets;
    s.larval = e.larval;
    s.owned = true;
    s.algorithm = e.larval ? "" : xfrm::kAeadName;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<xfrm::ExpireEvent> MiniSaTable::expire(TimePoint now) {
  std::vector<xfrm::ExpireEvent> events;
  auto event = [](const Entry& e, bool hard) {
    return xfrm::ExpireEvent{e.id, e.src, e.reqid, e.if_id, hard, true};
  };
  for (auto it = entries_.begin(); it != entries_.end();) {
    const auto age = now - it->added;
    const bool hard = it->larval
                          ? age >= kLarvalExpiry
                          : it->lifetime.hard_add.count() != 0 && age >= it->lifetime.hard_add;
    if (hard) {
      events.push_back(event(*it, true));
      it = entries_.erase(it);
      continue;
    }
    if (!it->larval && !it->dying && it->lifetime.soft_add.count() != 0 &&
        age >= it->lifetime.soft_add) {
      it->dying = true;
      events.push_back(event(*it, false));
    }
    ++it;
  }
  return events;
}

MiniSaTable::Entry* MiniSaTable::find(const xfrm::SaId& id) {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.id == id; });
  return it == entries_.end() ? nullptr : &*it;
}

const MiniSaTable::Entry* MiniSaTable::find(const xfrm::SaId& id) const {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.id == id; });
  return it == entries_.end() ? nullptr : &*it;
}

const MiniSaTable::Entry* MiniSaTable::selected_outbound() const {
  const auto second = [](const Entry& e) {
    return std::chrono::floor<std::chrono::seconds>(e.added.time_since_epoch());
  };
  const Entry* best = nullptr;
  for (const Entry& e : entries_) {
    if (e.larval || e.direction != xfrm::SaDirection::out) continue;
    if (best == nullptr) {
      best = &e;
    } else if (best->dying != e.dying) {
      if (!e.dying) best = &e;
    } else if (second(e) != second(*best)) {
      if (second(e) > second(*best)) best = &e;
    } else if ((e.order > best->order) != prefer_oldest_on_tie_) {
      best = &e;
    }
  }
  return best;
}

std::vector<const MiniSaTable::Entry*> MiniSaTable::installed(xfrm::SaDirection d) const {
  std::vector<const Entry*> out;
  for (const Entry& e : entries_) {
    if (!e.larval && e.direction == d) out.push_back(&e);
  }
  return out;
}

std::size_t MiniSaTable::larval_count() const {
  return static_cast<std::size_t>(
      std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.larval; }));
}

std::string MiniSaTable::describe() const {
  std::string s;
  for (const Entry& e : entries_) {
    s += fmt::format("  {} {} spi 0x{:08x} dst {}{}{} packets {}\n", e.larval ? "larval" : "sa",
                     xfrm::to_string(e.direction), e.id.spi, e.id.dst, e.dying ? " dying" : "",
                     e.encap ? " encap" : "", e.packets);
  }
  return s;
}

}  // namespace pqbranch::test
