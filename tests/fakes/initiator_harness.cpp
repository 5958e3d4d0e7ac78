#include "fakes/initiator_harness.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <ranges>
#include <type_traits>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace pqbranch::test {
namespace {

using ikev2::IkeSocket;

const std::vector<std::uint8_t> kPsk{'h', 'a', 'r', 'n', 'e', 's', 's'};
constexpr std::array<std::uint8_t, 4> kNonEspMarker{0, 0, 0, 0};

bool same_key(const core::SecureBytes* installed, const core::SecureBytes& expected) {
  return installed != nullptr && std::ranges::equal(installed->span(), expected.span());
}

}  // namespace

InitiatorHarness::InitiatorHarness(InitiatorHarnessOptions options)
    : o_(std::move(options)),
      session_options(make_session_options()),
      kernel_(clock_),
      random_(o_.seed) {
  const auto& s = session_options;
  auto& r = responder_options;
  r.accept = s.settings.proposals;
  r.psk = kPsk;
  r.id = s.settings.remote_id;
  r.endpoints = {s.remote_address, 500, s.local_address, 500};
  if (o_.nat_on_our_side) {
    r.endpoints.remote = core::IpAddress::parse("203.0.113.7").value();
    r.endpoints.remote_port = 40500;
  }
  if (o_.responder_ecdsa) {
    r.auth = config::IkeAuth::ecdsa;
    r.ecdsa = o_.responder_ecdsa;
  }
  r.rekey_esp = s.settings.esp;
  r.rekey_tsi = s.settings.remote_ts;
  r.rekey_tsr = s.settings.local_ts;
  r.fragmentation = o_.responder_fragments;
  r.fragment_size = o_.responder_fragment_size;
}

ikev2::SessionOptions InitiatorHarness::make_session_options() const {
  ikev2::SessionOptions s;
  s.name = "sim";
  s.settings.proposals = {config::parse_ike_proposal(o_.proposal).value()};
  s.settings.allow_classical = !s.settings.proposals[0].post_quantum();
  s.settings.force_encap = o_.force_encap;
  s.settings.local_id =
      ikev2::id_payload(config::parse_ike_identity("branch.pqb.test").value(), true);
  s.settings.remote_id =
      ikev2::id_payload(config::parse_ike_identity("hub.pqb.test").value(), false);
  s.settings.psk = std::make_shared<const core::SecureBytes>(kPsk);
  if (o_.initiator_ecdsa) {
    s.settings.auth = config::IkeAuth::ecdsa;
    s.settings.ecdsa = o_.initiator_ecdsa;
  }
  s.settings.local_ts = {core::IpPrefix::parse("10.1.0.0/24").value()};
  s.settings.remote_ts = {core::IpPrefix::parse("10.2.0.0/24").value()};
  s.local_address = core::IpAddress::parse("192.0.2.1").value();
  s.remote_address = core::IpAddress::parse("198.51.100.1").value();
  s.reqid = 0x7071'0202;
  s.retransmit = o_.retransmit;
  s.retry_initial = o_.retry_initial;
  s.retry_max = o_.retry_max;
  s.rekey_time = o_.rekey_time;
  s.nat_keepalive = o_.nat_keepalive;
  s.lifetime = o_.lifetime;
  s.settings.fragment_size = o_.fragment_size;
  s.dpd_delay = o_.dpd_delay;
  s.child_rekey_time = o_.child_rekey_time;
  s.reauthenticate = o_.reauthenticate;
  s.settings.esp = config::parse_esp_proposal(o_.esp_proposal).value();
  return s;
}

void InitiatorHarness::start() {
  machine_ = std::make_unique<ikev2::InitiatorMachine>(
      make_session_options(), ikev2::InitiatorMachine::LocalPorts{500, 4500}, random_);
  feed(ikev2::Start{});
}

void InitiatorHarness::feed(ikev2::InitiatorEvent event) {
  std::vector<ikev2::InitiatorEvent> pending{std::move(event)};
  while (!pending.empty()) {
    auto next = std::move(pending.front());
    pending.erase(pending.begin());
    events_.emplace_back(clock_.now(), next);
    std::vector<ikev2::InitiatorEvent> results;
    for (auto& action : machine_->handle(std::move(next), clock_.now())) {
      perform(action, results);
      check_invariant(fmt::format("action #{}", actions_performed_++));
    }
    // Step results go back once the list is done, as the executor does.
    for (auto& r : results)
      pending.push_back(std::move(r));
  }
}

