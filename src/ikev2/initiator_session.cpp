#include "pqbranch/ikev2/initiator_session.hpp"

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/ikev2/exchange_errc.hpp"
#include "pqbranch/ikev2/ike_auth_task.hpp"
#include "pqbranch/ikev2/ike_intermediate_task.hpp"
#include "pqbranch/ikev2/ike_sa_init_task.hpp"
#include "pqbranch/ikev2/informational_task.hpp"
#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

namespace pqbranch::ikev2 {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using TimePoint = core::Clock::time_point;

namespace {

// RFC 3948 §2.2: IKE on the NAT-T port starts with four zero octets.
constexpr std::array<std::uint8_t, 4> kNonEspMarker{0, 0, 0, 0};
constexpr std::size_t kMaxDatagram = 65536;

enum class Phase { init, intermediate, auth, established, deleting, done };

const char* to_string(Phase p) {
  switch (p) {
    case Phase::init:
      return "IKE_SA_INIT";
    case Phase::intermediate:
      return "IKE_INTERMEDIATE";
    case Phase::auth:
      return "IKE_AUTH";
    case Phase::established:
      return "established";
    case Phase::deleting:
      return "deleting";
    case Phase::done:
      return "done";
  }
  return "?";
}

udp::endpoint endpoint(const core::IpAddress& a, std::uint16_t port) {
  if (a.is_v4()) {
    asio::ip::address_v4::bytes_type b{};
    std::copy(a.bytes().begin(), a.bytes().end(), b.begin());
    return {asio::ip::address_v4(b), port};
  }
  asio::ip::address_v6::bytes_type b{};
  std::copy(a.bytes().begin(), a.bytes().end(), b.begin());
  return {asio::ip::address_v6(b), port};
}

// Port 500: policy bypass before bind, and no ESP-in-UDP decapsulation (the kernel would
// take IKE headers for ESP there).
core::Result<void> open_ike_socket(udp::socket& socket, const core::IpAddress& local,
                                   std::uint16_t port) {
  const auto at = endpoint(local, port);
  boost::system::error_code ec;
  socket.open(at.protocol(), ec);
  if (ec) return core::make_error(exchange_errc::credentials, "IKE socket: " + ec.message());
  if (auto ok = xfrm::bypass_policies(socket.native_handle(), local.family()); !ok) return ok;
  if (!local.is_v4()) socket.set_option(asio::ip::v6_only(true), ec);
  // No SO_REUSEADDR: another local process could then bind the port too and take the
  // responder's answers.
  socket.bind(at, ec);
  if (ec) {
    return core::make_error(
        exchange_errc::credentials,
        "IKE socket " + local.to_string() + ":" + std::to_string(port) + ": " + ec.message());
  }
  return {};
}

}  // namespace

// One IKE SA from IKE_SA_INIT to its deletion, with its outstanding request.
struct Attempt {
  explicit Attempt(RetransmitPolicy policy) : retransmit(policy) {}
  IkeSa sa;
  Phase phase = Phase::init;
  KeMethod method = KeMethod::none;
  std::vector<std::uint8_t> request;  // as sent (for retransmission)
  Retransmitter retransmit;
  TimePoint established_at{};
  bool installed = false;
  std::optional<PeerRequest> last_answer;  // resent when the responder repeats a request
  // The last refusal in an IKE_SA_INIT response: unauthenticated, so it ends the attempt
  // only if no acceptable response comes before the request times out (RFC 7296 §2.21.1).
  std::optional<core::Error> init_refusal;
};

struct InitiatorSession::Impl : std::enable_shared_from_this<InitiatorSession::Impl> {
  Impl(asio::io_context& io_context, xfrm::Kernel& k, core::Metrics& m, SessionOptions o)
      : io(io_context),
        kernel(k),
        metrics(m),
        options(std::move(o)),
        ike_socket(io_context),
        natt_socket(io_context),
        timer(io_context) {}

