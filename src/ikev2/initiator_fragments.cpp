#include "initiator_fragments.hpp"

#include <utility>

namespace pqbranch::ikev2 {

FragmentPath fragment_path(const SessionOptions& options, const Attempt& a) {
  FragmentPath path;
  path.max_datagram = options.settings.fragment_size;
  path.ipv6 = !options.remote_address.is_v4();
  path.non_esp_marker = a.sa.use_natt(options.settings.force_encap) && a.phase != Phase::init;
  return path;
}

core::Result<std::vector<std::vector<std::uint8_t>>> request_datagrams(
    const SessionOptions& options, Attempt& a, std::vector<std::uint8_t> sealed) {
  if (!a.sa.fragmentation || a.phase == Phase::init) {
    std::vector<std::vector<std::uint8_t>> one;
    one.push_back(std::move(sealed));
    return one;
  }
  return fit_to_path(std::move(sealed), a.sa.own_key(), a.sa.next_iv, fragment_path(options, a));
}

}  // namespace pqbranch::ikev2
