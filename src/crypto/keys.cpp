#include "pqbranch/crypto/keys.hpp"

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pqbranch/crypto/error.hpp"

#include "file_io.hpp"
#include "openssl_error.hpp"

namespace pqbranch::crypto {
namespace {

using Bio = core::CHandle<BIO, BIO_free_all>;

// Encrypted key files are not supported; without this callback OpenSSL would prompt for a
// passphrase on the terminal, which would hang a daemon.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
  return 0;
}

core::Result<PkeyHandle> der_round_trip_public(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return detail::openssl_error(errc::bad_key, "encoding public key");
  const unsigned char* p = der;
  PkeyHandle pub(d2i_PUBKEY(nullptr, &p, len));
  OPENSSL_free(der);
  if (!pub) return detail::openssl_error(errc::bad_key, "decoding public key");
  return pub;
}

// Writes a memory BIO's bytes to a new file with `mode`. O_EXCL: never follow a planted
// symlink or reuse a file with looser permissions.
core::Result<void> write_new_file(BIO* mem, const std::filesystem::path& file,
                                  std::string_view what, mode_t mode) {
  const std::string name = std::string(what) + " " + file.string();
  char* data = nullptr;
  const long len = BIO_get_mem_data(mem, &data);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return core::make_error(
        errc::file_unreadable,
        name + ": " + std::error_code(errno, std::generic_category()).message());
  }
  // The umask may have narrowed the mode; a public key must stay readable.
  if (::fchmod(fd, mode) != 0) {
    const int e = errno;
    ::close(fd);
    return core::make_error(errc::file_unreadable,
                            name + ": " + std::error_code(e, std::generic_category()).message());
  }
  long done = 0;
  while (done < len) {
    const ssize_t n = ::write(fd, data + done, static_cast<std::size_t>(len - done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      ::close(fd);
      return core::make_error(
          errc::file_unreadable,
          "writing " + name + ": " + std::error_code(e, std::generic_category()).message());
    }
    done += n;
  }
  if (::close(fd) != 0) return core::make_error(errc::file_unreadable, "closing " + name);
  return {};
}

}  // namespace

std::string_view PublicKey::type_name() const noexcept {
  const char* n = EVP_PKEY_get0_type_name(key_.get());
  return n == nullptr ? std::string_view{} : std::string_view{n};
}

std::string_view PrivateKey::type_name() const noexcept {
  const char* n = EVP_PKEY_get0_type_name(key_.get());
  return n == nullptr ? std::string_view{} : std::string_view{n};
}

core::Result<PublicKey> PrivateKey::public_key() const {
  const detail::ErrorQueueScope scope;
  auto pub = der_round_trip_public(key_.get());
  if (!pub) return pub.error();
  return PublicKey(std::move(*pub));
}

core::Result<void> check_key_file_permissions(const std::filesystem::path& file) {
  auto bytes = detail::read_file(file, "key file", detail::FileKind::private_key);
  if (!bytes) return bytes.error();
  return {};
}

core::Result<PrivateKey> load_private_key(const std::filesystem::path& file) {
  const detail::ErrorQueueScope scope;
  auto bytes = detail::read_file(file, "key file", detail::FileKind::private_key);
  if (!bytes) return bytes.error();
  Bio bio(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
  if (!bio) return detail::openssl_error(errc::backend, "BIO_new_mem_buf");
  PkeyHandle key(
      PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, no_passphrase, nullptr, nullptr, nullptr));
  if (!key) {
    return detail::openssl_error(errc::bad_key,
                                 "key file " + file.string() + ": no PEM private key");
  }
  return PrivateKey(std::move(key));
}

core::Result<void> write_private_key(const PrivateKey& key, const std::filesystem::path& file) {
  const detail::ErrorQueueScope scope;
  Bio mem(BIO_new(BIO_s_secmem()));
  if (!mem) return detail::openssl_error(errc::backend, "BIO_new");
  if (PEM_write_bio_PrivateKey(mem.get(), key.native(), nullptr, nullptr, 0, nullptr, nullptr) !=
      1) {
    return detail::openssl_error(errc::bad_key, "encoding private key for " + file.string());
  }
  return write_new_file(mem.get(), file, "key file", 0600);
}

core::Result<PublicKey> load_public_key(const std::filesystem::path& file) {
  const detail::ErrorQueueScope scope;
  auto bytes = detail::read_file(file, "public key file", detail::FileKind::certificate);
  if (!bytes) return bytes.error();
  Bio bio(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
  if (!bio) return detail::openssl_error(errc::backend, "BIO_new_mem_buf");
  PkeyHandle key(
      PEM_read_bio_PUBKEY_ex(bio.get(), nullptr, no_passphrase, nullptr, nullptr, nullptr));
  if (!key) {
    return detail::openssl_error(errc::bad_key,
                                 "public key file " + file.string() + ": no PEM public key");
  }
  return PublicKey(std::move(key));
}

core::Result<void> write_public_key(const PublicKey& key, const std::filesystem::path& file) {
  const detail::ErrorQueueScope scope;
  Bio mem(BIO_new(BIO_s_mem()));
  if (!mem) return detail::openssl_error(errc::backend, "BIO_new");
  if (PEM_write_bio_PUBKEY(mem.get(), key.native()) != 1) {
    return detail::openssl_error(errc::bad_key, "encoding public key for " + file.string());
  }
  return write_new_file(mem.get(), file, "public key file", 0644);
}

core::Result<std::vector<std::uint8_t>> public_key_der(const PublicKey& key) {
  const detail::ErrorQueueScope scope;
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key.native(), &der);
  if (len <= 0) return detail::openssl_error(errc::bad_key, "encoding public key");
  std::vector<std::uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

core::Result<PublicKey> public_key_from_der(std::span<const std::uint8_t> der) {
  const detail::ErrorQueueScope scope;
  if (der.empty() || der.size() > (1U << 20)) {
    return core::make_error(errc::invalid_argument, "public key DER size");
  }
  const unsigned char* p = der.data();
  PkeyHandle key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key) return detail::openssl_error(errc::bad_key, "public key DER");
  if (p != der.data() + der.size()) {
    return core::make_error(errc::bad_key, "trailing bytes after public key DER");
  }
  return PublicKey(std::move(key));
}

}  // namespace pqbranch::crypto
