#pragma once
// The subcommands of pqb-xfrm-driver (see main.cpp for the usage) and what they share.
// Each returns the process exit code.

#include <memory>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/xfrm/netlink_kernel.hpp"

#include "options.hpp"

namespace pqbranch::driver {

inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;    // a kernel call failed or a check did not hold
inline constexpr int kUsage = 2;     // bad command line
inline constexpr int kNotFound = 3;  // the kernel has no such SA (sa get/delete)

// Prints "pqb-xfrm-driver: <error>" and returns kUsage.
int usage_error(const Options& options);
// Prints the error with its operation and returns kNotFound for errc::not_found, else
// kFailed.
int kernel_failure(const core::Error& error);
// NetlinkKernel in the calling thread's network namespace; nullptr (message printed) on
// failure.
std::unique_ptr<xfrm::NetlinkKernel> open_kernel(const xfrm::Ownership& ownership = {});
// NetlinkKernel in the named namespace (/run/netns/NAME); its sockets stay there.
std::unique_ptr<xfrm::NetlinkKernel> open_kernel_in(const std::string& netns,
                                                    const xfrm::Ownership& ownership = {});
// The pqbranch shape of an SA: tunnel mode, rfc4106(gcm(aes)), ESN, reqid in our range.
xfrm::Sa tunnel_sa(const core::IpAddress& src, const core::IpAddress& dst, std::uint32_t spi,
                   xfrm::SaDirection direction, core::SecureBytes key);

int cmd_end(Options& o);
int cmd_sa(std::string_view verb, Options& o);
int cmd_xfrmi(std::string_view verb, Options& o);
int cmd_flush(Options& o);
int cmd_serve(Options& o);
int cmd_switch(Options& o);
int cmd_bench(Options& o);

}  // namespace pqbranch::driver
