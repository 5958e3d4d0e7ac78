#include "pqbranch/core/unique_fd.hpp"

#include <unistd.h>

namespace pqbranch::core {

void UniqueFd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int UniqueFd::close() noexcept {
  const int rc = ::close(fd_);
  fd_ = -1;
  return rc;
}

}  // namespace pqbranch::core
