#include "pqbranch/keysvc/errc.hpp"

namespace pqbranch::keysvc {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::release_too_large:
      return "release file larger than allowed";
    case errc::release_truncated:
      return "release transfer truncated";
    case errc::release_timeout:
      return "release transfer timed out";
    case errc::release_not_found:
      return "release not found";
    case errc::release_busy:
      return "edge busy with release transfers";
    case errc::release_bad_name:
      return "release request refused as malformed";
    case errc::release_refused:
      return "release request refused";
    case errc::release_file_error:
      return "release file could not be written";
    case errc::release_unavailable:
      return "key service unavailable";
  }
  return "unknown keysvc error";
}

}  // namespace pqbranch::keysvc
