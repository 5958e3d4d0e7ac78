#include "pqbranch/ikev2/fragment_reassembler.hpp"

#include <algorithm>
#include <string>

#include "pqbranch/ikev2/errc.hpp"
#include "pqbranch/ikev2/payload_header.hpp"
#include "pqbranch/ikev2/skf_payload.hpp"

#include "byte_io.hpp"
#include "sk_protection.hpp"

namespace pqbranch::ikev2 {
namespace {

// Fields every fragment of one message carries alike (RFC 7383 §2.5: the header is taken
// intact from the original message, except Length and Next Payload).
bool same_message(const Header& a, const Header& b) noexcept {
  return a.spi_i == b.spi_i && a.spi_r == b.spi_r && a.exchange == b.exchange &&
         a.flags == b.flags && a.major_version == b.major_version &&
         a.minor_version == b.minor_version && a.message_id == b.message_id;
}

}  // namespace

core::Result<ReassemblyStep> FragmentReassembler::add(std::span<const std::uint8_t> datagram,
                                                      std::span<const std::uint8_t> sk_e,
                                                      TimePoint now) {
  auto view = parse_fragment(datagram);
  if (!view) return view.error();
  const auto& f = view->fields;
  if (f.total > limits_.max_fragments) {
    return detail::fail(errc::too_large, "SKF Total Fragments " + std::to_string(f.total) +
                                             " over " + std::to_string(limits_.max_fragments));
  }
  ReassemblyStep step;
  step.discarded_incomplete = expire(now);
  auto& slot = sets_[view->header.response() ? 1 : 0];
  if (slot) {
    const auto id = view->header.message_id;
    if (id < slot->header.message_id) {
      step.outcome = FragmentOutcome::stale;
      return step;
    }
    if (id == slot->header.message_id) {
      if (!same_message(view->header, slot->header)) {
        return detail::fail(errc::bad_value,
                            "SKF header differs from earlier fragments of "
                            "message " +
                                std::to_string(id));
      }
      if (f.total < slot->total) {
        step.outcome = FragmentOutcome::stale;
        return step;
      }
      if (f.total == slot->total && slot->pieces[f.number - 1U]) {
        step.outcome = FragmentOutcome::duplicate;
        return step;
      }
    }
  }
  // Authenticate before anything is kept or discarded (§2.6).
  auto opened = open_fragment(*view, sk_e);
  if (!opened) return opened.error();

  if (!slot || opened->header.message_id > slot->header.message_id || f.total > slot->total) {
    step.discarded_incomplete = step.discarded_incomplete || slot.has_value();
    slot.emplace();
    slot->header = opened->header;
    slot->total = f.total;
    slot->started = now;
    slot->pieces.resize(f.total);
  }
  if (slot->bytes + opened->content.size() > limits_.max_bytes) {
    const auto held = slot->bytes + opened->content.size();
    slot.reset();
    return detail::fail(errc::too_large, "fragments of " + std::to_string(held) + " bytes over " +
                                             std::to_string(limits_.max_bytes));
  }
  if (f.number == 1) slot->first_inner = f.next_payload;
  slot->bytes += opened->content.size();
  slot->pieces[f.number - 1U] = std::move(opened->content);
  ++slot->count;
  if (slot->count < slot->total) {
    step.outcome = FragmentOutcome::kept;
    return step;
  }
  auto done = complete(slot);
  if (!done) return done.error();
  done->discarded_incomplete = step.discarded_incomplete;
  return done;
}

core::Result<ReassemblyStep> FragmentReassembler::complete(std::optional<Set>& slot) {
  core::SecureBytes inner(slot->bytes);
  std::size_t at = 0;
  for (const auto& piece : slot->pieces) {
    std::copy(piece->span().begin(), piece->span().end(), inner.data() + at);
    at += piece->size();
  }
  const Set set = std::move(*slot);
  slot.reset();
  auto payloads = parse_payload_chain(set.first_inner, inner.span());
  if (!payloads) return payloads.error();

  ReassemblyStep step;
  step.outcome = FragmentOutcome::complete;
  OpenedMessage m;
  m.message.header = set.header;
  m.message.header.next_payload = PayloadType::sk;
  m.message.header.length = static_cast<std::uint32_t>(kHeaderSize + kGenericHeaderSize +
                                                       detail::protected_size(inner.size()));
  m.message.payloads = std::move(*payloads);
  m.int_auth_octets = detail::int_auth_octets(set.header, set.first_inner, inner.span());
  step.message = std::move(m);
  return step;
}

bool FragmentReassembler::expire(TimePoint now) {
  bool discarded = false;
  for (auto& slot : sets_) {
    if (slot && now - slot->started >= limits_.timeout) {
      slot.reset();
      discarded = true;
    }
  }
  return discarded;
}

std::optional<FragmentReassembler::TimePoint> FragmentReassembler::deadline() const noexcept {
  std::optional<TimePoint> earliest;
  for (const auto& slot : sets_) {
    if (slot && (!earliest || slot->started + limits_.timeout < *earliest)) {
      earliest = slot->started + limits_.timeout;
    }
  }
  return earliest;
}

std::size_t FragmentReassembler::bytes_held() const noexcept {
  std::size_t n = 0;
  for (const auto& slot : sets_) {
    if (slot) n += slot->bytes;
  }
  return n;
}

}  // namespace pqbranch::ikev2
