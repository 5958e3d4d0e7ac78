#pragma once
// The initiator's real DatagramTransport: UDP sockets on the IKE port (500) and the NAT-T
// port (4500), both bypassing every IPsec policy so that IKE never travels inside the
// tunnel it keys; the NAT-T socket also decapsulates ESP-in-UDP (xfrm::open_natt_socket).

#include <cstdint>
#include <memory>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/ikev2/datagram_transport.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pqbranch::ikev2 {

class UdpTransport final : public DatagramTransport {
 public:
  // Opens and binds both sockets (errors: bind, bypass); port 0 lets the kernel choose.
  static core::Result<std::unique_ptr<UdpTransport>> open(boost::asio::io_context& io,
                                                          const core::IpAddress& local,
                                                          std::uint16_t ike_port,
                                                          std::uint16_t natt_port);
  ~UdpTransport() override;
  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;

  void start(Receiver receiver) override;
  core::Result<void> send(IkeSocket socket, const core::IpAddress& to, std::uint16_t port,
                          std::span<const std::uint8_t> bytes) override;
  void close() override;
  [[nodiscard]] std::uint16_t local_port(IkeSocket socket) const override;

 private:
  struct Sockets;
  explicit UdpTransport(std::shared_ptr<Sockets> sockets);
  // Shared with the pending receive handlers, which may run after this object is gone.
  std::shared_ptr<Sockets> sockets_;
};

}  // namespace pqbranch::ikev2
