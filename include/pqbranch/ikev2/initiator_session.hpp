#pragma once
// One IKEv2 initiator kept up against one responder, on an io_context: the executor of
// InitiatorMachine (initiator_machine.hpp, which holds all the protocol logic). It feeds the
// machine datagrams from its DatagramTransport (the two UDP sockets of udp_transport.hpp),
// its timer and the results of kernel steps, each with the time of an injected clock, and
// performs the machine's actions: sends, xfrm::Kernel calls, the timer, metrics and logs.
// Everything runs on one io_context thread.

#include <cstdint>
#include <memory>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/ikev2/datagram_transport.hpp"
#include "pqbranch/ikev2/randomness.hpp"
#include "pqbranch/ikev2/session_options.hpp"
#include "pqbranch/xfrm/kernel.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pqbranch::ikev2 {

class InitiatorSession {
 public:
  // What the executor acts through; each must outlive the session (the transport it owns).
  struct Dependencies {
    const core::Clock& clock;
    std::unique_ptr<DatagramTransport> transport;
    xfrm::Kernel& kernel;
    core::Metrics& metrics;
    Randomness& random;
  };

  // The production session: the system clock, UdpTransport on options' local address and
  // ports (errors: bind, bypass), the CSPRNG. Does not send anything yet.
  static core::Result<std::unique_ptr<InitiatorSession>> create(boost::asio::io_context& io,
                                                                xfrm::Kernel& kernel,
                                                                core::Metrics& metrics,
                                                                SessionOptions options);
  static core::Result<std::unique_ptr<InitiatorSession>> create(boost::asio::io_context& io,
                                                                Dependencies dependencies,
                                                                SessionOptions options);
  ~InitiatorSession();
  InitiatorSession(const InitiatorSession&) = delete;
  InitiatorSession& operator=(const InitiatorSession&) = delete;

  // Starts the first IKE SA.
  void start();
  // Stops timers and sockets. With `delete_sas`, the IKE SA is deleted (one INFORMATIONAL
  // Delete, not waited for) and the CHILD SA's kernel SAs removed; without, they stay
  // (traffic goes on until their lifetime; a restarted agent makes a new IKE SA with
  // INITIAL_CONTACT, which tells the responder to drop the old one).
  void stop(bool delete_sas);

  [[nodiscard]] SessionStatus status() const;
  // The bound ports (for tests that bind port 0).
  [[nodiscard]] std::uint16_t ike_port() const;
  [[nodiscard]] std::uint16_t natt_port() const;

 private:
  struct Impl;
  explicit InitiatorSession(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace pqbranch::ikev2
