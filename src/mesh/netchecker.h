// Netchecker: the daemon's side of `flatnet netcheck` (control/netcheck_report.h judges and
// shows what it gathers).
//
// Contract (control thread only; time is the steady clock):
// - Run(now, done): asks every lighthouse of lighthouse.hosts where we are — a HostQuery for
//   our own overlay address (Lighthouse::QueryForUs), over the tunnel (a handshake first
//   when there is none). Both stock nebula (1.11.1's handleHostQuery lists the querier's
//   learned address, its tunnel's remote, then what it reported) and flatnet's lighthouse
//   answer that like any query: the first address is the UDP source the lighthouse saw, the
//   public side of our NAT. `done` is called exactly once, with one entry per lighthouse,
//   when all have answered or kWaitNs has passed (the silent ones are marked unanswered).
// - Answered(from, seen, now): a HostQueryReply for our own address from a lighthouse: its
//   round trip (query sent -> reply handled here) and addresses go into every run waiting
//   for that lighthouse. Replies no run waits for are ignored.
// The report's families: IPv4/IPv6 count as usable when we have an address of the family
// to report (Lighthouse::OwnAddresses: interfaces that local_allow_list admits, advertise
// addrs) or reach a lighthouse over it. At most kMaxRuns wait at once; more are refused.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "mesh/control_ports.h"
#include "net/udp_addr.h"

namespace flatnet::mesh {

class HostMap;
class Lighthouse;
class Tunnel;

struct NetcheckLighthouse {
  std::string vpn_ip, cert_name;
  bool answered = false;          // a HostQueryReply for us came back
  int64_t rtt_ns = 0;             // with answered
  std::string remote;             // "ADDR:PORT" we reach it at, "" when none
  std::vector<std::string> seen;  // addresses it lists for us, as it sent them
  // The largest IP packet that reached it (control/path_mtu_probe.h), filled in by the
  // status socket after the report; 0: not measured (largest_packet_error says why, if tried).
  int largest_packet = 0;
  std::string largest_packet_error;
};

struct NetcheckReport {
  bool ipv4 = false, ipv6 = false;
  std::vector<std::string> local_addrs;  // the addresses we report to lighthouses
  std::vector<NetcheckLighthouse> lighthouses;
  std::string error;  // set when nothing could be checked (no lighthouses, busy)
};

class Netchecker {
 public:
  static constexpr int64_t kWaitNs = 3'000'000'000;
  static constexpr size_t kMaxRuns = 4;

  struct Deps {
    const HostMap& host_map;
    Lighthouse& lighthouse;
    TimerScheduler& timers;
  };
  explicit Netchecker(Deps deps) : deps_(deps) {}

  void Run(int64_t now_ns, std::function<void(NetcheckReport)> done);
  void Answered(const Tunnel& from, const std::vector<net::UdpAddr>& seen, int64_t now_ns);

 private:
  struct PendingRun {
    int64_t started_ns = 0;
    NetcheckReport report;
    std::vector<IpAddr> vpn_ips;  // report.lighthouses' addresses, in order
    size_t waiting = 0;  // lighthouses not answered yet
    TimerId timeout = 0;
    std::function<void(NetcheckReport)> done;
  };
  void Finish(uint64_t run);

  const Deps deps_;
  uint64_t next_run_ = 1;
  std::unordered_map<uint64_t, PendingRun> runs_;
};

}  // namespace flatnet::mesh
