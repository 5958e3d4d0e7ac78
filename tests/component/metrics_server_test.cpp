// The Prometheus endpoint over real loopback TCP: what it serves is parsed by Prometheus's
// own client library (tests/component/prometheus_parse.py); other paths and methods are
// refused; connections beyond the bound are closed at once.
#include "pqbranch/app/metrics_server.hpp"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "fakes/child_process.hpp"
#include "fakes/test_paths.hpp"

namespace pqbranch::test {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace fs = std::filesystem;

class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_.add("rotations_total", 3);
    metrics_.add("edge_release_reports_total", 1, R"(result="rolled-back")");
    metrics_.add("update_refused_total", 2, R"(reason="signature_invalid")");
    const config::SocketAddress any_port{core::IpAddress::v4({127, 0, 0, 1}), 0};
    auto s = app::MetricsServer::create(io_, any_port, metrics_);
    ASSERT_TRUE(s.has_value()) << s.error().message();
    server_ = std::move(*s);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    asio::post(io_, [this] { server_.reset(); });
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    return s;
  }
  // Sends `request` and reads to the end of the answer.
  std::string exchange(const std::string& request) {
    tcp::socket s = connect();
    asio::write(s, asio::buffer(request));
    std::string answer;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(answer), ec);
    return answer;
  }
  static std::string body_of(const std::string& answer) {
    const auto at = answer.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : answer.substr(at + 4);
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  asio::io_context client_io_;
  core::Metrics metrics_;
  std::unique_ptr<app::MetricsServer> server_;
  std::thread thread_;
};

TEST_F(MetricsServerTest, TheExpositionParsesWithPrometheusOwnParserAndNamesArePrefixed) {
  const std::string answer = exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(answer.rfind("HTTP/1.1 200", 0), 0U) << answer;
  EXPECT_NE(answer.find("text/plain; version=0.0.4"), std::string::npos) << answer;
  const fs::path file =
      fs::temp_directory_path() / ("pqb-exposition-" + std::to_string(::getpid()));
  const fs::path parsed = file.string() + ".parsed";
  std::ofstream(file) << body_of(answer);
  const std::string command = (source_dir() / "tests/component/prometheus_parse.py").string() +
                              " " + file.string() + " >" + parsed.string();
  ASSERT_EQ(std::system(command.c_str()), 0) << body_of(answer);  // NOLINT(concurrency-mt-unsafe)
  const std::string samples = read_file(parsed);
  fs::remove(file);
  fs::remove(parsed);
  EXPECT_NE(samples.find(std::string("pqbranch_build_info version=") + PQB_VERSION + " 1\n"),
            std::string::npos)
      << samples;
  EXPECT_NE(samples.find("pqbranch_rotations_total  3\n"), std::string::npos) << samples;
  EXPECT_NE(samples.find("pqbranch_edge_release_reports_total result=rolled-back 1\n"),
            std::string::npos)
      << samples;
  EXPECT_NE(samples.find("pqbranch_update_refused_total reason=signature_invalid 2\n"),
            std::string::npos)
      << samples;
  EXPECT_EQ(count(samples, "\n"), 4U) << samples;
}

TEST_F(MetricsServerTest, OtherPathsAndMethodsAreRefused) {
  EXPECT_EQ(exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 404", 0), 0U);
  EXPECT_EQ(exchange("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                .rfind("HTTP/1.1 405", 0),
            0U);
  // A body, or a head over 8 KiB: closed without an answer.
  EXPECT_EQ(exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"), "");
  EXPECT_EQ(exchange("GET /metrics HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n"), "");
}

TEST_F(MetricsServerTest, ConnectionsBeyondTheBoundAreClosedAndTheEndpointRecovers) {
  std::vector<tcp::socket> idle;
  for (std::size_t i = 0; i < app::MetricsServer::kMaxConnections; ++i)
    idle.push_back(connect());
  // The server accepts in order, so the next one finds all of them active: closed at once
  // (a served connection would wait up to kDeadline for its request).
  tcp::socket extra = connect();
  const timeval two_seconds{2, 0};
  ASSERT_EQ(::setsockopt(extra.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &two_seconds,
                         sizeof two_seconds),
            0);
  std::array<char, 1> byte{};
  boost::system::error_code ec;
  extra.read_some(asio::buffer(byte), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  idle.clear();
  EXPECT_TRUE(eventually([&] {
    return exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0;
  }));
}

}  // namespace
}  // namespace pqbranch::test
