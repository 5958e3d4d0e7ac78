#include "ikev2_loopback.hpp"

namespace pqbranch::ikev2 {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

namespace {
constexpr std::array<std::uint8_t, 8> kPsk{'l', 'o', 'o', 'p', 'b', 'a', 'c', 'k'};
}  // namespace

LoopbackResponder::LoopbackResponder(asio::io_context& io)
    : ike_(io, udp::endpoint(asio::ip::address_v4::loopback(), 0)),
      natt_(io, udp::endpoint(asio::ip::address_v4::loopback(), 0)) {
  receive(ike_, ike_buffer_, ike_from_, false);
  receive(natt_, natt_buffer_, natt_from_, true);
}

void LoopbackResponder::send_request(test::FakeIkeResponder& r, std::vector<Payload> payloads) {
  auto bytes = r.informational_request(std::move(payloads)).value();
  send(bytes, last_natt);
}

void LoopbackResponder::send(std::span<const std::uint8_t> bytes, bool natt) {
  std::vector<std::uint8_t> out;
  if (natt) out = {0, 0, 0, 0};
  out.insert(out.end(), bytes.begin(), bytes.end());
  (natt ? natt_ : ike_).send_to(asio::buffer(out), *last_peer);
}

void LoopbackResponder::receive(udp::socket& s, std::array<std::uint8_t, 65536>& buffer,
                                udp::endpoint& from, bool natt) {
  s.async_receive_from(
      asio::buffer(buffer), from,
      [this, &s, &buffer, &from, natt](boost::system::error_code ec, std::size_t n) {
        if (ec) return;
        handle(std::span(buffer).first(n), from, natt);
        receive(s, buffer, from, natt);
      });
}

void LoopbackResponder::handle(std::span<const std::uint8_t> bytes, const udp::endpoint& from,
                               bool natt) {
  if (natt) {
    ASSERT_GE(bytes.size(), 4U);
    ASSERT_EQ(bytes[0] | bytes[1] | bytes[2] | bytes[3], 0) << "no non-ESP marker";
    bytes = bytes.subspan(4);
    ++natt_requests;
  }
  auto h = parse_header(bytes);
  ASSERT_TRUE(h.has_value());
  if (h->response()) {  // answers to our own requests: counted, not checked here
    ++responses;
    return;
  }
  ++requests;
  if (drop_next > 0) {
    --drop_next;
    return;
  }
  auto& r = sas[h->spi_i];
  if (!r) {
    r = std::make_unique<test::FakeIkeResponder>(options);
    ++options.esp_spi;  // each CHILD SA its own SPI, as a real responder allocates them
  }
  last_peer = from;
  last_natt = natt;
  if (forge_init_error && h->exchange == ExchangeType::ike_sa_init) {
    auto forged =
        test::FakeIkeResponder::unprotected_response(bytes, make_notify(*forge_init_error));
    ASSERT_TRUE(forged.has_value());
    send(*forged, natt);
  }
  auto answers = hostile.answer(*r, bytes);
  ASSERT_TRUE(answers.has_value()) << answers.error().message();
  for (const auto& a : *answers)
    send(a, natt);
}

SessionOptions Ikev2SessionTest::options(const char* proposal) {
  SessionOptions o;
  o.name = "loop";
  o.settings.proposals = {config::parse_ike_proposal(proposal).value()};
  o.settings.local_id = id_payload(config::parse_ike_identity("initiator.pqb.test").value(), true);
  o.settings.remote_id =
      id_payload(config::parse_ike_identity("responder.pqb.test").value(), false);
  o.settings.psk = std::make_shared<const core::SecureBytes>(kPsk);
  o.settings.local_ts = {core::IpPrefix::parse("10.1.0.0/24").value()};
  o.settings.remote_ts = {core::IpPrefix::parse("10.2.0.0/24").value()};
  o.local_address = core::IpAddress::parse("127.0.0.1").value();
  o.remote_address = o.local_address;
  o.local_port = 0;
  o.local_natt_port = 0;
  o.remote_port = responder_.ike_port();
  o.remote_natt_port = responder_.natt_port();
  o.reqid = 0x7071'0101;
  o.retransmit = {100ms, 4};
  o.retry_initial = 100ms;

  responder_.options.accept = o.settings.proposals;
  responder_.options.psk.assign(kPsk.begin(), kPsk.end());
  responder_.options.id = o.settings.remote_id;
  responder_.options.endpoints.local = o.remote_address;
  responder_.options.endpoints.local_port = responder_.ike_port();
  responder_.options.endpoints.remote = o.local_address;
  return o;
}

std::unique_ptr<InitiatorSession> Ikev2SessionTest::start(SessionOptions o) {
  auto s = InitiatorSession::create(io_, kernel_, metrics_, std::move(o));
  EXPECT_TRUE(s.has_value()) << s.error().message();
  if (!s) return nullptr;
  // NAT detection hashes the initiator's real port: tell the responder.
  responder_.options.endpoints.remote_port = (*s)->ike_port();
  (*s)->start();
  return std::move(*s);
}

bool Ikev2SessionTest::run_until(const std::function<bool()>& done,
                                 std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io_.run_one_for(20ms);
  }
  return true;
}

std::vector<xfrm::SaState> Ikev2SessionTest::installed() {
  std::vector<xfrm::SaState> out;
  for (auto& sa : kernel_.sas()) {
    if (!sa.larval) out.push_back(sa);
  }
  return out;
}

}  // namespace pqbranch::ikev2
