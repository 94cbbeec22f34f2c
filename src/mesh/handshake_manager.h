// HandshakeManager: Nebula's Noise IX handshake, both roles, on the control thread.
//
// Contract (the exchange itself is described in noise/handshake_state.h):
// - Initiator: QueueOutbound keeps packets for a peer without a tunnel (at most
//   kMaxQueuedPackets; more are dropped and counted) and starts one handshake per peer. Its
//   stage 1 goes to every known address of the peer at once, again after try_interval *
//   attempts (linear backoff, handshakes.try_interval / retries as nebula: the handshake
//   retry timer, control_timers.h), until stage 2 arrives or retries run out ("Handshake
//   timed out").
// - Responder: a stage 1 whose certificate verifies (CA pool, expiry, blocklist) and whose
//   key is the Noise static key gets a tunnel and a stage 2 at once. A resent stage 1 gets
//   the cached stage 2; a stage 1 older than the proven tunnel we hold is refused
//   ("Handshake too old"). When both ends initiate at once, the side with the higher
//   overlay IP keeps its own handshake and the other takes the peer's, so exactly one
//   tunnel results (nebula's rule, so mixed meshes agree).
// - Stage 1 is unauthenticated: anyone who has seen a member's certificate and static key
//   (both travel in clear) can send one. So a responder's tunnel is unproven (tunnel.h)
//   until the first message from the peer opens under its keys (Proven). While we hold a
//   proven tunnel to the peer, a newer stage 1 only adds a candidate, reachable by its
//   index, and our packets keep using the proven tunnel until the candidate is proven
//   (a real restart of the peer: its first packet) and replaces it. Without a proven
//   tunnel the new one is used at once; one it replaces stays a candidate, so whichever
//   proves itself first wins. At most kMaxCandidatesPerPeer candidates (oldest dropped),
//   each for kCandidateLifetimeNs (the candidate expiry timer). A handshake time is kept no later
//   than our own clock when it arrived, so a time far in the future wins nothing later.
// - Certificates (see host_credentials.h): stage 1 carries our certificate of
//   pki.initiating_version without its key (MarshalForHandshakes) and its version
//   (CertVersion); the responder answers with its certificate of the initiator's version if
//   it has one, else of its initiating version. Each side recombines the peer's certificate
//   with the Noise static key, of the version the peer named, and our curve. The tunnel
//   remembers which of ours it carried (Tunnel::ControlState::my_cert_version).
// - Every refusal is logged with nebula's wording and counted; nothing a stranger sends can
//   remove or replace a proven tunnel.
// - Dependencies (Deps) are explicit and narrow (control_ports.h): how to send, the host map,
//   the address book, the lighthouse's Query and the relay manager's paths, the timer
//   queue, and the wall clock; time otherwise comes in as now_ns. A unit test builds one
//   with fakes.
// Not thread-safe: the control thread owns it.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "base/log.h"
#include "cert/certificate.h"
#include "config/config.h"
#include "mesh/control_ports.h"
#include "mesh/counters.h"
#include "mesh/settings.h"
#include "net/udp_addr.h"
#include "noise/handshake_state.h"
#include "wire/header.h"

namespace flatnet::mesh {

class AddressBook;
class HostMap;
struct HostCredentials;

// The version of our certificate a responder answers with: the initiator's when pki.cert
// holds one of it, else pki.initiating_version's (Nebula 1.10+).
cert::Version ResponderCertVersion(const HostCredentials& me, cert::Version peer_version);

class Tunnel;

class HandshakeManager : public HandshakeStarter {
 public:
  static constexpr size_t kMaxQueuedPackets = 100;
  // Handshakes pending at once: each holds a Noise state and up to kMaxQueuedPackets, and a
  // local user can aim packets at every address of the overlay (or a relay be asked for
  // any). More are refused and counted (handshakes_refused_pending).
  static constexpr size_t kMaxPendingHandshakes = 1024;

  struct Deps {
    const HostCredentials& me;
    const NodeSettings& settings;  // cipher, handshakes.try_interval and retries
    bool use_relays;               // relay.use_relays, and we are no relay ourselves (at start)
    const log::Logger& logger;
    Counters& counters;  // the control thread's
    HostMap& host_map;
    const AddressBook& addresses;  // where peers may be, and where they may not
    const std::vector<config::CalculatedRemotes>& calculated_remotes;  // peer_remotes.h
    ControlSender& send;
    TunnelEvents& tunnels;
    PeerQuery& lighthouse;
    RelayPaths& relays;
    TimerScheduler& timers;
    // Nanoseconds since the epoch: the time our handshakes carry, and the bound on a peer's.
    // Empty: the system's real-time clock.
    std::function<uint64_t()> wall_clock_ns = {};
  };

  explicit HandshakeManager(Deps deps);
  // A reload (reload.h): whether handshakes that get no answer also go through the peer's
  // relays from now on. Paths set up before stay until their tunnel ends.
  void set_use_relays(bool use_relays) { use_relays_ = use_relays; }
  bool use_relays() const { return use_relays_; }
  ~HandshakeManager() override;

