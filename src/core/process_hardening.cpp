#include "pqbranch/core/process_hardening.hpp"

#include <cerrno>
#include <sys/prctl.h>
#include <sys/resource.h>

namespace pqbranch::core {
namespace {

Error errno_error(const char* what) {
  return Error{boost::system::error_code(errno, boost::system::system_category()), what};
}

}  // namespace

Result<void> forbid_core_dumps() {
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) return errno_error("setrlimit(RLIMIT_CORE, 0)");
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return errno_error("prctl(PR_SET_DUMPABLE, 0)");
  return {};
}

}  // namespace pqbranch::core
