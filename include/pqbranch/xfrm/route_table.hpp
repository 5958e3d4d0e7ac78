#pragma once
// Route mode needs more than XFRM: the xfrm interface must be up and the remote prefixes
// routed into it. A tiny interface over NETLINK_ROUTE for exactly that (libnl-route), so
// tests can replace it (tests/fakes/xfrm/fake_route_table.hpp) and the agent never shells out
// to `ip`. Errors use xfrm::errc (not_found, already_exists, permission_denied, rejected)
// with the device and prefix named in the detail.

#include <memory>
#include <string>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"

namespace pqbranch::xfrm {

class RouteTable {
 public:
  virtual ~RouteTable() = default;

  // Sets IFF_UP on `device` (no-op when already up); not_found if there is no such device.
  virtual core::Result<void> set_link_up(const std::string& device) = 0;
  // A route to `destination` through `device` in the main table (scope link), added or
  // replacing one with the same destination (RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE):
  // idempotent, and it takes the prefix over from any other device.
  virtual core::Result<void> replace_route(const core::IpPrefix& destination,
                                           const std::string& device) = 0;
  // Deletes the route to `destination` through `device`; not_found when there is none.
  virtual core::Result<void> delete_route(const core::IpPrefix& destination,
                                          const std::string& device) = 0;
};

class NetlinkRouteTable final : public RouteTable {
 public:
  // A NETLINK_ROUTE socket in the calling thread's network namespace.
  static core::Result<std::unique_ptr<NetlinkRouteTable>> create();
  ~NetlinkRouteTable() override;
  NetlinkRouteTable(const NetlinkRouteTable&) = delete;
  NetlinkRouteTable& operator=(const NetlinkRouteTable&) = delete;

  core::Result<void> set_link_up(const std::string& device) override;
  core::Result<void> replace_route(const core::IpPrefix& destination,
                                   const std::string& device) override;
  core::Result<void> delete_route(const core::IpPrefix& destination,
                                  const std::string& device) override;

 private:
  struct Impl;
  explicit NetlinkRouteTable(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pqbranch::xfrm
