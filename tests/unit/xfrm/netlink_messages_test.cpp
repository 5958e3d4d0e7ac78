// The bytes of each request, read back with libnl's own parser and compared field by field
// with the structs of <linux/xfrm.h>.
#include "pqbranch/xfrm/netlink_messages.hpp"

#include <arpa/inet.h>
#include <array>
#include <cstring>
#include <netinet/in.h>
#include <string>

#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "pqbranch/xfrm/errc.hpp"

#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::xfrm {
namespace {

using test::addr;
using test::prefix;

// The message's attributes after a fixed header of `hdrlen` bytes, parsed by libnl.
struct Parsed {
  std::array<nlattr*, XFRMA_MAX + 1> tb{};
  int count = 0;
};

Parsed parse(const NetlinkMessage& m, int hdrlen) {
  Parsed p;
  nlmsghdr* h = nlmsg_hdr(m.get());
  EXPECT_EQ(nlmsg_parse(h, hdrlen, p.tb.data(), XFRMA_MAX, nullptr), 0);
  for (const nlattr* a : p.tb)
    p.count += a != nullptr ? 1 : 0;
  return p;
}

template <class T>
T body(const NetlinkMessage& m) {
  T t{};
  EXPECT_GE(m.bytes().size(), NLMSG_HDRLEN + sizeof(T));
  std::memcpy(&t, m.bytes().data() + NLMSG_HDRLEN, sizeof(T));
  return t;
}

template <class T>
T attr(const nlattr* a) {
  T t{};
  EXPECT_NE(a, nullptr);
  if (a == nullptr) return t;
  EXPECT_GE(static_cast<std::size_t>(nla_len(a)), sizeof(T));
  std::memcpy(&t, nla_data(a), sizeof(T));
  return t;
}

bool same_address(const xfrm_address_t& k, const char* text) {
  const auto a = addr(text);
  return std::memcmp(&k, a.bytes().data(), a.bytes().size()) == 0;
}

Sa rich_inbound_sa() {
  Sa sa = test::sample_sa(SaDirection::in, 0x12345678, 7);
  sa.encap = Encap{kEncapEspInUdp, 4500, 4501, addr("203.0.113.9")};
  sa.if_id = 42;
  sa.mark = Mark{0x5, 0xff};
  sa.output_mark = Mark{0x100, 0xf00};
  sa.lifetime.soft_bytes = 1'000'000;
  sa.lifetime.hard_bytes = 2'000'000;
  sa.lifetime.soft_add = std::chrono::seconds(3000);
  sa.lifetime.hard_add = std::chrono::seconds(3600);
  return sa;
}

TEST(XfrmMessages, AddSaCarriesEveryFieldAndAttribute) {
  const Sa sa = rich_inbound_sa();
  auto m = build_add_sa(sa);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->type(), XFRM_MSG_NEWSA);
  EXPECT_EQ(m->flags(), NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);

  const auto info = body<xfrm_usersa_info>(*m);
  EXPECT_TRUE(same_address(info.id.daddr, "192.0.2.1"));
  EXPECT_TRUE(same_address(info.saddr, "198.51.100.2"));
  EXPECT_EQ(info.id.spi, htonl(0x12345678));
  EXPECT_EQ(info.id.proto, IPPROTO_ESP);
  EXPECT_EQ(info.family, AF_INET);
  EXPECT_EQ(info.mode, XFRM_MODE_TUNNEL);
  EXPECT_EQ(info.reqid, test::kSampleReqid);
  EXPECT_EQ(info.replay_window, 0);  // the ESN attribute carries it
  EXPECT_EQ(info.flags, XFRM_STATE_ESN | XFRM_STATE_AF_UNSPEC);
  EXPECT_EQ(info.sel.family, AF_UNSPEC);
  EXPECT_EQ(info.lft.soft_byte_limit, 1'000'000U);
  EXPECT_EQ(info.lft.hard_byte_limit, 2'000'000U);
  EXPECT_EQ(info.lft.soft_packet_limit, XFRM_INF);
  EXPECT_EQ(info.lft.hard_packet_limit, XFRM_INF);
  EXPECT_EQ(info.lft.soft_add_expires_seconds, 3000U);
  EXPECT_EQ(info.lft.hard_add_expires_seconds, 3600U);

