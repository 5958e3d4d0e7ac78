// pqb-xfrm-driver: pqbranch's xfrm module (NetlinkKernel, install_pair, open_natt_socket)
// driven from VM scenarios, so that the real-kernel tests install everything through our
// code rather than `ip`. A test tool, not shipped. Runs in the calling process's network
// namespace (`ip netns exec NS pqb-xfrm-driver ...`) unless a command names namespaces.
//
//   end    --local A --remote A --local-net P --remote-net P --out-spi N --in-spi N
//          --out-key FILE --in-key FILE [--encap LPORT:RPORT] [--if-id N] [--reqid N]
//          [--soft-bytes N] [--hard-bytes N] [--soft-seconds N] [--hard-seconds N]
//            one tunnel end: the SA pair (install_pair, inbound first) and out/in/fwd
//            policies; lifetimes apply to the outbound SA
//   sa add|update --src A --dst A --spi N --dir in|out --key-file FILE [--encap SP:DP]
//          [--if-id N] [--reqid N] [--soft-bytes N] [--hard-bytes N] [--soft-seconds N]
//          [--hard-seconds N]
//   sa get|delete --dst A --spi N       get prints one "sa spi=... packets=N ..." line
//   xfrmi add --name NAME --if-id N [--dev DEV]  |  xfrmi delete --name NAME
//   flush [--owner-if-id N]             flush_owned(); prints what was deleted
//   serve [--natt ADDR [--natt-port P]] [--owner-if-id N] [--seconds S]
//            holds a NAT-T socket and prints kernel events until SIGTERM (serve.cpp)
//   switch --out-ns NS --in-ns NS --src A --dst A --spi N [--rounds 100]
//          [--first-new-spi N] [--packets-per-spi 1] [--reqid N] [--if-id N] [--wait-ms MS]
//          [--break-first 1]
//            make-before-break outbound switches under traffic (outbound_switch.cpp)
//   bench [--pairs 500] [--repeat 2] [--work-dir /tmp]
//            SA pairs per second: NetlinkKernel vs ip -batch (bench.cpp)
//
// Keys come from files of exactly 36 raw bytes (rfc4106(gcm(aes)): AES-256 key + salt),
// so they never appear on a command line; switch and bench make their own.
// Exit: 0 ok, 1 kernel error or failed check, 2 usage, 3 no such SA.
#include <cstdio>
#include <span>
#include <string_view>

#include <fmt/format.h>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace pqbranch::driver;
  const std::span<char* const> all(argv, static_cast<std::size_t>(argc));
  const std::string_view command = all.size() > 1 ? all[1] : "";
  const bool has_verb = command == "sa" || command == "xfrmi";
  const std::string_view verb = has_verb && all.size() > 2 ? all[2] : "";
  const std::size_t first_option = has_verb ? 3 : 2;
  Options options(all.size() > first_option ? all.subspan(first_option) : std::span<char* const>{});
  if (command == "end") return cmd_end(options);
  if (command == "sa") return cmd_sa(verb, options);
  if (command == "xfrmi") return cmd_xfrmi(verb, options);
  if (command == "flush") return cmd_flush(options);
  if (command == "serve") return cmd_serve(options);
  if (command == "switch") return cmd_switch(options);
  if (command == "bench") return cmd_bench(options);
  fmt::print(stderr,
             "usage: pqb-xfrm-driver end|sa|xfrmi|flush|serve|switch|bench [options] "
             "(see tests/vm/driver/main.cpp)\n");
  return kUsage;
}
