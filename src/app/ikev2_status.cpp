#include "pqbranch/app/ikev2_status.hpp"

#include "status_times.hpp"

namespace pqbranch::app {
namespace {

// The kernel's counters of the SA (dst, spi); none when there is no such SA.
std::optional<xfrm::SaCounters> counters(xfrm::Kernel& kernel, const core::IpAddress& dst,
                                         std::uint32_t spi) {
  if (spi == 0) return std::nullopt;
  xfrm::SaId id;
  id.dst = dst;
  id.spi = spi;
  auto state = kernel.get_sa(id);
  if (!state) return std::nullopt;
  return state->current;
}

}  // namespace

std::vector<Ikev2PeerReport> collect_ikev2_status(const std::vector<Ikev2Peer>& peers,
                                                  std::chrono::system_clock::time_point now,
                                                  core::Clock::time_point steady_now) {
  const auto to_utc = [&](const std::optional<core::Clock::time_point>& t)
      -> std::optional<Ikev2PeerReport::SystemTime> {
    if (!t) return std::nullopt;
    return detail::wall_time(*t, steady_now, now);
  };
  std::vector<Ikev2PeerReport> out;
  for (const auto& p : peers) {
    Ikev2PeerReport r;
    r.name = p.name;
    r.local = p.local_address.to_string();
    r.remote = p.remote_address.to_string();
    r.session = p.session->status();
    r.established = to_utc(r.session.established_at);
    r.child_installed = to_utc(r.session.child_installed_at);
    r.next_child_rekey = to_utc(r.session.next_child_rekey);
    r.next_ike_replacement = to_utc(r.session.next_ike_replacement);
    r.inbound = counters(*p.stack.kernel, p.local_address, r.session.inbound_spi);
    r.outbound = counters(*p.stack.kernel, p.remote_address, r.session.outbound_spi);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace pqbranch::app
