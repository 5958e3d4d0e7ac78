// `pqb-keysvc-bench rotate`: a bounded load client doing complete generation exchanges one
// after another, each on a new mutual-TLS connection, as an agent would: handshake
// (X25519MLKEM768, or the --group named; with --resume a psk_dhe_ke resumption of that site's
// previous ticket),
// POST /v1/generation, the exporter keys for the offer, POST /v1/generation/ack.
// The rotations go round-robin over --sites sites (branch-K .. branch-(K+N-1), K = --first-site,
// 1 by default; certificates from
// the --pki directory of scripts/test-pki.sh), as an edge serving many branches sees them:
// one site rotating a hundred times a second would keep hundreds of its own inbound SAs in
// their grace period, which no real site does.
// Stops after --count rotations or --seconds, whichever comes first; prints the real-time
// rate. Any failed exchange fails the run (exit 1). --concurrency N: N client threads at
// once, each with its own share of the sites (site k on thread k mod N), so that an edge
// with several threads has handshakes to run side by side.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <openssl/ssl.h>

#include "pqbranch/core/c_handle.hpp"
#include "pqbranch/crypto/tls_context.hpp"
#include "pqbranch/crypto/tls_handshake.hpp"
#include "pqbranch/keysvc/session_keys.hpp"
#include "pqbranch/keysvc/wire_mapping.hpp"
#include "pqbranch/wire/protocol.hpp"

#include "bench_commands.hpp"
#include "fakes/key_service_client.hpp"

namespace pqbranch::bench {
namespace {

using Session = core::CHandle<SSL_SESSION, SSL_SESSION_free>;

core::Error failure(std::string what) {
  return core::Error{boost::system::errc::make_error_code(boost::system::errc::protocol_error),
                     std::move(what)};
}

struct Tally {
  std::uint64_t rotations = 0;
  std::uint64_t resumed = 0;
  std::string group;
  std::string signature;  // the edge's, from the last full handshake
  std::vector<double> latencies_ms;
};

// One generation on a new connection; the next connection's ticket in `session`.
core::Result<void> rotate_once(SSL_CTX* ctx, std::uint16_t port, const std::string& site,
                               rotation::Generation& current, std::uint32_t agent_spi,
                               Session& session, Tally& tally) {
  auto client = test::KeyServiceClient::connect(ctx, port, session.get());
  if (!client) return client.error();
  auto info = crypto::inspect_handshake(client->ssl());
  if (!info) return info.error();
  tally.group = info->group;
  if (info->resumed) ++tally.resumed;
  if (!info->peer_signature.empty()) tally.signature = info->peer_signature;

  const wire::Capabilities caps{.esn = true, .natt = false, .route = false, .policy = true};
  auto r = client->request(
      "POST", wire::kGenerationPath,
      keysvc::encode_request(rotation::GenerationRequest{current, agent_spi, std::nullopt}, "bench",
                             caps));
  if (!r) return r.error();
  if (r->status != 200) return failure(fmt::format("offer: {} {}", r->status, r->body));
  auto offer = keysvc::decode_offer(r->body);
  if (!offer) return offer.error();
  auto keys = keysvc::derive_generation_keys(crypto::TlsConnection(client->ssl()), site,
                                             offer->generation, offer->agent_spi, offer->edge_spi);
  if (!keys) return keys.error();
  auto ack = client->request("POST", wire::kGenerationAckPath,
                             keysvc::encode_ack(rotation::GenerationAck{
                                 offer->generation, offer->agent_spi, offer->edge_spi}));
  if (!ack) return ack.error();
  if (ack->status != 200) return failure(fmt::format("ack: {} {}", ack->status, ack->body));
  current = offer->generation;
  // TLS 1.3 tickets follow the handshake; by the first response they have been read.
  session = Session(SSL_get1_session(client->ssl()));
  if (session && SSL_SESSION_is_resumable(session.get()) != 1) session = Session();
  SSL_shutdown(client->ssl());  // close_notify, as the agent's stream does
  return {};
}

}  // namespace

// One site's client: its certificate's context, its generation and its latest ticket.
struct SiteClient {
  std::string id;
  crypto::SslCtx ctx;
  rotation::Generation current = 0;
  Session session;
};

namespace {

// What the client threads share: the bounds and the SPIs handed out.
struct Load {
  std::uint16_t port = 0;
  std::uint64_t limit = 0;
  std::chrono::steady_clock::duration budget{};
  std::chrono::steady_clock::time_point start;
  bool resume = false;
  std::atomic<std::uint64_t> started{0};  // rotations begun, at most limit
  std::atomic<std::uint32_t> spi{0};
  std::atomic<bool> failed{false};
};

// One client thread: its sites in turn until the load's bounds (or another thread's failure).
void run_client(Load& load, std::vector<SiteClient*> mine, Tally& tally) {
  for (std::size_t i = 0; !mine.empty(); ++i) {
    if (load.failed || std::chrono::steady_clock::now() - load.start >= load.budget ||
        load.started.fetch_add(1) >= load.limit) {
      return;
    }
    SiteClient& c = *mine[i % mine.size()];
    if (!load.resume) c.session = Session();
    const auto began = std::chrono::steady_clock::now();
    auto r = rotate_once(c.ctx.get(), load.port, c.id, c.current, load.spi.fetch_add(1), c.session,
                         tally);
    tally.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began)
            .count());
    if (!r) {
      fmt::print(stderr, "rotation of {} failed: {}\n", c.id, r.error().message());
      load.failed = true;
      return;
    }
    ++tally.rotations;
  }
}

}  // namespace

