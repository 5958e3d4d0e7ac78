#pragma once
// What the agent's release transfers (AgentClient::fetch_release_manifest,
// download_release_package, send_release_report; docs/key-service.md §9) are bounded by and
// what they answer. Each runs on its own new TLS connection to the edge, like a rotation.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "pqbranch/core/error.hpp"

namespace pqbranch::keysvc {

struct ReleaseTransfer {
  std::size_t endpoint = 0;  // index into AgentClientOptions::endpoints
  // The largest body accepted: refused from Content-Length before any byte of the body is
  // read, and reading stops once more arrived (errc::release_too_large). Capped at
  // wire::kMaxManifestBytes for a manifest and wire::kMaxPackageBytes for a package.
  std::uint64_t max_bytes = 0;
  // From the call to the last byte (connect and TLS included): errc::release_timeout.
  std::chrono::milliseconds deadline{std::chrono::minutes(10)};
  // Each read (and write) must make progress within this: errc::release_timeout.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
};

// A transfer's outcome. On errc::release_busy (429) `retry_after` holds the edge's
// Retry-After when it sent a valid one.
template <class T>
struct ReleaseReply {
  core::Result<T> value;
  std::optional<std::chrono::seconds> retry_after;
};

struct DownloadedPackage {
  std::filesystem::path path;  // <directory>/<file>, complete and fsync'd, mode 0600
  std::uint64_t size = 0;
};

using ManifestHandler = std::function<void(ReleaseReply<std::string>)>;
using PackageHandler = std::function<void(ReleaseReply<DownloadedPackage>)>;
using ReportHandler = std::function<void(ReleaseReply<void>)>;

}  // namespace pqbranch::keysvc
