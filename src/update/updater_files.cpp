#include "pqbranch/update/updater_files.hpp"

#include <array>
#include <cstddef>
#include <utility>

#include <fmt/format.h>

#include "pqbranch/core/atomic_file.hpp"
#include "pqbranch/core/log_text.hpp"
#include "pqbranch/update/errc.hpp"

#include "release_fields.hpp"

namespace pqbranch::update {
namespace {

using detail::kMaxDetailBytes;
using detail::valid_sha256;
using detail::valid_version;

constexpr std::size_t kMaxResultBytes = 4096;

core::Error malformed(std::string detail) {
  return core::make_error(errc::malformed_updater_result, std::move(detail));
}

}  // namespace

std::string_view to_string(UpdaterStep s) noexcept {
  switch (s) {
    case UpdaterStep::done:
      return "done";
    case UpdaterStep::rolled_back:
      return "rolled-back";
    case UpdaterStep::failed:
      return "failed";
    case UpdaterStep::refused:
      return "refused";
  }
  return "?";
}

core::Result<std::string> format_install_request(const InstallRequest& r,
                                                 const std::filesystem::path& update_dir) {
  const std::string dir = update_dir.lexically_normal().string();
  const std::string package = r.package.string();
  if (!valid_version(r.version)) {
    return core::make_error(errc::bad_install_request, fmt::format("version '{}'", r.version));
  }
  if (!detail::valid_package_path(package, dir)) {
    return core::make_error(errc::bad_install_request,
                            fmt::format("package '{}' (must be a .deb inside {})", package, dir));
  }
  if (!valid_sha256(r.sha256)) {
    return core::make_error(errc::bad_install_request, "sha256 (64 lowercase hex digits)");
  }
  return fmt::format("version={}\npackage={}\nsha256={}\n", r.version, package, r.sha256);
}

core::Result<void> write_install_request(const std::filesystem::path& update_dir,
                                         const InstallRequest& r) {
  auto bytes = format_install_request(r, update_dir);
  if (!bytes) return bytes.error();
  return core::write_file_atomically(update_dir / kRequestFile, *bytes, 0600);
}

core::Result<UpdaterResult> parse_updater_result(std::string_view bytes) {
  if (bytes.size() > kMaxResultBytes) return malformed("larger than 4096 bytes");
  // Exactly these lines, in this order, as the updater writes them.
  constexpr std::array<std::string_view, 4> keys{"step", "version", "failed_version", "result"};
  std::array<std::string_view, 4> values{};
  std::string_view rest = bytes;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::size_t end = rest.find('\n');
    if (end == std::string_view::npos) return malformed(fmt::format("line {} missing", i + 1));
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    if (!line.starts_with(keys[i]) || line.size() <= keys[i].size() ||
        line[keys[i].size()] != '=') {
      return malformed(fmt::format("line {} is not '{}='", i + 1, keys[i]));
    }
    values[i] = line.substr(keys[i].size() + 1);
    if (!core::is_printable_ascii(values[i]))
      return malformed(fmt::format("'{}' has control bytes", keys[i]));
  }
  if (!rest.empty()) return malformed("data after the last line");

  UpdaterResult r;
  const std::string_view step = values[0];
  if (step == "done") {
    r.step = UpdaterStep::done;
  } else if (step == "rolled-back") {
    r.step = UpdaterStep::rolled_back;
  } else if (step == "failed") {
    r.step = UpdaterStep::failed;
  } else if (step == "refused") {
    r.step = UpdaterStep::refused;
  } else {
    return malformed("unknown step");
  }
  // A refused request may have had no readable version; every other step names one.
  if (!(values[1].empty() && r.step == UpdaterStep::refused) && !valid_version(values[1])) {
    return malformed("version");
  }
  const bool rolled_back = r.step == UpdaterStep::rolled_back;
  if (rolled_back != !values[2].empty() || (rolled_back && !valid_version(values[2]))) {
    return malformed("failed_version (exactly when rolled back)");
  }
  if (values[3].size() > kMaxDetailBytes) return malformed("result longer than 1024 bytes");
  r.version = std::string(values[1]);
  if (rolled_back) r.failed_version = std::string(values[2]);
  r.detail = std::string(values[3]);
  return r;
}

core::Result<std::optional<UpdaterResult>> read_updater_result(
    const std::filesystem::path& update_dir) {
  auto bytes = core::read_small_file(update_dir / kResultFile, kMaxResultBytes);
  if (!bytes) return bytes.error();
  if (!*bytes) return std::optional<UpdaterResult>{};
  auto parsed = parse_updater_result(**bytes);
  if (!parsed) return core::prefixed(parsed.error(), (update_dir / kResultFile).string());
  return std::optional<UpdaterResult>{std::move(*parsed)};
}

}  // namespace pqbranch::update
