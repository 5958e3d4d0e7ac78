#include "pqbranch/xfrm/netlink_messages.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/validate.hpp"

#include "xfrm_structs.hpp"

namespace pqbranch::xfrm {
namespace {

// Large enough for the largest request (an SA with a 4096-packet ESN bitmap is ~1 KiB);
// libnl never grows a message, so key bytes are never copied into a new buffer.
constexpr std::size_t kCapacity = 4096;

core::Error too_large(const char* what) {
  return core::make_error(errc::invalid_parameter, std::string(what) + ": message too large");
}

core::Result<NetlinkMessage> start(const char* what, int type, int flags, const void* body,
                                   std::size_t len) {
  nl_msg* raw = nlmsg_alloc_size(kCapacity);
  if (raw == nullptr)
    return core::make_error(errc::socket_error, std::string(what) + ": no memory");
  NetlinkMessage msg(raw);
  if (nlmsg_put(raw, NL_AUTO_PORT, NL_AUTO_SEQ, type, 0, flags) == nullptr) return too_large(what);
  if (len != 0 && nlmsg_append(raw, const_cast<void*>(body), len, NLMSG_ALIGNTO) < 0) {
    return too_large(what);
  }
  return msg;
}

bool put_u32(nl_msg* m, int type, std::uint32_t v) {
  return nla_put_u32(m, type, v) == 0;
}

bool put_mark(nl_msg* m, const Mark& mark) {
  if (mark.mask == 0 && mark.value == 0) return true;
  xfrm_mark k{};
  k.v = mark.value;
  k.m = mark.mask;
  return nla_put(m, XFRMA_MARK, sizeof(k), &k) == 0;
}

bool put_if_id(nl_msg* m, std::uint32_t if_id) {
  return if_id == 0 || put_u32(m, XFRMA_IF_ID, if_id);
}

bool put_aead(nl_msg* m, const core::SecureBytes& key) {
  // Written in place: the key goes from SecureBytes straight into the (wiped) message.
  nlattr* a = nla_reserve(m, XFRMA_ALG_AEAD, static_cast<int>(sizeof(xfrm_algo_aead) + key.size()));
  if (a == nullptr) return false;
  auto* algo = static_cast<xfrm_algo_aead*>(nla_data(a));
  std::memset(algo, 0, sizeof(*algo));
  std::strncpy(algo->alg_name, kAeadName, sizeof(algo->alg_name) - 1);
  algo->alg_key_len = static_cast<unsigned>(key.size() * 8);
  algo->alg_icv_len = kIcvBits;
  std::memcpy(static_cast<std::uint8_t*>(nla_data(a)) + sizeof(xfrm_algo_aead), key.data(),
              key.size());
  return true;
}

bool put_replay(nl_msg* m, const Sa& sa) {
  // Outbound SAs (XFRMA_SA_DIR=out) must carry window 0 and no bitmap; inbound ones a
  // bitmap of replay_window bits.
  const std::uint32_t window = sa.direction == SaDirection::in ? sa.replay_window : 0;
  const std::uint32_t words = (window + 31) / 32;
  const std::size_t len = sizeof(xfrm_replay_state_esn) + words * sizeof(std::uint32_t);
  nlattr* a = nla_reserve(m, XFRMA_REPLAY_ESN_VAL, static_cast<int>(len));
  if (a == nullptr) return false;
  std::memset(nla_data(a), 0, len);
  auto* rs = static_cast<xfrm_replay_state_esn*>(nla_data(a));
  rs->bmp_len = words;
  rs->replay_window = window;
  return true;
}

bool put_encap(nl_msg* m, const Encap& e) {
  xfrm_encap_tmpl k{};
  k.encap_type = e.type;
  k.encap_sport = htons(e.src_port);
  k.encap_dport = htons(e.dst_port);
  if (e.original_address) k.encap_oa = detail::to_kernel(*e.original_address);
  return nla_put(m, XFRMA_ENCAP, sizeof(k), &k) == 0;
}

xfrm_usersa_info sa_info(const Sa& sa) {
  xfrm_usersa_info info{};
  info.sel = detail::to_kernel(sa.selector);
  info.id.daddr = detail::to_kernel(sa.dst);
  info.id.spi = htonl(sa.spi);
  info.id.proto = static_cast<std::uint8_t>(sa.proto);
  info.saddr = detail::to_kernel(sa.src);
  info.lft = detail::to_kernel(sa.lifetime);
  info.reqid = sa.reqid;
  info.family = detail::af_of(sa.family());
  info.mode = static_cast<std::uint8_t>(sa.mode);
  info.replay_window = 0;  // the ESN attribute carries the window
  info.flags = 0;
  if (sa.esn) info.flags |= XFRM_STATE_ESN;
  // Tunnel mode without a selector carries either inner family (as strongSwan does).
  if (!sa.selector && sa.mode == Mode::tunnel) info.flags |= XFRM_STATE_AF_UNSPEC;
  return info;
}

core::Result<NetlinkMessage> build_sa(const Sa& sa, int type, int flags, const char* what) {
  if (auto r = validate(sa); !r) return r.error();
  const xfrm_usersa_info info = sa_info(sa);
  auto msg = start(what, type, flags, &info, sizeof(info));
  if (!msg) return msg;
  nl_msg* m = msg->get();
  bool ok = put_aead(m, sa.aead_key) && put_replay(m, sa) && put_mark(m, sa.mark) &&
            put_if_id(m, sa.if_id) &&
            nla_put_u8(m, XFRMA_SA_DIR, static_cast<std::uint8_t>(sa.direction)) == 0;
  if (ok && sa.encap) ok = put_encap(m, *sa.encap);
  if (ok && sa.output_mark) {
    ok = put_u32(m, XFRMA_SET_MARK, sa.output_mark->value) &&
         put_u32(m, XFRMA_SET_MARK_MASK, sa.output_mark->mask);
  }
  if (!ok) return too_large(what);
  return msg;
}

xfrm_usersa_id sa_id(const SaId& id) {
  xfrm_usersa_id k{};
  k.daddr = detail::to_kernel(id.dst);
  k.spi = htonl(id.spi);
  k.family = detail::af_of(id.dst.family());
  k.proto = static_cast<std::uint8_t>(id.proto);
  return k;
}

core::Result<NetlinkMessage> build_sa_id(const SaId& id, int type, const char* what) {
  const xfrm_usersa_id k = sa_id(id);
  auto msg = start(what, type, NLM_F_REQUEST | NLM_F_ACK, &k, sizeof(k));
  if (!msg) return msg;
  if (!put_mark(msg->get(), Mark{id.mark_value, id.mark_mask})) return too_large(what);
  return msg;
}

core::Result<NetlinkMessage> build_policy(const Policy& p, int type, int flags, const char* what) {
  if (auto r = validate(p); !r) return r.error();
  xfrm_userpolicy_info info{};
  info.sel = detail::to_kernel(p.selector);
  info.lft = detail::no_limits();
  info.priority = p.priority;
  info.dir = static_cast<std::uint8_t>(p.direction);
  info.action = static_cast<std::uint8_t>(p.action);
  auto msg = start(what, type, flags, &info, sizeof(info));
  if (!msg) return msg;
  nl_msg* m = msg->get();
  bool ok = true;
  if (!p.templates.empty()) {
    const std::size_t len = p.templates.size() * sizeof(xfrm_user_tmpl);
    nlattr* a = nla_reserve(m, XFRMA_TMPL, static_cast<int>(len));
    ok = a != nullptr;
    for (std::size_t i = 0; ok && i < p.templates.size(); ++i) {
      const xfrm_user_tmpl t = detail::to_kernel(p.templates[i], info.sel.family);
      std::memcpy(static_cast<std::uint8_t*>(nla_data(a)) + i * sizeof(t), &t, sizeof(t));
    }
  }
  ok = ok && put_mark(m, p.mark) && put_if_id(m, p.if_id);
  if (!ok) return too_large(what);
  return msg;
}

}  // namespace

void free_wiped(nl_msg* msg) noexcept {
  if (msg == nullptr) return;
  core::secure_wipe(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
  nlmsg_free(msg);
}

std::span<const std::uint8_t> NetlinkMessage::bytes() const noexcept {
  const nlmsghdr* h = nlmsg_hdr(msg_.get());
  return {reinterpret_cast<const std::uint8_t*>(h), h->nlmsg_len};
}

std::uint16_t NetlinkMessage::type() const noexcept {
  return nlmsg_hdr(msg_.get())->nlmsg_type;
}

std::uint16_t NetlinkMessage::flags() const noexcept {
  return nlmsg_hdr(msg_.get())->nlmsg_flags;
}

core::Result<NetlinkMessage> build_add_sa(const Sa& sa) {
  return build_sa(sa, XFRM_MSG_NEWSA, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                  "add SA");
}

core::Result<NetlinkMessage> build_update_sa(const Sa& sa) {
  return build_sa(sa, XFRM_MSG_UPDSA, NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE, "update SA");
}

core::Result<NetlinkMessage> build_allocspi(const SpiRequest& r) {
  if (auto v = validate(r); !v) return v.error();
  xfrm_userspi_info k{};
  k.info.id.daddr = detail::to_kernel(r.dst);
  k.info.id.proto = static_cast<std::uint8_t>(r.proto);
  k.info.saddr = detail::to_kernel(r.src);
  k.info.family = detail::af_of(r.dst.family());
  k.info.reqid = r.reqid;
  k.info.mode = static_cast<std::uint8_t>(r.mode);
  k.min = r.min_spi;  // host order: the kernel converts
  k.max = r.max_spi;
  auto msg = start("allocate SPI", XFRM_MSG_ALLOCSPI, NLM_F_REQUEST | NLM_F_ACK, &k, sizeof(k));
  if (!msg) return msg;
  nl_msg* m = msg->get();
  if (!put_mark(m, r.mark) || !put_if_id(m, r.if_id) ||
      nla_put_u8(m, XFRMA_SA_DIR, static_cast<std::uint8_t>(r.direction)) != 0) {
    return too_large("allocate SPI");
  }
  return msg;
}

core::Result<NetlinkMessage> build_delete_sa(const SaId& id) {
  return build_sa_id(id, XFRM_MSG_DELSA, "delete SA");
}

core::Result<NetlinkMessage> build_get_sa(const SaId& id) {
  return build_sa_id(id, XFRM_MSG_GETSA, "get SA");
}

core::Result<NetlinkMessage> build_add_policy(const Policy& p) {
  return build_policy(p, XFRM_MSG_NEWPOLICY, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                      "add policy");
}

core::Result<NetlinkMessage> build_update_policy(const Policy& p) {
  return build_policy(p, XFRM_MSG_UPDPOLICY,
                      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, "update policy");
}

core::Result<NetlinkMessage> build_delete_policy(const PolicyId& id) {
  if (auto r = validate(id); !r) return r.error();
  xfrm_userpolicy_id k{};
  k.sel = detail::to_kernel(id.selector);
  k.dir = static_cast<std::uint8_t>(id.direction);
  auto msg = start("delete policy", XFRM_MSG_DELPOLICY, NLM_F_REQUEST | NLM_F_ACK, &k, sizeof(k));
  if (!msg) return msg;
  if (!put_mark(msg->get(), id.mark) || !put_if_id(msg->get(), id.if_id)) {
    return too_large("delete policy");
  }
  return msg;
}

core::Result<NetlinkMessage> build_dump_sas() {
  // Header only, as the kernel's dump path parses attributes right after it.
  return start("list SAs", XFRM_MSG_GETSA, NLM_F_REQUEST | NLM_F_DUMP, nullptr, 0);
}

core::Result<NetlinkMessage> build_dump_policies() {
  return start("list policies", XFRM_MSG_GETPOLICY, NLM_F_REQUEST | NLM_F_DUMP, nullptr, 0);
}

}  // namespace pqbranch::xfrm