void InitiatorHarness::perform(ikev2::InitiatorAction& action,
                               std::vector<ikev2::InitiatorEvent>& results) {
  std::visit(
      [&](auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, ikev2::SendDatagram>) {
          sent_.push_back({clock_.now(), a});
          if (lose_requests > 0) {
            --lose_requests;
            return;
          }
          in_flight_.push_back({clock_.now() + o_.latency, false, a.socket, a.bytes});
        } else if constexpr (std::is_same_v<A, ikev2::AllocateSpi> ||
                             std::is_same_v<A, ikev2::InstallPair> ||
                             std::is_same_v<A, ikev2::UpdateSa> ||
                             std::is_same_v<A, ikev2::AddSa> ||
                             std::is_same_v<A, ikev2::DeleteSa>) {
          results.emplace_back(xfrm::perform(kernel_, a));
        } else if constexpr (std::is_same_v<A, ikev2::WakeAt>) {
          wake_ = a.at;
        } else if constexpr (std::is_same_v<A, ikev2::CountMetric>) {
          ++metrics_[std::string(a.name)];
        } else {
          notes_.push_back(a.text);
        }
      },
      action);
}

std::optional<InitiatorHarness::TimePoint> InitiatorHarness::next_at() const {
  std::optional<TimePoint> at = wake_;
  for (const auto& d : in_flight_) {
    if (!at || d.at < *at) at = d.at;
  }
  return at;
}

bool InitiatorHarness::step() {
  const auto at = next_at();
  if (!at) return false;
  if (*at > clock_.now()) clock_.advance(*at - clock_.now());
  auto first = std::ranges::min_element(in_flight_, {}, &Delivery::at);
  if (first != in_flight_.end() && first->at == *at) {
    const Delivery d = *first;
    in_flight_.erase(first);
    if (d.to_machine) {
      feed(ikev2::DatagramReceived{d.socket, session_options.remote_address, d.bytes});
    } else {
      responder_receives(d);
    }
    return true;
  }
  wake_.reset();
  feed(ikev2::TimerFired{});
  return true;
}

bool InitiatorHarness::run_until(const std::function<bool()>& done, Duration limit) {
  const auto deadline = clock_.now() + limit;
  while (!done()) {
    if (clock_.now() > deadline || !step()) return done();
  }
  return true;
}

// Only what is due by then: nothing later is performed early.
void InitiatorHarness::run_for(Duration d) {
  const auto until = clock_.now() + d;
  for (auto at = next_at(); at && *at <= until; at = next_at()) {
    (void)step();
  }
  if (clock_.now() < until) clock_.advance(until - clock_.now());
}

void InitiatorHarness::responder_receives(const Delivery& d) {
  std::span<const std::uint8_t> bytes = d.bytes;
  const bool natt = d.socket == IkeSocket::natt;
  if (natt && bytes.size() == 1 && bytes[0] == 0xFF) return;  // a NAT keepalive (RFC 3948)
  if (natt) {
    if (bytes.size() < 4 ||
        !std::equal(kNonEspMarker.begin(), kNonEspMarker.end(), bytes.begin())) {
      violations_.push_back("NAT-T datagram without the non-ESP marker");
      return;
    }
    bytes = bytes.subspan(4);
  }
  auto h = ikev2::parse_header(bytes);
  if (!h) {
    violations_.push_back("the machine sent an unparsable datagram");
    return;
  }
  auto& r = responders_[h->spi_i];
  if (h->response()) {  // an answer to the responder's own request
    if (!r) return;
    auto next = r->on_response(bytes, clock_.now());
    if (!next) {
      violations_.push_back("the responder could not take our answer: " + next.error().message());
      return;
    }
    ++answers;
    // Its own IKE SA rekey is done (after a collision, also the redundant new IKE SA).
    while (auto successor = r->take_successor()) {
      const auto spi = successor->spi_i();
      responders_[spi] = std::move(successor);
    }
    if (*next) to_machine(d.socket, std::move(**next));
    return;
  }
  if (!r) {
    auto options = responder_options;
    options.esp_spi = next_esp_spi_++;
    r = std::make_unique<FakeIkeResponder>(std::move(options));
  }
  last_natt_ = natt;
  auto response = r->receive(bytes, natt, clock_.now());
  if (!response) return;                     // a responder ignores what it cannot take
  while (auto next = r->take_successor()) {  // an IKE SA rekey: the new IKE SA's responder
    const auto spi = next->spi_i();
    responders_[spi] = std::move(next);
  }
  for (auto& datagram : *response) {
    if (lose_responses > 0) {
      --lose_responses;
      continue;
    }
    to_machine(d.socket, std::move(datagram));
  }
}

