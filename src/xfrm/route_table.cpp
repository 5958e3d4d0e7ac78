#include "pqbranch/xfrm/route_table.hpp"

#include <net/if.h>

#include <fmt/format.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/xfrm/errc.hpp"

namespace pqbranch::xfrm {
namespace {

using NlSock = core::CHandle<nl_sock, nl_socket_free>;
using Link = core::CHandle<rtnl_link, rtnl_link_put>;
using Route = core::CHandle<rtnl_route, rtnl_route_put>;
using Addr = core::CHandle<nl_addr, nl_addr_put>;

// libnl's own codes (negative NLE_*) to ours; the detail keeps libnl's text.
core::Error route_error(const std::string& what, int rc) {
  errc code = errc::rejected;
  switch (-rc) {
    case NLE_EXIST:
      code = errc::already_exists;
      break;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
      code = errc::not_found;
      break;
    case NLE_PERM:
    case NLE_NOACCESS:
      code = errc::permission_denied;
      break;
    case NLE_OPNOTSUPP:
    case NLE_AF_NOSUPPORT:
      code = errc::not_supported;
      break;
    default:
      break;
  }
  return core::make_error(code, what + ": " + nl_geterror(rc));
}

}  // namespace

struct NetlinkRouteTable::Impl {
  NlSock sock;

  core::Result<Route> route_via(const core::IpPrefix& destination, const std::string& device,
                                const std::string& what) const {
    const unsigned ifindex = ::if_nametoindex(device.c_str());
    if (ifindex == 0) return core::make_error(errc::not_found, what + ": no device " + device);
    const auto bytes = destination.address().bytes();
    Addr dst(nl_addr_build(destination.address().af(), bytes.data(), bytes.size()));
    Route route(rtnl_route_alloc());
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    if (!dst || !route || nh == nullptr) {
      if (nh != nullptr) rtnl_route_nh_free(nh);
      return core::make_error(errc::socket_error, what + ": no memory");
    }
    nl_addr_set_prefixlen(dst.get(), destination.length());
    rtnl_route_set_family(route.get(), static_cast<std::uint8_t>(destination.address().af()));
    if (const int rc = rtnl_route_set_dst(route.get(), dst.get()); rc < 0) {
      rtnl_route_nh_free(nh);
      return route_error(what, rc);
    }
    rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
    rtnl_route_set_scope(route.get(), RT_SCOPE_LINK);
    rtnl_route_set_protocol(route.get(), RTPROT_STATIC);
    rtnl_route_set_type(route.get(), RTN_UNICAST);
    rtnl_route_nh_set_ifindex(nh, static_cast<int>(ifindex));
    rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh from here
    return route;
  }
};

NetlinkRouteTable::NetlinkRouteTable(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NetlinkRouteTable::~NetlinkRouteTable() = default;

core::Result<std::unique_ptr<NetlinkRouteTable>> NetlinkRouteTable::create() {
  NlSock sock(nl_socket_alloc());
  if (!sock) return core::make_error(errc::socket_error, "route socket: no memory");
  if (const int rc = nl_connect(sock.get(), NETLINK_ROUTE); rc < 0) {
    return core::make_error(errc::socket_error, std::string("route socket: ") + nl_geterror(rc));
  }
  return std::unique_ptr<NetlinkRouteTable>(
      new NetlinkRouteTable(std::make_unique<Impl>(Impl{std::move(sock)})));
}

core::Result<void> NetlinkRouteTable::set_link_up(const std::string& device) {
  const std::string what = "set link " + device + " up";
  rtnl_link* raw = nullptr;
  if (const int rc = rtnl_link_get_kernel(impl_->sock.get(), 0, device.c_str(), &raw); rc < 0) {
    return route_error(what, rc);
  }
  const Link current(raw);
  if ((rtnl_link_get_flags(current.get()) & IFF_UP) != 0) return {};
  const Link change(rtnl_link_alloc());
  if (!change) return core::make_error(errc::socket_error, what + ": no memory");
  rtnl_link_set_flags(change.get(), IFF_UP);
  if (const int rc = rtnl_link_change(impl_->sock.get(), current.get(), change.get(), 0); rc < 0) {
    return route_error(what, rc);
  }
  return {};
}

core::Result<void> NetlinkRouteTable::replace_route(const core::IpPrefix& destination,
                                                    const std::string& device) {
  const std::string what = fmt::format("route {} dev {}", destination.to_string(), device);
  auto route = impl_->route_via(destination, device, what);
  if (!route) return route.error();
  if (const int rc = rtnl_route_add(impl_->sock.get(), route->get(), NLM_F_REPLACE); rc < 0) {
    return route_error(what, rc);
  }
  return {};
}

core::Result<void> NetlinkRouteTable::delete_route(const core::IpPrefix& destination,
                                                   const std::string& device) {
  const std::string what = fmt::format("delete route {} dev {}", destination.to_string(), device);
  auto route = impl_->route_via(destination, device, what);
  if (!route) return route.error();
  if (const int rc = rtnl_route_delete(impl_->sock.get(), route->get(), 0); rc < 0) {
    return route_error(what, rc);
  }
  return {};
}

}  // namespace pqbranch::xfrm
