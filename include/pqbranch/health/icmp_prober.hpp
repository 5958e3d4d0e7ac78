#pragma once
// Sends an ICMP (or ICMPv6) echo request from `source` to `target` every `interval` and
// reports each probe sent, answered in time, or lost (no answer by `timeout`). Uses an
// unprivileged ICMP datagram socket (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)): it needs no
// capability, only a group inside net.ipv4.ping_group_range (Debian's systemd opens it to all
// groups). Replies from other addresses, with another token or an unknown sequence number,
// or after the deadline are ignored; at most kMaxOutstanding probes wait for an answer.
// Runs on one io_context thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace pqbranch::health {

struct ProberSettings {
  core::IpAddress source;  // bound, so the tunnel's policy or route carries the probes
  core::IpAddress target;  // same family
  core::Clock::duration interval = std::chrono::seconds{1};
  core::Clock::duration timeout = std::chrono::seconds{1};
};

enum class ProbeOutcome : std::uint8_t { sent, answered, lost };

// Called on the io_context thread with the time of the outcome.
using ProbeListener = std::function<void(ProbeOutcome, core::Clock::time_point)>;

class IcmpProber {
 public:
  static constexpr std::size_t kMaxOutstanding = 64;

  // Opens and binds the socket. Errors: errc::socket_unavailable (with what to do about
  // ping_group_range), errc::bind_failed. `clock` must outlive the prober and be
  // steady_clock based (timers).
  static core::Result<std::unique_ptr<IcmpProber>> create(boost::asio::io_context& io,
                                                          ProberSettings settings,
                                                          const core::Clock& clock,
                                                          ProbeListener listener);
  ~IcmpProber();
  IcmpProber(const IcmpProber&) = delete;
  IcmpProber& operator=(const IcmpProber&) = delete;

  // The first probe leaves at once.
  void start();
  // Cancels timers and the socket wait; nothing is reported afterwards.
  void stop();

 private:
  struct Impl;
  explicit IcmpProber(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared: pending completions hold it weakly
};

}  // namespace pqbranch::health
