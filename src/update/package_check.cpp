#include "pqbranch/update/package_check.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <functional>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "pqbranch/core/unique_fd.hpp"
#include "pqbranch/update/errc.hpp"

namespace pqbranch::update {
namespace {

core::Error system_error(int err, const std::filesystem::path& file, std::string_view what) {
  return core::Error{boost::system::error_code(err, boost::system::system_category()),
                     fmt::format("{} {}", what, file.string())};
}

// Opens a regular file (never through a final symbolic link), gives its size to `sized`,
// then hands its contents in pieces to `piece`.
core::Result<void> read_package(
    const std::filesystem::path& file,
    const std::function<core::Result<void>(std::uint64_t)>& sized,
    const std::function<core::Result<void>(std::span<const std::uint8_t>)>& piece) {
  const core::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
  if (fd.get() < 0) return system_error(errno, file, "opening");
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return system_error(errno, file, "reading");
  if (!S_ISREG(st.st_mode)) return system_error(EINVAL, file, "not a regular file:");
  if (auto r = sized(static_cast<std::uint64_t>(st.st_size)); !r) return r;
  std::vector<std::uint8_t> buffer(std::size_t{64} * 1024);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return system_error(errno, file, "reading");
    if (n == 0) return {};
    if (auto r = piece(std::span(buffer).first(static_cast<std::size_t>(n))); !r) return r;
  }
}

}  // namespace

core::Result<PackageCheck> PackageCheck::create(const Manifest& m) {
  auto hash = crypto::HashStream::create(crypto::Hash::sha256);
  if (!hash) return hash.error();
  return PackageCheck(std::move(*hash), m);
}

core::Result<void> PackageCheck::update(std::span<const std::uint8_t> data) {
  if (data.size() > size_ - received_) {
    return core::make_error(errc::package_too_large,
                            fmt::format("more than the announced {} bytes", size_));
  }
  received_ += data.size();
  return hash_.update(data);
}

core::Result<void> PackageCheck::finish() {
  auto digest = hash_.finish();
  if (!digest) return digest.error();
  if (received_ < size_) {
    return core::make_error(errc::package_truncated,
                            fmt::format("{} of the announced {} bytes", received_, size_));
  }
  if (!std::ranges::equal(*digest, sha256_)) {
    return core::make_error(errc::hash_mismatch, "SHA-256 differs from the manifest's");
  }
  return {};
}

core::Result<void> check_package(const std::filesystem::path& file, const Manifest& m) {
  auto check = PackageCheck::create(m);
  if (!check) return check.error();
  auto read = read_package(
      file,
      [&](std::uint64_t size) -> core::Result<void> {
        if (size <= m.size) return {};
        return core::make_error(
            errc::package_too_large,
            fmt::format("{}: {} bytes, the manifest announces {}", file.string(), size, m.size));
      },
      [&](std::span<const std::uint8_t> data) { return check->update(data); });
  if (!read) return read;
  if (auto r = check->finish(); !r) return core::prefixed(r.error(), file.string());
  return {};
}

core::Result<PackageDigest> digest_package(const std::filesystem::path& file) {
  auto hash = crypto::HashStream::create(crypto::Hash::sha256);
  if (!hash) return hash.error();
  PackageDigest out;
  auto read = read_package(
      file,
      [&](std::uint64_t size) -> core::Result<void> {
        if (size <= kMaxPackageBytes) return {};
        return core::make_error(
            errc::package_too_large,
            fmt::format("{}: {} bytes (at most {})", file.string(), size, kMaxPackageBytes));
      },
      [&](std::span<const std::uint8_t> data) -> core::Result<void> {
        out.size += data.size();
        if (out.size > kMaxPackageBytes) {
          return core::make_error(errc::package_too_large, file.string() + ": grew while read");
        }
        return hash->update(data);
      });
  if (!read) return read.error();
  auto digest = hash->finish();
  if (!digest) return digest.error();
  std::ranges::copy(*digest, out.sha256.begin());
  return out;
}

}  // namespace pqbranch::update
