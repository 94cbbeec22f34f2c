// Tunnel: one established, authenticated session with one peer (Nebula's HostInfo once its
// handshake completed).
//
// Contract: a Tunnel is created complete by the handshake manager on the control thread and
// published through the HostMap; from then on workers use it concurrently:
// - keys, indexes, the peer's certificate and identity never change;
// - the send counter is atomic, so any thread may seal;
// - each thread seals and opens with its own cipher contexts (CipherFor), because an
//   OpenSSL context is not thread-safe and a lock per packet would serialise the workers;
// - the replay window is shared by the threads that open, behind a small lock;
// - the remote (underlay) address may change when the peer roams; it is read per packet
//   under a lock that is uncontended in practice (written only when a peer roams).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cert/certificate.h"
#include "crypto/aead.h"
#include "firewall/peer_identity.h"
#include "net/udp_addr.h"
#include "noise/session_keys.h"
#include "noise/tunnel_cipher.h"
#include "wire/message_type.h"
#include "wire/replay_window.h"

namespace flatnet::mesh {

// Threads that may seal or open: every worker's inside and outside threads plus the control
// thread. Each has a fixed slot.
constexpr int kMaxThreadSlots = 64;
// The control thread's cipher slot; worker w uses 1 + 2w (inside) and 2 + 2w (outside).
constexpr int kControlSlot = 0;

// How many messages a tunnel may send under one key. The counter is the AEAD nonce, so it
// must never wrap: sealing stops at reject_after (kSendSpent), and Liveness starts a new
// handshake once rehandshake_after messages went out, so a busy tunnel is replaced long
// before it runs dry (the figures are Nebula 1.11.1's: roll keys within AES-GCM's
// data-volume margin; stop 2^40 short of the wrap, room for every thread racing the counter).
struct SendLimits {
  static constexpr uint64_t kRehandshakeAfterMessages = uint64_t(1) << 34;
  static constexpr uint64_t kRejectAfterMessages = ~uint64_t(0) - (uint64_t(1) << 40);
  uint64_t rehandshake_after = kRehandshakeAfterMessages;
  uint64_t reject_after = kRejectAfterMessages;
};
static_assert(SendLimits::kRehandshakeAfterMessages < SendLimits::kRejectAfterMessages);

// What SealMessage (and WrapRelayed, SealForPeer) return when the tunnel's send counter has
// reached SendLimits::reject_after: nothing was written; counted as tx_dropped_send_limit.
inline constexpr long kSendSpent = -2;

class Tunnel {
 public:
  Tunnel(const IpAddr& vpn_ip, uint32_t local_index, uint32_t remote_index, noise::SessionKeys keys,
         std::shared_ptr<const cert::Certificate> peer_cert, firewall::PeerIdentity identity,
         const net::UdpAddr& remote, uint64_t handshake_time_ns, bool initiator,
         IpAddr via_relay = {}, SendLimits limits = {});
  ~Tunnel();

  // The peer's primary overlay address (its certificate's first network's: OverlayIpOf),
  // which pending handshakes, candidates and relay legs are keyed by.
  const IpAddr& vpn_ip() const { return vpn_ip_; }
  // Every overlay address of the peer: vpn_ip() first, then its certificate's other
  // networks' addresses, of both families. The host map finds the tunnel by each.
  const std::vector<IpAddr>& vpn_addrs() const { return vpn_addrs_; }
  bool HasVpnAddr(const IpAddr& ip) const {
    return std::find(vpn_addrs_.begin(), vpn_addrs_.end(), ip) != vpn_addrs_.end();
  }
  uint32_t local_index() const { return local_index_; }
  uint32_t remote_index() const { return remote_index_; }
  bool initiator() const { return initiator_; }
  // The relay this tunnel's packets go through (its overlay IP), or the invalid address for
  // a direct tunnel, whose remote() is then the peer's underlay address.
  const IpAddr& via_relay() const { return via_relay_; }
  uint64_t handshake_time_ns() const { return handshake_time_ns_; }
  const cert::Certificate& peer_cert() const { return *peer_cert_; }
  const firewall::PeerIdentity& identity() const { return identity_; }

