#pragma once
// Private to src/crypto: reading certificate and key files with errors that name the file.

#include <filesystem>
#include <string_view>

#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"

namespace pqbranch::crypto::detail {

enum class FileKind { certificate, private_key };

// The whole file. For a private key, the permissions of the opened file are checked first
// (0600 or 0400 only). `what` names the file's role in errors ("CA file", "key file").
core::Result<core::SecureBytes> read_file(const std::filesystem::path& file, std::string_view what,
                                          FileKind kind);

}  // namespace pqbranch::crypto::detail