  const Parsed p = parse(*m, sizeof(xfrm_usersa_info));
  EXPECT_EQ(p.count, 8);  // exactly the attributes below

  const nlattr* aead = p.tb[XFRMA_ALG_AEAD];
  ASSERT_NE(aead, nullptr);
  ASSERT_EQ(static_cast<std::size_t>(nla_len(aead)), sizeof(xfrm_algo_aead) + kAeadKeyBytes);
  const auto algo = attr<xfrm_algo_aead>(aead);
  EXPECT_STREQ(algo.alg_name, "rfc4106(gcm(aes))");
  EXPECT_EQ(algo.alg_key_len, 288U);  // bits: 256-bit key + 32-bit salt
  EXPECT_EQ(algo.alg_icv_len, 128U);
  const auto* key = static_cast<const std::uint8_t*>(nla_data(aead)) + sizeof(xfrm_algo_aead);
  EXPECT_TRUE(sa.aead_key.equals({key, kAeadKeyBytes}));

  const nlattr* esn = p.tb[XFRMA_REPLAY_ESN_VAL];
  ASSERT_NE(esn, nullptr);
  EXPECT_EQ(static_cast<std::size_t>(nla_len(esn)), sizeof(xfrm_replay_state_esn) + 32 * 4);
  xfrm_replay_state_esn rs{};
  std::memcpy(&rs, nla_data(esn), sizeof(rs));
  EXPECT_EQ(rs.replay_window, 1024U);
  EXPECT_EQ(rs.bmp_len, 32U);
  EXPECT_EQ(rs.oseq, 0U);
  EXPECT_EQ(rs.seq, 0U);

  const auto encap = attr<xfrm_encap_tmpl>(p.tb[XFRMA_ENCAP]);
  EXPECT_EQ(encap.encap_type, UDP_ENCAP_ESPINUDP);
  EXPECT_EQ(encap.encap_sport, htons(4500));
  EXPECT_EQ(encap.encap_dport, htons(4501));
  EXPECT_TRUE(same_address(encap.encap_oa, "203.0.113.9"));

  EXPECT_EQ(attr<std::uint32_t>(p.tb[XFRMA_IF_ID]), 42U);
  EXPECT_EQ(attr<std::uint8_t>(p.tb[XFRMA_SA_DIR]), XFRM_SA_DIR_IN);
  const auto mark = attr<xfrm_mark>(p.tb[XFRMA_MARK]);
  EXPECT_EQ(mark.v, 0x5U);
  EXPECT_EQ(mark.m, 0xffU);
  EXPECT_EQ(attr<std::uint32_t>(p.tb[XFRMA_SET_MARK]), 0x100U);
  EXPECT_EQ(attr<std::uint32_t>(p.tb[XFRMA_SET_MARK_MASK]), 0xf00U);
}

TEST(XfrmMessages, OutboundSaHasWindowZeroAndOnlyTheAttributesItNeeds) {
  const Sa sa = test::sample_sa(SaDirection::out, 0x2000);
  auto m = build_add_sa(sa);
  ASSERT_TRUE(m.has_value());
  const Parsed p = parse(*m, sizeof(xfrm_usersa_info));
  EXPECT_EQ(p.count, 3);
  ASSERT_NE(p.tb[XFRMA_ALG_AEAD], nullptr);
  EXPECT_EQ(attr<std::uint8_t>(p.tb[XFRMA_SA_DIR]), XFRM_SA_DIR_OUT);
  // The kernel refuses a replay window or bitmap on an outbound SA (XFRMA_SA_DIR=out).
  ASSERT_NE(p.tb[XFRMA_REPLAY_ESN_VAL], nullptr);
  EXPECT_EQ(static_cast<std::size_t>(nla_len(p.tb[XFRMA_REPLAY_ESN_VAL])),
            sizeof(xfrm_replay_state_esn));
  xfrm_replay_state_esn rs{};
  std::memcpy(&rs, nla_data(p.tb[XFRMA_REPLAY_ESN_VAL]), sizeof(rs));
  EXPECT_EQ(rs.replay_window, 0U);
  EXPECT_EQ(rs.bmp_len, 0U);
  EXPECT_EQ(p.tb[XFRMA_IF_ID], nullptr);
  EXPECT_EQ(p.tb[XFRMA_MARK], nullptr);
  EXPECT_EQ(p.tb[XFRMA_ENCAP], nullptr);
}