  // The cipher contexts of thread `slot` for this tunnel, made on first use by that thread.
  noise::TunnelCipher& CipherFor(int slot);

  // Writes a header naming the peer's index and the next counter, then `payload` sealed with
  // the header as associated data, at `out` (out + 16 may alias payload exactly). Marks
  // outgoing traffic. Returns the length (16 + payload + 16), -1 when that exceeds
  // `capacity` (nothing is written) or sealing fails, kSendSpent once the send counter has
  // reached limits().reject_after (nothing is written, ever again on this tunnel).
  long SealMessage(int slot, wire::MessageType type, wire::MessageSubType subtype, ByteSpan payload,
                   uint8_t* out, size_t capacity);

  // The counter for the next message, or 0 (never a data counter) once reject_after went
  // out. Threads race on it: each gets a distinct counter, none past the limit, and the
  // counter stops growing (at most a step per thread past it), so it can never wrap.
  uint64_t NextSendCounter() {
    if (send_counter_.load(std::memory_order_relaxed) >= limits_.reject_after) return 0;
    uint64_t next = send_counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    return next > limits_.reject_after ? 0 : next;
  }
  // The last counter handed out (a few more once spent: refused attempts).
  uint64_t SendCounter() const { return send_counter_.load(std::memory_order_relaxed); }
  const SendLimits& limits() const { return limits_; }
  // Liveness: time for a new handshake; spent: nothing can be sent any more.
  bool SendWornOut() const { return SendCounter() >= limits_.rehandshake_after; }
  bool SendSpent() const { return SendCounter() >= limits_.reject_after; }

  // Replay protection around the AEAD open: Check before, Update after success.
  bool ReplayCheck(uint64_t counter);
  bool ReplayUpdate(uint64_t counter);

  net::UdpAddr remote() const;
  void set_remote(const net::UdpAddr& remote);
  // Authenticated traffic arrived from `from`: make it the remote, unless it is the remote
  // already or the address we just left (within suppress_ns). Returns the old remote when
  // the tunnel moved.
  std::optional<net::UdpAddr> RoamTo(const net::UdpAddr& from, int64_t now_ns, int64_t suppress_ns);

  // Proof. Stage 1 is unauthenticated (anyone who has seen a member's certificate and key,
  // both sent in clear, can send one), so a responder's tunnel is unproven until a message
  // from the peer opens under its keys; an initiator's is proven by stage 2 itself. Workers
  // call NoteAuthenticated after every successful open: true exactly once, the first time,
  // and then they tell the control thread (ControlEvent::kProven). If they cannot,
  // Unprove lets a later message try again.
  bool proven() const { return proven_.load(std::memory_order_relaxed); }
  bool NoteAuthenticated() {
    return !proven_.load(std::memory_order_relaxed) &&
           !proven_.exchange(true, std::memory_order_relaxed);
  }
  void Unprove() { proven_.store(false, std::memory_order_relaxed); }