  asio::io_context& io;
  xfrm::Kernel& kernel;
  core::Metrics& metrics;
  SessionOptions options;
  core::SystemClock clock;
  udp::socket ike_socket;
  udp::socket natt_socket;
  asio::steady_timer timer;
  std::array<std::uint8_t, kMaxDatagram> ike_buffer{};
  std::array<std::uint8_t, kMaxDatagram> natt_buffer{};
  udp::endpoint ike_from;
  udp::endpoint natt_from;
  std::unique_ptr<Attempt> current;   // established (or the first being made)
  std::unique_ptr<Attempt> next;      // continuity: the replacement being made
  std::unique_ptr<Attempt> retiring;  // the replaced IKE SA being deleted
  std::optional<TimePoint> retry_at;
  std::chrono::milliseconds retry_delay{0};
  bool running = false;
  bool ever_established = false;
  SessionStatus stats;

  [[nodiscard]] std::string labels() const { return "peer=\"" + options.name + "\""; }
  [[nodiscard]] Endpoints endpoints() const {
    return {options.local_address, local_port(ike_socket), options.remote_address,
            options.remote_port};
  }
  static std::uint16_t local_port(const udp::socket& s) {
    boost::system::error_code ec;
    const auto e = s.local_endpoint(ec);
    return ec ? 0 : e.port();
  }

  // ---- sending and receiving ----

  void send(const Attempt& a, std::span<const std::uint8_t> bytes) {
    boost::system::error_code ec;
    if (a.sa.use_natt(options.settings.force_encap) && a.phase != Phase::init) {
      std::vector<std::uint8_t> framed(kNonEspMarker.begin(), kNonEspMarker.end());
      framed.insert(framed.end(), bytes.begin(), bytes.end());
      natt_socket.send_to(asio::buffer(framed),
                          endpoint(options.remote_address, options.remote_natt_port), 0, ec);
    } else {
      ike_socket.send_to(asio::buffer(bytes.data(), bytes.size()),
                         endpoint(options.remote_address, options.remote_port), 0, ec);
    }
    if (ec) spdlog::warn("ikev2 {}: send: {}", options.name, ec.message());
  }

  // One receive loop per socket; on the NAT-T socket IKE comes behind the non-ESP marker.
  void receive(udp::socket& socket, std::array<std::uint8_t, kMaxDatagram>& buffer,
               udp::endpoint& from, bool natt) {
    socket.async_receive_from(asio::buffer(buffer), from,
                              [weak = weak_from_this(), &socket, &buffer, &from, natt](
                                  const boost::system::error_code& ec, std::size_t n) {
                                auto self =
                                    weak.lock();  // the socket, buffer and endpoint are its members
                                if (!self || ec == asio::error::operation_aborted || !self->running)
                                  return;
                                if (!ec) self->on_receive(std::span(buffer).first(n), from, natt);
                                self->receive(socket, buffer, from, natt);
                              });
  }

  void on_receive(std::span<const std::uint8_t> bytes, const udp::endpoint& from, bool natt) {
    if (!natt) return on_datagram(bytes, from);
    // Without the marker it is ESP (the kernel's) or a keepalive: not ours.
    if (bytes.size() > kNonEspMarker.size() &&
        std::equal(kNonEspMarker.begin(), kNonEspMarker.end(), bytes.begin())) {
      return on_datagram(bytes.subspan(kNonEspMarker.size()), from);
    }
    drop("NAT-T datagram without the non-ESP marker");
  }

  void drop(const std::string& why) {
    metrics.add("ikev2_dropped_messages", 1, labels());
    spdlog::debug("ikev2 {}: dropped a message: {}", options.name, why);
  }

  Attempt* attempt_for(const Header& h) {
    for (auto* a : {current.get(), next.get(), retiring.get()}) {
      if (a != nullptr && a->sa.spi_i == h.spi_i &&
          (a->phase == Phase::init || a->sa.spi_r == h.spi_r)) {
        return a;
      }
    }
    return nullptr;
  }

  void on_datagram(std::span<const std::uint8_t> bytes, const udp::endpoint& from) {
    if (from.address() != endpoint(options.remote_address, 0).address()) {
      return drop("from " + from.address().to_string());
    }
    auto h = parse_header(bytes);
    if (!h) return drop(h.error().message());
    Attempt* a = attempt_for(*h);
    if (a == nullptr) return drop("no IKE SA with these SPIs");
    if (!h->response()) return on_peer_request(*a, bytes);
    if (!a->retransmit.active()) return drop("no request outstanding");
    on_response(*a, bytes);
    schedule();
  }

