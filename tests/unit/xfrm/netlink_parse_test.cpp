// Parsing what the kernel sends: dump entries (in the same layout as our requests) and
// hand-built events; and hostile input, which must give errors, never crashes.
#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <vector>

#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/netlink_messages.hpp"

#include "fakes/xfrm/netlink_writer.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::xfrm {
namespace {

using test::addr;

using Writer = test::NetlinkWriter;
using test::as_dump_entry;
using test::kernel_address;

TEST(XfrmParse, SaDumpEntryRoundTripsWithoutTheKey) {
  Sa sa = test::sample_sa(SaDirection::in, 0x1234);
  sa.encap = Encap{kEncapEspInUdp, 4500, 4500, {}};
  sa.if_id = 42;
  sa.mark = Mark{1, 0xff};
  sa.output_mark = Mark{0x20, 0xf0};
  sa.lifetime.hard_add = std::chrono::seconds(3600);
  auto m = build_add_sa(sa);
  ASSERT_TRUE(m.has_value());
  Ownership route;
  route.if_id = 42;
  const auto s = parse_sa(as_dump_entry(*m, XFRM_MSG_NEWSA), route);
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(s->src, sa.src);
  EXPECT_EQ(s->dst, sa.dst);
  EXPECT_EQ(s->spi, 0x1234U);
  EXPECT_EQ(s->proto, Proto::esp);
  EXPECT_EQ(s->reqid, test::kSampleReqid);
  EXPECT_EQ(s->mode, Mode::tunnel);
  EXPECT_EQ(s->direction, SaDirection::in);
  EXPECT_EQ(s->if_id, 42U);
  EXPECT_EQ(s->mark, (Mark{1, 0xff}));
  EXPECT_EQ(s->output_mark, (Mark{0x20, 0xf0}));
  EXPECT_EQ(s->encap, sa.encap);
  EXPECT_FALSE(s->selector.has_value());
  EXPECT_EQ(s->lifetime, sa.lifetime);
  EXPECT_TRUE(s->esn);
  EXPECT_EQ(s->replay_window, 1024U);
  EXPECT_EQ(s->algorithm, kAeadName);
  EXPECT_FALSE(s->larval);
  EXPECT_TRUE(s->owned);
  EXPECT_EQ(s->id(), sa.id());
  // Same SA under another if_id: not ours in route mode.
  route.if_id = 43;
  EXPECT_FALSE(parse_sa(as_dump_entry(*m, XFRM_MSG_NEWSA), route)->owned);
}

TEST(XfrmParse, SaWithoutAlgorithmIsLarval) {
  xfrm_usersa_info info{};
  info.id.daddr = kernel_address("192.0.2.1");
  info.id.spi = htonl(0x1111);
  info.id.proto = IPPROTO_ESP;
  info.saddr = kernel_address("198.51.100.2");
  info.family = AF_INET;
  info.reqid = 3;  // foreign
  info.mode = XFRM_MODE_TUNNEL;
  info.curlft.add_time = 1'700'000'000;
  const auto s = parse_sa(Writer(XFRM_MSG_NEWSA, info).bytes(), Ownership{});
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->larval);
  EXPECT_TRUE(s->algorithm.empty());
  EXPECT_FALSE(s->owned);
  EXPECT_FALSE(s->direction.has_value());
  EXPECT_EQ(s->current.add_time.time_since_epoch().count(), 1'700'000'000);
}

TEST(XfrmParse, PolicyDumpEntryRoundTrips) {
  Policy p = test::sample_policy(PolicyDirection::out);
  p.if_id = 42;
  p.mark = Mark{2, 3};
  p.templates[0].spi = 0x9999;
  p.selector.proto = IPPROTO_TCP;
  p.selector.dst_port = 443;
  auto m = build_add_policy(p);
  ASSERT_TRUE(m.has_value());
  const auto s = parse_policy(as_dump_entry(*m, XFRM_MSG_NEWPOLICY), Ownership{});
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(s->policy, p);
  EXPECT_TRUE(s->owned);
}

TEST(XfrmParse, ExpireEvent) {
  xfrm_user_expire ue{};
  ue.state.id.daddr = kernel_address("198.51.100.2");
  ue.state.id.spi = htonl(0xabc);
  ue.state.id.proto = IPPROTO_ESP;
  ue.state.saddr = kernel_address("192.0.2.1");
  ue.state.family = AF_INET;
  ue.state.reqid = test::kSampleReqid;
  ue.hard = 1;
  const xfrm_mark mark{5, 0xff};
  const auto e =
      parse_event(Writer(XFRM_MSG_EXPIRE, ue).attr(XFRMA_MARK, mark).attr(XFRMA_IF_ID, 7U).bytes(),
                  Ownership{});
  ASSERT_TRUE(e.has_value()) << e.error().message();
  ASSERT_TRUE(e->has_value());
  const auto* x = std::get_if<ExpireEvent>(&**e);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->id, (SaId{addr("198.51.100.2"), 0xabc, Proto::esp, 5, 0xff}));
  EXPECT_EQ(x->src, addr("192.0.2.1"));
  EXPECT_EQ(x->if_id, 7U);
  EXPECT_TRUE(x->hard);
  EXPECT_TRUE(x->owned);
}

