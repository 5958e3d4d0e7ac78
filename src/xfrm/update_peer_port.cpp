#include <algorithm>

#include <fmt/format.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/kernel.hpp"

namespace pqbranch::xfrm {

core::Result<void> update_peer_port(Kernel& kernel, const SaId& id, SaDirection direction,
                                    std::uint16_t peer_port) {
  auto state = kernel.get_sa(id);
  if (!state) return state.error();
  const SaState& s = *state;
  const auto refuse = [&](const char* why) {
    return core::make_error(errc::invalid_parameter,
                            fmt::format("update peer port of {}: {}", to_string(id), why));
  };
  if (s.larval) return refuse("larval SA");
  if (!s.encap) return refuse("no UDP encapsulation");
  if (s.direction && *s.direction != direction) return refuse("other direction");
  Sa sa;
  sa.src = s.src;
  sa.dst = s.dst;
  sa.spi = s.spi;
  sa.proto = s.proto;
  sa.reqid = s.reqid;
  sa.mode = s.mode;
  sa.direction = direction;
  sa.aead_key = core::SecureBytes(kAeadKeyBytes);  // placeholder: the kernel keeps its key
  sa.lifetime = s.lifetime;
  sa.esn = s.esn;
  sa.replay_window = std::clamp(s.replay_window, kMinReplayWindow, kMaxReplayWindow);
  sa.encap = s.encap;
  (direction == SaDirection::in ? sa.encap->src_port : sa.encap->dst_port) = peer_port;
  sa.if_id = s.if_id;
  sa.mark = s.mark;
  sa.output_mark = s.output_mark;
  sa.selector = s.selector;
  return kernel.update_sa(sa);
}

}  // namespace pqbranch::xfrm