  // What waits for a handshake: an inside packet (type message) or a control message.
  struct QueuedMessage {
    wire::MessageType type;
    wire::MessageSubType subtype;
    Bytes bytes;
  };

  void QueueOutbound(const IpAddr& vpn_ip, QueuedMessage message, int64_t now_ns);
  // New addresses arrived for vpn_ip (a lighthouse answered): send stage 1 there now.
  void Trigger(const IpAddr& vpn_ip) override;
  // A hole punch arrived from `from`: resend stage 1 to any pending peer known there.
  void Punched(const net::UdpAddr& from);
  // Starts a handshake with vpn_ip unless one is running. A tunnel we may hold stays in
  // use until the new one replaces it.
  void Initiate(const IpAddr& vpn_ip, int64_t now_ns) override;
  // `via_relay`: the packet came relayed through that host (and `from` is unset).
  void HandlePacket(const net::UdpAddr& from, ByteSpan packet, int64_t now_ns,
                    const IpAddr& via_relay = {});
  // The first message opened on responder tunnel `local_index` (ControlEvent::kProven): a
  // candidate replaces the peer's tunnel, and the peer's other candidates go.
  void Proven(uint32_t local_index);

  static constexpr size_t kMaxCandidatesPerPeer = 4;
  static constexpr int64_t kCandidateLifetimeNs = 30'000'000'000;

  bool Pending(const IpAddr& vpn_ip) const { return pending_by_vpn_ip_.count(vpn_ip) > 0; }
  // Any thread (flatnet status reads it).
  size_t pending_count() const { return pending_count_.load(std::memory_order_relaxed); }

 private:
  struct PendingHandshake;

  void HandleStage1(const net::UdpAddr& from, const wire::Header& header, ByteSpan packet,
                    int64_t now_ns, const IpAddr& via_relay);
  void HandleStage2(const net::UdpAddr& from, const wire::Header& header, ByteSpan packet,
                    int64_t now_ns, const IpAddr& via_relay);
  // Answers the peer where its handshake came from: its address, or back through the relay.
  void Reply(const net::UdpAddr& from, const IpAddr& via_relay, const IpAddr& peer,
             ByteSpan datagram);
  void SendStage1(PendingHandshake& pending);
  // Makes the tunnel known to the workers (and DNS); then SendQueued sends what waited.
  void Publish(const std::shared_ptr<Tunnel>& tunnel);
  void SendQueued(Tunnel& tunnel, const std::deque<QueuedMessage>& queued);
  void DropPending(const IpAddr& vpn_ip);
  // Ends our pending handshakes to any of `addrs` (one peer's addresses) and hands back
  // what they had queued, in order of the addresses.
  std::deque<QueuedMessage> TakePendingOf(const std::vector<IpAddr>& addrs);
  // The handshake retry timer: armed for pending.next_send_ns; RetryDue is its expiry.
  void ArmRetry(PendingHandshake& pending);
  void RetryDue(const IpAddr& vpn_ip, int64_t now_ns);
  // The candidate expiry timer of vpn_ip: drops its candidates older than
  // kCandidateLifetimeNs and re-arms for the next oldest.
  void ExpireCandidates(const IpAddr& vpn_ip, int64_t now_ns);
  // Keeps `tunnel` as one of its peer's candidates (in the host map by index only).
  void RememberCandidate(std::shared_ptr<Tunnel> tunnel, int64_t now_ns);
  // Forgets every candidate of vpn_ip but `keep`.
  void DropCandidates(const IpAddr& vpn_ip, const Tunnel* keep);
  // The tunnel or candidate that answered this very stage 1, if any.
  Tunnel* AnsweredStage1(const IpAddr& vpn_ip, Tunnel* existing, const Bytes& stage1_noise);
  uint32_t NewLocalIndex() const;
  // Where vpn_ip may be: the address book's candidates, its live direct tunnel's remote first.
  std::vector<net::UdpAddr> RemotesOf(const IpAddr& vpn_ip) const;
  uint64_t WallClockNs() const;

  const Deps deps_;
  bool use_relays_;  // deps_.use_relays, then as a reload sets it
  std::unordered_map<IpAddr, std::unique_ptr<PendingHandshake>> pending_by_vpn_ip_;
  std::unordered_map<uint32_t, PendingHandshake*> pending_by_index_;
  std::atomic<size_t> pending_count_{0};
  struct Candidate {
    std::shared_ptr<Tunnel> tunnel;
    int64_t since_ns;
  };
  struct Candidates {
    std::deque<Candidate> list;  // oldest first
    TimerId expiry = 0;          // armed for the oldest
  };
  std::unordered_map<IpAddr, Candidates> candidates_;  // by overlay IP
  // Relays we need a tunnel to before a pending handshake can use them; started at the next
  // retry that finds them (not from inside SendStage1, which Initiate itself calls).
  std::vector<IpAddr> relays_to_reach_;
};

}  // namespace flatnet::mesh
