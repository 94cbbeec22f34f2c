// Pinger: round trips measured with Nebula's test messages (type test, subtype request and
// reply). Every peer, stock nebula included, answers a request with a reply carrying the
// request's payload, and no firewall rule applies to them, so they measure the overlay path
// itself even where a peer's firewall drops ICMP.
//
// Contract (control thread only; time is the steady clock, now_ns):
// - Probe(tunnel, now): a test request whose payload is a probe (kProbeSize bytes: a magic
//   and a 64-bit id). Liveness sends its test messages this way, and one probe on each new
//   tunnel, so `flatnet status` has a round trip for every tunnel, not only pinged ones.
// - Answered(tunnel, payload, from, now): a test reply. When its payload names an
//   outstanding probe sent to the tunnel's peer, the round trip (request sent -> reply
//   handled here) is stored on the tunnel (Tunnel::set_rtt_ns) and given to the ping
//   waiting for it; anything else is ignored. At most kMaxOutstanding probes wait, each at
//   most kProbeLifetimeNs (the oldest are forgotten first).
// - Ping(request, now, done): resolves request.target — a peer's certificate name (of a
//   tunnel now, or of one since this daemon started) or an overlay address (in our network,
//   or a network of a peer's certificate, IPv6 ones included) — starts a handshake when
//   there is no tunnel and probes once it is up, and calls `done` exactly once: a reply, a
//   timeout after request.timeout_ns, or an error naming the target.
// - TunnelUp(vpn_ip, name, now): a tunnel came up (TunnelEvents::TunnelEstablished): its
//   name is remembered and pings waiting for it probe (from a timer due at once, so a
//   responder's stage 2 leaves first).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

#include "base/bytes.h"
#include "mesh/control_ports.h"
#include "net/udp_addr.h"

namespace flatnet::mesh {

class HostMap;
struct HostCredentials;
class Tunnel;

struct PingRequest {
  std::string target;  // a certificate name or an overlay address
  int64_t timeout_ns = 0;
};

struct PingResult {
  enum class Outcome { kReply, kTimeout, kError };
  Outcome outcome = Outcome::kError;
  std::string error;              // kError: what is wrong, naming the target
  std::string vpn_ip, cert_name;  // the peer (cert_name "" when no tunnel came up)
  bool handshake = false;         // there was no tunnel: a handshake was needed first
  bool tunnel = false;            // a tunnel exists (false on a timeout: the handshake failed)
  int64_t handshake_ns = 0;       // with handshake and a tunnel: how long it took
  int64_t rtt_ns = 0;             // kReply
  bool relayed = false;
  std::string remote;                   // direct: the peer's underlay address
  std::string relay_vpn_ip, relay_name;  // relayed: through which host
};

class Pinger {
 public:
  static constexpr size_t kProbeSize = 16;
  static constexpr size_t kMaxOutstanding = 4096;
  static constexpr int64_t kProbeLifetimeNs = 60'000'000'000;
  static constexpr size_t kMaxRememberedNames = 4096;

  struct Deps {
    const HostCredentials& me;
    const HostMap& host_map;
    ControlSender& send;
    HandshakeStarter& handshakes;
    TimerScheduler& timers;
  };
  explicit Pinger(Deps deps) : deps_(deps) {}

  // Whether `payload` (of a test reply) has a probe's shape: workers hand only these to the
  // control thread.
  static bool LooksLikeProbe(ByteSpan payload);

  void Probe(Tunnel& tunnel, int64_t now_ns) { SendProbe(tunnel, now_ns, 0); }
  void Answered(Tunnel& tunnel, ByteSpan payload, const net::UdpAddr& from, int64_t now_ns);
  void Ping(const PingRequest& request, int64_t now_ns, std::function<void(PingResult)> done);
  void TunnelUp(const IpAddr& vpn_ip, const std::string& cert_name, int64_t now_ns);
  // Certificate name -> overlay IP of every peer that had a tunnel (at most
  // kMaxRememberedNames): what names a ping may use, and what the status calls hosts
  // without a tunnel now.
  const std::unordered_map<std::string, IpAddr>& names() const { return names_; }

 private:
  struct Outstanding {
    IpAddr vpn_ip;
    int64_t sent_ns = 0;
    uint64_t ping = 0;  // the ping waiting for it, 0 for none
  };
  struct PendingPing {
    IpAddr vpn_ip;
    int64_t started_ns = 0;
    bool handshake = false;
    bool probe_sent = false;
    int64_t tunnel_up_ns = 0;
    TimerId timeout = 0;
    std::function<void(PingResult)> done;
  };

  void SendProbe(Tunnel& tunnel, int64_t now_ns, uint64_t ping);
  // The overlay IP `target` names, or an error.
  Result<IpAddr> Resolve(const std::string& target) const;
  void ProbeWaiting(const IpAddr& vpn_ip, int64_t now_ns);
  void Finish(uint64_t ping, PingResult result);
  // What the tunnel to `vpn_ip` says of the path, into `result`.
  void DescribePath(const IpAddr& vpn_ip, const net::UdpAddr& from, PingResult& result) const;

  const Deps deps_;
  uint64_t next_id_ = 1;    // probes'
  uint64_t next_ping_ = 1;  // pings'
  std::unordered_map<uint64_t, Outstanding> outstanding_;
  std::deque<uint64_t> order_;  // outstanding ids, oldest first
  std::unordered_map<uint64_t, PendingPing> pings_;
  std::unordered_map<std::string, IpAddr> names_;
};

}  // namespace flatnet::mesh
