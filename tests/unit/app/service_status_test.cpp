#include "pqbranch/app/service_status.hpp"

#include <gtest/gtest.h>

namespace pqbranch::app {
namespace {

TEST(ServiceStatus, AgentWithAGenerationNamesItAndTheRotationsSinceStart) {
  rotation::RotationStatus s;
  s.state = "idle";
  s.generation = 3;
  s.outbound_spi = 0xc0000001;
  EXPECT_EQ(agent_service_status(s, 2), "generation 3 installed, 2 rotation(s) since start");
}

TEST(ServiceStatus, AgentWithoutAGenerationShowsWhatItIsDoing) {
  rotation::RotationStatus s;
  s.state = "connecting";
  EXPECT_EQ(agent_service_status(s, 0), "no generation yet: connecting");
}

TEST(ServiceStatus, AnUnreachableEdgeIsShownWithTheLastError) {
  rotation::RotationStatus s;
  s.generation = 1;
  s.outbound_spi = 0xc0000001;
  s.edge_reachable = false;
  s.last_error = "connect: refused";
  EXPECT_EQ(
      agent_service_status(s, 1),
      "generation 1 installed, 1 rotation(s) since start, edge unreachable: connect: refused");
}

TEST(ServiceStatus, EdgeAndIkev2Texts) {
  EXPECT_EQ(edge_service_status(1, 0), "serving 1 site(s), 0 open connection(s)");
  EXPECT_EQ(ikev2_service_status(2), "2 IKEv2 peer(s)");
}

}  // namespace
}  // namespace pqbranch::app
