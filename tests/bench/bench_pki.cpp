// `pqb-keysvc-bench pki`: a CA, the edge's certificate (edge.test) and those of sites
// branch-1 .. branch-N in one directory, as scripts/test-pki.sh lays them out, but issued
// in-process (test::TestPki): thousands of sites in seconds rather than minutes of openssl
// commands.
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "bench_commands.hpp"
#include "fakes/test_pki.hpp"

namespace pqbranch::bench {

int run_pki(const Args& args) {
  const std::filesystem::path out = args.get("dir");
  const std::uint64_t sites = args.number("sites", 1);
  const auto algorithm = args.get("alg", "ecdsa") == "mldsa65" ? test::PkiAlgorithm::ml_dsa_65
                                                               : test::PkiAlgorithm::ecdsa_p256;
  auto pki = test::TestPki::create(algorithm);
  if (!pki) {
    std::fprintf(stderr, "pki: %s\n", pki.error().message().c_str());
    return 1;
  }
  auto issued = pki->issue("edge.test", test::CertRole::server);
  for (std::uint64_t i = 1; issued && i <= sites; ++i) {
    issued = pki->issue(fmt::format("branch-{}", i), test::CertRole::client);
  }
  if (!issued) {
    std::fprintf(stderr, "pki: %s\n", issued.error().message().c_str());
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  std::filesystem::copy(
      pki->dir(), out,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing,
      ec);
  if (ec) {
    std::fprintf(stderr, "pki: copy to %s: %s\n", out.c_str(), ec.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace pqbranch::bench