  // ---- the exchanges ----

  void begin_attempt() {
    retry_at.reset();
    auto a = std::make_unique<Attempt>(options.retransmit);
    a->method = options.settings.proposals.at(0).ke;
    Attempt& ref = *a;
    (current && current->phase == Phase::established ? next : current) = std::move(a);
    send_init(ref);
    stats.state = "connecting";
    schedule();
  }

  void send_init(Attempt& a) {
    auto request = build_ike_sa_init(a.sa, options.settings, endpoints(), a.method);
    if (!request) return fail(a, request.error());
    a.phase = Phase::init;
    send_request(a, std::move(*request));
  }

  void send_request(Attempt& a, std::vector<std::uint8_t> bytes) {
    a.request = std::move(bytes);
    send(a, a.request);
    a.retransmit.start(clock.now());
  }

  void on_response(Attempt& a, std::span<const std::uint8_t> bytes) {
    core::Result<void> ok;
    switch (a.phase) {
      case Phase::init: {
        auto outcome = process_ike_sa_init(a.sa, options.settings, endpoints(), bytes);
        if (!outcome) {
          ok = outcome.error();
          break;
        }
        a.retransmit.stop();
        if (const auto* retry = std::get_if<InitRetry>(&*outcome)) {
          spdlog::info("ikev2 {}: the responder asks for key exchange method {}; retrying",
                       options.name, static_cast<unsigned>(retry->method));
          a.method = retry->method;
          send_init(a);
          return;
        }
        if (std::holds_alternative<InitCookie>(*outcome)) {
          spdlog::info("ikev2 {}: the responder asks for a COOKIE ({} of {}); sending it",
                       options.name, a.sa.cookie_rounds, kMaxCookieRounds);
          auto request = build_ike_sa_init_with_cookie(a.sa, options.settings, endpoints());
          if (!request) return fail(a, request.error());
          send_request(a, std::move(*request));
          return;
        }
        after_init(a);
        return;
      }
      case Phase::intermediate:
        ok = process_ike_intermediate(a.sa, bytes);
        if (ok) {
          a.retransmit.stop();
          send_auth(a);
          return;
        }
        break;
      case Phase::auth:
        ok = process_ike_auth(a.sa, options.settings, bytes);
        if (ok) {
          a.retransmit.stop();
          established(a);
          return;
        }
        break;
      case Phase::deleting:
        ok = process_informational_response(a.sa, bytes);
        if (ok) {
          a.retransmit.stop();
          finish_delete(a);
          return;
        }
        break;
      default:
        return drop("response in phase " + std::string(to_string(a.phase)));
    }
    if (is_drop(ok.error())) return drop(ok.error().message());
    if (a.phase == Phase::init && is_unprotected_refusal(ok.error())) {
      // Once per attempt at info: forged datagrams must not flood the log.
      if (!a.init_refusal) {
        spdlog::info("ikev2 {}: {} (unauthenticated: waiting for another response)", options.name,
                     ok.error().message());
      }
      a.init_refusal = ok.error();
      return drop(ok.error().message());
    }
    fail(a, ok.error());
  }

  // What an IKE_SA_INIT response may refuse, and an on-path attacker may therefore forge:
  // an error notify, an unacceptable proposal, a KE value that does not work.
  static bool is_unprotected_refusal(const core::Error& e) {
    return e.code == make_error_code(exchange_errc::peer_refused) ||
           e.code == make_error_code(exchange_errc::no_acceptable_proposal) ||
           e.code == make_error_code(exchange_errc::not_post_quantum) ||
           e.code == make_error_code(exchange_errc::key_exchange_failed);
  }

  void after_init(Attempt& a) {
    a.init_refusal.reset();
    if (a.sa.use_natt(options.settings.force_encap)) {
      spdlog::info("ikev2 {}: {}; IKE and ESP move to UDP {}", options.name,
                   options.settings.force_encap ? "UDP encapsulation forced"
                   : a.sa.local_behind_nat      ? "NAT detected on our side"
                                                : "NAT detected on the responder's side",
                   options.remote_natt_port);
    }
    if (a.sa.selected->ke1) {
      auto request = build_ike_intermediate(a.sa);
      if (!request) return fail(a, request.error());
      a.phase = Phase::intermediate;
      send_request(a, std::move(*request));
      return;
    }
    send_auth(a);
  }

