#pragma once
// The kernel's answers to a request as it sends them (NLMSG_ERROR): an ACK, and errors with
// an extended-ACK text, their request echoed whole or capped to its header (NETLINK_CAP_ACK).

#include <cstdint>
#include <string_view>
#include <vector>

#include <linux/netlink.h>

#include "fakes/xfrm/netlink_writer.hpp"

namespace pqbranch::test {

inline std::vector<std::uint8_t> kernel_ack() {
  return NetlinkWriter(NLMSG_ERROR, nlmsgerr{}).bytes();
}

// `errno_value` with `text` (NLMSGERR_ATTR_MSG); the request is capped unless `echoed` holds
// its payload, which then follows the error as the kernel echoes it.
inline std::vector<std::uint8_t> kernel_error(int errno_value, std::string_view text,
                                              const std::vector<std::uint8_t>& echoed = {}) {
  nlmsgerr err{};
  err.error = -errno_value;
  err.msg.nlmsg_len = static_cast<std::uint32_t>(NLMSG_HDRLEN + echoed.size());
  err.msg.nlmsg_type = 16;  // XFRM_MSG_NEWSA
  const std::uint16_t capped = echoed.empty() ? NLM_F_CAPPED : 0;
  return NetlinkWriter(NLMSG_ERROR, err)
      .raw(echoed)
      .attr_text(NLMSGERR_ATTR_MSG, text)
      .flags(static_cast<std::uint16_t>(NLM_F_ACK_TLVS | capped))
      .bytes();
}

}  // namespace pqbranch::test
