#pragma once
// Installs ResumptionPolicy on a server SSL_CTX: its own ticket key ring and the ticket
// callbacks that carry and check the original authentication time. The state lives in the
// context's ex_data and is freed with it.

#include <openssl/ssl.h>

#include "pqbranch/core/error.hpp"
#include "pqbranch/crypto/resumption_policy.hpp"

namespace pqbranch::crypto::detail {

core::Result<void> install_session_tickets(SSL_CTX* ctx, const ResumptionPolicy& policy);

}  // namespace pqbranch::crypto::detail
