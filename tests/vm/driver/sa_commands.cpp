// end, sa, xfrmi and flush: one NetlinkKernel call (or a few) per invocation, in the
// calling process's network namespace (scenarios run them with `ip netns exec`).
#include <cstdio>

#include <fmt/format.h>

#include "pqbranch/xfrm/kernel.hpp"

#include "commands.hpp"

namespace pqbranch::driver {
namespace {

// Options every SA-installing command shares: reqid, if_id and lifetimes.
void sa_extras(Options& o, xfrm::Sa& sa) {
  sa.reqid = static_cast<std::uint32_t>(o.number("reqid", sa.reqid));
  sa.if_id = static_cast<std::uint32_t>(o.number("if-id", 0));
  sa.lifetime.soft_bytes = o.number("soft-bytes", xfrm::kNoLimit, UINT64_MAX);
  sa.lifetime.hard_bytes = o.number("hard-bytes", xfrm::kNoLimit, UINT64_MAX);
  sa.lifetime.soft_add = std::chrono::seconds(o.number("soft-seconds", 0));
  sa.lifetime.hard_add = std::chrono::seconds(o.number("hard-seconds", 0));
}

std::string encap_text(const std::optional<xfrm::Encap>& e) {
  return e ? fmt::format("{}:{}", e->src_port, e->dst_port) : "none";
}

void print_sa(const xfrm::SaState& s) {
  fmt::print(
      "sa spi=0x{:08x} src={} dst={} dir={} reqid=0x{:x} if_id={} packets={} bytes={} "
      "integrity_failures={} replay_errors={} replay_window={} esn={} encap={} larval={} "
      "owned={} algorithm={}\n",
      s.spi, s.src, s.dst, s.direction ? xfrm::to_string(*s.direction) : "none", s.reqid, s.if_id,
      s.current.packets, s.current.bytes, s.current.integrity_failures, s.current.replay_errors,
      s.replay_window, int{s.esn}, encap_text(s.encap), int{s.larval}, int{s.owned},
      s.algorithm.empty() ? "none" : s.algorithm);
}

std::vector<xfrm::Policy> tunnel_policies(const core::IpPrefix& local_net,
                                          const core::IpPrefix& remote_net,
                                          const core::IpAddress& local,
                                          const core::IpAddress& remote, std::uint32_t reqid,
                                          std::uint32_t if_id) {
  std::vector<xfrm::Policy> out;
  for (const auto dir :
       {xfrm::PolicyDirection::out, xfrm::PolicyDirection::in, xfrm::PolicyDirection::fwd}) {
    const bool outbound = dir == xfrm::PolicyDirection::out;
    xfrm::Policy p;
    p.direction = dir;
    p.selector.src = outbound ? local_net : remote_net;
    p.selector.dst = outbound ? remote_net : local_net;
    p.if_id = if_id;
    xfrm::PolicyTemplate t;
    t.src = outbound ? local : remote;
    t.dst = outbound ? remote : local;
    t.reqid = reqid;
    p.templates.push_back(t);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

// One end of a tunnel: the inbound and outbound SA as a pair (install_pair: inbound
// first, so the peer may start using it at once), then the out, in and fwd policies.
int cmd_end(Options& o) {
  const auto local = o.address("local");
  const auto remote = o.address("remote");
  const auto local_net = o.prefix("local-net");
  const auto remote_net = o.prefix("remote-net");
  const auto out_spi = static_cast<std::uint32_t>(o.number("out-spi"));
  const auto in_spi = static_cast<std::uint32_t>(o.number("in-spi"));
  xfrm::Sa out = tunnel_sa(local, remote, out_spi, xfrm::SaDirection::out, o.key_file("out-key"));
  xfrm::Sa in = tunnel_sa(remote, local, in_spi, xfrm::SaDirection::in, o.key_file("in-key"));
  // --encap LOCAL_PORT:REMOTE_PORT, as this end sees the UDP ports.
  if (const auto e = o.encap("encap")) {
    out.encap = e;
    in.encap = xfrm::Encap{e->type, e->dst_port, e->src_port, {}};
  }
  sa_extras(o, out);  // lifetimes apply to the outbound SA only
  in.reqid = out.reqid;
  in.if_id = out.if_id;
  if (!o.ok()) return usage_error(o);
  auto kernel = open_kernel();
  if (!kernel) return kFailed;
  if (auto r = xfrm::install_pair(*kernel, in, out); !r) return kernel_failure(r.error());
  for (const auto& p :
       tunnel_policies(local_net, remote_net, local, remote, out.reqid, out.if_id)) {
    if (auto r = kernel->add_policy(p); !r) return kernel_failure(r.error());
  }
  fmt::print("end out_spi=0x{:08x} in_spi=0x{:08x} policies=3\n", out_spi, in_spi);
  return kOk;
}

int cmd_sa(std::string_view verb, Options& o) {
  if (verb == "add" || verb == "update") {
    xfrm::Sa sa =
        tunnel_sa(o.address("src"), o.address("dst"), static_cast<std::uint32_t>(o.number("spi")),
                  o.direction("dir"), o.key_file("key-file"));
    sa.encap = o.encap("encap");
    sa_extras(o, sa);
    if (!o.ok()) return usage_error(o);
    auto kernel = open_kernel();
    if (!kernel) return kFailed;
    auto r = verb == "add" ? kernel->add_sa(sa) : kernel->update_sa(sa);
    if (!r) return kernel_failure(r.error());
    fmt::print("sa {} spi=0x{:08x}\n", verb == "add" ? "added" : "updated", sa.spi);
    return kOk;
  }
  if (verb == "get" || verb == "delete") {
    xfrm::SaId id;
    id.dst = o.address("dst");
    id.spi = static_cast<std::uint32_t>(o.number("spi"));
    if (!o.ok()) return usage_error(o);
    auto kernel = open_kernel();
    if (!kernel) return kFailed;
    if (verb == "delete") {
      if (auto r = kernel->delete_sa(id); !r) return kernel_failure(r.error());
      fmt::print("sa deleted spi=0x{:08x}\n", id.spi);
      return kOk;
    }
    auto s = kernel->get_sa(id);
    if (!s) return kernel_failure(s.error());
    print_sa(*s);
    return kOk;
  }
  fmt::print(stderr, "pqb-xfrm-driver: sa add|update|get|delete\n");
  return kUsage;
}

int cmd_xfrmi(std::string_view verb, Options& o) {
  if (verb != "add" && verb != "delete") {
    fmt::print(stderr, "pqb-xfrm-driver: xfrmi add|delete\n");
    return kUsage;
  }
  xfrm::XfrmInterface xi;
  xi.name = o.text("name");
  if (verb == "add") {
    xi.if_id = static_cast<std::uint32_t>(o.number("if-id"));
    xi.underlying = o.text("dev", "");
  }
  if (!o.ok()) return usage_error(o);
  auto kernel = open_kernel();
  if (!kernel) return kFailed;
  auto r =
      verb == "add" ? kernel->create_xfrm_interface(xi) : kernel->delete_xfrm_interface(xi.name);
  if (!r) return kernel_failure(r.error());
  fmt::print("xfrmi {} {}\n", verb == "add" ? "created" : "deleted", xi.name);
  return kOk;
}

int cmd_flush(Options& o) {
  xfrm::Ownership ownership;
  if (const auto id = o.optional_number("owner-if-id", UINT32_MAX)) {
    ownership.if_id = static_cast<std::uint32_t>(*id);
  }
  if (!o.ok()) return usage_error(o);
  auto kernel = open_kernel(ownership);
  if (!kernel) return kFailed;
  auto r = kernel->flush_owned();
  if (!r) return kernel_failure(r.error());
  fmt::print("flush sas_deleted={} policies_deleted={}\n", r->sas_deleted, r->policies_deleted);
  return kOk;
}

}  // namespace pqbranch::driver