TEST(XfrmMessages, SelectorAndNonEsnFlags) {
  Sa sa = test::sample_sa(SaDirection::out, 0x2000);
  sa.esn = false;
  sa.lifetime.hard_packets = 1'000'000;
  sa.selector = Selector{prefix("10.1.0.0/16"), prefix("10.2.0.0/24"), IPPROTO_UDP, 0, 53};
  auto m = build_add_sa(sa);
  ASSERT_TRUE(m.has_value());
  const auto info = body<xfrm_usersa_info>(*m);
  EXPECT_EQ(info.flags, 0);
  EXPECT_EQ(info.sel.family, AF_INET);
  EXPECT_TRUE(same_address(info.sel.saddr, "10.1.0.0"));
  EXPECT_TRUE(same_address(info.sel.daddr, "10.2.0.0"));
  EXPECT_EQ(info.sel.prefixlen_s, 16);
  EXPECT_EQ(info.sel.prefixlen_d, 24);
  EXPECT_EQ(info.sel.proto, IPPROTO_UDP);
  EXPECT_EQ(info.sel.dport, htons(53));
  EXPECT_EQ(info.sel.dport_mask, 0xffff);
  EXPECT_EQ(info.sel.sport_mask, 0);
  EXPECT_EQ(info.lft.hard_packet_limit, 1'000'000U);
}

TEST(XfrmMessages, UpdateSaIsUpdsaWithTheSameBody) {
  const Sa sa = rich_inbound_sa();
  auto add = build_add_sa(sa);
  auto upd = build_update_sa(sa);
  ASSERT_TRUE(add.has_value());
  ASSERT_TRUE(upd.has_value());
  EXPECT_EQ(upd->type(), XFRM_MSG_UPDSA);
  ASSERT_EQ(add->bytes().size(), upd->bytes().size());
  // Identical after the header (type and flags differ).
  EXPECT_EQ(std::memcmp(add->bytes().data() + NLMSG_HDRLEN, upd->bytes().data() + NLMSG_HDRLEN,
                        add->bytes().size() - NLMSG_HDRLEN),
            0);
}

TEST(XfrmMessages, AllocSpiIsRawWithRangeDirectionIfIdAndMark) {
  SpiRequest r = test::sample_spi_request(SaDirection::in);
  r.if_id = 9;
  r.mark = Mark{1, 1};
  auto m = build_allocspi(r);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type(), XFRM_MSG_ALLOCSPI);
  const auto k = body<xfrm_userspi_info>(*m);
  EXPECT_EQ(k.min, 0x1000U);  // host order
  EXPECT_EQ(k.max, 0x1fffU);
  EXPECT_TRUE(same_address(k.info.id.daddr, "192.0.2.1"));
  EXPECT_TRUE(same_address(k.info.saddr, "198.51.100.2"));
  EXPECT_EQ(k.info.id.proto, IPPROTO_ESP);
  EXPECT_EQ(k.info.id.spi, 0U);
  EXPECT_EQ(k.info.family, AF_INET);
  EXPECT_EQ(k.info.reqid, test::kSampleReqid);
  EXPECT_EQ(k.info.mode, XFRM_MODE_TUNNEL);
  const Parsed p = parse(*m, sizeof(xfrm_userspi_info));
  EXPECT_EQ(p.count, 3);
  EXPECT_EQ(attr<std::uint8_t>(p.tb[XFRMA_SA_DIR]), XFRM_SA_DIR_IN);
  EXPECT_EQ(attr<std::uint32_t>(p.tb[XFRMA_IF_ID]), 9U);
  EXPECT_EQ(attr<xfrm_mark>(p.tb[XFRMA_MARK]).v, 1U);
}

