#pragma once
// The IKEv2 initiator session's test bed: the fake responder behind two loopback sockets
// ("500" and "4500"), answering through a HostileIkeResponder (correct unless told
// otherwise), and a fixture with the session's options, FakeKernel and metrics. Waits are
// on conditions with a deadline, driving the one io_context.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <gtest/gtest.h>

#include "pqbranch/core/metrics.hpp"
#include "pqbranch/ikev2/initiator_session.hpp"

#include "fakes/fake_ike_responder.hpp"
#include "fakes/hostile_ike_responder.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::ikev2 {

// One FakeIkeResponder per IKE SA (by SPIi), as a real responder keeps them.
class LoopbackResponder {
 public:
  explicit LoopbackResponder(boost::asio::io_context& io);

  test::FakeIkeResponder::Options options;
  test::HostileIkeResponder hostile;  // how requests are answered
  int drop_next = 0;                  // requests to ignore (lost on the way)
  // An on-path attacker: before each IKE_SA_INIT response, an unprotected one with only
  // this error notify.
  std::optional<NotifyType> forge_init_error;
  std::size_t requests = 0;       // received
  std::size_t natt_requests = 0;  // of them on the NAT-T socket, with the marker

  [[nodiscard]] std::uint16_t ike_port() const { return ike_.local_endpoint().port(); }
  [[nodiscard]] std::uint16_t natt_port() const { return natt_.local_endpoint().port(); }
  std::map<Spi, std::unique_ptr<test::FakeIkeResponder>> sas;
  std::optional<boost::asio::ip::udp::endpoint> last_peer;
  bool last_natt = false;

  std::size_t responses = 0;  // from the initiator, to the responder's own requests

  // A request of the responder's own (to the initiator) on the IKE SA of `r`.
  void send_request(test::FakeIkeResponder& r, std::vector<Payload> payloads);
  // These bytes (e.g. a retransmitted request, or anything forged) to the initiator, from
  // the responder's socket the initiator last used.
  void resend(std::span<const std::uint8_t> bytes) { send(bytes, last_natt); }

 private:
  void send(std::span<const std::uint8_t> bytes, bool natt);
  void receive(boost::asio::ip::udp::socket& s, std::array<std::uint8_t, 65536>& buffer,
               boost::asio::ip::udp::endpoint& from, bool natt);
  void handle(std::span<const std::uint8_t> bytes, const boost::asio::ip::udp::endpoint& from,
              bool natt);

  boost::asio::ip::udp::socket ike_;
  boost::asio::ip::udp::socket natt_;
  std::array<std::uint8_t, 65536> ike_buffer_{};
  std::array<std::uint8_t, 65536> natt_buffer_{};
  boost::asio::ip::udp::endpoint ike_from_;
  boost::asio::ip::udp::endpoint natt_from_;
};

class Ikev2SessionTest : public ::testing::Test {
 protected:
  Ikev2SessionTest() : kernel_(clock_), responder_(io_) {}

  // Options for `proposal` (PSK, 10.1.0.0/24 <-> 10.2.0.0/24, retransmission 100 ms x 4),
  // and the responder set up to accept them.
  SessionOptions options(const char* proposal);
  std::unique_ptr<InitiatorSession> start(SessionOptions o);
  bool run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::seconds{10});
  // The kernel's SAs that are not larval.
  std::vector<xfrm::SaState> installed();
  [[nodiscard]] std::int64_t metric(const char* name) const {
    return metrics_.value(name, "peer=\"loop\"");
  }

  test::ManualClock clock_;
  test::FakeKernel kernel_;
  core::Metrics metrics_;
  boost::asio::io_context io_;
  LoopbackResponder responder_;
};

}  // namespace pqbranch::ikev2
