// A site certificate's CN reaches the edge's log only escaped: a CN with a newline and a
// terminal escape cannot forge a log line or recolour an operator's terminal.

#include <string>

#include <gtest/gtest.h>

#include "pqbranch/keysvc/wire_mapping.hpp"
#include "pqbranch/wire/generation.hpp"
#include "pqbranch/wire/protocol.hpp"

#include "edge_fixture.hpp"
#include "fakes/log_capture.hpp"

namespace pqbranch::test {
namespace {

class CertificateNameLog : public EdgeFixture {};

TEST_F(CertificateNameLog, ACnWithANewlineAndAnAnsiEscapeIsLoggedEscaped) {
  const LogCapture logs;
  start();
  const std::string cn = "branch-9\nedge: site 'branch-1' rotated \x1b[31mok\x1b[0m";
  const IssuedCert forged = pki_->issue(cn, CertRole::client, {}, "forged-cn").value();
  auto c = connect(client_context(&forged));
  ASSERT_TRUE(c.has_value()) << c.error().message();
  const wire::Capabilities caps{.esn = true, .natt = false, .route = false, .policy = true};
  auto r = c->request("POST", wire::kGenerationPath,
                      keysvc::encode_request({0, 0x1000, std::nullopt}, "0.1.0", caps));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->status, 403U);
  ASSERT_TRUE(wait_until_no_connections());

  bool named = false;
  for (const std::string& line : logs.lines()) {
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    EXPECT_EQ(line.find("branch-9\n"), std::string::npos) << line;
    if (line.find("is no configured site") != std::string::npos) {
      named = true;
      EXPECT_NE(line.find("branch-9\\nedge: site 'branch-1' rotated \\x1b[31mok"),
                std::string::npos)
          << line;
    }
  }
  EXPECT_TRUE(named) << "no log line names the unknown CN";
}

}  // namespace
}  // namespace pqbranch::test
