#pragma once
// The initiator executor's seam to the network: its two UDP sockets (IKE and NAT-T, see
// IkeSocket). udp_transport.hpp is the real one; a test may substitute its own.

#include <cstdint>
#include <functional>
#include <span>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/ikev2/initiator_actions.hpp"

namespace pqbranch::ikev2 {

class DatagramTransport {
 public:
  // One received datagram, as it arrived (NAT-T: with the non-ESP marker).
  using Receiver = std::function<void(IkeSocket socket, const core::IpAddress& from,
                                      std::span<const std::uint8_t> bytes)>;

  virtual ~DatagramTransport() = default;
  // Starts receiving on both sockets; `receiver` is called on the executor's thread.
  virtual void start(Receiver receiver) = 0;
  virtual core::Result<void> send(IkeSocket socket, const core::IpAddress& to, std::uint16_t port,
                                  std::span<const std::uint8_t> bytes) = 0;
  // Stops receiving and closes both sockets.
  virtual void close() = 0;
  // The bound port of `socket` (tests bind port 0).
  [[nodiscard]] virtual std::uint16_t local_port(IkeSocket socket) const = 0;
};

}  // namespace pqbranch::ikev2
