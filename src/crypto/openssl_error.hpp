#pragma once
// Private to src/crypto: turning OpenSSL's thread-local error queue into our errors, and
// making sure no public function leaves entries in it for an unrelated later call to find.

#include <string>
#include <string_view>

#include "pqbranch/crypto/error.hpp"

namespace pqbranch::crypto::detail {

// Every queued error as "lib:reason" joined by "; ", oldest first; empties the queue.
std::string drain_openssl_errors();

// An Error whose detail is `what`, followed by the queue's text if there is any.
core::Error openssl_error(errc code, std::string_view what);

// Clears the queue when the public call that owns it returns, whatever path it took.
class ErrorQueueScope {
 public:
  ErrorQueueScope() = default;
  ~ErrorQueueScope();
  ErrorQueueScope(const ErrorQueueScope&) = delete;
  ErrorQueueScope& operator=(const ErrorQueueScope&) = delete;
};

}  // namespace pqbranch::crypto::detail
