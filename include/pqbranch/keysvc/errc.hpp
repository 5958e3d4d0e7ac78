#pragma once
// Why a release transfer (docs/key-service.md §9) failed, on either side. Every failure of
// the release client is one of these with a detail naming the channel, file and bound.

#include "pqbranch/core/error.hpp"

namespace pqbranch::keysvc {

enum class errc {
  release_too_large = 1,  // the body is over the caller's bound (Content-Length or counted)
  release_truncated,      // the connection ended before the whole body arrived
  release_timeout,        // the overall deadline passed, or no data within the idle timeout
  release_not_found,      // 404: no such channel or file, or the edge serves no releases
  release_busy,           // 429: the edge is at its download limit; see Retry-After
  release_bad_name,       // 400: a channel, file or report the edge (or we) refused
  release_refused,        // any other HTTP status (403 unknown site, 500, ...)
  release_file_error,     // the local file could not be created, written or renamed
  release_unavailable,    // no connection to the edge (connect, TLS), or the client shut down
};

const char* describe(errc e) noexcept;
PQB_ERROR_ENUM(errc, "pqbranch.keysvc")

}  // namespace pqbranch::keysvc

PQB_ERROR_ENUM_TRAIT(pqbranch::keysvc::errc);
