#include "edge_fixture.hpp"

#include <fmt/format.h>

#include "fakes/loopback_udp.hpp"

namespace pqbranch::test {
namespace {

bool is_kernel_step(const rotation::EdgeAction& a) {
  return std::holds_alternative<rotation::AllocateSpi>(a) ||
         std::holds_alternative<rotation::AddSa>(a) ||
         std::holds_alternative<rotation::UpdateSa>(a) ||
         std::holds_alternative<rotation::DeleteSa>(a);
}

}  // namespace

void EdgeFixture::SetUp() {
  auto pki = TestPki::create(PkiAlgorithm::ecdsa_p256);
  ASSERT_TRUE(pki.has_value()) << pki.error().message();
  pki_.emplace(std::move(*pki));
  server_cert_ = pki_->issue("edge.test", CertRole::server).value();
  branch1_ = pki_->issue("branch-1", CertRole::client).value();
  branch2_ = pki_->issue("branch-2", CertRole::client).value();
  state_dir_ = pki_->dir() / "state";
  std::filesystem::create_directories(state_dir_);

  config_ = two_site_edge_config(state_dir_, config::NatMode::automatic);
}

void EdgeFixture::start(const std::function<void(keysvc::EdgeServerOptions&)>& tweak) {
  app::EdgeAssemblyOptions assembly;
  assembly.server = [&](keysvc::EdgeServerOptions& options) {
    options_ = options;
    fill_options(tweak);
    options = options_;
  };
  assembly.executor = [this](keysvc::EdgeExecutorOptions& executor) {
    // These tests compare every kernel step right after each answer; the drain before the
    // old outbound SA goes is covered by the rotation unit tests and the agent-edge tests.
    for (keysvc::EdgeSite& s : executor.sites)
      s.rotation.outbound_drain = rotation::Duration::zero();
    executor.observer = [this](const keysvc::AppliedEdgeAction& a) {
      if (is_kernel_step(*a.action)) steps_.push_back(sa_summary());
    };
  };
  app::AssemblyDeps deps;
  deps.kernel = [this](const xfrm::Ownership&) {
    return core::Result<std::shared_ptr<xfrm::Kernel>>(app::borrowed<xfrm::Kernel>(kernel_));
  };
  deps.metrics = &metrics_;
  auto assembly_or = app::EdgeAssembly::create(io_, config_, deps, std::move(assembly));
  ASSERT_TRUE(assembly_or.has_value()) << assembly_or.error().message();
  assembly_ = std::move(*assembly_or);
  server_ = &assembly_->server();
  auto started = assembly_->start();
  ASSERT_TRUE(started.has_value()) << started.error().message();
  port_ = server_->ports().at(0);
  thread_ = std::thread([this] { io_.run(); });
}

void EdgeFixture::fill_options(const std::function<void(keysvc::EdgeServerOptions&)>& tweak) {
  options_.listen = {config::SocketAddress{ip("127.0.0.1"), 0}};
  options_.tls = pki_->tls_options(server_cert_);
  options_.bypass_policies = false;  // covered by the netns tests; needs xfrm in the kernel
  options_.nat_address = ip("127.0.0.1");
  options_.nat_port = 0;
  options_.open_nat_socket = loopback_udp_socket;
  options_.io_timeout = std::chrono::seconds(3);
  options_.nat_hello_wait = std::chrono::milliseconds(2000);
  if (tweak) tweak(options_);
}

void EdgeFixture::stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(io_, [this] { server_->stop(); });
  thread_.join();  // io_.run() returns once every coroutine of the server has finished
  server_ = nullptr;
  assembly_.reset();
}

crypto::SslCtx EdgeFixture::client_context(const IssuedCert* cert) const {
  crypto::TlsOptions o;
  o.ca_file = pki_->ca_file();
  if (cert != nullptr) o = pki_->tls_options(*cert);
  o.peer_name = "edge.test";
  return crypto::make_client_context(o).value();
}

core::Result<KeyServiceClient> EdgeFixture::connect(const crypto::SslCtx& ctx) const {
  return KeyServiceClient::connect(ctx.get(), port_);
}

bool EdgeFixture::wait_until(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (on_io(condition)) return true;
    std::this_thread::yield();
  }
  return false;
}

bool EdgeFixture::wait_until_no_connections() {
  return wait_until([&] { return server_->open_connections() == 0; });
}

std::size_t EdgeFixture::site_index(const std::string& id) {
  return on_io([&] { return server_->executor().find_site(id).value(); });
}

std::vector<std::string> EdgeFixture::sa_summary() {
  std::vector<std::string> out;
  for (const xfrm::SaState& sa : kernel_.sas()) {
    if (sa.larval) continue;
    const bool in = sa.direction == xfrm::SaDirection::in;
    out.push_back(fmt::format("{}:0x{:08x}", in ? "in" : "out", sa.spi));
  }
  return out;
}

}  // namespace pqbranch::test
