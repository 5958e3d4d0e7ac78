// The seed corpus of the xfrm_parse_fuzz target (tests/fuzz/corpus/xfrm): kernel messages
// made by our builders (dump entries have the request layout) and by NetlinkWriter
// (events, the kernel's answers). The committed files are checked here to parse with the parser
// their name starts with, so the fuzzer starts from deep inside the parsers rather than from noise.
// Regenerate them after a change to the message layouts (tests/fakes/fuzz_seeds.hpp):
//   PQB_WRITE_FUZZ_SEEDS=1 build/asan/tests/pqb_unit_tests --gtest_filter='XfrmFuzzSeeds.*'
#include "fakes/fuzz_seeds.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <map>
#include <netinet/in.h>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/xfrm/netlink_messages.hpp"

#include "fakes/xfrm/kernel_answers.hpp"
#include "fakes/xfrm/netlink_writer.hpp"
#include "fakes/xfrm/xfrm_samples.hpp"

namespace pqbranch::xfrm {
namespace {

using test::kernel_address;
using test::NetlinkWriter;

std::vector<std::uint8_t> sa_entry(const Sa& sa) {
  return test::as_dump_entry(build_add_sa(sa).value(), XFRM_MSG_NEWSA);
}

std::vector<std::uint8_t> policy_entry(const Policy& p) {
  return test::as_dump_entry(build_add_policy(p).value(), XFRM_MSG_NEWPOLICY);
}

std::map<std::string, std::vector<std::uint8_t>> seeds() {
  std::map<std::string, std::vector<std::uint8_t>> out;
  out["sa_out"] = sa_entry(test::sample_sa(SaDirection::out, 0x1001));

  Sa natt = test::sample_sa(SaDirection::in, 0x2001);
  natt.encap = Encap{kEncapEspInUdp, 40000, 4500, test::addr("192.0.2.99")};
  natt.if_id = 0x10;
  natt.mark = Mark{1, 0xff};
  natt.output_mark = Mark{0x20, 0xf0};
  natt.lifetime.soft_bytes = 1'000'000;
  natt.lifetime.hard_bytes = 2'000'000;
  natt.lifetime.hard_add = std::chrono::seconds(3600);
  out["sa_in_natt_route"] = sa_entry(natt);

  Sa sel = test::sample_sa(SaDirection::out, 0x3001);
  sel.selector =
      Selector{test::prefix("10.1.0.0/16"), test::prefix("10.2.0.0/16"), IPPROTO_UDP, 0, 53};
  sel.esn = false;
  sel.lifetime.hard_packets = 1'000'000;
  out["sa_selector_no_esn"] = sa_entry(sel);

  Sa v6 = test::sample_sa(SaDirection::in, 0x4001);
  v6.src = test::addr("2001:db8::2");
  v6.dst = test::addr("2001:db8::1");
  out["sa_ipv6"] = sa_entry(v6);

  xfrm_usersa_info larval{};
  larval.id.daddr = kernel_address("192.0.2.1");
  larval.id.spi = htonl(0x1234);
  larval.id.proto = IPPROTO_ESP;
  larval.saddr = kernel_address("198.51.100.2");
  larval.family = AF_INET;
  larval.reqid = test::kSampleReqid;
  larval.mode = XFRM_MODE_TUNNEL;
  out["sa_larval"] = NetlinkWriter(XFRM_MSG_NEWSA, larval).attr(XFRMA_IF_ID, 0x10U).bytes();

  Policy p = test::sample_policy(PolicyDirection::out);
  p.if_id = 0x10;
  p.mark = Mark{2, 3};
  p.templates[0].spi = 0x9999;
  out["policy_out"] = policy_entry(p);
  Policy fwd = test::sample_policy(PolicyDirection::fwd);
  fwd.selector.proto = IPPROTO_TCP;
  fwd.selector.src_port = 1024;
  fwd.selector.dst_port = 443;
  out["policy_fwd_ports"] = policy_entry(fwd);
  Policy block = test::sample_policy(PolicyDirection::in);
  block.action = PolicyAction::block;
  block.templates.clear();
  out["policy_block"] = policy_entry(block);

  xfrm_user_expire expire{};
  expire.state = larval;
  expire.state.id.daddr = kernel_address("198.51.100.2");
  expire.state.saddr = kernel_address("192.0.2.1");
  expire.hard = 0;
  out["event_expire"] = NetlinkWriter(XFRM_MSG_EXPIRE, expire)
                            .attr(XFRMA_MARK, xfrm_mark{5, 0xff})
                            .attr(XFRMA_IF_ID, 7U)
                            .bytes();

  xfrm_user_acquire acquire{};
  acquire.id.daddr = kernel_address("198.51.100.2");
  acquire.id.proto = IPPROTO_ESP;
  acquire.saddr = kernel_address("192.0.2.1");
  acquire.sel.family = AF_INET;
  acquire.sel.saddr = kernel_address("10.1.0.5");
  acquire.sel.daddr = kernel_address("10.2.0.9");
  acquire.sel.prefixlen_s = 32;
  acquire.sel.prefixlen_d = 32;
  acquire.policy.dir = XFRM_POLICY_OUT;
  acquire.seq = 77;
  xfrm_user_tmpl t{};
  t.id.daddr = acquire.id.daddr;
  t.saddr = acquire.saddr;
  t.family = AF_INET;
  t.reqid = test::kSampleReqid;
  out["event_acquire"] = NetlinkWriter(XFRM_MSG_ACQUIRE, acquire).attr(XFRMA_TMPL, t).bytes();

  xfrm_user_mapping mapping{};
  mapping.id.daddr = kernel_address("198.51.100.2");
  mapping.id.spi = htonl(0x1001);
  mapping.id.family = AF_INET;
  mapping.id.proto = IPPROTO_ESP;
  mapping.reqid = test::kSampleReqid;
  mapping.old_saddr = kernel_address("198.51.100.254");
  mapping.new_saddr = kernel_address("198.51.100.254");
  mapping.old_sport = htons(40000);
  mapping.new_sport = htons(40001);
  out["event_mapping"] = NetlinkWriter(XFRM_MSG_MAPPING, mapping).bytes();

  out["answer_ack"] = test::kernel_ack();
  out["answer_error_capped"] = test::kernel_error(EINVAL, "Invalid SA direction");
  out["answer_error_echoed"] =
      test::kernel_error(EEXIST, "SA exists", std::vector<std::uint8_t>(12, 0xAB));
  return out;
}

TEST(XfrmFuzzSeeds, CommittedSeedsParseWithTheirParser) {
  const auto expected = seeds();
  const auto files = test::sync_fuzz_seeds("xfrm", expected);
  for (const auto& [name, bytes] : files) {
    EXPECT_TRUE(expected.contains(name)) << name << " is not a seed this test makes";
    if (name.starts_with("sa_")) {
      const auto s = parse_sa(bytes, Ownership{});
      EXPECT_TRUE(s.has_value()) << name << ": " << s.error().message();
    } else if (name.starts_with("answer_")) {
      const auto a = parse_kernel_answer(bytes);
      EXPECT_TRUE(a.has_value()) << name << ": " << a.error().message();
    } else if (name.starts_with("policy_")) {
      const auto p = parse_policy(bytes, Ownership{});
      EXPECT_TRUE(p.has_value()) << name << ": " << p.error().message();
    } else {
      const auto e = parse_event(bytes, Ownership{});
      ASSERT_TRUE(e.has_value()) << name << ": " << e.error().message();
      EXPECT_TRUE(e->has_value()) << name << " is not an event";
    }
  }
  EXPECT_EQ(files.size(), expected.size()) << "regenerate with PQB_WRITE_FUZZ_SEEDS=1";
}

}  // namespace
}  // namespace pqbranch::xfrm
