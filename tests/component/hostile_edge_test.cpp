// The agent against a hostile edge: fakes/hostile_release_server in scripted mode, with the
// test PKI's edge certificate, so the agent authenticates it like the real one (TLS 1.3,
// X25519MLKEM768, mutual). The real edge gives the agent two generations first; then the agent
// is pointed at the hostile edge, which answers its generation request with one misbehaviour
// per case, its bytes derived from the real edge's last offer (re-encoded with the wire
// encoder and mutated). For every case the attempt fails with a clear error and a counter,
// the agent's SAs stay exactly as they were, no key and no hostile control byte reaches the
// log, and the agent rotates again once it is pointed back at the real edge. A second suite
// lets the hostile edge's generation be installed and misbehaves in the answer to the agent's
// acknowledgement of it instead.
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "pqbranch/core/log_text.hpp"
#include "pqbranch/crypto/tls_context.hpp"
#include "pqbranch/keysvc/wire_mapping.hpp"
#include "pqbranch/wire/ack.hpp"
#include "pqbranch/wire/error_response.hpp"
#include "pqbranch/wire/protocol.hpp"

#include "agent_edge_fixture.hpp"
#include "fakes/forwarding_transport.hpp"
#include "fakes/hostile_release_server.hpp"

namespace pqbranch::test {
namespace {

using keysvc::AgentTransport;
using std::chrono::milliseconds;

// Between the executor and the real client: keeps every offer that reaches the executor.
class OfferRecorder final : public ForwardingTransport {
 public:
  using ForwardingTransport::ForwardingTransport;
  std::vector<rotation::GenerationOffer> offers;

