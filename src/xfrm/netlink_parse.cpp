// Parsers for what the kernel sends: SA and policy dump entries and multicast events.
#include <algorithm>
#include <arpa/inet.h>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <netinet/in.h>
#include <string>

#include <linux/netlink.h>
#include <linux/xfrm.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/netlink_messages.hpp"

#include "nl_reader.hpp"
#include "xfrm_structs.hpp"

namespace pqbranch::xfrm {
namespace {

using detail::Attributes;

core::Error malformed(const std::string& what) {
  return core::make_error(errc::malformed_reply, what);
}

std::string algorithm_name(std::span<const std::uint8_t> attr) {
  // Every xfrm_algo* starts with char alg_name[64]; the key after it is never read.
  constexpr std::size_t kNameLen = 64;
  if (attr.size() < kNameLen) return {};
  const auto* begin = reinterpret_cast<const char*>(attr.data());
  return {begin, static_cast<std::size_t>(std::find(begin, begin + kNameLen, '\0') - begin)};
}

std::optional<Mark> mark_of(const Attributes& attrs) {
  const auto m = attrs.get_as<xfrm_mark>(XFRMA_MARK);
  if (!m) return std::nullopt;
  return Mark{m->v, m->m};
}

bool all_zero(const xfrm_address_t& a) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&a);
  return std::all_of(p, p + sizeof(a), [](std::uint8_t b) { return b == 0; });
}

core::Result<SaState> sa_state(const xfrm_usersa_info& info, const Attributes& attrs,
                               const Ownership& o) {
  SaState s;
  const auto dst = detail::from_kernel(info.id.daddr, info.family);
  const auto src = detail::from_kernel(info.saddr, info.family);
  if (!dst || !src)
    return malformed("SA with unknown address family " + std::to_string(info.family));
  s.dst = *dst;
  s.src = *src;
  s.spi = ntohl(info.id.spi);
  s.proto = static_cast<Proto>(info.id.proto);
  s.reqid = info.reqid;
  s.mode = static_cast<Mode>(info.mode);
  bool sel_ok = true;
  s.selector = detail::from_kernel(info.sel, sel_ok);
  if (!sel_ok) return malformed("SA selector");
  s.lifetime = detail::from_kernel(info.lft);
  s.current.bytes = info.curlft.bytes;
  s.current.packets = info.curlft.packets;
  s.current.add_time = std::chrono::sys_seconds(std::chrono::seconds(
      static_cast<std::int64_t>(std::min<std::uint64_t>(info.curlft.add_time, INT64_MAX))));
  s.current.use_time = std::chrono::sys_seconds(std::chrono::seconds(
      static_cast<std::int64_t>(std::min<std::uint64_t>(info.curlft.use_time, INT64_MAX))));
  s.current.replay_errors = info.stats.replay;
  s.current.integrity_failures = info.stats.integrity_failed;
  s.esn = (info.flags & XFRM_STATE_ESN) != 0;
  s.replay_window = info.replay_window;
  if (const auto rs = attrs.get(XFRMA_REPLAY_ESN_VAL);
      rs && rs->size() >= sizeof(xfrm_replay_state_esn)) {
    // Only the fixed part is read (the struct ends in a flexible bitmap).
    std::memcpy(&s.replay_window, rs->data() + offsetof(xfrm_replay_state_esn, replay_window),
                sizeof(s.replay_window));
  }
  if (const auto dir = attrs.get_as<std::uint8_t>(XFRMA_SA_DIR)) {
    if (*dir == XFRM_SA_DIR_IN) s.direction = SaDirection::in;
    if (*dir == XFRM_SA_DIR_OUT) s.direction = SaDirection::out;
  }
  s.if_id = attrs.get_as<std::uint32_t>(XFRMA_IF_ID).value_or(0);
  s.mark = mark_of(attrs).value_or(Mark{});
  if (const auto v = attrs.get_as<std::uint32_t>(XFRMA_SET_MARK)) {
    s.output_mark = Mark{*v, attrs.get_as<std::uint32_t>(XFRMA_SET_MARK_MASK).value_or(~0U)};
  }
  if (const auto e = attrs.get_as<xfrm_encap_tmpl>(XFRMA_ENCAP)) {
    Encap enc;
    enc.type = e->encap_type;
    enc.src_port = ntohs(e->encap_sport);
    enc.dst_port = ntohs(e->encap_dport);
    if (!all_zero(e->encap_oa))
      enc.original_address = detail::from_kernel(e->encap_oa, info.family);
    s.encap = enc;
  }
  for (const int type :
       {XFRMA_ALG_AEAD, XFRMA_ALG_CRYPT, XFRMA_ALG_AUTH_TRUNC, XFRMA_ALG_AUTH, XFRMA_ALG_COMP}) {
    const auto a = attrs.get(static_cast<std::uint16_t>(type));
    if (a && s.algorithm.empty()) s.algorithm = algorithm_name(*a);
  }
  s.larval =
      !(attrs.get(XFRMA_ALG_AEAD) || attrs.get(XFRMA_ALG_CRYPT) || attrs.get(XFRMA_ALG_AUTH) ||
        attrs.get(XFRMA_ALG_AUTH_TRUNC) || attrs.get(XFRMA_ALG_COMP));
  s.owned = owns(o, s);
  return s;
}

