#pragma once
// The names and sizes of a release, shared by the key service that serves it (wire, keysvc)
// and the agent that verifies it (update): a channel, a package file name, and the bounds of
// a manifest and a package (docs/updates.md, "Releases"; docs/key-service.md).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pqbranch::core {

inline constexpr std::size_t kMaxChannelBytes = 32;
inline constexpr std::size_t kMaxPackageNameBytes = 128;
inline constexpr std::uint64_t kMaxManifestBytes = std::uint64_t{16} * 1024;
inline constexpr std::uint64_t kMaxPackageBytes = std::uint64_t{256} * 1024 * 1024;

// [a-z0-9-]{1,32}
[[nodiscard]] bool is_channel_name(std::string_view name) noexcept;
// [a-z0-9][a-z0-9.+~_-]{0,127}, ending in ".deb" (so never "." or "..", never a path).
[[nodiscard]] bool is_package_file_name(std::string_view name) noexcept;

}  // namespace pqbranch::core
