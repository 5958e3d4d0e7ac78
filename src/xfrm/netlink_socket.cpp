#include "netlink_socket.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/netlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "pqbranch/xfrm/errc.hpp"

#include "nl_reader.hpp"

namespace pqbranch::xfrm::detail {
namespace {

// Large enough for any datagram of a dump (the kernel fills up to ~32 KiB per recv).
constexpr std::size_t kReceiveBuffer = std::size_t{64} * 1024;
constexpr int kAnswerDeadlineSeconds = 5;

core::Error socket_error(const std::string& what, int err) {
  return core::make_error(errc::socket_error, what + ": " + std::strerror(err));  // NOLINT
}

// Wipes the first n bytes of the receive buffer when the scope ends.
class WipeOnExit {
 public:
  WipeOnExit(core::SecureBytes& b, std::size_t n) : b_(b), n_(n) {}
  ~WipeOnExit() { core::secure_wipe(b_.data(), n_); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  core::SecureBytes& b_;
  std::size_t n_;
};

}  // namespace

core::Result<NetlinkSocket> NetlinkSocket::open(int protocol, std::span<const int> groups) {
  NlSocketHandle sock(nl_socket_alloc());
  if (!sock) return core::make_error(errc::socket_error, "netlink socket: no memory");
  // Answers are matched by sequence number here, not by libnl's callbacks.
  nl_socket_disable_seq_check(sock.get());
  if (const int rc = nl_connect(sock.get(), protocol); rc < 0) {
    return core::make_error(errc::socket_error,
                            std::string("netlink socket: connect: ") + nl_geterror(rc));
  }
  const int fd = nl_socket_get_fd(sock.get());
  const int one = 1;
  // Best effort: older kernels lack these; errors then carry only the errno text.
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  for (const int g : groups) {
    if (const int rc = nl_socket_add_membership(sock.get(), g); rc < 0) {
      return core::make_error(errc::socket_error, "netlink socket: join group " +
                                                      std::to_string(g) + ": " + nl_geterror(rc));
    }
  }
  if (groups.empty()) {
    // The kernel answers at once; a deadline turns a lost answer into an error, not a hang.
    const timeval deadline{kAnswerDeadlineSeconds, 0};
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof(deadline));
  } else {
    if (const int rc = nl_socket_set_nonblocking(sock.get()); rc < 0) {
      return core::make_error(errc::socket_error,
                              std::string("netlink socket: non-blocking: ") + nl_geterror(rc));
    }
    (void)nl_socket_set_buffer_size(sock.get(), 1 << 20, 0);
  }
  return NetlinkSocket(std::move(sock), core::SecureBytes(kReceiveBuffer));
}

int NetlinkSocket::fd() const noexcept {
  return nl_socket_get_fd(sock_.get());
}

core::Result<std::size_t> NetlinkSocket::receive(bool blocking, const std::string& operation) {
  for (;;) {
    sockaddr_nl from{};
    iovec iov{buffer_.data(), buffer_.size()};
    msghdr mh{};
    mh.msg_name = &from;
    mh.msg_namelen = sizeof(from);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    const ssize_t n = ::recvmsg(fd(), &mh, blocking ? 0 : MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!blocking) return std::size_t{0};
        return core::make_error(errc::socket_error,
                                operation + ": no answer from the kernel within " +
                                    std::to_string(kAnswerDeadlineSeconds) + " s");
      }
      if (errno == ENOBUFS) {
        return core::make_error(errc::socket_error,
                                operation + ": kernel messages were lost (ENOBUFS)");
      }
      return socket_error(operation + ": receive", errno);
    }
    if ((mh.msg_flags & MSG_TRUNC) != 0) {
      core::secure_wipe(buffer_.data(), buffer_.size());
      return core::make_error(errc::malformed_reply, operation + ": truncated datagram");
    }
    if (from.nl_pid != 0) continue;  // only the kernel speaks to us
    return static_cast<std::size_t>(n);
  }
}

core::Result<void> NetlinkSocket::transact(const NetlinkMessage& msg, const std::string& operation,
                                           const DataHandler& on_data) {
  if (const int rc = nl_send_auto(sock_.get(), msg.get()); rc < 0) {
    return core::make_error(errc::socket_error, operation + ": send: " + nl_geterror(rc));
  }
  // nl_send_auto completed the header: our sequence number and port.
  const std::uint32_t seq = nlmsg_hdr(msg.get())->nlmsg_seq;
  const std::uint32_t port = nl_socket_get_local_port(sock_.get());
  core::Result<void> first_error{};
  for (;;) {
    auto n = receive(true, operation);
    if (!n) return n.error();
    WipeOnExit wipe(buffer_, *n);
    auto rest = buffer_.span().first(*n);
    while (!rest.empty()) {
      const auto view = view_message(rest);
      if (!view) return core::make_error(errc::malformed_reply, operation + ": bad netlink header");
      const std::size_t step =
          std::min<std::size_t>(NLMSG_ALIGN(view->header.nlmsg_len), rest.size());
      const auto whole = rest.first(view->header.nlmsg_len);
      rest = rest.subspan(step);
      if (view->header.nlmsg_seq != seq || view->header.nlmsg_pid != port) continue;  // stale
      const auto type = view->header.nlmsg_type;
      if (type == NLMSG_ERROR) {
        const auto answer = parse_kernel_answer(whole);
        if (!answer)
          return core::make_error(errc::malformed_reply,
                                  operation + ": " + answer.error().message());
        if (answer->error == 0) return first_error;
        return kernel_error(answer->error, operation, answer->explanation);
      }
      if (type == NLMSG_DONE) {
        const auto status = read_struct<int>(view->payload);
        if (status && *status < 0) {
          return kernel_error(*status == INT_MIN ? EPROTO : -*status, operation, {});
        }
        return first_error;
      }
      if (type == NLMSG_NOOP || type == NLMSG_OVERRUN) continue;
      if (on_data && first_error) {
        if (auto r = on_data(whole); !r) first_error = r.error();
      }
    }
  }
}

core::Result<void> NetlinkSocket::drain(const DataHandler& on_message) {
  for (;;) {
    auto n = receive(false, "read events");
    if (!n) return n.error();
    if (*n == 0) return {};
    WipeOnExit wipe(buffer_, *n);
    auto rest = buffer_.span().first(*n);
    while (!rest.empty()) {
      const auto view = view_message(rest);
      if (!view) return core::make_error(errc::malformed_reply, "read events: bad netlink header");
      const std::size_t step =
          std::min<std::size_t>(NLMSG_ALIGN(view->header.nlmsg_len), rest.size());
      const auto whole = rest.first(view->header.nlmsg_len);
      rest = rest.subspan(step);
      if (auto r = on_message(whole); !r) return r;
    }
  }
}

}  // namespace pqbranch::xfrm::detail