  void set_sink(Sink sink) override {
    if (!sink) {
      inner().set_sink({});
      return;
    }
    inner().set_sink([this, s = std::move(sink)](rotation::AgentEvent e) {
      if (const auto* o = std::get_if<rotation::OfferReceived>(&e)) offers.push_back(o->offer);
      s(std::move(e));
    });
  }
};

// What the agent had from the real edge when the hostile one takes over.
struct Real {
  rotation::GenerationOffer offer;  // the real edge's last offer, as the agent decoded it
  std::string offer_body;           // that offer as the edge's wire encoder writes it
  rotation::Generation generation = 0;
  std::uint32_t inbound_spi = 0;
  std::uint32_t outbound_spi = 0;
};

using Answer = std::function<HostileReply(const HostileRequest&, const Real&)>;

struct HostileCase {
  std::string name;
  Answer answer;
  // agent_edge_answers_refused_total's reason when the client refuses the answer itself
  // (the machine then sees the connection lost); empty when the machine refuses the offer.
  std::string answer_refusal;
  std::string rotation_failure;  // agent_rotation_failures_total's reason
  std::string error;             // in the agent's last error
};

constexpr std::uint32_t kFreshSpi = 0x7e570001;  // no SA of the test uses it

std::string response(unsigned status, std::string_view body, std::string_view extra_head = {}) {
  return fmt::format("HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n{}", status,
                     wire::kContentType, body.size(), extra_head, body);
}

// The real offer turned into an answer to this request: its agent SPI echoed, the next
// generation, an unused edge SPI. What a correct edge could send; each case breaks one thing.
rotation::GenerationOffer fresh_offer(const HostileRequest& r, const Real& real) {
  rotation::GenerationOffer o = real.offer;
  const auto request = keysvc::decode_request(r.body);
  o.agent_spi = request ? request->agent_spi : 0;
  o.generation = real.generation + 1;
  o.edge_generation = real.generation;
  o.edge_spi = kFreshSpi;
  return o;
}

std::string body_of(const rotation::GenerationOffer& o) {
  return keysvc::encode_offer(o, xfrm::kMinReplayWindow);
}

// Where the (scalar) value of the first field named `key` starts and ends in `body`.
std::pair<std::size_t, std::size_t> value_span(const std::string& body, std::string_view key) {
  const std::string name = fmt::format("\"{}\":", key);
  const std::size_t at = body.find(name);
  if (at == std::string::npos) return {body.size(), body.size()};
  const std::size_t from = at + name.size();
  return {from, body.find_first_of(",}", from)};
}

// `body` with the value of the first field named `key` replaced by raw JSON.
std::string with_field(std::string body, std::string_view key, std::string_view value) {
  const auto [from, to] = value_span(body, key);
  return body.replace(from, to - from, value);
}

std::string without_field(std::string body, std::string_view key) {
  const auto [from, to] = value_span(body, key);
  const std::size_t start = body.rfind('"', body.rfind('"', from - 2) - 1);  // the name's quote
  return body.erase(start, to + 1 - start);  // the name, the value and its comma
}

// A fresh offer, its body changed by `edit`, as a 200 answer.
Answer offer_edited(std::function<std::string(std::string)> edit) {
  return [edit = std::move(edit)](const HostileRequest& r, const Real& real) {
    return HostileReply{response(200, edit(body_of(fresh_offer(r, real))))};
  };
}

// A fresh offer with one value changed, as a 200 answer.
Answer offer_changed(std::function<void(rotation::GenerationOffer&, const Real&)> change) {
  return [change = std::move(change)](const HostileRequest& r, const Real& real) {
    rotation::GenerationOffer o = fresh_offer(r, real);
    change(o, real);
    return HostileReply{response(200, body_of(o))};
  };
}

// Text no log line may carry: it would forge a line or drive the terminal.
constexpr std::string_view kForged = "\x1b[2J\r\nERROR rotation: forged line\x07";

// The case's name, not its bytes, in test names and failures.
void PrintTo(const HostileCase& c, std::ostream* os) {
  *os << c.name;
}

std::vector<HostileCase> cases() {
  std::vector<HostileCase> c;
  // --- size, truncation, time ---
  c.push_back({"BodyOverTheLimit",
               [](const HostileRequest& r, const Real& real) {
                 // Valid JSON: the offer and whitespace, so only the limit refuses it.
                 const std::string body = body_of(fresh_offer(r, real));
                 return HostileReply{response(200, body + std::string(wire::kMaxBodyBytes, ' '))};
               },
               "too_large", "connection_lost", "body limit exceeded"});
  c.push_back({"HeaderOverTheLimit",
               [](const HostileRequest& r, const Real& real) {
                 const std::string pad =
                     "X-Pad: " + std::string(wire::kMaxHeaderBytes, 'p') + "\r\n";
                 return HostileReply{response(200, body_of(fresh_offer(r, real)), pad)};
               },
               "too_large", "connection_lost", "header limit exceeded"});
  c.push_back({"CutInTheHeader",
               [](const HostileRequest& r, const Real& real) {
                 const std::string all = response(200, body_of(fresh_offer(r, real)));
                 return HostileReply{all.substr(0, all.find("Content-Length")), Then::close};
               },
               "closed", "connection_lost", "edge closed the connection"});
  c.push_back({"CutInTheBody",
               [](const HostileRequest& r, const Real& real) {
                 const std::string all = response(200, body_of(fresh_offer(r, real)));
                 return HostileReply{all.substr(0, all.size() - 40), Then::close};
               },
               "closed", "connection_lost", "edge closed the connection"});
  c.push_back({"TrickledPastTheReadDeadline",
               [](const HostileRequest& r, const Real& real) {
                 return HostileReply{response(200, body_of(fresh_offer(r, real))), Then::trickle};
               },
               "timeout", "connection_lost", "timed out"});
  // --- replayed, duplicated, reordered ---
  c.push_back({"EarlierOfferReplayedOnANewConnection",
               [](const HostileRequest&, const Real& real) {
                 return HostileReply{response(200, real.offer_body)};
               },
               "", "offer_agent_spi", "the agent SPI does not match the request"});
  c.push_back({"OfferDuplicatedOnOneConnection",
               [](const HostileRequest& r, const Real& real) {
                 const std::string one = response(200, body_of(fresh_offer(r, real)));
                 return HostileReply{one + one};
               },
               "unrequested", "connection_lost", "nobody asked for"});
  c.push_back({"AckAnswerBeforeTheOffer",
               [](const HostileRequest& r, const Real& real) {
                 const rotation::GenerationOffer o = fresh_offer(r, real);
                 const std::string ack = wire::encode(wire::AckResponse{o.generation, true});
                 return HostileReply{response(200, ack) + response(200, body_of(o))};
               },
               "unrequested", "connection_lost", "nobody asked for"});
  // --- generations ---
  c.push_back({"GenerationGoesBackwards", offer_changed([](auto& o, const Real& real) {
                 o.generation = real.generation - 1;
                 o.edge_generation = 0;
               }),
               "", "offer_generation", "is not above"});
  c.push_back({"GenerationRepeatsTheCurrentOne", offer_changed([](auto& o, const Real& real) {
                 o.generation = real.generation;
                 o.edge_generation = real.generation - 1;
               }),
               "", "offer_generation", "is not above"});
  c.push_back({"GenerationJumpsFar", offer_changed([](auto& o, const Real& real) {
                 o.generation = real.generation + rotation::Generation{1} + (1ULL << 32U);
               }),
               "", "offer_generation", "jumps more than"});
  c.push_back({"GenerationAtTheWireMaximum",
               offer_changed([](auto& o, const Real&) { o.generation = rotation::kMaxGeneration; }),
               "", "offer_generation", "jumps more than"});
  c.push_back({"GenerationBeyondTheWire", offer_edited([](std::string b) {
                 return with_field(b, "generation", std::to_string(rotation::kMaxGeneration + 1));
               }),
               "malformed", "connection_lost", "generation"});
  // --- SPIs ---
  c.push_back({"EdgeSpiOfTheCurrentOutboundSa",
               offer_changed([](auto& o, const Real& real) { o.edge_spi = real.outbound_spi; }), "",
               "offer_edge_spi", "reserved or was used before"});
  c.push_back({"AgentSpiOfTheCurrentInboundSa",
               offer_changed([](auto& o, const Real& real) { o.agent_spi = real.inbound_spi; }), "",
               "offer_agent_spi", "the agent SPI does not match the request"});
  c.push_back({"EdgeSpiZero",
               offer_edited([](std::string b) { return with_field(b, "edge_spi", "0"); }),
               "malformed", "connection_lost", "edge_spi"});
  c.push_back({"EdgeSpiInTheReservedRange",
               offer_edited([](std::string b) { return with_field(b, "edge_spi", "255"); }),
               "malformed", "connection_lost", "edge_spi"});
  // --- malformed payloads ---
  c.push_back({"JsonCutShort",
               offer_edited([](std::string b) { return b.substr(0, b.size() - 1); }), "malformed",
               "connection_lost", "malformed JSON"});
  c.push_back({"MissingField",
               offer_edited([](std::string b) { return without_field(b, "edge_spi"); }),
               "malformed", "connection_lost", "missing field"});
  c.push_back({"GenerationAsAString",
               offer_edited([](std::string b) { return with_field(b, "generation", "\"3\""); }),
               "malformed", "connection_lost", "wrong type"});
  c.push_back({"SoftLifetimeAfterTheHardOne",
               offer_edited([](std::string b) { return with_field(b, "soft_seconds", "999999"); }),
               "malformed", "connection_lost", "soft_seconds"});
  c.push_back({"LifetimeBeyondTheWire", offer_edited([](std::string b) {
                 return with_field(b, "hard_seconds", std::to_string(1ULL << 60U));
               }),
               "malformed", "connection_lost", "hard_seconds"});
  c.push_back({"AnotherEdgeAddress", offer_changed([](auto& o, const Real&) {
                 o.tunnel.edge_address = ip("203.0.113.9");
               }),
               "", "offer_tunnel", "tunnel parameters differ"});
  c.push_back({"RouteModeForAPolicyTunnel",
               offer_changed([](auto& o, const Real&) { o.tunnel.if_id = 7; }), "", "offer_tunnel",
               "tunnel parameters differ"});
  // --- error statuses with hostile bodies ---
  c.push_back(
      {"ErrorStatusWithControlCharacters",
       [](const HostileRequest&, const Real&) { return HostileReply{response(500, kForged)}; },
       "bad_error_body", "connection_lost", "HTTP 500 without a valid error body"});
  c.push_back(
      {"ErrorStatusWithEscapedControlCharacters",
       [](const HostileRequest&, const Real&) {
         return HostileReply{response(
             409,
             R"({"version":1,"error":{"code":"spi_conflict","message":"\u001b[2J\r\nERROR rotation: forged line"}})")};
       },
       "bad_error_body", "connection_lost", "control character"});
  c.push_back({"ErrorStatusWithAVeryLongMessage",
               [](const HostileRequest&, const Real&) {
                 const std::string body =
                     fmt::format(R"({{"version":1,"error":{{"code":"internal","message":"{}"}}}})",
                                 std::string(8000, 'L'));
                 return HostileReply{response(500, body)};
               },
               "bad_error_body", "connection_lost", "too long"});
  return c;
}

class HostileEdgeFixture : public AgentEdgeFixture {
 protected:
  // Two generations from the real edge, acknowledged, the first one's inbound SA retired.
  void establish() {
    // Room for a loaded machine between the edge's outbound drain (10 ms) and the inbound
    // grace, so that the checks after every step see make-before-break, not a late timer.
    grace_ = milliseconds(250);
    start_edge();
    AgentSetup setup;
    setup.interval = std::chrono::hours(1);
    setup.wrap = [this](AgentTransport& inner) -> AgentTransport& {
      transports_.push_back(std::make_unique<OfferRecorder>(inner));
      recorder_ = static_cast<OfferRecorder*>(transports_.back().get());
      return *recorder_;
    };
    // The agent's own read deadline is what ends a trickling answer.
    setup.tweak = [](keysvc::AgentClientOptions& o) { o.io_timeout = milliseconds(500); };
    start_agent(setup);
    ASSERT_TRUE(run_until_agent_generation(1));
    agent().rotate_now("test: a second generation", false);
    ASSERT_TRUE(run_until_agent_generation(2));
    ASSERT_TRUE(run_until([&] {
      return settled() && agent_metrics_.value("agent_acks_answered_total") >= 2 &&
             installed_sas(xfrm::SaDirection::in) == 1;
    }));
  }

  [[nodiscard]] Real real() const {
    Real r;
    r.offer = recorder_->offers.back();
    r.offer_body = body_of(r.offer);
    r.generation = executor_->rotation().generation();
    r.inbound_spi = executor_->status().inbound_spi;
    r.outbound_spi = executor_->status().outbound_spi;
    return r;
  }

  // The agent's completed SAs: direction, SPI, destination.
  std::vector<std::tuple<int, std::uint32_t, std::string>> agent_sas() {
    std::vector<std::tuple<int, std::uint32_t, std::string>> out;
    for (const auto& sa : agent_kernel_.sas()) {
      if (sa.larval) continue;
      out.emplace_back(sa.direction ? static_cast<int>(*sa.direction) : -1, sa.spi,
                       sa.dst.to_string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::size_t installed_sas(xfrm::SaDirection d) {
    std::size_t n = 0;
    for (const auto& sa : agent_kernel_.sas())
      n += !sa.larval && sa.direction == d ? 1 : 0;
    return n;
  }
  bool larval() {
    const auto sas = agent_kernel_.sas();
    return std::any_of(sas.begin(), sas.end(), [](const auto& sa) { return sa.larval; });
  }
  // Kernel writes that complete or add an SA.
  std::size_t sa_writes() {
    std::size_t n = 0;
    for (const auto& l : agent_kernel_.log_lines())
      n += l.starts_with("add SA") || l.starts_with("update SA") ? 1 : 0;
    return n;
  }

  void point_agent_at(std::uint16_t port) {
    auto r = client().set_endpoints(
        {config::EdgeEndpoint{config::Endpoint{"127.0.0.1", port}, "edge.test"}});
    ASSERT_TRUE(r.has_value()) << r.error().message();
  }

  std::unique_ptr<HostileReleaseServer> hostile(Answer answer, const Real& real) {
    auto ctx = crypto::make_server_context(pki_->tls_options(edge_cert_));
    EXPECT_TRUE(ctx.has_value()) << ctx.error().message();
    hostile_ctx_ = std::move(*ctx);
    auto s = HostileReleaseServer::start(
        hostile_ctx_.get(),
        [answer = std::move(answer), real](const HostileRequest& r) { return answer(r, real); });
    EXPECT_TRUE(s.has_value()) << s.error().message();
    return std::move(*s);
  }

  std::int64_t rotation_failures(const std::string& reason) const {
    return agent_metrics_.value("agent_rotation_failures_total",
                                fmt::format("reason=\"{}\"", reason));
  }
  std::int64_t answers_refused(const std::string& reason) const {
    return agent_metrics_.value("agent_edge_answers_refused_total",
                                fmt::format("reason=\"{}\"", reason));
  }

  void expect_sanitised_logs() {
    for (std::string line : logs_->lines()) {
      if (line.ends_with('\n')) line.pop_back();  // the capture keeps each line's end
      EXPECT_TRUE(core::is_printable_ascii(line)) << core::log_safe(line, 400);
      EXPECT_EQ(line.find("forged line"), std::string::npos) << line;
    }
  }

  OfferRecorder* recorder_ = nullptr;
  crypto::SslCtx hostile_ctx_;
};

class HostileEdge : public HostileEdgeFixture, public ::testing::WithParamInterface<HostileCase> {};

TEST_P(HostileEdge, AnswerIsRefusedCountedAndTheTunnelKeepsItsSas) {
  const HostileCase& c = GetParam();
  establish();
  if (HasFatalFailure()) return;
  const Real before = real();
  const auto sas = agent_sas();
  const std::size_t writes = sa_writes();

  auto server = hostile(c.answer, before);
  point_agent_at(server->port());
  agent().rotate_now("test: the hostile edge", false);
  ASSERT_TRUE(run_until([&] { return rotation_failures(c.rotation_failure) > 0 && !larval(); },
                        std::chrono::seconds(20)))
      << "last error: " << agent().status().last_error;

  // (a) a clear error, (b) counted.
  EXPECT_NE(agent().status().last_error.find(c.error), std::string::npos)
      << agent().status().last_error;
  if (!c.answer_refusal.empty()) {
    EXPECT_GE(answers_refused(c.answer_refusal), 1);
  }
  EXPECT_GE(server->handshakes(), 1U);  // the agent authenticated it and asked
  EXPECT_GE(server->requests(), 1U);
  // (c) exactly the SAs it had: nothing added, completed or deleted.
  EXPECT_EQ(agent_sas(), sas);
  EXPECT_EQ(sa_writes(), writes);
  EXPECT_EQ(agent().rotation().generation(), before.generation);
  // (d) no key, no hostile control byte in the log.
  expect_no_key_in_logs();
  expect_sanitised_logs();

  // (e) the real edge again: the agent rotates on.
  point_agent_at(edge_port());
  agent().rotate_now("test: the real edge again", false);
  ASSERT_TRUE(run_until_agent_generation(before.generation + 1))
      << "last error: " << agent().status().last_error;
  ASSERT_TRUE(run_until([&] { return settled(); }));
  EXPECT_TRUE(violations_.empty()) << violations_.front();
  server->stop();
}

INSTANTIATE_TEST_SUITE_P(Cases, HostileEdge, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<HostileCase>& i) {
                           return i.param.name;
                         });

// --- the answer to the agent's acknowledgement ---
// The hostile edge offers a correct generation (the agent installs it: the edge holds the
// edge's certificate, so it is the edge) and then misbehaves in its answer to the agent's
// acknowledgement of it, on the offer's connection and on every connection that repeats it.

struct HostileAckCase {
  std::string name;
  std::function<HostileReply(const rotation::GenerationOffer& offered)> answer;
  std::string answer_refusal;  // agent_edge_answers_refused_total's reason; empty: the machine's
  std::string error;           // in the agent's "not confirmed" warning
};

void PrintTo(const HostileAckCase& c, std::ostream* os) {
  *os << c.name;
}

std::string ack_body(rotation::Generation g, bool installed) {
  return wire::encode(wire::AckResponse{g, installed});
}

std::vector<HostileAckCase> ack_cases() {
  std::vector<HostileAckCase> c;
  c.push_back(
      {"AnotherGeneration",
       [](const auto& o) { return HostileReply{response(200, ack_body(o.generation + 7, true))}; },
       "wrong_generation", "names generation"});
  c.push_back({"AnOfferInsteadOfTheAnswer",
               [](const auto& o) { return HostileReply{response(200, body_of(o))}; }, "malformed",
               "missing field"});
  c.push_back({"OverTheLimit",
               [](const auto& o) {
                 return HostileReply{response(
                     200, ack_body(o.generation, true) + std::string(wire::kMaxBodyBytes, ' '))};
               },
               "too_large", "body limit exceeded"});
  c.push_back({"CutShort",
               [](const auto& o) {
                 const std::string all = response(200, ack_body(o.generation, true));
                 return HostileReply{all.substr(0, all.size() - 5), Then::close};
               },
               "closed", "edge closed the connection"});
  c.push_back({"TrickledPastTheReadDeadline",
               [](const auto& o) {
                 return HostileReply{response(200, ack_body(o.generation, true)), Then::trickle};
               },
               "timeout", "timed out"});
  c.push_back({"ErrorStatusWithControlCharacters",
               [](const auto&) { return HostileReply{response(500, kForged)}; }, "bad_error_body",
               "HTTP 500 without a valid error body"});
  c.push_back(
      {"NeverSendingOnTheNewGeneration",
       [](const auto& o) { return HostileReply{response(200, ack_body(o.generation, false))}; }, "",
       "has not installed its outbound SA"});
  return c;
}

class HostileAck : public HostileEdgeFixture,
                   public ::testing::WithParamInterface<HostileAckCase> {};

TEST_P(HostileAck, AnswerIsRefusedTheAckRepeatedAndTheInboundSasKept) {
  const HostileAckCase& c = GetParam();
  establish();
  if (HasFatalFailure()) return;
  const Real before = real();
  const auto inbound_before = agent_sas();
  const std::int64_t resent = agent_metrics_.value("agent_acks_resent_total");

  auto server = hostile(
      [&c](const HostileRequest& r, const Real& real) {
        const rotation::GenerationOffer offer = fresh_offer(r, real);
        if (r.head.find(wire::kGenerationAckPath) == std::string::npos) {
          return HostileReply{response(200, body_of(offer))};
        }
        return c.answer(offer);
      },
      before);
  point_agent_at(server->port());
  agent().rotate_now("test: the hostile edge's generation", false);
  // Installed, then its acknowledgement answered badly and sent again (twice: the first
  // answer and one repeat both failed).
  ASSERT_TRUE(run_until(
      [&] {
        return agent().rotation().generation() == before.generation + 1 &&
               agent_metrics_.value("agent_acks_resent_total") >= resent + 2 && !larval();
      },
      std::chrono::seconds(20)))
      << "last error: " << agent().status().last_error;

  // (a) a clear warning, (b) counted.
  const std::string warning =
      fmt::format("acknowledgement of generation {} not confirmed", before.generation + 1);
  const auto lines = logs_->lines();
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                          [&](const std::string& l) {
                            return l.find(warning) != std::string::npos &&
                                   l.find(c.error) != std::string::npos;
                          }))
      << "no warning '" << warning << "' naming '" << c.error << "' in:\n"
      << fmt::format("{}", fmt::join(lines, ""));
  if (!c.answer_refusal.empty()) {
    EXPECT_GE(answers_refused(c.answer_refusal), 2);
  }
  // (c) the edge never proved the new generation, so every inbound SA the agent had is still
  // there beside the new pair (only the old outbound SA went, after its drain).
  const auto now = agent_sas();
  for (const auto& sa : inbound_before) {
    if (std::get<0>(sa) != static_cast<int>(xfrm::SaDirection::in)) continue;
    EXPECT_NE(std::find(now.begin(), now.end(), sa), now.end())
        << "inbound SPI " << std::get<1>(sa) << " was removed";
  }
  EXPECT_EQ(installed_sas(xfrm::SaDirection::in), 2U);
  EXPECT_EQ(installed_sas(xfrm::SaDirection::out), 1U);
  // (d) no key, no hostile control byte in the log.
  expect_no_key_in_logs();
  expect_sanitised_logs();
  stop_agent();  // its connection repeating the ack closes, so the server stops at once
  server->stop();
}

INSTANTIATE_TEST_SUITE_P(Cases, HostileAck, ::testing::ValuesIn(ack_cases()),
                         [](const ::testing::TestParamInfo<HostileAckCase>& i) {
                           return i.param.name;
                         });

}  // namespace
}  // namespace pqbranch::test
