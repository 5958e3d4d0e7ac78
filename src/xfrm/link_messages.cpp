// xfrm interfaces (route mode) through libnl-route's rtnl_link_xfrmi_*.
#include <linux/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/xfrmi.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/netlink_messages.hpp"
#include "pqbranch/xfrm/validate.hpp"

namespace pqbranch::xfrm {
namespace {

using Link = core::CHandle<rtnl_link, rtnl_link_put>;

core::Error libnl_error(const std::string& what, int rc) {
  return core::make_error(errc::invalid_parameter, what + ": " + nl_geterror(rc));
}

}  // namespace

core::Result<NetlinkMessage> build_create_xfrm_interface(const XfrmInterface& xi,
                                                         std::uint32_t underlying_ifindex) {
  if (auto r = validate(xi); !r) return r.error();
  const std::string what = "create xfrm interface " + xi.name;
  Link link(rtnl_link_xfrmi_alloc());
  if (!link) return core::make_error(errc::socket_error, what + ": no memory");
  rtnl_link_set_name(link.get(), xi.name.c_str());
  if (const int rc = rtnl_link_xfrmi_set_if_id(link.get(), xi.if_id); rc < 0) {
    return libnl_error(what, rc);
  }
  if (underlying_ifindex != 0) {
    if (const int rc = rtnl_link_xfrmi_set_link(link.get(), underlying_ifindex); rc < 0) {
      return libnl_error(what, rc);
    }
  }
  nl_msg* raw = nullptr;
  if (const int rc = rtnl_link_build_add_request(link.get(), NLM_F_CREATE | NLM_F_EXCL, &raw);
      rc < 0) {
    return libnl_error(what, rc);
  }
  return NetlinkMessage(raw);
}

core::Result<NetlinkMessage> build_delete_link(const std::string& name) {
  const std::string what = "delete interface " + name;
  if (name.empty() || name.size() > 15) {
    return core::make_error(errc::invalid_parameter, what + ": bad name");
  }
  Link link(rtnl_link_alloc());
  if (!link) return core::make_error(errc::socket_error, what + ": no memory");
  rtnl_link_set_name(link.get(), name.c_str());
  nl_msg* raw = nullptr;
  if (const int rc = rtnl_link_build_delete_request(link.get(), &raw); rc < 0) {
    return libnl_error(what, rc);
  }
  return NetlinkMessage(raw);
}

}  // namespace pqbranch::xfrm
