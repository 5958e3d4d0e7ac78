#pragma once
// What both rotation machines share (internal to rotation): the bound on generation jumps,
// housekeeping deletes, and what they do around each event: an event before start() is refused with
// a note, any other goes to the machine's handler, then the machine runs its pump so that every
// action the new state allows comes out of this one call.

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pqbranch/core/error.hpp"
#include "pqbranch/rotation/actions.hpp"
#include "pqbranch/rotation/sa_ledger.hpp"
#include "pqbranch/xfrm/errc.hpp"

namespace pqbranch::rotation::detail {

// The furthest a generation number moves in one step. Only an edge that lost its state sees
// an agent ahead of it, and no agent rotates 2^32 times, so the edge refuses a request
// reporting more than this above its last issued number, and the agent an offer more than
// this above its own newest: either would use up the tunnel's generation numbers (none left
// below kMaxGeneration means no rotation ever again) in a few exchanges.
inline constexpr Generation kMaxGenerationJump = Generation{1} << 32;

template <class Action>
void note(std::vector<Action>& out, NoteLevel level, std::string text) {
  out.emplace_back(Note{level, std::move(text)});
}

// A delete or update that found nothing: the SA is already gone, which is what was wanted.
inline bool not_found(const core::Result<void>& r) {
  return !r && r.error() == xfrm::errc::not_found;
}

// The earliest time a machine must wake at, and its one timer: a WakeAt goes out only when
// that time changes, never sooner than 1 ms from now.
class Wakeup {
 public:
  void consider(std::optional<TimePoint> t) {
    if (t && (!next_ || *t < *next_)) next_ = t;
  }
  template <class Action>
  void arm(TimePoint now, std::optional<TimePoint>& armed, std::vector<Action>& out) const {
    if (!next_) return;
    const TimePoint at = std::max(*next_, now + std::chrono::milliseconds(1));
    if (armed != at) {
      armed = at;
      out.emplace_back(WakeAt{at});
    }
  }

 private:
  std::optional<TimePoint> next_;
};

// Starts the housekeeping delete the ledger has due (a retirement or a cleanup), if any:
// `begin(retire)` opens the machine's kernel step of that kind; `step_generation` is the
// generation a retirement is for.
template <class Action, class Begin>
bool emit_housekeeping(const SaLedger& ledger, TimePoint now, Generation& step_generation,
                       std::vector<Action>& out, Begin&& begin) {
  const auto due = ledger.housekeeping_due(now);
  if (!due) return false;
  if (due->retire) step_generation = *due->retire;
  out.emplace_back(DeleteSa{begin(due->retire.has_value()), due->id});
  return true;
}

// `on(event_alternative, out)` handles the event, `pump(out)` emits what follows from it.
template <class Action, class Event, class On, class Pump>
std::vector<Action> step(bool started, Event& event, On&& on, Pump&& pump) {
  std::vector<Action> out;
  if (!started) {
    note(out, NoteLevel::warn, "event before start ignored");
    return out;
  }
  std::visit([&](auto& e) { on(e, out); }, event);
  pump(out);
  return out;
}

}  // namespace pqbranch::rotation::detail
