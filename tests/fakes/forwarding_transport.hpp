#pragma once
// An AgentTransport in front of another that passes everything on: a test's decorator derives
// from it and overrides only what it counts, records or spoils.

#include <cstddef>
#include <utility>

#include "pqbranch/keysvc/agent_transport.hpp"

namespace pqbranch::test {

class ForwardingTransport : public keysvc::AgentTransport {
 public:
  explicit ForwardingTransport(keysvc::AgentTransport& inner) : inner_(inner) {}

  void set_sink(Sink sink) override { inner_.set_sink(std::move(sink)); }
  void connect(rotation::ConnectionId conn, std::size_t endpoint) override {
    inner_.connect(conn, endpoint);
  }
  void send_request(rotation::ConnectionId conn, const rotation::GenerationRequest& r) override {
    inner_.send_request(conn, r);
  }
  void send_ack(rotation::ConnectionId conn, const rotation::GenerationAck& a) override {
    inner_.send_ack(conn, a);
  }
  void close(rotation::ConnectionId conn) override { inner_.close(conn); }
  void shutdown() override { inner_.shutdown(); }

 protected:
  [[nodiscard]] keysvc::AgentTransport& inner() { return inner_; }

 private:
  keysvc::AgentTransport& inner_;
};

}  // namespace pqbranch::test
