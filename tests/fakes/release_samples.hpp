#pragma once
// Release keys and manifests for tests: keys made in memory, a manifest that an agent
// running 0.1.0 on channel "stable" accepts at kSampleNow, and the package it describes.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "pqbranch/update/manifest.hpp"
#include "pqbranch/update/release_keys.hpp"

namespace pqbranch::test {

// 2026-12-05T12:00:00Z: inside the sample's validity (2026-12-04 to 2026-12-11).
inline const std::chrono::system_clock::time_point kSampleNow =
    std::chrono::sys_days{std::chrono::year{2026} / 12 / 5} + std::chrono::hours{12};

update::ReleaseSigningKeys make_release_signing_keys();

// 3000 bytes that are not all alike.
std::vector<std::uint8_t> sample_package();

// channel stable, version 0.2.0 (pqbranch-agent_0.2.0_amd64.deb, sample_package()'s size and
// SHA-256), minimum_version 0.1.0, 2026-12-04T00:00:00Z to 2026-12-11T00:00:00Z, no rollback.
update::Manifest sample_manifest();

}  // namespace pqbranch::test