  void send_auth(Attempt& a) {
    xfrm::SpiRequest r;
    r.src = options.remote_address;
    r.dst = options.local_address;
    r.reqid = options.reqid;
    r.direction = xfrm::SaDirection::in;
    r.if_id = options.if_id;
    auto spi = kernel.allocate_spi(r);
    if (!spi) return fail(a, spi.error());
    auto request = build_ike_auth(a.sa, options.settings, *spi, !ever_established);
    if (!request) return fail(a, request.error());
    a.phase = Phase::auth;
    send_request(a, std::move(*request));
  }

  [[nodiscard]] std::optional<xfrm::Encap> encap(const Attempt& a, bool outbound) const {
    if (!a.sa.use_natt(options.settings.force_encap)) return std::nullopt;
    xfrm::Encap e;
    e.src_port = outbound ? local_port(natt_socket) : options.remote_natt_port;
    e.dst_port = outbound ? options.remote_natt_port : local_port(natt_socket);
    return e;
  }

  [[nodiscard]] xfrm::Sa child_sa(const Attempt& a, bool outbound) const {
    const auto& c = *a.sa.child;
    xfrm::Sa sa;
    sa.src = outbound ? options.local_address : options.remote_address;
    sa.dst = outbound ? options.remote_address : options.local_address;
    sa.spi = outbound ? c.outbound_spi : c.inbound_spi;
    sa.reqid = options.reqid;
    sa.direction = outbound ? xfrm::SaDirection::out : xfrm::SaDirection::in;
    sa.aead_key = (outbound ? c.outbound_key : c.inbound_key).clone();
    const auto hard = std::chrono::ceil<std::chrono::seconds>(options.lifetime);
    // Soft halfway between the replacement and the hard limit: a warning only.
    const auto soft = std::chrono::ceil<std::chrono::seconds>(
        options.rekey_time + (options.lifetime - options.rekey_time) / 2);
    sa.lifetime.hard_add = hard;
    sa.lifetime.soft_add = soft;
    sa.encap = encap(a, outbound);
    sa.if_id = options.if_id;
    return sa;
  }

  void established(Attempt& a) {
    const auto in = child_sa(a, false);
    const auto out = child_sa(a, true);
    auto installed = xfrm::install_pair(kernel, in, out, {.first_is_larval = true});
    if (!installed) return fail(a, installed.error());
    a.installed = true;
    a.phase = Phase::established;
    a.established_at = clock.now();
    ever_established = true;
    retry_delay = std::chrono::milliseconds{0};
    const auto& proposal = *a.sa.selected;
    stats.state = "established";
    stats.proposal = config::to_string(proposal);
    stats.post_quantum = proposal.post_quantum();
    stats.udp_encapsulation = in.encap.has_value();
    stats.inbound_spi = in.spi;
    stats.outbound_spi = out.spi;
    stats.last_error.clear();
    ++stats.established;
    metrics.add("ikev2_established", 1, labels());
    spdlog::info("ikev2 {}: IKE SA established with {} ({}), CHILD SA in 0x{:08x} out 0x{:08x}{}",
                 options.name, stats.proposal,
                 proposal.post_quantum() ? "post-quantum: ML-KEM" : "NOT post-quantum", in.spi,
                 out.spi, stats.udp_encapsulation ? ", UDP-encapsulated ESP" : "");
    if (&a == next.get()) replace_current();
  }

  // Continuity: the new pair is in; the old outbound SA goes at once (the kernel already
  // prefers the newer one), the old IKE SA is deleted, then its inbound SA.
  void replace_current() {
    if (current && current->installed) {
      const auto old_out = child_sa(*current, true);
      if (auto ok = kernel.delete_sa(old_out.id()); !ok) {
        spdlog::warn("ikev2 {}: old outbound SA: {}", options.name, ok.error().message());
      }
    }
    retiring = std::move(current);
    current = std::move(next);
    if (retiring) start_delete(*retiring);
  }

