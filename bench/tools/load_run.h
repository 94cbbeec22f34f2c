// LoadRun: the lighthouse load generator's run, on one thread around one epoll set.
//
// Phases, each announced by one stdout line "lighthouse-load: PHASE key=value ..." that
// bench/lighthouse_scale.sh waits for (it samples the lighthouse's CPU between them):
//   setup      N host certificates signed in process (load_pki.h), the hosts' sockets opened
//              (host_sockets.h: host i at from[i % A] port port_base + i / A, one socket
//              per port); times and our RSS
//   handshakes every host's Noise IX handshake with the lighthouse, at most
//              handshake_window in flight at once (so the rate is what the lighthouse
//              sustains, not a flood), each retried every handshake_retry_s with the same
//              stage 1, given up after handshake_tries; the phase ends when every host is up
//              or failed (its tries ran out), or after setup_limit_s (the hosts still
//              waiting or in flight are "unfinished"). Each host sends its first
//              HostUpdateNotification when its tunnel comes up, then every interval_s
//   measuring  for `seconds`: updates go on, and HostQuerys at query_rate per second in
//              all, each from a random host that is up about a random other host that is
//              known to the lighthouse (its update was acknowledged; with a lighthouse
//              that does not acknowledge, from its second update on). A query's latency runs from
//              its send to its HostQueryReply's arrival (the time epoll_wait returned with it); a
//              query unanswered after reply_timeout_s is missing. Then reply_timeout_s more
//              for the stragglers, still sending updates
//   result     one line with everything: handshakes, query latency p50/p99/max, missing,
//              replies that did not name the target's address, messages received by kind,
//              our CPU % (user + system over wall) in the handshake and measuring phases,
//              the longest loop iteration while measuring and our peak RSS.
// Every tunnel packet the lighthouse sends is handled as a member would: test requests
// are answered (Nebula's connection manager probes quiet tunnels), closeTunnel makes the
// host handshake again, punch notifications and update acks are counted. Datagrams that
// do not open under the host's keys are counted, never fatal.
// Exit status of Run: 0 when the phases ran (failed handshakes are reported, not fatal),
// 1 when setup failed or no handshake succeeded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/ip_prefix.h"
#include "crypto/aead.h"
#include "net/udp_addr.h"

namespace flatnet::bench {

struct LoadOptions {
  net::UdpAddr lighthouse;
  std::string ca_crt, ca_key;
  size_t hosts = 0;
  std::vector<IpAddr> from;  // IPv4 addresses of this namespace the hosts bind to
  uint16_t port_base = 20000;
  double seconds = 30;  // measuring; 0 ends after the handshakes
  int interval_s = 10;  // lighthouse.interval: Nebula's default
  double query_rate = 1000;
  size_t handshake_window = 64;
  double handshake_retry_s = 1;
  int handshake_tries = 5;
  double setup_limit_s = 300;
  double reply_timeout_s = 2;
  crypto::CipherKind cipher = crypto::CipherKind::kAes256Gcm;  // Nebula's default, `cipher: aes`
  bool setup_only = false;
  uint64_t seed = 1;
};

int RunLoad(const LoadOptions& options);

}  // namespace flatnet::bench
