#pragma once
// The Prometheus endpoint of both programs ([metrics] listen): GET /metrics answers the
// metrics registry in the text exposition format (version 0.0.4), every name prefixed with
// "pqbranch_", plus pqbranch_build_info{version="..."} 1. Plain HTTP/1.1, one request per
// connection; bounded before anything is read: at most kMaxConnections at once (more are
// closed at once), a request head of at most 8 KiB and no body, kDeadline per connection.
// Other paths: 404; other methods: 405. docs/operations.md lists the metrics.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "pqbranch/config/common_settings.hpp"
#include "pqbranch/config/endpoint.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/metrics.hpp"

namespace pqbranch::app {

// `metrics` in the exposition format, names prefixed, with the build info line first.
[[nodiscard]] std::string metrics_exposition(const core::Metrics& metrics);

class MetricsServer {
 public:
  static constexpr std::size_t kMaxConnections = 8;
  static constexpr std::chrono::seconds kDeadline{5};

  // Listens at once (port 0: any; see port()); serves on `io` until destroyed.
  static core::Result<std::unique_ptr<MetricsServer>> create(boost::asio::io_context& io,
                                                             const config::SocketAddress& listen,
                                                             const core::Metrics& metrics);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Impl;
  explicit MetricsServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The endpoint [metrics] asks for: null when it is off, or when it cannot listen (logged as
// an error: the tunnel matters more than its metrics).
[[nodiscard]] std::unique_ptr<MetricsServer> open_metrics_endpoint(
    boost::asio::io_context& io, const config::MetricsSettings& settings,
    const core::Metrics& metrics);

}  // namespace pqbranch::app