TEST(XfrmMessages, NewPolicyWithTemplateIfIdAndMark) {
  Policy pol = test::sample_policy(PolicyDirection::out);
  pol.if_id = 42;
  pol.mark = Mark{0x7, 0xf};
  pol.templates[0].spi = 0xabcd;
  auto m = build_add_policy(pol);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type(), XFRM_MSG_NEWPOLICY);
  const auto info = body<xfrm_userpolicy_info>(*m);
  EXPECT_EQ(info.sel.family, AF_INET);
  EXPECT_TRUE(same_address(info.sel.saddr, "10.1.0.0"));
  EXPECT_TRUE(same_address(info.sel.daddr, "10.2.0.0"));
  EXPECT_EQ(info.sel.prefixlen_s, 16);
  EXPECT_EQ(info.sel.prefixlen_d, 16);
  EXPECT_EQ(info.dir, XFRM_POLICY_OUT);
  EXPECT_EQ(info.action, XFRM_POLICY_ALLOW);
  EXPECT_EQ(info.priority, 1000U);
  EXPECT_EQ(info.lft.hard_byte_limit, XFRM_INF);
  const Parsed p = parse(*m, sizeof(xfrm_userpolicy_info));
  EXPECT_EQ(p.count, 3);
  ASSERT_NE(p.tb[XFRMA_TMPL], nullptr);
  ASSERT_EQ(static_cast<std::size_t>(nla_len(p.tb[XFRMA_TMPL])), sizeof(xfrm_user_tmpl));
  const auto t = attr<xfrm_user_tmpl>(p.tb[XFRMA_TMPL]);
  EXPECT_TRUE(same_address(t.saddr, "192.0.2.1"));
  EXPECT_TRUE(same_address(t.id.daddr, "198.51.100.2"));
  EXPECT_EQ(t.id.proto, IPPROTO_ESP);
  EXPECT_EQ(t.id.spi, htonl(0xabcd));
  EXPECT_EQ(t.family, AF_INET);
  EXPECT_EQ(t.reqid, test::kSampleReqid);
  EXPECT_EQ(t.mode, XFRM_MODE_TUNNEL);
  EXPECT_EQ(t.optional, 0);
  EXPECT_EQ(t.ealgos, ~0U);
  EXPECT_EQ(attr<std::uint32_t>(p.tb[XFRMA_IF_ID]), 42U);
  EXPECT_EQ(attr<xfrm_mark>(p.tb[XFRMA_MARK]).m, 0xfU);

  auto upd = build_update_policy(pol);
  ASSERT_TRUE(upd.has_value());
  EXPECT_EQ(upd->type(), XFRM_MSG_UPDPOLICY);
}

TEST(XfrmMessages, DeleteAndGetMessages) {
  const SaId id{addr("2001:db8::2"), 0x4321, Proto::esp, 3, 0xf};
  auto del = build_delete_sa(id);
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->type(), XFRM_MSG_DELSA);
  const auto k = body<xfrm_usersa_id>(*del);
  EXPECT_TRUE(same_address(k.daddr, "2001:db8::2"));
  EXPECT_EQ(k.spi, htonl(0x4321));
  EXPECT_EQ(k.family, AF_INET6);
  EXPECT_EQ(k.proto, IPPROTO_ESP);
  EXPECT_EQ(attr<xfrm_mark>(parse(*del, sizeof(xfrm_usersa_id)).tb[XFRMA_MARK]).v, 3U);
  auto get = build_get_sa(id);
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->type(), XFRM_MSG_GETSA);

  PolicyId pid = id_of(test::sample_policy(PolicyDirection::fwd));
  pid.if_id = 5;
  auto dp = build_delete_policy(pid);
  ASSERT_TRUE(dp.has_value());
  EXPECT_EQ(dp->type(), XFRM_MSG_DELPOLICY);
  const auto pk = body<xfrm_userpolicy_id>(*dp);
  EXPECT_EQ(pk.dir, XFRM_POLICY_FWD);
  EXPECT_EQ(pk.sel.prefixlen_d, 16);
  EXPECT_TRUE(same_address(pk.sel.daddr, "10.1.0.0"));
  const Parsed pp = parse(*dp, sizeof(xfrm_userpolicy_id));
  EXPECT_EQ(pp.count, 1);
  EXPECT_EQ(attr<std::uint32_t>(pp.tb[XFRMA_IF_ID]), 5U);
}

