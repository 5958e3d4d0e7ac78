// The IKEv2 initiator session against a hostile responder (HostileIkeResponder in front of
// the fake): oversized, truncated, slow, replayed, reordered and duplicated responses, wrong
// SPIs and flags, malformed payloads, bad ICVs and AUTH, colliding CHILD SPIs, in each
// exchange where it matters. Each case ends in a reason (the log's drop line or the
// session's last_error) and a counter; nothing from a refused exchange reaches the kernel;
// an established CHILD SA keeps its SAs. Through the session's public interface only.
#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/ike_auth_task.hpp"
#include "pqbranch/ikev2/ike_sa_init_task.hpp"

#include "fakes/log_capture.hpp"
#include "ikev2_loopback.hpp"

namespace pqbranch::ikev2 {
namespace {
using namespace std::chrono_literals;
using Hostile = test::HostileIkeResponder;
using Misbehaviour = Hostile::Misbehaviour;
using Plan = Hostile::Plan;
using Payloads = std::vector<Payload>;

// Three exchanges: IKE_SA_INIT, IKE_INTERMEDIATE (ML-KEM-768), IKE_AUTH.
constexpr const char* kProposal = "aes256gcm16-prfsha384-x25519-ke1_mlkem768";
constexpr auto kInit = ExchangeType::ike_sa_init;
constexpr auto kIntermediate = ExchangeType::ike_intermediate;
constexpr auto kAuth = ExchangeType::ike_auth;
constexpr std::uint32_t kFirstResponderSpi = 0xc0de0001;  // LoopbackResponder's first

struct HostileCase {
  std::string name;
  Plan plan;
  std::string reason;  // in the drop's log line, or in the session's last_error
};

std::string case_name(const ::testing::TestParamInfo<HostileCase>& info) {
  return info.param.name;
}

Plan plan(ExchangeType exchange, Misbehaviour m, bool always = false) {
  Plan p;
  p.misbehaviour = m;
  p.exchange = exchange;
  p.always = always;
  return p;
}

Plan editing(ExchangeType exchange, bool always,
             std::function<void(Payloads&, const test::FakeIkeResponder&)> edit) {
  Plan p = plan(exchange, Misbehaviour::edit, always);
  p.edit = std::move(edit);
  return p;
}

Plan editing_raw(bool always, std::function<void(std::vector<Hostile::RawPayload>&)> edit) {
  Plan p = plan(kInit, Misbehaviour::edit, always);
  p.edit_raw = std::move(edit);
  return p;
}

template <class T>
T& payload(Payloads& payloads) {
  for (auto& p : payloads) {
    if (auto* t = std::get_if<T>(&p)) return *t;
  }
  throw std::logic_error("no such payload in the response");
}

Hostile::RawPayload& raw(std::vector<Hostile::RawPayload>& payloads, PayloadType type) {
  for (auto& p : payloads) {
    if (p.type == static_cast<std::uint8_t>(type)) return p;
  }
  throw std::logic_error("no such payload in the response");
}

void set_esp_spi(Payloads& payloads, std::uint32_t spi) {
  payload<SaPayload>(payloads).proposals.at(0).spi = {
      static_cast<std::uint8_t>(spi >> 24), static_cast<std::uint8_t>(spi >> 16),
      static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)};
}

void replace_ts(Payloads& payloads, bool initiator, const char* prefix) {
  for (auto& p : payloads) {
    auto* ts = std::get_if<TsPayload>(&p);
    if (ts != nullptr && ts->initiator == initiator) {
      ts->selectors = {selector_for(core::IpPrefix::parse(prefix).value())};
    }
  }
}

// (SPI, outbound) of each SA.
std::set<std::pair<std::uint32_t, bool>> spis(const std::vector<xfrm::SaState>& sas) {
  std::set<std::pair<std::uint32_t, bool>> out;
  for (const auto& sa : sas)
    out.emplace(sa.spi, sa.direction == xfrm::SaDirection::out);
  return out;
}

class HostileResponderTest : public Ikev2SessionTest {
 protected:
  // Short timers: a lost response costs 50 ms, an attempt 350 ms (3 tries); a failed
  // attempt is not retried within a test.
  std::unique_ptr<InitiatorSession> start_against(
      Plan p, const std::function<void(SessionOptions&)>& tweak = {}) {
    responder_.hostile = Hostile(std::move(p));
    auto o = options(kProposal);
    o.retransmit = {50ms, 3};
    o.retry_initial = 30s;
    if (tweak) tweak(o);
    return start(std::move(o));
  }
  bool established(const InitiatorSession& s) {
    return run_until([&] { return s.status().state == "established"; }, 5s);
  }
  bool failed() {
    return run_until([&] { return metric("ikev2_failures") >= 1; }, 5s);
  }
  test::FakeIkeResponder& fake() { return *responder_.sas.begin()->second; }

