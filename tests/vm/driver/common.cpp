#include <cstdio>

#include <fmt/format.h>

#include "pqbranch/xfrm/errc.hpp"

#include "commands.hpp"
#include "fakes/test_netns.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::driver {

int usage_error(const Options& options) {
  fmt::print(stderr, "pqb-xfrm-driver: {}\n", options.error());
  return kUsage;
}

int kernel_failure(const core::Error& error) {
  fmt::print(stderr, "pqb-xfrm-driver: {}\n", error.message());
  return error.code == xfrm::errc::not_found ? kNotFound : kFailed;
}

std::unique_ptr<xfrm::NetlinkKernel> open_kernel(const xfrm::Ownership& ownership) {
  auto k = xfrm::NetlinkKernel::create(ownership);
  if (!k) {
    kernel_failure(k.error());
    return nullptr;
  }
  return std::move(*k);
}

std::unique_ptr<xfrm::NetlinkKernel> open_kernel_in(const std::string& netns,
                                                    const xfrm::Ownership& ownership) {
  const test::EnterNetns inside("/run/netns/" + netns);
  return open_kernel(ownership);
}

xfrm::Sa tunnel_sa(const core::IpAddress& src, const core::IpAddress& dst, std::uint32_t spi,
                   xfrm::SaDirection direction, core::SecureBytes key) {
  xfrm::Sa sa;
  sa.src = src;
  sa.dst = dst;
  sa.spi = spi;
  sa.reqid = test::kSampleReqid;
  sa.mode = xfrm::Mode::tunnel;
  sa.direction = direction;
  sa.aead_key = std::move(key);
  sa.esn = true;
  sa.replay_window = xfrm::kMinReplayWindow;  // inbound; sent as 0 for outbound SAs
  return sa;
}

}  // namespace pqbranch::driver
