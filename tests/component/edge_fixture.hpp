#pragma once
// An in-process edge key service for component tests: app::EdgeAssembly (as the
// edge-stub builds it) on its own io_context
// thread with a FakeKernel, a throw-away PKI (edge server certificate, site certificates
// "branch-1" and "branch-2"), two policy-mode sites and a state directory that is removed
// afterwards. The server's objects belong to its thread: tests look at them through
// on_io(), which runs a function there and waits for it.

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "pqbranch/app/edge_assembly.hpp"
#include "pqbranch/config/edge_config.hpp"
#include "pqbranch/core/metrics.hpp"
#include "pqbranch/crypto/tls_context.hpp"
#include "pqbranch/keysvc/edge_server.hpp"
#include "pqbranch/keysvc/edge_site.hpp"
#include "pqbranch/wire/error_response.hpp"

#include "fakes/key_service_client.hpp"
#include "fakes/test_pki.hpp"
#include "fakes/two_sites.hpp"
#include "fakes/xfrm/fake_kernel.hpp"

namespace pqbranch::test {

// The error code of an ErrorResponse body ("" if it is none).
inline std::string error_code(const HttpResponse& r) {
  auto e = wire::decode_error_response(r.body);
  return e ? std::string(wire::to_string(e->code)) : std::string();
}

class EdgeFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override { stop(); }

  // The config the server is built from; tests may change it before start().
  config::EdgeConfig config_;
  keysvc::EdgeServerOptions options_;  // filled from config_ by start(), then `tweak`
  // Starts the server and its thread. `tweak` adjusts the server options last.
  void start(const std::function<void(keysvc::EdgeServerOptions&)>& tweak = {});
  void stop();
  void fill_options(const std::function<void(keysvc::EdgeServerOptions&)>& tweak);

  template <class F>
  auto on_io(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  // A TLS context for a client presenting `cert` (nullptr: none).
  crypto::SslCtx client_context(const IssuedCert* cert) const;
  core::Result<KeyServiceClient> connect(const crypto::SslCtx& ctx) const;

  // Waits until the server has finished serving every connection (at most 5 s): after a
  // client saw a refusal, the server's own bookkeeping of it may still be queued.
  bool wait_until_no_connections();
  // Waits (at most 5 s) until `condition`, run on the server's thread, holds.
  bool wait_until(const std::function<bool()>& condition);

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::size_t site_index(const std::string& id);
  // Installed (non-larval) SAs as "in:0x00001000" / "out:0x00001000", kernel order.
  std::vector<std::string> sa_summary();
  [[nodiscard]] std::int64_t metric(const std::string& name, const std::string& labels = {}) const {
    return metrics_.value(name, labels);
  }

  std::optional<TestPki> pki_;
  IssuedCert server_cert_;
  IssuedCert branch1_;
  IssuedCert branch2_;
  std::filesystem::path state_dir_;

  core::SystemClock clock_;
  FakeKernel kernel_{clock_};
  core::Metrics metrics_;
  boost::asio::io_context io_;
  std::unique_ptr<app::EdgeAssembly> assembly_;
  keysvc::EdgeServer* server_ = nullptr;  // the assembly's
  std::thread thread_;
  std::uint16_t port_ = 0;
  // Filled on the io thread by the step observer: the SA summary after each kernel step.
  std::vector<std::vector<std::string>> steps_;
};

}  // namespace pqbranch::test