TEST(XfrmMessages, DumpsAreHeaderOnly) {
  auto sas = build_dump_sas();
  auto pols = build_dump_policies();
  ASSERT_TRUE(sas.has_value());
  ASSERT_TRUE(pols.has_value());
  EXPECT_EQ(sas->type(), XFRM_MSG_GETSA);
  EXPECT_EQ(pols->type(), XFRM_MSG_GETPOLICY);
  EXPECT_EQ(sas->bytes().size(), NLMSG_HDRLEN);
  EXPECT_EQ(sas->flags() & NLM_F_DUMP, NLM_F_DUMP);
}

TEST(XfrmMessages, BuildersValidateFirst) {
  Sa bad = test::sample_sa(SaDirection::in, 0x1234);
  bad.replay_window = 64;
  EXPECT_EQ(build_add_sa(bad).error().code, errc::invalid_parameter);
  EXPECT_EQ(build_update_sa(bad).error().code, errc::invalid_parameter);
  SpiRequest r = test::sample_spi_request(SaDirection::in);
  r.min_spi = 0;
  EXPECT_EQ(build_allocspi(r).error().code, errc::invalid_parameter);
  Policy p = test::sample_policy(PolicyDirection::in);
  p.templates[0].reqid = 0;
  EXPECT_EQ(build_add_policy(p).error().code, errc::invalid_parameter);
}

TEST(XfrmMessages, XfrmInterfaceThroughLibnlRoute) {
  auto m = build_create_xfrm_interface(XfrmInterface{"pqb0", 42, "eth0"}, 3);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->type(), RTM_NEWLINK);
  EXPECT_EQ(m->flags() & (NLM_F_CREATE | NLM_F_EXCL), NLM_F_CREATE | NLM_F_EXCL);
  std::array<nlattr*, IFLA_MAX + 1> tb{};
  ASSERT_EQ(nlmsg_parse(nlmsg_hdr(m->get()), sizeof(ifinfomsg), tb.data(), IFLA_MAX, nullptr), 0);
  ASSERT_NE(tb[IFLA_IFNAME], nullptr);
  EXPECT_STREQ(static_cast<const char*>(nla_data(tb[IFLA_IFNAME])), "pqb0");
  ASSERT_NE(tb[IFLA_LINKINFO], nullptr);
  std::array<nlattr*, IFLA_INFO_MAX + 1> info{};
  ASSERT_EQ(nla_parse_nested(info.data(), IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr), 0);
  ASSERT_NE(info[IFLA_INFO_KIND], nullptr);
  EXPECT_STREQ(static_cast<const char*>(nla_data(info[IFLA_INFO_KIND])), "xfrm");
  std::array<nlattr*, IFLA_XFRM_MAX + 1> data{};
  ASSERT_EQ(nla_parse_nested(data.data(), IFLA_XFRM_MAX, info[IFLA_INFO_DATA], nullptr), 0);
  EXPECT_EQ(attr<std::uint32_t>(data[IFLA_XFRM_IF_ID]), 42U);
  EXPECT_EQ(attr<std::uint32_t>(data[IFLA_XFRM_LINK]), 3U);

  auto del = build_delete_link("pqb0");
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->type(), RTM_DELLINK);
  EXPECT_EQ(build_create_xfrm_interface(XfrmInterface{"pqb0", 0, ""}, 0).error().code,
            errc::invalid_parameter);
}

}  // namespace
}  // namespace pqbranch::xfrm