template <class Header>
core::Result<std::pair<Header, Attributes>> open(std::span<const std::uint8_t> message,
                                                 const char* what) {
  const auto view = detail::view_message(message);
  if (!view) return malformed(std::string(what) + ": truncated netlink header");
  const auto header = detail::read_struct<Header>(view->payload);
  if (!header) return malformed(std::string(what) + ": truncated body");
  const auto attrs = Attributes::parse(view->payload, sizeof(Header));
  if (!attrs) return malformed(std::string(what) + ": bad attribute");
  return std::pair<Header, Attributes>{*header, *attrs};
}

std::optional<std::uint16_t> message_type(std::span<const std::uint8_t> message) {
  const auto view = detail::view_message(message);
  if (!view) return std::nullopt;
  return view->header.nlmsg_type;
}

std::vector<xfrm_user_tmpl> templates_of(const Attributes& attrs) {
  std::vector<xfrm_user_tmpl> out;
  const auto a = attrs.get(XFRMA_TMPL);
  if (!a) return out;
  for (std::size_t off = 0; off + sizeof(xfrm_user_tmpl) <= a->size();
       off += sizeof(xfrm_user_tmpl)) {
    out.push_back(*detail::read_struct<xfrm_user_tmpl>(a->subspan(off)));
  }
  return out;
}

core::Result<Event> expire_event(std::span<const std::uint8_t> message, const Ownership& o) {
  auto opened = open<xfrm_user_expire>(message, "expire event");
  if (!opened) return opened.error();
  const auto& [ue, attrs] = *opened;
  auto s = sa_state(ue.state, attrs, o);
  if (!s) return s.error();
  ExpireEvent e;
  e.id = s->id();
  e.src = s->src;
  e.reqid = s->reqid;
  e.if_id = s->if_id;
  e.hard = ue.hard != 0;
  e.owned = s->owned;
  return e;
}

core::Result<Event> acquire_event(std::span<const std::uint8_t> message, const Ownership& o) {
  auto opened = open<xfrm_user_acquire>(message, "acquire event");
  if (!opened) return opened.error();
  const auto& [ua, attrs] = *opened;
  AcquireEvent e;
  const auto tmpls = templates_of(attrs);
  std::uint16_t family = ua.policy.sel.family;
  for (const auto& t : tmpls) {
    if (std::equal(std::begin(t.id.daddr.a6), std::end(t.id.daddr.a6),
                   std::begin(ua.id.daddr.a6)) ||
        tmpls.size() == 1) {
      e.reqid = t.reqid;
      if (t.family != 0) family = t.family;
      break;
    }
  }
  const auto dst = detail::from_kernel(ua.id.daddr, family);
  const auto src = detail::from_kernel(ua.saddr, family);
  if (!dst || !src) return malformed("acquire event: address family");
  e.dst = *dst;
  e.src = *src;
  e.proto = static_cast<Proto>(ua.id.proto);
  bool ok = true;
  const auto sel = detail::from_kernel(ua.sel, ok);
  if (!ok) return malformed("acquire event: selector");
  if (sel) e.selector = *sel;
  e.direction = static_cast<PolicyDirection>(ua.policy.dir);
  e.policy_index = ua.policy.index;
  e.if_id = attrs.get_as<std::uint32_t>(XFRMA_IF_ID).value_or(0);
  e.seq = ua.seq;
  e.owned = owns_reqid(o, e.reqid) && (!o.if_id || *o.if_id == e.if_id);
  return e;
}

