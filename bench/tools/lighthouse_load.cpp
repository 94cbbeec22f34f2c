// lighthouse-load: N simulated Nebula hosts against one lighthouse, for
// bench/lighthouse_scale.sh. Each host has its own certificate, its own underlay
// address:port and a real Noise IX handshake; then it reports itself every
// lighthouse.interval and the hosts together query the lighthouse for each other at a
// set rate, timing every reply (load_run.h says what is measured and printed).
//
//   lighthouse-load pki --out DIR [--network CIDR]
//       A CA for CIDR (default 10.64.0.0/10) and the lighthouse's certificate for its first
//       address: DIR/ca.crt, ca.key, lighthouse.crt, lighthouse.key (load_pki.h).
//   lighthouse-load run --lighthouse ADDR:PORT --ca-crt FILE --ca-key FILE --hosts N
//       --from ADDR[,ADDR...] [--time S] [--interval S] [--query-rate Q]
//       [--handshake-window W] [--handshake-tries N] [--handshake-retry-ms MS]
//       [--setup-limit S] [--reply-timeout-ms MS] [--port-base P]
//       [--seed N] [--setup-only]
//       The hosts' certificates are signed in process by that CA; host i is at --from[i % A]
//       port P + i / A (A addresses, each on an interface here; P default 20000), one
//       socket per port carrying the hosts of every address (host_sockets.h).
//       --setup-only stops after the certificates and sockets (to check N fits the machine).
// Exit: 0 when the run completed, 1 when setup failed or no handshake succeeded, 2 on bad
// usage (the message names the flag).
#include <cstdio>
#include <string>
#include <vector>

#include "load_pki.h"
#include "load_run.h"
#include "tool_common.h"

namespace {

using flatnet::IpAddr;
using flatnet::bench::LoadOptions;
using lab::Fail;

constexpr const char* kTool = "lighthouse-load";

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: %s pki --out DIR [--network CIDR]\n"
               "       %s run --lighthouse ADDR:PORT --ca-crt FILE --ca-key FILE --hosts N\n"
               "           --from ADDR[,ADDR...] [--time S] [--interval S] [--query-rate Q]\n"
               "           [--handshake-window W] [--handshake-tries N] [--handshake-retry-ms MS]\n"
               "           [--setup-limit S] [--reply-timeout-ms MS] [--port-base P]\n"
               "           [--seed N] [--setup-only]\n",
               kTool, kTool);
  std::exit(2);
}

std::vector<IpAddr> ParseAddresses(const std::string& text) {
  std::vector<IpAddr> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string one =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto addr = flatnet::ParseIpAddr(one);
    if (!addr.ok() || !addr->is_v4())
      Fail(kTool, "--from: '%s' is not an IPv4 address", one.c_str());
    out.push_back(*addr);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int Pki(int argc, char** argv) {
  std::string out, network = "10.64.0.0/10";
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) Fail(kTool, "%s needs a value", arg.c_str());
    if (arg == "--out") {
      out = argv[++i];
    } else if (arg == "--network") {
      network = argv[++i];
    } else {
      Fail(kTool, "pki: unknown flag %s", arg.c_str());
    }
  }
  if (out.empty()) Fail(kTool, "pki: --out DIR is required");
  auto prefix = flatnet::ParseIpPrefix(network);
  if (!prefix.ok()) Fail(kTool, "--network: %s", prefix.status().message().c_str());
  if (auto s = flatnet::bench::WriteTeamPki(out, *prefix); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", kTool, s.message().c_str());
    return 1;
  }
  return 0;
}

LoadOptions ParseRun(int argc, char** argv) {
  LoadOptions o;
  bool have_lighthouse = false;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--setup-only") {
      o.setup_only = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") Usage();
    if (i + 1 >= argc) Fail(kTool, "%s needs a value", arg.c_str());
    std::string v = argv[++i];
    auto number = [&](uint64_t lo, uint64_t hi) {
      return lab::ParseNumber(kTool, arg.c_str(), v, lo, hi);
    };
    if (arg == "--lighthouse") {
      sockaddr_in to = lab::ParseEndpoint(kTool, "--lighthouse", v);
      o.lighthouse =
          *flatnet::net::UdpAddr::FromSockaddr(reinterpret_cast<const sockaddr*>(&to), sizeof(to));
      have_lighthouse = true;
    } else if (arg == "--ca-crt") {
      o.ca_crt = v;
    } else if (arg == "--ca-key") {
      o.ca_key = v;
    } else if (arg == "--hosts") {
      o.hosts = size_t(number(1, 1'000'000));
    } else if (arg == "--from") {
      o.from = ParseAddresses(v);
    } else if (arg == "--time") {
      o.seconds = double(number(0, 3600));
    } else if (arg == "--interval") {
      o.interval_s = int(number(1, 3600));
    } else if (arg == "--query-rate") {
      o.query_rate = double(number(0, 1'000'000));
    } else if (arg == "--handshake-window") {
      o.handshake_window = size_t(number(1, 100'000));
    } else if (arg == "--handshake-tries") {
      o.handshake_tries = int(number(1, 100));
    } else if (arg == "--handshake-retry-ms") {
      o.handshake_retry_s = double(number(10, 60'000)) / 1000;
    } else if (arg == "--setup-limit") {
      o.setup_limit_s = double(number(1, 3600));
    } else if (arg == "--reply-timeout-ms") {
      o.reply_timeout_s = double(number(1, 60'000)) / 1000;
    } else if (arg == "--port-base") {
      o.port_base = uint16_t(number(1, 65535));
    } else if (arg == "--seed") {
      o.seed = number(0, UINT64_MAX >> 1);
    } else {
      Fail(kTool, "run: unknown flag %s", arg.c_str());
    }
  }
  if (!have_lighthouse) Fail(kTool, "run: --lighthouse ADDR:PORT is required");
  if (o.ca_crt.empty() || o.ca_key.empty()) Fail(kTool, "run: --ca-crt and --ca-key are required");
  if (o.hosts == 0) Fail(kTool, "run: --hosts N is required");
  if (o.from.empty()) Fail(kTool, "run: --from ADDR[,ADDR...] is required");
  size_t ports = (o.hosts + o.from.size() - 1) / o.from.size();
  if (o.port_base + ports - 1 > 65535)
    Fail(kTool,
         "--hosts %zu over %zu --from addresses need %zu ports from --port-base %u: past 65535",
         o.hosts, o.from.size(), ports, o.port_base);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc < 2) Usage();
  std::string mode = argv[1];
  if (mode == "pki") return Pki(argc, argv);
  if (mode == "run") return flatnet::bench::RunLoad(ParseRun(argc, argv));
  Usage();
}
