#include "fakes/xfrm/fake_route_table.hpp"

#include "pqbranch/xfrm/errc.hpp"

namespace pqbranch::test {

core::Result<void> FakeRouteTable::set_link_up(const std::string& device) {
  auto it = devices_.find(device);
  if (it == devices_.end()) return core::make_error(xfrm::errc::not_found, "no device " + device);
  it->second = true;
  return {};
}

core::Result<void> FakeRouteTable::replace_route(const core::IpPrefix& destination,
                                                 const std::string& device) {
  if (!devices_.contains(device)) {
    return core::make_error(xfrm::errc::not_found, "no device " + device);
  }
  routes_[destination] = device;
  return {};
}

core::Result<void> FakeRouteTable::delete_route(const core::IpPrefix& destination,
                                                const std::string& device) {
  auto it = routes_.find(destination);
  if (it == routes_.end() || it->second != device) {
    return core::make_error(xfrm::errc::not_found, "no route " + destination.to_string());
  }
  routes_.erase(it);
  return {};
}

bool FakeRouteTable::is_up(const std::string& device) const {
  auto it = devices_.find(device);
  return it != devices_.end() && it->second;
}

}  // namespace pqbranch::test
