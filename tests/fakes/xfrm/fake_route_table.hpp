#pragma once
// An in-memory xfrm::RouteTable: devices a test declares, their up flag, and routes.

#include <map>
#include <set>
#include <string>

#include "pqbranch/xfrm/route_table.hpp"

namespace pqbranch::test {

class FakeRouteTable final : public xfrm::RouteTable {
 public:
  // Devices that exist (an xfrm interface the FakeKernel created must be declared too).
  void add_device(const std::string& name) { devices_.emplace(name, false); }

  core::Result<void> set_link_up(const std::string& device) override;
  core::Result<void> replace_route(const core::IpPrefix& destination,
                                   const std::string& device) override;
  core::Result<void> delete_route(const core::IpPrefix& destination,
                                  const std::string& device) override;

  [[nodiscard]] bool is_up(const std::string& device) const;
  // destination -> device
  [[nodiscard]] const std::map<core::IpPrefix, std::string>& routes() const { return routes_; }

 private:
  std::map<std::string, bool> devices_;
  std::map<core::IpPrefix, std::string> routes_;
};

}  // namespace pqbranch::test
