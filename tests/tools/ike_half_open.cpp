// pqb-ike-half-open: makes half-open IKE SAs at a responder, so that it asks the next
// initiator for a COOKIE (RFC 7296 §2.6; strongSwan's cookie_threshold). Sends COUNT
// IKE_SA_INIT requests, each a new IKE SA (fresh SPIi, nonce and KE), from an ephemeral UDP
// port of --from to port 500 of --to, waits up to 2 s for each answer and never goes on.
// A test tool for VM scenarios, not shipped.
//
//   pqb-ike-half-open --from ADDR --to ADDR [--count 1] [--proposal P]
//
// Prints "pqb-ike-half-open sent=N answered=A cookies=C" (C: answers that were a COOKIE
// request). Exit: 0 once all are sent, 1 on a send error, 2 on a usage or socket error.
#include <arpa/inet.h>
#include <cstdint>
#include <cstdio>
#include <netinet/in.h>
#include <poll.h>
#include <span>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "pqbranch/config/ikev2_config.hpp"
#include "pqbranch/ikev2/ike_sa_init_task.hpp"
#include "pqbranch/ikev2/initiator_settings.hpp"

#include "tools/net_util.hpp"

namespace {

using namespace pqbranch;  // NOLINT(google-build-using-namespace): a small test tool

constexpr int kUsage = 2;
constexpr int kAnswerWaitMs = 2000;

}  // namespace

int main(int argc, char** argv) {
  using tools::Fd;
  const std::span<char*> all(argv, static_cast<std::size_t>(argc));
  std::string from;
  std::string to;
  std::string proposal = "aes256gcm16-prfsha384-x25519-ke1_mlkem768";
  std::uint32_t count = 1;
  for (std::size_t i = 1; i + 1 < all.size(); i += 2) {
    const std::string_view a = all[i];
    if (a == "--from") {
      from = all[i + 1];
    } else if (a == "--to") {
      to = all[i + 1];
    } else if (a == "--proposal") {
      proposal = all[i + 1];
    } else if (!(a == "--count" && tools::parse_number(all[i + 1], 1000, count))) {
      from.clear();
      break;
    }
  }
  const auto parsed = config::parse_ike_proposal(proposal);
  const auto local = tools::make_sockaddr(from, 0);
  const auto remote = tools::make_sockaddr(to, 500);
  const auto local_ip = core::IpAddress::parse(from);
  const auto remote_ip = core::IpAddress::parse(to);
  if (all.size() % 2 == 0 || !parsed || !local || !remote || !local_ip || !remote_ip) {
    fmt::print(stderr,
               "usage: pqb-ike-half-open --from ADDR --to ADDR [--count N] [--proposal P]\n");
    return kUsage;
  }
  const Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in bound{};
  socklen_t bound_length = sizeof bound;
  if (local->family() != AF_INET || !fd.valid() ||
      ::bind(fd.get(), local->get(), local->length) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &bound_length) != 0) {
    fmt::print(stderr, "pqb-ike-half-open: {}\n", tools::errno_text("IPv4 socket set-up"));
    return kUsage;
  }
  const auto port = ntohs(bound.sin_port);
  ikev2::InitiatorSettings settings;
  settings.proposals = {*parsed};
  settings.allow_classical = true;
  const ikev2::Endpoints endpoints{*local_ip, port, *remote_ip, 500};
  unsigned answered = 0;
  unsigned cookies = 0;
  for (std::uint32_t n = 0; n < count; ++n) {
    ikev2::IkeSa sa;
    auto request = ikev2::build_ike_sa_init(sa, settings, endpoints, parsed->ke);
    if (!request || ::sendto(fd.get(), request->data(), request->size(), 0, remote->get(),
                             remote->length) < 0) {
      fmt::print(stderr, "pqb-ike-half-open: {}\n",
                 request ? tools::errno_text("send") : request.error().message());
      return 1;
    }
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, kAnswerWaitMs) != 1) continue;
    std::vector<std::uint8_t> answer(65535);
    const auto got = ::recv(fd.get(), answer.data(), answer.size(), 0);
    if (got <= 0) continue;
    answer.resize(static_cast<std::size_t>(got));
    ++answered;
    const auto outcome = ikev2::process_ike_sa_init(sa, settings, endpoints, answer);
    if (outcome && std::holds_alternative<ikev2::InitCookie>(*outcome)) ++cookies;
  }
  fmt::print("pqb-ike-half-open sent={} answered={} cookies={}\n", count, answered, cookies);
  return 0;
}
