#include "pqbranch/app/ikev2_status.hpp"

namespace pqbranch::app {
namespace {

Ikev2ChildCounters counters(xfrm::Kernel& kernel, const core::IpAddress& dst, std::uint32_t spi) {
  Ikev2ChildCounters c;
  if (spi == 0) return c;
  xfrm::SaId id;
  id.dst = dst;
  id.spi = spi;
  if (auto state = kernel.get_sa(id)) {
    c.present = true;
    c.packets = state->current.packets;
    c.bytes = state->current.bytes;
  }
  return c;
}

}  // namespace

std::vector<Ikev2PeerReport> collect_ikev2_status(const std::vector<Ikev2Peer>& peers,
                                                  std::chrono::system_clock::time_point now,
                                                  core::Clock::time_point steady_now) {
  const auto to_utc = [&](const std::optional<core::Clock::time_point>& t)
      -> std::optional<Ikev2PeerReport::SystemTime> {
    if (!t) return std::nullopt;
    return now + std::chrono::duration_cast<std::chrono::system_clock::duration>(*t - steady_now);
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
