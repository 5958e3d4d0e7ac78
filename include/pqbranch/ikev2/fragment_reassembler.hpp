#pragma once
// Reassembling RFC 7383 fragments (SKF messages, skf_payload.hpp) into the message they were
// cut from. Pure: datagrams, the key and the time are inputs; no clock, no I/O.
//
// Rules (RFC 7383 §2.6), in this order for each fragment:
//  - malformed fragments, and a Total Fragments above `max_fragments`, are refused;
//  - a fragment of an older message ID than the set being collected, or with a smaller Total
//    Fragments, is stale; one whose number is already held (same message ID and Total
//    Fragments) is a duplicate: both are dropped without decryption;
//  - the ICV is checked before anything is kept or discarded, so forged fragments change
//    nothing (integrity_check_failed);
//  - a newer message ID, or a larger Total Fragments for the same one (the sender fragmented
//    again for a smaller path MTU, §2.5.2), discards the incomplete set and starts over with
//    this fragment;
//  - the decrypted content kept for one message is bounded by `max_bytes` (too_large discards
//    the set); a set older than `timeout` is discarded, after which the message counts as
//    lost, as RFC 7383 §2.6 says of an incomplete one.
// Requests from the peer and responses to our requests have separate message IDs (RFC 7296
// §2.2), so one set of each is collected at a time, told apart by the Response flag. Use one
// reassembler per IKE SA, with the peer's SK_e of that SA. A message reassembled once starts a
// new set if its fragments come again (a retransmission the caller must see).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/sk_payload.hpp"

namespace pqbranch::ikev2 {

struct ReassemblyLimits {
  std::uint16_t max_fragments = 64;           // Total Fragments accepted
  std::size_t max_bytes = 64 * 1024;          // decrypted content of one message
  std::chrono::milliseconds timeout{30'000};  // from a set's first kept fragment
};

enum class FragmentOutcome {
  kept,       // authenticated and stored; more fragments are missing
  duplicate,  // this fragment of this set is already held: dropped
  stale,      // an older message ID or a smaller Total Fragments: dropped
  complete,   // the last missing fragment: the message is in `message`
};

struct ReassemblyStep {
  FragmentOutcome outcome = FragmentOutcome::kept;
  bool discarded_incomplete = false;  // an incomplete set was dropped for this fragment
  // complete: the message's header with Next Payload SK and the Length the message would
  // have had unfragmented, its inner payloads, and its IntAuth octets as if unfragmented.
  std::optional<OpenedMessage> message;
};

namespace detail {
// The fragments of one message kept so far. Outside FragmentReassembler: a nested class with
// default member initializers is not yet default-constructible inside its enclosing class
// (clang checks std::optional<Set>::emplace() there and refuses it).
struct FragmentSet {
  Header header;  // of the first fragment kept
  std::uint16_t total = 0;
  core::Clock::time_point started{};
  std::size_t bytes = 0;
  std::size_t count = 0;
  PayloadType first_inner = PayloadType::none;
  std::vector<std::optional<core::SecureBytes>> pieces;  // index = Fragment Number - 1
};
}  // namespace detail

class FragmentReassembler {
 public:
  using TimePoint = core::Clock::time_point;

  explicit FragmentReassembler(ReassemblyLimits limits = {}) noexcept : limits_(limits) {}

  // One received datagram whose first payload is SKF, decrypted with `sk_e` (the peer's SK_er
  // or SK_ei). Sets past their timeout are discarded first; then errors leave the sets as they
  // were, except too_large for `max_bytes` and a reassembled chain that does not parse (the
  // set is discarded: it can never complete).
  core::Result<ReassemblyStep> add(std::span<const std::uint8_t> datagram,
                                   std::span<const std::uint8_t> sk_e, TimePoint now);

  // Discards sets older than the timeout; true if one was discarded.
  bool expire(TimePoint now);
  // When expire() should run next: the earliest set's deadline, nullopt with no set.
  [[nodiscard]] std::optional<TimePoint> deadline() const noexcept;
  // Decrypted bytes held in all sets.
  [[nodiscard]] std::size_t bytes_held() const noexcept;

 private:
  using Set = detail::FragmentSet;

  core::Result<ReassemblyStep> complete(std::optional<Set>& slot);

  ReassemblyLimits limits_;
  std::array<std::optional<Set>, 2> sets_;  // [0] requests, [1] responses
};

}  // namespace pqbranch::ikev2