  void start_delete(Attempt& a) {
    if (a.phase != Phase::established) return finish_delete(a);
    auto request = build_delete_ike_sa(a.sa);
    if (!request) return finish_delete(a);
    a.phase = Phase::deleting;
    send_request(a, std::move(*request));
  }

  void remove_child(Attempt& a) {
    if (!a.installed) return;
    a.installed = false;
    for (const bool outbound : {false, true}) {
      auto ok = kernel.delete_sa(child_sa(a, outbound).id());
      if (!ok && ok.error().code != make_error_code(xfrm::errc::not_found)) {
        spdlog::warn("ikev2 {}: deleting a CHILD SA: {}", options.name, ok.error().message());
      }
    }
  }

  void finish_delete(Attempt& a) {
    remove_child(a);
    a.phase = Phase::done;
    a.retransmit.stop();
    if (&a == retiring.get()) retiring.reset();
  }

  void on_peer_request(Attempt& a, std::span<const std::uint8_t> bytes) {
    auto h = parse_header(bytes);
    if (a.last_answer && h && h->message_id == a.last_answer->message_id) {
      if (!is_retransmitted_request(a.sa, *a.last_answer, bytes)) {
        return drop("a request repeating message ID " + std::to_string(h->message_id) +
                    " that does not verify");
      }
      send(a, a.last_answer->response);  // RFC 7296 §2.1: retransmitted request
      return;
    }
    if (a.phase != Phase::established && a.phase != Phase::deleting) {
      return drop("request before the IKE SA is up");
    }
    auto answer = process_peer_request(a.sa, bytes);
    if (!answer) return drop(answer.error().message());
    send(a, answer->response);
    const bool ike_deleted = answer->ike_sa_deleted;
    const bool child_deleted = answer->child_sa_deleted;
    a.last_answer = std::move(*answer);
    if (!ike_deleted && !child_deleted) return;
    spdlog::info("ikev2 {}: the responder deleted the {} SA", options.name,
                 ike_deleted ? "IKE" : "CHILD");
    remove_child(a);
    if (!ike_deleted) return;
    a.phase = Phase::done;
    a.retransmit.stop();
    if (&a == current.get()) {
      current.reset();
      stats.state = "waiting to retry";
      stats.inbound_spi = stats.outbound_spi = 0;
      schedule_retry();
    } else if (&a == retiring.get()) {
      retiring.reset();
    } else if (&a == next.get()) {
      next.reset();
    }
    schedule();
  }

  void fail(Attempt& a, const core::Error& error) {
    const bool was_phase_auth = a.phase == Phase::auth;
    spdlog::error("ikev2 {}: {} failed: {}", options.name, to_string(a.phase), error.message());
    metrics.add("ikev2_failures", 1, labels());
    stats.last_error = error.message();
    a.retransmit.stop();
    // The responder may hold an IKE SA after IKE_AUTH (e.g. the CHILD SA was refused):
    // tell it, once, without waiting.
    if (was_phase_auth) {
      ++a.sa.next_request_id;  // the IKE_AUTH exchange used its ID
      if (auto del = build_delete_ike_sa(a.sa)) send(a, *del);
    }
    if (&a == retiring.get()) {
      finish_delete(a);
      return;
    }
    remove_child(a);
    if (&a == next.get()) {
      next.reset();
    } else {
      current.reset();
      stats.state = "waiting to retry";
    }
    schedule_retry();
  }

  void schedule_retry() {
    retry_delay = retry_delay.count() == 0 ? options.retry_initial
                                           : std::min(retry_delay * 2, options.retry_max);
    retry_at = clock.now() + retry_delay;
    spdlog::info("ikev2 {}: next attempt in {} ms", options.name, retry_delay.count());
  }

  // ---- time ----

