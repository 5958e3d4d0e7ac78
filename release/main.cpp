// pqbranch-release: argument parsing and dispatch. The work is in the update module
// (update/release_tool, update/release_keys).
//
//   pqbranch-release keygen DIR
//   pqbranch-release sign --keys DIR --channel C --package FILE --version V
//                         --minimum-version V --valid-for DURATION [--not-before T]
//                         [--rollback] --out FILE
//   pqbranch-release verify --keys DIR MANIFEST [--package FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pqbranch/update/release_keys.hpp"
#include "pqbranch/update/release_tool.hpp"

namespace {

using namespace pqbranch;  // NOLINT(google-build-using-namespace): a main file

constexpr int kUsageError = 2;
constexpr const char* kUsage =
    "usage: pqbranch-release keygen DIR\n"
    "       pqbranch-release sign --keys DIR --channel C --package FILE --version V\n"
    "                             --minimum-version V --valid-for DURATION\n"
    "                             [--not-before YYYY-MM-DDTHH:MM:SSZ] [--rollback] --out FILE\n"
    "       pqbranch-release verify --keys DIR MANIFEST [--package FILE]\n"
    "DURATION: <n>s, <n>m, <n>h or <n>d\n";

// Options with a value, flags, and positional arguments; nullopt on a repeated or unknown
// option, or an option without its value.
struct Parsed {
  std::map<std::string_view, std::string_view> options;
  std::vector<std::string_view> flags;
  std::vector<std::string_view> positional;
};

std::optional<Parsed> parse(const std::vector<std::string_view>& args,
                            const std::vector<std::string_view>& with_value,
                            const std::vector<std::string_view>& flags) {
  Parsed p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto a = args[i];
    if (std::ranges::find(with_value, a) != with_value.end()) {
      if (i + 1 >= args.size() || !p.options.emplace(a, args[++i]).second) return std::nullopt;
    } else if (std::ranges::find(flags, a) != flags.end()) {
      if (std::ranges::find(p.flags, a) != p.flags.end()) return std::nullopt;
      p.flags.push_back(a);
    } else if (a.starts_with("--")) {
      return std::nullopt;
    } else {
      p.positional.push_back(a);
    }
  }
  return p;
}

int fail(const char* command, const core::Error& e) {
  std::fprintf(stderr, "pqbranch-release %s: %s\n", command, e.message().c_str());
  return 1;
}

int keygen(const std::vector<std::string_view>& args) {
  if (args.size() != 1 || args[0].starts_with("--")) return -1;
  const std::filesystem::path dir{std::string(args[0])};
  if (auto r = update::generate_release_keys(dir); !r) return fail("keygen", r.error());
  std::printf("wrote %s/{ml-dsa-65,ed25519}.{key,pub}; keep the .key files offline\n", dir.c_str());
  return 0;
}

int sign(const std::vector<std::string_view>& args) {
  const std::vector<std::string_view> required = {
      "--keys", "--channel", "--package", "--version", "--minimum-version", "--valid-for", "--out"};
  auto with_value = required;
  with_value.emplace_back("--not-before");
  auto p = parse(args, with_value, {"--rollback"});
  if (!p || !p->positional.empty()) return -1;
  for (const auto o : required) {
    if (!p->options.contains(o)) return -1;
  }
  auto str = [&](std::string_view o) { return std::string(p->options.at(o)); };
  update::SignRequest request{.keys = str("--keys"),
                              .channel = str("--channel"),
                              .package = str("--package"),
                              .version = str("--version"),
                              .minimum_version = str("--minimum-version"),
                              .valid_for = str("--valid-for"),
                              .not_before = std::nullopt,
                              .rollback = !p->flags.empty(),
                              .out = str("--out")};
  if (p->options.contains("--not-before")) request.not_before = str("--not-before");
  const auto now = std::chrono::system_clock::now();
  auto m = update::sign_release(request, now);
  if (!m) return fail("sign", m.error());
  std::printf("signed %s\n%s", request.out.c_str(), update::describe_manifest(*m, now).c_str());
  return 0;
}

int verify(const std::vector<std::string_view>& args) {
  auto p = parse(args, {"--keys", "--package"}, {});
  if (!p || p->positional.size() != 1 || !p->options.contains("--keys")) return -1;
  update::VerifyRequest request{.keys = std::string(p->options.at("--keys")),
                                .manifest = std::string(p->positional[0]),
                                .package = std::nullopt};
  if (p->options.contains("--package")) request.package = std::string(p->options.at("--package"));
  const auto now = std::chrono::system_clock::now();
  auto m = update::verify_release_file(request, now);
  if (!m) return fail("verify", m.error());
  std::printf("%s: both signatures verify%s\n%s", request.manifest.c_str(),
              request.package ? ", package matches" : "",
              update::describe_manifest(*m, now).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> a(argv + 1, argv + argc);
  if (a.empty()) {
    std::fputs(kUsage, stderr);
    return kUsageError;
  }
  const std::vector<std::string_view> rest(a.begin() + 1, a.end());
  int rc = -1;
  if (a[0] == "keygen") rc = keygen(rest);
  if (a[0] == "sign") rc = sign(rest);
  if (a[0] == "verify") rc = verify(rest);
  if (rc < 0) {
    std::fputs(kUsage, stderr);
    return kUsageError;
  }
  return rc;
}