  // Liveness, set per packet by workers and read-and-cleared by the control thread's timers.
  void MarkIn() {
    if (!in_seen_.load(std::memory_order_relaxed)) in_seen_.store(true, std::memory_order_relaxed);
  }
  void MarkOut() {
    if (!out_seen_.load(std::memory_order_relaxed))
      out_seen_.store(true, std::memory_order_relaxed);
  }
  bool TakeIn() { return in_seen_.exchange(false, std::memory_order_relaxed); }
  // Inner (overlay) bytes sealed to and delivered from the peer, for the metrics endpoint.
  void AddRxBytes(uint64_t n) {
    rx_bytes_.fetch_add(n, std::memory_order_relaxed);
    rx_packets_.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t TxBytes() const { return tx_bytes_.load(std::memory_order_relaxed); }
  uint64_t RxBytes() const { return rx_bytes_.load(std::memory_order_relaxed); }
  uint64_t RxPackets() const { return rx_packets_.load(std::memory_order_relaxed); }

  // For `flatnet status` (any thread reads): when the tunnel was made by our wall clock
  // (handshake_time_ns is the handshake's, which the peer's clock may have set); when the
  // control thread last saw something arrive from the peer (steady clock, Liveness's
  // once-a-second look, 0: nothing yet); the last round trip a test message measured
  // (Pinger, 0: none yet). Only the control thread writes the last two.
  int64_t created_unix_ns() const { return created_unix_ns_; }
  int64_t last_heard_ns() const { return last_heard_ns_.load(std::memory_order_relaxed); }
  void set_last_heard_ns(int64_t ns) { last_heard_ns_.store(ns, std::memory_order_relaxed); }
  int64_t rtt_ns() const { return rtt_ns_.load(std::memory_order_relaxed); }
  void set_rtt_ns(int64_t ns) { rtt_ns_.store(ns, std::memory_order_relaxed); }
  bool TakeOut() { return out_seen_.exchange(false, std::memory_order_relaxed); }

  // Control-thread bookkeeping (only the control thread touches these).
  struct ControlState {
    int64_t next_check_ns = 0;              // 0: not being watched (see liveness.h)
    int64_t pending_deletion_since_ns = 0;  // 0: not pending deletion
    int64_t last_used_ns = 0;  // last Liveness tick that saw traffic either way (0: none yet)
    bool seen_in = false;      // traffic flags Liveness took from the workers, not yet judged
    bool seen_out = false;
    bool in_tick_before = false;  // the in flag Liveness took at its previous tick
    int recv_errors = 0;
    bool rtt_probed = false;  // Liveness sent the new tunnel's first round-trip probe
    // Until the tunnel is proven (HandshakeManager::Proven drops them):
    Bytes stage1_packet;  // the initiator's stage 1 we answered, to spot resends
    Bytes stage2_packet;  // our cached stage 2 answer, resent on a duplicate stage 1
    // The version of our certificate this tunnel's handshake carried: lighthouse queries and
    // updates to the peer use that version's fields (Nebula's myCert.Version()).
    cert::Version my_cert_version = cert::Version::kV1;
  };
  ControlState& control() { return control_; }

 private:
  const IpAddr vpn_ip_;
  std::vector<IpAddr> vpn_addrs_;  // set in the constructor, never changed
  const uint32_t local_index_;
  const uint32_t remote_index_;
  const noise::SessionKeys keys_;
  const std::shared_ptr<const cert::Certificate> peer_cert_;
  const firewall::PeerIdentity identity_;
  const uint64_t handshake_time_ns_;
  const bool initiator_;
  const IpAddr via_relay_;
  const SendLimits limits_;

  // Nebula's handshake consumed counters 1 and 2; data starts at 3 in both directions.
  alignas(64) std::atomic<uint64_t> send_counter_{2};
  std::atomic<uint64_t> tx_bytes_{0};  // beside send_counter_: each seal writes both
  alignas(64) std::atomic<uint64_t> rx_bytes_{0};
  std::atomic<uint64_t> rx_packets_{0};  // beside rx_bytes_: each delivery writes both
  alignas(64) std::atomic<bool> out_seen_{false};
  alignas(64) std::atomic<bool> in_seen_{false};
  std::atomic<bool> proven_;
  const int64_t created_unix_ns_ =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::atomic<int64_t> last_heard_ns_{0};
  std::atomic<int64_t> rtt_ns_{0};

  std::mutex window_mutex_;
  wire::ReplayWindow window_;

  mutable std::mutex remote_mutex_;
  net::UdpAddr remote_;
  net::UdpAddr roamed_from_;
  int64_t roamed_at_ns_ = 0;

  std::array<std::atomic<noise::TunnelCipher*>, kMaxThreadSlots> ciphers_{};
  ControlState control_;
};

}  // namespace flatnet::mesh