  void on_timer() {
    const auto now = clock.now();
    for (auto* a : {current.get(), next.get(), retiring.get()}) {
      if (a == nullptr || !a->retransmit.active()) continue;
      switch (a->retransmit.on_timer(now)) {
        case Retransmitter::Step::wait:
          break;
        case Retransmitter::Step::resend:
          metrics.add("ikev2_retransmissions", 1, labels());
          send(*a, a->request);
          break;
        case Retransmitter::Step::give_up: {
          const auto tries = std::to_string(a->retransmit.sends());
          // Only refusals came: the last one is the reason.
          fail(*a, a->init_refusal
                       ? core::Error{a->init_refusal->code, a->init_refusal->detail +
                                                                " (no acceptable response in " +
                                                                tries + " tries)"}
                       : core::make_error(exchange_errc::unexpected_message,
                                          "no response after " + tries + " tries"));
          break;
        }
      }
    }
    if (retry_at && now >= *retry_at && !next && (!current || current->phase == Phase::done)) {
      begin_attempt();
    }
    // A replacement that failed waits for its retry delay like any attempt.
    if (current && current->phase == Phase::established && !next &&
        now >= current->established_at + options.rekey_time && (!retry_at || now >= *retry_at)) {
      spdlog::info("ikev2 {}: making the replacement IKE SA and CHILD SA", options.name);
      begin_attempt();
    }
  }

  void schedule() {
    if (!running) return;
    std::optional<TimePoint> at = retry_at;
    auto earliest = [&](TimePoint t) { at = at ? std::min(*at, t) : t; };
    for (auto* a : {current.get(), next.get(), retiring.get()}) {
      if (a != nullptr && a->retransmit.active()) earliest(a->retransmit.deadline());
    }
    if (current && current->phase == Phase::established && !next) {
      earliest(
          std::max(current->established_at + options.rekey_time, retry_at.value_or(TimePoint{})));
    }
    if (!at) return;
    timer.expires_at(*at);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec || !self->running) return;
      self->on_timer();
      self->schedule();
    });
  }
};

InitiatorSession::InitiatorSession(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
InitiatorSession::~InitiatorSession() {
  if (impl_) stop(false);
}

core::Result<std::unique_ptr<InitiatorSession>> InitiatorSession::create(asio::io_context& io,
                                                                         xfrm::Kernel& kernel,
                                                                         core::Metrics& metrics,
                                                                         SessionOptions options) {
  if (options.settings.proposals.empty()) {
    return core::make_error(exchange_errc::no_acceptable_proposal, "no proposals configured");
  }
  auto natt = xfrm::open_natt_socket(options.local_address, options.local_natt_port);
  if (!natt) return natt.error();
  auto impl = std::make_shared<Impl>(io, kernel, metrics, std::move(options));
  if (auto ok =
          open_ike_socket(impl->ike_socket, impl->options.local_address, impl->options.local_port);
      !ok) {
    return ok.error();
  }
  const auto protocol = impl->options.local_address.is_v4() ? udp::v4() : udp::v6();
  boost::system::error_code ec;
  impl->natt_socket.assign(protocol, natt->release(), ec);
  if (ec) return core::make_error(exchange_errc::credentials, "NAT-T socket: " + ec.message());
  impl->stats.state = "stopped";
  return std::unique_ptr<InitiatorSession>(new InitiatorSession(std::move(impl)));
}

void InitiatorSession::start() {
  impl_->running = true;
  impl_->receive(impl_->ike_socket, impl_->ike_buffer, impl_->ike_from, false);
  impl_->receive(impl_->natt_socket, impl_->natt_buffer, impl_->natt_from, true);
  impl_->begin_attempt();
}

void InitiatorSession::stop(bool delete_sas) {
  auto& s = *impl_;
  if (!s.running) return;
  if (delete_sas) {
    for (auto* a : {s.current.get(), s.next.get(), s.retiring.get()}) {
      if (a == nullptr) continue;
      if (a->phase == Phase::established) {
        if (auto del = build_delete_ike_sa(a->sa)) s.send(*a, *del);
      }
      s.remove_child(*a);
    }
  }
  s.running = false;
  s.timer.cancel();
  boost::system::error_code ignored;
  s.ike_socket.close(ignored);
  s.natt_socket.close(ignored);
  s.stats.state = "stopped";
}

SessionStatus InitiatorSession::status() const {
  return impl_->stats;
}

std::uint16_t InitiatorSession::ike_port() const {
  return Impl::local_port(impl_->ike_socket);
}

std::uint16_t InitiatorSession::natt_port() const {
  return Impl::local_port(impl_->natt_socket);
}

}  // namespace pqbranch::ikev2
