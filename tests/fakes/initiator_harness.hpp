#pragma once
// A synchronous simulator for ikev2::InitiatorMachine: no sockets, no threads. The machine's
// datagrams reach one FakeIkeResponder per IKE SA (by SPIi, as a real responder keeps them)
// after `latency`, and the responses come back after `latency`; its kernel actions go to a
// FakeKernel; time is a ManualClock that jumps to the next delivery or wake-up.
// - Faults: requests or responses lost; the responder's own requests injected.
// - Every event fed to the machine is recorded with its time, so a test can replay them into
//   a fresh machine.
// - After every single action the invariant is checked: each installed outbound SA has the
//   responder's inbound SA (a responder that gave out that SPI, still established and not
//   deleted, with the same key) and our inbound SA of the pair installed with it; and each
//   CHILD SA the responder rekeyed itself (and so sends on) has our inbound SA.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pqbranch/ikev2/initiator_machine.hpp"
#include "pqbranch/xfrm/kernel_steps.hpp"

#include "fakes/fake_ike_responder.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/seeded_ike_randomness.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::test {

struct InitiatorHarnessOptions {
  std::string proposal = "aes256gcm16-prfsha384-x25519-ke1_mlkem768";
  std::uint64_t seed = 1;
  std::chrono::milliseconds latency{10};  // one way
  bool force_encap = false;
  ikev2::RetransmitPolicy retransmit{std::chrono::seconds(1), 3};
  std::chrono::milliseconds retry_initial = std::chrono::seconds(5);
  std::chrono::milliseconds retry_max = std::chrono::seconds(20);
  std::chrono::milliseconds rekey_time = std::chrono::minutes(50);
  std::chrono::milliseconds lifetime = std::chrono::hours(1);
  std::chrono::milliseconds dpd_delay{0};         // off unless a test asks
  std::chrono::milliseconds child_rekey_time{0};  // CREATE_CHILD_SA rekeys off unless asked
  bool reauthenticate = false;  // with child_rekey_time: rekey_time replaces the IKE SA whole
  std::string esp_proposal = "aes256gcm16-x25519-ke1_mlkem768";  // seeded keys: no ECP
  // Both set: certificates (ECDSA, as IKE_AUTH sends them) instead of the PSK; identities
  // branch.pqb.test (ours) and hub.pqb.test (the responder's).
  std::shared_ptr<const ikev2::EcdsaCredentials> initiator_ecdsa{};
  std::shared_ptr<const ikev2::EcdsaCredentials> responder_ecdsa{};
  // RFC 7383: the machine's fragment_size; the responders answer FRAGMENTATION_SUPPORTED
  // when `responder_fragments` and cut their responses at `responder_fragment_size`.
  std::uint16_t fragment_size = 1280;
  bool responder_fragments = false;
  std::uint16_t responder_fragment_size = 1280;
  // A NAT on our side: the responder sees us from another address and port, so NAT
  // detection finds it and IKE moves to the NAT-T port; NAT keepalives off unless asked.
  bool nat_on_our_side = false;
  std::chrono::milliseconds nat_keepalive{0};
};

class InitiatorHarness {
  InitiatorHarnessOptions o_;  // first: session_options is made from it

 public:
  using TimePoint = core::Clock::time_point;
  using Duration = core::Clock::duration;

  explicit InitiatorHarness(InitiatorHarnessOptions options = {});

  // The options the machine is made with (from InitiatorHarnessOptions; a fresh copy each
  // call, for a second machine) and the responders'.
  [[nodiscard]] ikev2::SessionOptions make_session_options() const;
  const ikev2::SessionOptions session_options;
  FakeIkeResponder::Options responder_options;
  InitiatorHarness(const InitiatorHarness&) = delete;
  InitiatorHarness& operator=(const InitiatorHarness&) = delete;

  void start();
  // Feeds an event now (after start()).
  void feed(ikev2::InitiatorEvent event);
  // Jumps to the next delivery or wake-up and performs it; false when nothing is pending.
  bool step();
  // Steps until `done` holds (checked before every step); false if `limit` passed first.
  bool run_until(const std::function<bool()>& done, Duration limit);
  // Performs everything due within `d`, then moves the clock to its end.
  void run_for(Duration d);

