#pragma once
// One IKEv2 initiator kept up against one responder: it owns the UDP sockets (ports 500
// and 4500, both bypassing every IPsec policy so IKE never travels inside the tunnel it
// keys), the timers, and the CHILD SA's place in the kernel. The exchanges themselves are
// the tasks (ike_sa_init_task.hpp, ...); this drives them:
// - IKE_SA_INIT (retried with the method INVALID_KE_PAYLOAD names), IKE_INTERMEDIATE when
//   the chosen proposal has ADDKE1, IKE_AUTH with an inbound SPI from ALLOCSPI, then the
//   CHILD SA's two halves through xfrm::install_pair (reqid of the peer, ESN, UDP
//   encapsulation when NAT was detected or forced);
// - retransmission with exponential backoff and bounded tries (retransmit.hpp); a request
//   that runs out of tries ends the attempt;
// - after NAT detection (or when forced), every message from IKE_INTERMEDIATE/IKE_AUTH on
//   goes to port 4500 with the non-ESP marker (RFC 3948 §2.2, RFC 7296 §2.23);
// - the responder's requests: liveness checks answered, Delete of the IKE or CHILD SA
//   removes the kernel's SAs (and a new IKE SA is made after the retry delay);
// - continuity: rekey_time after establishment a new IKE SA and CHILD SA are made, the new
//   outbound SA goes in (the kernel prefers the newest), the old outbound SA is deleted at
//   once, the old IKE SA is deleted with an INFORMATIONAL exchange, then its inbound SA;
// - a failed attempt is logged with its reason and retried with doubling delays; the
//   installed SAs keep working meanwhile (until their hard lifetime);
// - a malformed or unexpected datagram is dropped and counted (ikev2_dropped_messages),
//   never a reason to touch a working SA.
// Everything runs on one io_context thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/ikev2/initiator_settings.hpp"
#include "pqbranch/ikev2/retransmit.hpp"
#include "pqbranch/xfrm/kernel.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pqbranch::ikev2 {

struct SessionOptions {
  std::string name;  // the peer's name in logs and metrics
  InitiatorSettings settings;
  core::IpAddress local_address;
  core::IpAddress remote_address;
  std::uint16_t local_port = 500;
  std::uint16_t local_natt_port = 4500;
  std::uint16_t remote_port = 500;        // the responder's IKE port
  std::uint16_t remote_natt_port = 4500;  // and its NAT-T port (RFC 3948)
  std::uint32_t reqid = 0;
  std::uint32_t if_id = 0;  // route mode; 0 in policy mode
  std::chrono::milliseconds rekey_time = std::chrono::minutes{50};
  std::chrono::milliseconds lifetime = std::chrono::hours{1};
  RetransmitPolicy retransmit;
  std::chrono::milliseconds retry_initial = std::chrono::seconds{5};
  std::chrono::milliseconds retry_max = std::chrono::minutes{2};
};

struct SessionStatus {
  std::string state;     // "connecting", "established", "waiting to retry", "stopped"
  std::string proposal;  // of the established IKE SA, e.g. "aes256gcm16-prfsha384-..."
  bool post_quantum = false;
  bool udp_encapsulation = false;
  std::uint32_t inbound_spi = 0;
  std::uint32_t outbound_spi = 0;
  std::uint64_t established = 0;  // IKE SAs established so far
  std::string last_error;
};

class InitiatorSession {
 public:
  // Opens the two sockets (errors: bind, bypass). Does not send anything yet.
  static core::Result<std::unique_ptr<InitiatorSession>> create(boost::asio::io_context& io,
                                                                xfrm::Kernel& kernel,
                                                                core::Metrics& metrics,
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
