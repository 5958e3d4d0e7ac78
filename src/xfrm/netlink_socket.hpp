#pragma once
// A request/response netlink socket (libnl nl_sock, owned) that sends our built messages
// and reads the kernel's answers itself, so that: every error carries the kernel's errno
// and extended-ack text; echoed requests are capped (NETLINK_CAP_ACK), so a key in a
// refused request never comes back; received bytes (dumps carry keys) are wiped. Internal.

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include <netlink/socket.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/xfrm/netlink_messages.hpp"

namespace pqbranch::xfrm::detail {

using NlSocketHandle = core::CHandle<nl_sock, nl_socket_free>;

class NetlinkSocket {
 public:
  // protocol: NETLINK_XFRM or NETLINK_ROUTE. groups: multicast groups to join (events).
  static core::Result<NetlinkSocket> open(int protocol, std::span<const int> groups = {});

  // Sends `msg` and reads until the kernel's ACK/error (or NLMSG_DONE for a dump). Each
  // data message of the answer is passed to on_data; its first error is returned after the
  // answer was drained. `operation` prefixes every error ("add SA spi ... dst ...").
  using DataHandler = std::function<core::Result<void>(std::span<const std::uint8_t>)>;
  core::Result<void> transact(const NetlinkMessage& msg, const std::string& operation,
                              const DataHandler& on_data = {});

  // Non-blocking: every message already queued, one call each; stops at EAGAIN.
  core::Result<void> drain(const DataHandler& on_message);

  [[nodiscard]] int fd() const noexcept;
  [[nodiscard]] nl_sock* get() const noexcept { return sock_.get(); }

 private:
  NetlinkSocket(NlSocketHandle sock, core::SecureBytes buffer)
      : sock_(std::move(sock)), buffer_(std::move(buffer)) {}
  // One datagram into buffer_; returns its size, 0 on EAGAIN (non-blocking).
  core::Result<std::size_t> receive(bool blocking, const std::string& operation);

  NlSocketHandle sock_;
  core::SecureBytes buffer_;
};

}  // namespace pqbranch::xfrm::detail