  // --- faults and the responder's own requests ---
  int lose_requests = 0;   // the machine's next requests to the responder are lost
  int lose_responses = 0;  // the responder's next response datagrams (or fragments) are lost
  // The responder of the current IKE SA sends a request of its own with `payloads`.
  void responder_request(std::vector<ikev2::Payload> payloads);
  // The responder of the current IKE SA starts a rekey of its newest CHILD SA (then its
  // IKE_FOLLOWUP_KEs and the Delete of the replaced one follow the machine's answers);
  // false if it cannot now (no current responder, or its own rekey still running).
  bool responder_rekey();
  // The machine's next nonces, in the order it draws them (SeededIkeRandomness::script_nonces).
  void script_nonces(std::vector<std::vector<std::uint8_t>> nonces) {
    random_.script_nonces(std::move(nonces));
  }
  // The responder of the current IKE SA starts a rekey of the IKE SA (its IKE_FOLLOWUP_KEs,
  // then its Delete of the old IKE SA, follow the machine's answers); false if it cannot now.
  bool responder_ike_rekey();

  // --- observations ---
  [[nodiscard]] ikev2::InitiatorMachine& machine() { return *machine_; }
  [[nodiscard]] FakeKernel& kernel() { return kernel_; }
  [[nodiscard]] TimePoint now() const { return clock_.now(); }
  [[nodiscard]] const std::vector<std::string>& violations() const { return violations_; }
  // The responder of the IKE SA the machine uses now (the last one established).
  [[nodiscard]] FakeIkeResponder* current_responder();
  [[nodiscard]] const std::map<ikev2::Spi, std::unique_ptr<FakeIkeResponder>>& responders() const {
    return responders_;
  }
  struct Sent {
    TimePoint at;
    ikev2::SendDatagram datagram;
  };
  [[nodiscard]] const std::vector<Sent>& sent() const { return sent_; }
  [[nodiscard]] const std::vector<std::pair<TimePoint, ikev2::InitiatorEvent>>& events() const {
    return events_;
  }
  [[nodiscard]] std::int64_t metric(const std::string& name) const;
  [[nodiscard]] bool noted(const std::string& text) const;  // a note containing `text`
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }
  // Responses from the machine to the responder's own requests, opened by that responder.
  std::size_t answers = 0;

 private:
  struct Delivery {
    TimePoint at;
    bool to_machine = false;
    ikev2::IkeSocket socket = ikev2::IkeSocket::ike;
    std::vector<std::uint8_t> bytes;  // as on the wire
  };

  [[nodiscard]] std::optional<TimePoint> next_at() const;  // the next delivery or wake-up
  void perform(ikev2::InitiatorAction& action, std::vector<ikev2::InitiatorEvent>& results);
  void responder_receives(const Delivery& d);
  void to_machine(ikev2::IkeSocket socket, std::vector<std::uint8_t> bytes);
  void check_invariant(const std::string& after);
  // The current responder sends the request `request` makes (false: none now).
  bool responder_starts(
      const std::function<core::Result<std::vector<std::uint8_t>>(FakeIkeResponder&)>& request);

  ManualClock clock_;
  FakeKernel kernel_;
  SeededIkeRandomness random_;
  std::unique_ptr<ikev2::InitiatorMachine> machine_;
  std::map<ikev2::Spi, std::unique_ptr<FakeIkeResponder>> responders_;
  std::uint32_t next_esp_spi_ = 0xc0de0001;
  std::vector<Delivery> in_flight_;
  std::optional<TimePoint> wake_;
  std::vector<Sent> sent_;
  std::vector<std::pair<TimePoint, ikev2::InitiatorEvent>> events_;
  std::map<std::string, std::int64_t> metrics_;
  std::vector<std::string> notes_;
  std::vector<std::string> violations_;
  bool last_natt_ = false;
  std::size_t actions_performed_ = 0;
};

}  // namespace pqbranch::test