TEST(XfrmParse, AcquireEventTakesReqidFromTheTemplate) {
  xfrm_user_acquire ua{};
  ua.id.daddr = kernel_address("198.51.100.2");
  ua.id.proto = IPPROTO_ESP;
  ua.saddr = kernel_address("192.0.2.1");
  ua.sel.family = AF_INET;
  ua.sel.saddr = kernel_address("10.1.0.5");
  ua.sel.daddr = kernel_address("10.2.0.9");
  ua.sel.prefixlen_s = 32;
  ua.sel.prefixlen_d = 32;
  ua.policy.dir = XFRM_POLICY_OUT;
  ua.policy.index = 0x41;
  ua.seq = 77;
  xfrm_user_tmpl t{};
  t.id.daddr = ua.id.daddr;
  t.saddr = ua.saddr;
  t.family = AF_INET;
  t.reqid = test::kSampleReqid;
  const auto e = parse_event(Writer(XFRM_MSG_ACQUIRE, ua).attr(XFRMA_TMPL, t).bytes(), Ownership{});
  ASSERT_TRUE(e.has_value()) << e.error().message();
  const auto* a = std::get_if<AcquireEvent>(&**e);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reqid, test::kSampleReqid);
  EXPECT_EQ(a->dst, addr("198.51.100.2"));
  EXPECT_EQ(a->selector.src, test::prefix("10.1.0.5/32"));
  EXPECT_EQ(a->direction, PolicyDirection::out);
  EXPECT_EQ(a->policy_index, 0x41U);
  EXPECT_EQ(a->seq, 77U);
  EXPECT_TRUE(a->owned);
}

TEST(XfrmParse, MappingEvent) {
  xfrm_user_mapping um{};
  um.id.daddr = kernel_address("192.0.2.1");
  um.id.spi = htonl(0x5000);
  um.id.family = AF_INET;
  um.id.proto = IPPROTO_ESP;
  um.reqid = 9;
  um.old_saddr = kernel_address("203.0.113.1");
  um.new_saddr = kernel_address("203.0.113.2");
  um.old_sport = htons(4500);
  um.new_sport = htons(61000);
  const auto e = parse_event(Writer(XFRM_MSG_MAPPING, um).bytes(), Ownership{});
  ASSERT_TRUE(e.has_value());
  const auto* m = std::get_if<MappingEvent>(&**e);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->id.spi, 0x5000U);
  EXPECT_EQ(m->new_src, addr("203.0.113.2"));
  EXPECT_EQ(m->old_sport, 4500);
  EXPECT_EQ(m->new_sport, 61000);
  EXPECT_FALSE(m->owned);  // reqid 9 is outside the default range
}

TEST(XfrmParse, OtherMessageTypesAreNotEvents) {
  xfrm_usersa_id id{};
  const auto e = parse_event(Writer(XFRM_MSG_DELSA, id).bytes(), Ownership{});
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->has_value());
}

TEST(XfrmParse, HostileInputGivesErrorsNotCrashes) {
  auto m = build_add_sa(test::sample_sa(SaDirection::in, 0x1234));
  ASSERT_TRUE(m.has_value());
  const auto good = as_dump_entry(*m, XFRM_MSG_NEWSA);
  // Every truncation: the header's length no longer fits.
  for (std::size_t n = 0; n < good.size(); ++n) {
    const std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<long>(n));
    const auto s = parse_sa(cut, Ownership{});
    ASSERT_FALSE(s.has_value()) << n;
    EXPECT_EQ(s.error().code, errc::malformed_reply);
  }
  // An attribute claiming more than the message holds.
  auto bad = good;
  auto* first_attr =
      reinterpret_cast<nlattr*>(bad.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(xfrm_usersa_info)));
  first_attr->nla_len = 0xfff0;
  EXPECT_EQ(parse_sa(bad, Ownership{}).error().code, errc::malformed_reply);
  first_attr->nla_len = 2;  // shorter than its own header
  EXPECT_EQ(parse_sa(bad, Ownership{}).error().code, errc::malformed_reply);
  // An unknown address family.
  auto fam = good;
  reinterpret_cast<xfrm_usersa_info*>(fam.data() + NLMSG_HDRLEN)->family = 99;
  EXPECT_EQ(parse_sa(fam, Ownership{}).error().code, errc::malformed_reply);
  // The wrong message type for the parser.
  EXPECT_EQ(parse_policy(good, Ownership{}).error().code, errc::malformed_reply);
  // Events cut short.
  xfrm_user_expire ue{};
  ue.state.family = AF_INET;
  auto ev = Writer(XFRM_MSG_EXPIRE, ue).bytes();
  ev.resize(NLMSG_HDRLEN + 8);
  reinterpret_cast<nlmsghdr*>(ev.data())->nlmsg_len = static_cast<std::uint32_t>(ev.size());
  EXPECT_EQ(parse_event(ev, Ownership{}).error().code, errc::malformed_reply);
}

}  // namespace
}  // namespace pqbranch::xfrm