void InitiatorHarness::to_machine(IkeSocket socket, std::vector<std::uint8_t> bytes) {
  if (socket == IkeSocket::natt)
    bytes.insert(bytes.begin(), kNonEspMarker.begin(), kNonEspMarker.end());
  in_flight_.push_back({clock_.now() + o_.latency, true, socket, std::move(bytes)});
}

void InitiatorHarness::responder_request(std::vector<ikev2::Payload> payloads) {
  auto* r = current_responder();
  ASSERT_NE(r, nullptr);
  auto bytes = r->informational_request(std::move(payloads));
  ASSERT_TRUE(bytes.has_value());
  to_machine(last_natt_ ? IkeSocket::natt : IkeSocket::ike, std::move(*bytes));
}

bool InitiatorHarness::responder_starts(
    const std::function<core::Result<std::vector<std::uint8_t>>(FakeIkeResponder&)>& request) {
  auto* r = current_responder();
  if (r == nullptr) return false;
  auto bytes = request(*r);
  if (!bytes) return false;
  to_machine(last_natt_ ? IkeSocket::natt : IkeSocket::ike, std::move(*bytes));
  return true;
}

bool InitiatorHarness::responder_rekey() {
  return responder_starts([](FakeIkeResponder& r) { return r.rekey_request(); });
}

bool InitiatorHarness::responder_ike_rekey() {
  return responder_starts([](FakeIkeResponder& r) { return r.ike_rekey_request(); });
}

FakeIkeResponder* InitiatorHarness::current_responder() {
  const auto out_spi = machine_->status().outbound_spi;
  for (auto& [spi, r] : responders_) {
    if (r && r->established() && r->child(out_spi) != nullptr) return r.get();
  }
  return nullptr;
}

std::int64_t InitiatorHarness::metric(const std::string& name) const {
  auto it = metrics_.find(name);
  return it == metrics_.end() ? 0 : it->second;
}

bool InitiatorHarness::noted(const std::string& text) const {
  return std::ranges::any_of(notes_,
                             [&](const auto& n) { return n.find(text) != std::string::npos; });
}

void InitiatorHarness::check_invariant(const std::string& after) {
  kernel_.visit_sas([&](const xfrm::Sa& sa, bool larval) {
    if (larval || sa.direction != xfrm::SaDirection::out) return;
    const FakeIkeResponder::Child* peer = nullptr;
    for (const auto& [spi, r] : responders_) {
      if (r && r->established() && !r->deleted() && r->child_at(sa.spi, clock_.now()) != nullptr) {
        peer = r->child(sa.spi);
      }
    }
    if (peer == nullptr || !same_key(&sa.aead_key, peer->keys.initiator_to_responder)) {
      violations_.push_back(
          fmt::format("after {}: outbound SA 0x{:08x} without the responder's "
                      "inbound SA",
                      after, sa.spi));
      return;
    }
    xfrm::SaId ours{session_options.local_address, peer->initiator_spi, sa.proto, 0, 0};
    if (!same_key(kernel_.key_of(ours), peer->keys.responder_to_initiator)) {
      violations_.push_back(
          fmt::format("after {}: outbound SA 0x{:08x} without our inbound SA "
                      "0x{:08x}",
                      after, sa.spi, peer->initiator_spi));
    }
  });
  // A CHILD SA the responder rekeyed itself carries its traffic at once (it sends on its
  // newest): our inbound SA of it is there (we install it before our last answer).
  for (const auto& [spi, r] : responders_) {
    if (!r || !r->established() || r->deleted() || r->all_children().empty()) continue;
    const auto& c = r->all_children().back();
    if (!c.sends || r->child_at(c.own_spi, clock_.now()) == nullptr) continue;
    xfrm::SaId ours{session_options.local_address, c.initiator_spi};
    if (!same_key(kernel_.key_of(ours), c.keys.responder_to_initiator)) {
      violations_.push_back(
          fmt::format("after {}: the responder sends on 0x{:08x}, which we do not receive on",
                      after, c.initiator_spi));
    }
  }
}

}  // namespace pqbranch::test