core::Result<Event> mapping_event(std::span<const std::uint8_t> message, const Ownership& o) {
  auto opened = open<xfrm_user_mapping>(message, "mapping event");
  if (!opened) return opened.error();
  const auto& um = opened->first;
  const auto dst = detail::from_kernel(um.id.daddr, um.id.family);
  const auto old_src = detail::from_kernel(um.old_saddr, um.id.family);
  const auto new_src = detail::from_kernel(um.new_saddr, um.id.family);
  if (!dst || !old_src || !new_src) return malformed("mapping event: address family");
  MappingEvent e;
  e.id = SaId{*dst, ntohl(um.id.spi), static_cast<Proto>(um.id.proto), 0, 0};
  e.reqid = um.reqid;
  e.old_src = *old_src;
  e.new_src = *new_src;
  e.old_sport = ntohs(um.old_sport);
  e.new_sport = ntohs(um.new_sport);
  // The mapping message carries no if_id: ownership by reqid alone.
  e.owned = owns_reqid(o, e.reqid);
  return e;
}

}  // namespace

core::Result<SaState> parse_sa(std::span<const std::uint8_t> message, const Ownership& o) {
  const auto type = message_type(message);
  if (!type) return malformed("SA: truncated netlink header");
  if (*type != XFRM_MSG_NEWSA && *type != XFRM_MSG_UPDSA) {
    return malformed("SA: unexpected message type " + std::to_string(*type));
  }
  auto opened = open<xfrm_usersa_info>(message, "SA");
  if (!opened) return opened.error();
  return sa_state(opened->first, opened->second, o);
}

core::Result<PolicyState> parse_policy(std::span<const std::uint8_t> message, const Ownership& o) {
  const auto type = message_type(message);
  if (!type) return malformed("policy: truncated netlink header");
  if (*type != XFRM_MSG_NEWPOLICY && *type != XFRM_MSG_UPDPOLICY) {
    return malformed("policy: unexpected message type " + std::to_string(*type));
  }
  auto opened = open<xfrm_userpolicy_info>(message, "policy");
  if (!opened) return opened.error();
  const auto& [info, attrs] = *opened;
  PolicyState out;
  Policy& p = out.policy;
  bool ok = true;
  const auto sel = detail::from_kernel(info.sel, ok);
  if (!ok || !sel) return malformed("policy: selector without a family");
  p.selector = *sel;
  p.direction = static_cast<PolicyDirection>(info.dir);
  p.action = static_cast<PolicyAction>(info.action);
  p.priority = info.priority;
  p.if_id = attrs.get_as<std::uint32_t>(XFRMA_IF_ID).value_or(0);
  p.mark = mark_of(attrs).value_or(Mark{});
  for (const auto& t : templates_of(attrs)) {
    PolicyTemplate pt;
    const std::uint16_t family = t.family != 0 ? t.family : info.sel.family;
    const auto dst = detail::from_kernel(t.id.daddr, family);
    const auto src = detail::from_kernel(t.saddr, family);
    if (!dst || !src) return malformed("policy template: address family");
    pt.dst = *dst;
    pt.src = *src;
    pt.proto = static_cast<Proto>(t.id.proto);
    pt.reqid = t.reqid;
    pt.mode = static_cast<Mode>(t.mode);
    if (t.id.spi != 0) pt.spi = ntohl(t.id.spi);
    p.templates.push_back(pt);
  }
  out.index = info.index;
  out.owned = owns(o, p);
  return out;
}

core::Result<std::optional<Event>> parse_event(std::span<const std::uint8_t> message,
                                               const Ownership& o) {
  const auto type = message_type(message);
  if (!type) return malformed("event: truncated netlink header");
  core::Result<Event> e = core::make_error(errc::malformed_reply);
  switch (*type) {
    case XFRM_MSG_EXPIRE:
      e = expire_event(message, o);
      break;
    case XFRM_MSG_ACQUIRE:
      e = acquire_event(message, o);
      break;
    case XFRM_MSG_MAPPING:
      e = mapping_event(message, o);
      break;
    default:
      return std::optional<Event>{};
  }
  if (!e) return e.error();
  return std::optional<Event>{*e};
}

}  // namespace pqbranch::xfrm
