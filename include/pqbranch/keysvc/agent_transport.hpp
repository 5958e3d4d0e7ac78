#pragma once
// The agent executor's view of the network: the Connect / SendRequest / SendAck /
// CloseConnection actions of AgentRotation, and the events that come back (Connected,
// ConnectFailed, OfferReceived, RefusalReceived, ConnectionLost). The production
// implementation is the TLS client (agent_client.hpp); tests may script one.
//
// Contract: calls never deliver an event synchronously (the executor is in the middle of
// performing a list of actions); events come later through the sink, on the executor's
// io_context thread. Sends on an unknown or closed connection are dropped.

#include <cstddef>
#include <functional>

#include "pqbranch/rotation/events.hpp"
#include "pqbranch/rotation/generation.hpp"

namespace pqbranch::keysvc {

class AgentTransport {
 public:
  using Sink = std::function<void(rotation::AgentEvent)>;

  virtual ~AgentTransport() = default;

  virtual void set_sink(Sink sink) = 0;
  // A new connection to endpoint `endpoint` (index into the configured list).
  virtual void connect(rotation::ConnectionId conn, std::size_t endpoint) = 0;
  virtual void send_request(rotation::ConnectionId conn,
                            const rotation::GenerationRequest& request) = 0;
  virtual void send_ack(rotation::ConnectionId conn, const rotation::GenerationAck& ack) = 0;
  // After the pending sends (and the answer to a pending acknowledgement) are done.
  virtual void close(rotation::ConnectionId conn) = 0;
  // Drops every connection at once; no event is delivered afterwards.
  virtual void shutdown() = 0;
};

}  // namespace pqbranch::keysvc
