// SimulatedHost: one of the load generator's hosts, speaking to the lighthouse as a Nebula
// member does: a Noise IX handshake as initiator (flatnet's noise library, the host's own
// certificate), then lighthouse messages sealed under the tunnel's keys (wire and noise).
//
// Contract:
//  - Each host has its own underlay address:port (host_sockets.h carries its datagrams),
//    so the lighthouse sees every host as a distinct peer.
//  - StartHandshake makes the stage 1 once; a retry resends the same bytes (as Nebula does:
//    the responder answers a repeat with its cached stage 2). A stage 2 is accepted only
//    when it carries our index and completes the Noise handshake; then the tunnel is up
//    and the handshake state is freed. The lighthouse's certificate is decoded, not
//    verified: the generator measures the lighthouse, it does not guard against it.
//  - Seal numbers packets from 3 on (1 and 2 were the handshake's). Open authenticates a
//    tunnel packet (any type but handshake) and gives its header and plaintext; packets
//    that do not open are the caller's to count.
//  - Close (the lighthouse sent closeTunnel) forgets the tunnel; StartHandshake may run again.
// Not thread-safe; the generator runs every host on one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/aead.h"
#include "load_pki.h"
#include "net/udp_addr.h"
#include "noise/handshake_state.h"
#include "noise/tunnel_cipher.h"
#include "wire/header.h"

namespace flatnet::bench {

class SimulatedHost {
 public:
  SimulatedHost(net::UdpAddr local, uint32_t index) : local_(local), index_(index) {}

  const net::UdpAddr& local() const { return local_; }
  uint32_t index() const { return index_; }  // our index, what the lighthouse's packets name
  bool up() const { return cipher_ != nullptr; }
  bool handshaking() const { return handshake_ != nullptr; }

  // Makes (or re-makes, after Close) the stage 1 for `identity`.
  Status StartHandshake(const HostIdentity& identity, crypto::CipherKind cipher);
  const Bytes& stage1() const { return stage1_; }
  // A datagram that may be our stage 2: true when it completed the handshake. Anything else
  // (not a stage 2 for our index, or one that fails Noise) returns false and changes nothing.
  bool TryFinishHandshake(ByteSpan datagram);
  void Close() { cipher_.reset(); }
  // Gives up the handshake under way (its retries ran out).
  void AbandonHandshake() {
    handshake_.reset();
    stage1_ = Bytes();
  }

  // Header and plaintext of an authenticated tunnel packet; plain keeps the bytes.
  std::optional<wire::Header> Open(ByteSpan datagram, Bytes& plain);
  // Seals `plain` as type/subtype into out (at least 16 + plain + 16 bytes); its length.
  size_t Seal(wire::MessageType type, wire::MessageSubType subtype, ByteSpan plain, uint8_t* out);

 private:
  net::UdpAddr local_;
  uint32_t index_;
  std::unique_ptr<noise::HandshakeState> handshake_;
  Bytes stage1_;
  uint32_t remote_index_ = 0;  // the lighthouse's index for our tunnel
  std::unique_ptr<noise::TunnelCipher> cipher_;
  uint64_t send_counter_ = 3;
};

}  // namespace flatnet::bench