  test::LogCapture log_;
};

// ---- a spoiled response, once: dropped, counted, and the retransmission establishes ----

class DroppedOnce : public HostileResponderTest,
                    public ::testing::WithParamInterface<HostileCase> {};

TEST_P(DroppedOnce, IsCountedWithItsReasonAndTheRetransmissionEstablishes) {
  const auto& c = GetParam();
  auto s = start_against(c.plan);
  ASSERT_TRUE(s);
  ASSERT_TRUE(established(*s)) << s->status().last_error;
  EXPECT_EQ(responder_.hostile.misbehaved(), 1U);
  EXPECT_GE(metric("ikev2_dropped_messages"), 1);
  EXPECT_GE(metric("ikev2_retransmissions"), 1);
  EXPECT_EQ(metric("ikev2_failures"), 0);
  EXPECT_EQ(s->status().established, 1U);
  EXPECT_EQ(installed().size(), 2U);
  EXPECT_TRUE(log_.contains("dropped a message: ")) << "no drop logged";
  EXPECT_TRUE(log_.contains(c.reason)) << "no log line names: " << c.reason;
}

std::vector<HostileCase> framing_cases(ExchangeType e) {
  return {
      {"Oversized", plan(e, Misbehaviour::oversized), "datagram 65507"},
      {"HeaderOnly", plan(e, Misbehaviour::header_only), "datagram 28"},
      {"CutInsideAPayload", plan(e, Misbehaviour::cut_inside_payload), "bytes left"},
      {"LengthFieldBeyondTheDatagram", plan(e, Misbehaviour::length_beyond_datagram),
       "IKE header length"},
      {"PayloadLengthBeyondTheDatagram", plan(e, Misbehaviour::bad_payload_length), "bytes left"},
      {"WrongSpiI", plan(e, Misbehaviour::wrong_spi_i), "no IKE SA with these SPIs"},
      {"ResponseFlagClear", plan(e, Misbehaviour::response_flag_clear),
       "request before the IKE SA is up"},
  };
}

std::vector<HostileCase> protected_cases(ExchangeType e) {
  auto cases = framing_cases(e);
  cases.push_back({"WrongSpiR", plan(e, Misbehaviour::wrong_spi_r), "no IKE SA with these SPIs"});
  cases.push_back({"WrongMessageId", plan(e, Misbehaviour::wrong_message_id),
                   "message ID " + std::to_string(e == kAuth ? 3 : 2) + ", expected"});
  cases.push_back(
      {"InitiatorFlagSet", plan(e, Misbehaviour::initiator_flag_set), "not a response to us"});
  cases.push_back({"BadIcv", plan(e, Misbehaviour::bad_icv), "ICV"});
  // An earlier exchange's response instead (IKE_SA_INIT's first).
  cases.push_back(
      {"ReplayedEarlierResponses", plan(e, Misbehaviour::replay_earlier), "exchange 34"});
  return cases;
}

std::vector<HostileCase> init_cases() {
  auto cases = framing_cases(kInit);
  cases.push_back({"WrongMessageId", plan(kInit, Misbehaviour::wrong_message_id),
                   "not the response to our request"});
  cases.push_back({"InitiatorFlagSet", plan(kInit, Misbehaviour::initiator_flag_set),
                   "not the response to our request"});
  cases.push_back(
      {"UnknownCriticalPayload",
       editing_raw(false, [](auto& payloads) { payloads.push_back({200, true, {1, 2, 3}}); }),
       "payload type 200"});
  cases.push_back({"NonceShorterThan16Bytes",
                   editing_raw(false, [](auto& p) { raw(p, PayloadType::nonce).body.resize(15); }),
                   "nonce of 15 bytes"});
  cases.push_back({"KeOfTheWrongLengthForTheGroup",
                   editing_raw(false, [](auto& p) { raw(p, PayloadType::ke).body.pop_back(); }),
                   "KE method 31: 31 bytes of data"});
  cases.push_back({"AProposalNotOffered",
                   editing(kInit, false,
                           [](Payloads& p, const auto&) {
                             payload<SaPayload>(p) = ike_sa_payload(
                                 {config::parse_ike_proposal("aes256gcm16-prfsha256-x25519-"
                                                             "ke1_mlkem768")
                                      .value()});
                           }),
                   "which we did not offer"});
  cases.push_back(
      {"AProposalWithoutMlKem",
       editing(kInit, false,
               [](Payloads& p, const auto&) {
                 payload<SaPayload>(p) = ike_sa_payload(
                     {config::parse_ike_proposal("aes256gcm16-prfsha384-x25519").value()});
               }),
       "which has no ML-KEM key exchange"});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(IkeSaInit, DroppedOnce, ::testing::ValuesIn(init_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(IkeIntermediate, DroppedOnce,
                         ::testing::ValuesIn(protected_cases(kIntermediate)), case_name);
INSTANTIATE_TEST_SUITE_P(IkeAuth, DroppedOnce, ::testing::ValuesIn(protected_cases(kAuth)),
                         case_name);

// ---- duplicated, slow and silent responders, in each exchange ----

struct ExchangeCase {
  std::string name;
  ExchangeType exchange;
  std::string duplicate_reason;  // why the second copy is dropped
};

std::string exchange_name(const ::testing::TestParamInfo<ExchangeCase>& info) {
  return info.param.name;
}

class EachExchange : public HostileResponderTest,
                     public ::testing::WithParamInterface<ExchangeCase> {};

TEST_P(EachExchange, ADuplicatedResponseIsIgnored) {
  auto s = start_against(plan(GetParam().exchange, Misbehaviour::duplicated));
  ASSERT_TRUE(s);
  ASSERT_TRUE(established(*s)) << s->status().last_error;
  ASSERT_TRUE(run_until([&] { return metric("ikev2_dropped_messages") >= 1; }, 2s));
  EXPECT_TRUE(log_.contains(GetParam().duplicate_reason));
  EXPECT_EQ(metric("ikev2_failures"), 0);
  EXPECT_EQ(s->status().established, 1U);
  ASSERT_EQ(responder_.sas.size(), 1U);  // the fake saw each exchange once
  EXPECT_EQ(fake().intermediate_exchanges(), 1U);
  EXPECT_EQ(installed().size(), 2U);
}

TEST_P(EachExchange, ASlowResponderIsRetransmittedToAndTheSaEstablished) {
  auto s = start_against(plan(GetParam().exchange, Misbehaviour::silent));
  ASSERT_TRUE(s);
  ASSERT_TRUE(established(*s)) << s->status().last_error;
  EXPECT_GE(metric("ikev2_retransmissions"), 1);
  EXPECT_EQ(metric("ikev2_failures"), 0);
  EXPECT_EQ(installed().size(), 2U);
}

TEST_P(EachExchange, ASilentResponderEndsTheAttemptWithAReasonAndLeavesNothingInTheKernel) {
  auto s = start_against(plan(GetParam().exchange, Misbehaviour::silent, true));
  ASSERT_TRUE(s);
  ASSERT_TRUE(failed());
  EXPECT_EQ(metric("ikev2_retransmissions"), 2);
  EXPECT_EQ(s->status().state, "waiting to retry");
  EXPECT_NE(s->status().last_error.find("no response after 3 tries"), std::string::npos)
      << s->status().last_error;
  EXPECT_TRUE(kernel_.sas().empty()) << "an SPI allocated for the attempt stayed";
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, EachExchange,
    ::testing::Values(ExchangeCase{"IkeSaInit", kInit, "exchange 34"},
                      ExchangeCase{"IkeIntermediate", kIntermediate, "exchange 43"},
                      ExchangeCase{"IkeAuth", kAuth, "no request outstanding"}),
    exchange_name);

// ---- a response that is always wrong: the attempt ends with its reason ----

class RefusedAlways : public HostileResponderTest,
                      public ::testing::WithParamInterface<HostileCase> {};

TEST_P(RefusedAlways, EndsTheAttemptWithItsReasonAndInstallsNothing) {
  const auto& c = GetParam();
  auto s = start_against(c.plan);
  ASSERT_TRUE(s);
  ASSERT_TRUE(failed());
  const auto st = s->status();
  EXPECT_EQ(st.state, "waiting to retry");
  EXPECT_NE(st.last_error.find(c.reason), std::string::npos) << st.last_error;
  EXPECT_EQ(st.established, 0U);
  EXPECT_TRUE(kernel_.sas().empty()) << "the refused exchange left an SA in the kernel";
}

std::vector<HostileCase> refused_cases() {
  return {
      // Unprotected: every response dropped; the reason of the last one ends the attempt.
      {"IkeSaInitAProposalNotOffered",
       editing(kInit, true,
               [](Payloads& p, const auto&) {
                 payload<SaPayload>(p) =
                     ike_sa_payload({config::parse_ike_proposal("aes256gcm16-prfsha256-x25519-"
                                                                "ke1_mlkem768")
                                         .value()});
               }),
       "which we did not offer"},
      {"IkeSaInitNonceShorterThan16Bytes",
       editing_raw(true, [](auto& p) { raw(p, PayloadType::nonce).body.resize(15); }),
       "nonce of 15 bytes"},
      {"IkeSaInitHeaderOnly", plan(kInit, Misbehaviour::header_only, true), "datagram 28"},
      // Protected: the responder itself is at fault.
      {"IkeIntermediateMlKemCiphertextOfTheEncapsulationKeySize",
       editing(kIntermediate, true,
               [](Payloads& p, const auto&) { payload<KePayload>(p).data.resize(1184); }),
       "1184 bytes, expected 1088"},
      {"IkeIntermediateKeOfAnotherMethod",
       editing(kIntermediate, true,
               [](Payloads& p, const auto&) {
                 auto& ke = payload<KePayload>(p);
                 ke.method = KeMethod::mlkem1024;
                 ke.data.resize(1568);
               }),
       "no KE of the chosen ADDKE1"},
      {"IkeIntermediateBadIcv", plan(kIntermediate, Misbehaviour::bad_icv, true), "ICV"},
      {"IkeAuthWrongAuth",
       editing(kAuth, true,
               [](Payloads& p, const auto&) { payload<AuthPayload>(p).data.front() ^= 0x01U; }),
       "AUTH does not verify"},
      {"IkeAuthWrongIdentity",
       editing(kAuth, true,
               [](Payloads& p, const auto&) {
                 auto& id = payload<IdPayload>(p);
                 id.data.back() ^= 0x01U;
               }),
       "not the configured remote_id"},
      {"IkeAuthBadIcv", plan(kAuth, Misbehaviour::bad_icv, true), "ICV"},
      {"IkeAuthEspProposalNotOffered",
       editing(kAuth, true,
               [](Payloads& p, const auto&) {
                 for (auto& t : payload<SaPayload>(p).proposals.at(0).transforms) {
                   if (t.type == TransformType::encr) t.key_length = 128;
                 }
               }),
       "CHILD SA we did not offer"},
      {"IkeAuthNoSaPayload",
       editing(kAuth, true,
               [](Payloads& p, const auto&) {
                 std::erase_if(
                     p, [](const Payload& x) { return std::holds_alternative<SaPayload>(x); });
               }),
       "no single CHILD SA proposal"},
      {"IkeAuthTsrNotRequested",
       editing(kAuth, true, [](Payloads& p, const auto&) { replace_ts(p, false, "10.9.0.0/24"); }),
       "TSr 10.9.0.0-10.9.0.255 is not within ours"},
      {"IkeAuthTsiWiderThanRequested",
       editing(kAuth, true, [](Payloads& p, const auto&) { replace_ts(p, true, "10.0.0.0/8"); }),
       "TSi 10.0.0.0-10.255.255.255 is not within ours"},
      {"IkeAuthTsUnacceptableNotify",
       editing(kAuth, true,
               [](Payloads& p, const auto&) {
                 p.emplace_back(make_notify(NotifyType::ts_unacceptable));
               }),
       "TS_UNACCEPTABLE"},
      {"IkeAuthEspSpiZero",
       editing(kAuth, true, [](Payloads& p, const auto&) { set_esp_spi(p, 0); }),
       "reserved ESP SPI 0"},
      {"IkeAuthEspSpiEqualToTheInitiatorsInboundSpi",
       editing(kAuth, true,
               [](Payloads& p, const test::FakeIkeResponder& fake) {
                 set_esp_spi(p, fake.initiator_spi());
               }),
       "File exists"},
  };
}

INSTANTIATE_TEST_SUITE_P(Hostile, RefusedAlways, ::testing::ValuesIn(refused_cases()), case_name);

// ---- once established: hostile datagrams change nothing ----

struct Injection {
  std::string name;
  // What the attacker (or the responder) sends, from the responder's address.
  std::function<std::vector<std::vector<std::uint8_t>>(const Hostile&, test::FakeIkeResponder&,
                                                       const Spi&)>
      make;
  std::string reason;
};

std::string injection_name(const ::testing::TestParamInfo<Injection>& info) {
  return info.param.name;
}

class AfterEstablishment : public HostileResponderTest,
                           public ::testing::WithParamInterface<Injection> {};

TEST_P(AfterEstablishment, AHostileDatagramIsDroppedAndTheSasStayAsTheyAre) {
  auto s = start_against({});
  ASSERT_TRUE(s);
  ASSERT_TRUE(established(*s));
  const auto before = spis(installed());
  const auto status = s->status();
  ASSERT_EQ(before.size(), 2U);
  const auto datagrams = GetParam().make(responder_.hostile, fake(), responder_.sas.begin()->first);
  for (const auto& d : datagrams)
    responder_.resend(d);
  ASSERT_TRUE(run_until([&] {
    return metric("ikev2_dropped_messages") >= static_cast<std::int64_t>(datagrams.size());
  }));
  EXPECT_TRUE(log_.contains(GetParam().reason)) << "no log line names: " << GetParam().reason;
  EXPECT_EQ(s->status().state, "established");
  EXPECT_EQ(s->status().inbound_spi, status.inbound_spi);
  EXPECT_EQ(s->status().outbound_spi, status.outbound_spi);
  EXPECT_EQ(spis(installed()), before);
  EXPECT_EQ(metric("ikev2_failures"), 0);
  EXPECT_EQ(responder_.responses, 0U);  // nothing was answered
}

std::vector<std::uint8_t> flipped_last(std::vector<std::uint8_t> b) {
  b.back() ^= 0x80U;
  return b;
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, AfterEstablishment,
    ::testing::Values(
        Injection{"ReplayedResponsesOfEveryExchange",
                  [](const Hostile& h, auto&, const Spi& spi) { return h.answers(spi); },
                  "no request outstanding"},
        Injection{"AResponseWithABadIcv",
                  [](const Hostile& h, auto&, const Spi& spi) {
                    return std::vector<std::vector<std::uint8_t>>{
                        flipped_last(h.answers(spi).back())};
                  },
                  "no request outstanding"},
        Injection{"ARequestWithAFutureMessageId",
                  [](const Hostile&, test::FakeIkeResponder& f, const Spi&) {
                    (void)f.informational_request({});  // message ID 0, never sent
                    return std::vector<std::vector<std::uint8_t>>{
                        f.informational_request({}).value()};
                  },
                  "request message ID 1, expected 0"},
        Injection{"ADeleteWithABadIcv",
                  [](const Hostile&, test::FakeIkeResponder& f, const Spi&) {
                    return std::vector<std::vector<std::uint8_t>>{flipped_last(
                        f.informational_request({DeletePayload{ProtocolId::ike, {}}}).value())};
                  },
                  "ICV"},
        Injection{"ADeleteCutInsideItsPayload",
                  [](const Hostile&, test::FakeIkeResponder& f, const Spi&) {
                    auto d = f.informational_request({DeletePayload{ProtocolId::ike, {}}}).value();
                    d.resize(kHeaderSize + 10);
                    d[27] = static_cast<std::uint8_t>(d.size());  // header length matches
                    d[26] = 0;
                    return std::vector<std::vector<std::uint8_t>>{d};
                  },
                  "bytes left"},
        Injection{"ADeleteForAnotherIkeSa",
                  [](const Hostile&, test::FakeIkeResponder& f, const Spi&) {
                    auto d = f.informational_request({DeletePayload{ProtocolId::ike, {}}}).value();
                    d[8] ^= 0xffU;  // SPIr
                    return std::vector<std::vector<std::uint8_t>>{d};
                  },
                  "no IKE SA with these SPIs"}),
    injection_name);

// ---- continuity: a hostile replacement leaves the working CHILD SA alone ----

TEST_F(HostileResponderTest,
       AReplacementWhoseEspSpiCollidesWithTheWorkingSaFailsAndChangesNothing) {
  // Every IKE_AUTH response names the first CHILD SA's SPI (for the first, its own).
  auto s = start_against(
      editing(kAuth, true, [](Payloads& p, const auto&) { set_esp_spi(p, kFirstResponderSpi); }),
      [](SessionOptions& o) { o.rekey_time = 200ms; });
  ASSERT_TRUE(s);
  ASSERT_TRUE(established(*s));
  const auto before = spis(installed());
  ASSERT_EQ(s->status().outbound_spi, kFirstResponderSpi);
  ASSERT_TRUE(failed());
  EXPECT_NE(s->status().last_error.find("File exists"), std::string::npos)
      << s->status().last_error;
  EXPECT_EQ(s->status().state, "established");
  EXPECT_EQ(s->status().outbound_spi, kFirstResponderSpi);
  EXPECT_EQ(spis(installed()), before);
  EXPECT_EQ(kernel_.sas().size(), 2U) << "the replacement left an SA in the kernel";
  // An older generation's responses, replayed: dropped, nothing changes.
  const auto dropped = metric("ikev2_dropped_messages");
  std::size_t replayed = 0;
  for (const auto& [spi, r] : responder_.sas) {
    for (const auto& answer : responder_.hostile.answers(spi)) {
      responder_.resend(answer);
      ++replayed;
    }
  }
  ASSERT_TRUE(run_until([&] {
    return metric("ikev2_dropped_messages") >= dropped + static_cast<std::int64_t>(replayed);
  }));
  EXPECT_EQ(spis(installed()), before);
  EXPECT_EQ(s->status().established, 1U);
}

std::string misbehaviour_name(const ::testing::TestParamInfo<Misbehaviour>& info) {
  switch (info.param) {
    case Misbehaviour::silent:
      return "Slow";
    case Misbehaviour::duplicated:
      return "Duplicated";
    case Misbehaviour::bad_icv:
      return "BadIcv";
    case Misbehaviour::wrong_message_id:
      return "WrongMessageId";
    case Misbehaviour::header_only:
      return "HeaderOnly";
    default:
      return "ReplayedEarlierResponses";
  }
}

class SpoiledDeleteResponse : public HostileResponderTest,
                              public ::testing::WithParamInterface<Misbehaviour> {};

TEST_P(SpoiledDeleteResponse, IsDroppedAndTheReplacedIkeSaIsStillDeleted) {
  auto s = start_against(plan(ExchangeType::informational, GetParam()),
                         [](SessionOptions& o) { o.rekey_time = 300ms; });
  ASSERT_TRUE(s);
  ASSERT_TRUE(run_until([&] { return s->status().established == 2; }));
  // The old IKE SA's Delete got its answer at last; its inbound SA went after it.
  ASSERT_TRUE(run_until([&] {
    return std::ranges::count_if(responder_.sas,
                                 [](const auto& e) { return e.second->deleted(); }) >= 1 &&
           installed().size() == 2;
  }));
  EXPECT_EQ(responder_.hostile.misbehaved(), 1U);
  EXPECT_TRUE(run_until(
      [&] { return metric("ikev2_retransmissions") + metric("ikev2_dropped_messages") >= 1; }, 2s));
  EXPECT_EQ(metric("ikev2_failures"), 0);
  const auto now = spis(installed());
  EXPECT_TRUE(now.contains({s->status().inbound_spi, false}));
  EXPECT_TRUE(now.contains({s->status().outbound_spi, true}));
}

INSTANTIATE_TEST_SUITE_P(Hostile, SpoiledDeleteResponse,
                         ::testing::Values(Misbehaviour::silent, Misbehaviour::duplicated,
                                           Misbehaviour::bad_icv, Misbehaviour::wrong_message_id,
                                           Misbehaviour::header_only, Misbehaviour::replay_earlier),
                         misbehaviour_name);

}  // namespace
}  // namespace pqbranch::ikev2
