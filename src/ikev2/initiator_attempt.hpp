#pragma once
// One IKE SA of the initiator machine from IKE_SA_INIT to its deletion, with its outstanding
// request (internal to ikev2).

#include <cstdint>
#include <optional>
#include <vector>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/ikev2/fragment_reassembler.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"
#include "pqbranch/ikev2/informational_task.hpp"
#include "pqbranch/ikev2/initiator_actions.hpp"
#include "pqbranch/ikev2/retransmit.hpp"

namespace pqbranch::ikev2 {

enum class Phase : std::uint8_t { init, intermediate, auth, established, deleting, done };

[[nodiscard]] constexpr const char* to_string(Phase p) noexcept {
  switch (p) {
    case Phase::init:
      return "IKE_SA_INIT";
    case Phase::intermediate:
      return "IKE_INTERMEDIATE";
    case Phase::auth:
      return "IKE_AUTH";
    case Phase::established:
      return "established";
    case Phase::deleting:
      return "deleting";
    case Phase::done:
      return "done";
  }
  return "?";
}

struct Attempt {
  explicit Attempt(RetransmitPolicy policy) : retransmit(policy) {}
  IkeSa sa;
  Phase phase = Phase::init;
  KeMethod method = KeMethod::none;
  // The outstanding request's datagrams as sent: one, or its RFC 7383 fragments; a
  // retransmission sends the same ones.
  std::vector<std::vector<std::uint8_t>> request;
  FragmentReassembler reassembler;  // the responder's fragments, under its SK_er
  Retransmitter retransmit;
  core::Clock::time_point established_at{};
  // The last authenticated message from the responder (dead peer detection).
  core::Clock::time_point heard{};
  bool installed = false;
  std::uint64_t drops_at_send = 0;  // the machine's dropped datagrams when the request went
  // The kernel step (AllocateSpi before IKE_AUTH, InstallPair after it) being waited for.
  std::optional<StepId> step;
  std::optional<PeerRequest> last_answer;  // resent when the responder repeats a request
  // The last refusal in an IKE_SA_INIT response: unauthenticated, so it ends the attempt
  // only if no acceptable response comes before the request times out (RFC 7296 §2.21.1).
  std::optional<core::Error> init_refusal;
};

}  // namespace pqbranch::ikev2