int run_rotate(const Args& args) {
  const std::filesystem::path pki = args.get("pki");
  const std::uint64_t sites = args.number("sites", 1);
  const std::uint64_t first = args.number("first-site", 1);
  std::vector<SiteClient> clients;
  for (std::uint64_t i = first; i < first + sites; ++i) {
    const std::string id = fmt::format("branch-{}", i);
    crypto::TlsOptions tls;
    tls.ca_file = pki / "ca.pem";
    tls.certificate_file = pki / (id + ".pem");
    tls.private_key_file = pki / (id + ".key");
    tls.peer_name = args.get("peer", "edge.test");
    const std::string group = args.get("group", std::string(crypto::kDefaultGroup));
    tls.group_policy = {{group}, crypto::is_classical_group(group)};
    auto ctx = crypto::make_client_context(tls);
    if (!ctx) {
      std::fprintf(stderr, "tls: %s\n", ctx.error().message().c_str());
      return 2;
    }
    clients.push_back(SiteClient{id, std::move(*ctx), 0, Session()});
  }
  Load load;
  load.port = static_cast<std::uint16_t>(args.number("port", 8443));
  load.limit = args.number("count", 100000);
  load.budget = std::chrono::seconds(args.number("seconds", 10));
  load.resume = args.flag("resume");
  // SPIs as ALLOCSPI would hand them out: fresh for every generation, and distinct from
  // those of an earlier run against the same edge (its older SAs stay for a grace period).
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto run_slot = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now).count() % 4000);
  load.spi = 0x10000 + run_slot * 1'000'000;
  const std::size_t threads =
      std::clamp<std::size_t>(args.number("concurrency", 1), 1, clients.size());
  std::vector<Tally> tallies(threads);
  load.start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> running;
    for (std::size_t k = 0; k < threads; ++k) {
      std::vector<SiteClient*> mine;
      for (std::size_t i = k; i < clients.size(); i += threads)
        mine.push_back(&clients[i]);
      running.emplace_back(run_client, std::ref(load), std::move(mine), std::ref(tallies[k]));
    }
  }
  if (load.failed) return 1;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load.start).count();
  Tally tally;
  std::vector<double>& latencies_ms = tally.latencies_ms;
  for (Tally& t : tallies) {
    tally.rotations += t.rotations;
    tally.resumed += t.resumed;
    if (!t.group.empty()) tally.group = t.group;
    if (!t.signature.empty()) tally.signature = t.signature;
    latencies_ms.insert(latencies_ms.end(), t.latencies_ms.begin(), t.latencies_ms.end());
  }
  std::ranges::sort(latencies_ms);
  const auto percentile = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    return latencies_ms[static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1))];
  };
  fmt::print(
      "rotations {} seconds {:.3f} rate {:.1f} resumed {} group {} signature {} p50_ms {:.2f} "
      "p99_ms {:.2f}\n",
      tally.rotations, seconds, static_cast<double>(tally.rotations) / seconds, tally.resumed,
      tally.group, tally.signature, percentile(0.50), percentile(0.99));
  return 0;
}

}  // namespace pqbranch::bench
