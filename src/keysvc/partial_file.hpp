#pragma once
// Internal to src/keysvc: a downloaded file that appears under its name only when complete.
// It is written as ".<name>.partial" beside the target (created 0600 with O_EXCL and
// O_NOFOLLOW relative to the directory; a stale one from an interrupted run is removed
// first), fsync'd, renamed over <name> and the directory fsync'd by commit(). Destroyed
// before commit(), it removes the partial file: a failed download leaves nothing behind.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "pqbranch/core/error.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

namespace pqbranch::keysvc::detail {

class PartialFile {
 public:
  // `name` must be a plain file name (checked by the caller: wire::is_package_name).
  static core::Result<std::unique_ptr<PartialFile>> create(const std::filesystem::path& directory,
                                                           const std::string& name);
  ~PartialFile();
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  core::Result<void> write(std::span<const std::uint8_t> bytes);
  // The final path.
  core::Result<std::filesystem::path> commit();
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

 private:
  PartialFile(std::filesystem::path directory, xfrm::UniqueFd dir, xfrm::UniqueFd fd,
              std::string name, std::string temp)
      : directory_(std::move(directory)),
        dir_(std::move(dir)),
        fd_(std::move(fd)),
        name_(std::move(name)),
        temp_(std::move(temp)) {}

  std::filesystem::path directory_;
  xfrm::UniqueFd dir_;
  xfrm::UniqueFd fd_;
  std::string name_;
  std::string temp_;
  std::uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace pqbranch::keysvc::detail
