#include "pqbranch/core/capabilities.hpp"

#include <array>
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace pqbranch::core {
namespace {

// Capability numbers 0..40 of linux/capability.h.
constexpr std::array<const char*, 41> kNames{"cap_chown",
                                             "cap_dac_override",
                                             "cap_dac_read_search",
                                             "cap_fowner",
                                             "cap_fsetid",
                                             "cap_kill",
                                             "cap_setgid",
                                             "cap_setuid",
                                             "cap_setpcap",
                                             "cap_linux_immutable",
                                             "cap_net_bind_service",
                                             "cap_net_broadcast",
                                             "cap_net_admin",
                                             "cap_net_raw",
                                             "cap_ipc_lock",
                                             "cap_ipc_owner",
                                             "cap_sys_module",
                                             "cap_sys_rawio",
                                             "cap_sys_chroot",
                                             "cap_sys_ptrace",
                                             "cap_sys_pacct",
                                             "cap_sys_admin",
                                             "cap_sys_boot",
                                             "cap_sys_nice",
                                             "cap_sys_resource",
                                             "cap_sys_time",
                                             "cap_sys_tty_config",
                                             "cap_mknod",
                                             "cap_lease",
                                             "cap_audit_write",
                                             "cap_audit_control",
                                             "cap_setfcap",
                                             "cap_mac_override",
                                             "cap_mac_admin",
                                             "cap_syslog",
                                             "cap_wake_alarm",
                                             "cap_block_suspend",
                                             "cap_audit_read",
                                             "cap_perfmon",
                                             "cap_bpf",
                                             "cap_checkpoint_restore"};

Error bad(std::string detail) {
  return Error{make_error_code(boost::system::errc::invalid_argument), std::move(detail)};
}

}  // namespace

Result<std::uint64_t> parse_effective_capabilities(std::string_view text) {
  constexpr std::string_view kKey = "CapEff:";
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.starts_with(kKey)) continue;
    line.remove_prefix(kKey.size());
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
      line.remove_prefix(1);
    std::uint64_t mask = 0;
    const auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), mask, 16);
    if (line.empty() || ec != std::errc{} || p != line.data() + line.size()) {
      return bad(fmt::format("CapEff is not hexadecimal: '{}'", line));
    }
    return mask;
  }
  return bad("no CapEff line");
}

Result<std::uint64_t> effective_capabilities() {
  std::ifstream in("/proc/self/status");
  if (!in) return bad("cannot read /proc/self/status");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_effective_capabilities(text.str());
}

std::vector<std::string> extra_capabilities(std::uint64_t mask, std::uint64_t allowed) {
  std::vector<std::string> out;
  for (unsigned bit = 0; bit < 64; ++bit) {
    const std::uint64_t b = std::uint64_t{1} << bit;
    if ((mask & b) == 0 || (allowed & b) != 0) continue;
    out.emplace_back(bit < kNames.size() ? std::string(kNames.at(bit))
                                         : fmt::format("cap_{}", bit));
  }
  return out;
}

}  // namespace pqbranch::core
