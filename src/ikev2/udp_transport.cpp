#include "pqbranch/ikev2/udp_transport.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

namespace pqbranch::ikev2 {
namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

constexpr std::size_t kMaxDatagram = 65536;

asio::ip::address to_asio(const core::IpAddress& a) {
  if (a.is_v4()) {
    asio::ip::address_v4::bytes_type b{};
    std::copy(a.bytes().begin(), a.bytes().end(), b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b{};
  std::copy(a.bytes().begin(), a.bytes().end(), b.begin());
  return asio::ip::address_v6(b);
}

core::IpAddress from_asio(const asio::ip::address& a) {
  if (a.is_v4()) return core::IpAddress::v4(a.to_v4().to_bytes());
  return core::IpAddress::v6(a.to_v6().to_bytes());
}

// Port 500: policy bypass before bind, and no ESP-in-UDP decapsulation (the kernel would
// take IKE headers for ESP there).
core::Result<void> open_ike_socket(udp::socket& socket, const core::IpAddress& local,
                                   std::uint16_t port) {
  const udp::endpoint at(to_asio(local), port);
  boost::system::error_code ec;
  socket.open(at.protocol(), ec);
  if (ec) return core::make_error(exchange_errc::credentials, "IKE socket: " + ec.message());
  if (auto ok = xfrm::bypass_policies(socket.native_handle(), local.family()); !ok) return ok;
  if (!local.is_v4()) socket.set_option(asio::ip::v6_only(true), ec);
  // No SO_REUSEADDR: another local process could then bind the port too and take the
  // responder's answers.
  socket.bind(at, ec);
  if (ec) {
    return core::make_error(
        exchange_errc::credentials,
        "IKE socket " + local.to_string() + ":" + std::to_string(port) + ": " + ec.message());
  }
  return {};
}

}  // namespace

struct UdpTransport::Sockets : std::enable_shared_from_this<UdpTransport::Sockets> {
  explicit Sockets(asio::io_context& io) : ike(io), natt(io) {}

  struct Receiving {
    std::array<std::uint8_t, kMaxDatagram> buffer{};
    udp::endpoint from;
  };

  udp::socket ike;
  udp::socket natt;
  Receiving ike_in;
  Receiving natt_in;
  Receiver receiver;
  bool receiving = true;

  udp::socket& socket(IkeSocket s) { return s == IkeSocket::ike ? ike : natt; }

  void shut() {
    receiving = false;
    boost::system::error_code ignored;
    ike.close(ignored);
    natt.close(ignored);
  }

  // One receive loop per socket.
  void receive(IkeSocket which) {
    auto& in = which == IkeSocket::ike ? ike_in : natt_in;
    socket(which).async_receive_from(
        asio::buffer(in.buffer), in.from,
        [weak = weak_from_this(), which, &in](const boost::system::error_code& ec, std::size_t n) {
          auto self = weak.lock();  // `in` is its member
          if (!self || ec == asio::error::operation_aborted || !self->receiving) return;
          if (!ec)
            self->receiver(which, from_asio(in.from.address()), std::span(in.buffer).first(n));
          if (self->receiving) self->receive(which);
        });
  }
};

UdpTransport::UdpTransport(std::shared_ptr<Sockets> sockets) : sockets_(std::move(sockets)) {}

UdpTransport::~UdpTransport() {
  sockets_->shut();
}

core::Result<std::unique_ptr<UdpTransport>> UdpTransport::open(asio::io_context& io,
                                                               const core::IpAddress& local,
                                                               std::uint16_t ike_port,
                                                               std::uint16_t natt_port) {
  auto natt = xfrm::open_natt_socket(local, natt_port);
  if (!natt) return natt.error();
  auto sockets = std::make_shared<Sockets>(io);
  if (auto ok = open_ike_socket(sockets->ike, local, ike_port); !ok) return ok.error();
  boost::system::error_code ec;
  sockets->natt.assign(local.is_v4() ? udp::v4() : udp::v6(), natt->release(), ec);
  if (ec) return core::make_error(exchange_errc::credentials, "NAT-T socket: " + ec.message());
  return std::unique_ptr<UdpTransport>(new UdpTransport(std::move(sockets)));
}

void UdpTransport::start(Receiver receiver) {
  sockets_->receiver = std::move(receiver);
  sockets_->receive(IkeSocket::ike);
  sockets_->receive(IkeSocket::natt);
}

core::Result<void> UdpTransport::send(IkeSocket socket, const core::IpAddress& to,
                                      std::uint16_t port, std::span<const std::uint8_t> bytes) {
  boost::system::error_code ec;
  sockets_->socket(socket).send_to(asio::buffer(bytes.data(), bytes.size()),
                                   udp::endpoint(to_asio(to), port), 0, ec);
  if (ec) return core::Error{ec, "send"};
  return {};
}

void UdpTransport::close() {
  sockets_->shut();
}

std::uint16_t UdpTransport::local_port(IkeSocket socket) const {
  boost::system::error_code ec;
  const auto e = sockets_->socket(socket).local_endpoint(ec);
  return ec ? 0 : e.port();
}

}  // namespace pqbranch::ikev2
