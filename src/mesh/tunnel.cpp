#include "mesh/tunnel.h"

#include <algorithm>

#include "wire/header.h"

namespace flatnet::mesh {

Tunnel::Tunnel(const IpAddr& vpn_ip, uint32_t local_index, uint32_t remote_index,
               noise::SessionKeys keys, std::shared_ptr<const cert::Certificate> peer_cert,
               firewall::PeerIdentity identity, const net::UdpAddr& remote,
               uint64_t handshake_time_ns, bool initiator, IpAddr via_relay, SendLimits limits)
    : vpn_ip_(vpn_ip),
      local_index_(local_index),
      remote_index_(remote_index),
      keys_(keys),
      peer_cert_(std::move(peer_cert)),
      identity_(std::move(identity)),
      handshake_time_ns_(handshake_time_ns),
      initiator_(initiator),
      via_relay_(via_relay),
      limits_(limits),
      proven_(initiator),
      remote_(remote) {
  vpn_addrs_.push_back(vpn_ip_);
  if (peer_cert_)
    for (const IpPrefix& network : peer_cert_->networks)
      if (std::find(vpn_addrs_.begin(), vpn_addrs_.end(), network.addr()) == vpn_addrs_.end())
        vpn_addrs_.push_back(network.addr());
  // Counters 0..2 belong to the handshake; marking them seen keeps them from being
  // accepted later and from showing up as lost.
  for (uint64_t c = 0; c <= 2; ++c) window_.Update(c);
}

Tunnel::~Tunnel() {
  for (auto& slot : ciphers_) delete slot.load(std::memory_order_relaxed);
}

noise::TunnelCipher& Tunnel::CipherFor(int slot) {
  noise::TunnelCipher* cipher = ciphers_[slot].load(std::memory_order_acquire);
  if (!cipher) {
    // Only thread `slot` ever fills this slot, so there is no race to create it.
    cipher = new noise::TunnelCipher(keys_);
    ciphers_[slot].store(cipher, std::memory_order_release);
  }
  return *cipher;
}

long Tunnel::SealMessage(int slot, wire::MessageType type, wire::MessageSubType subtype,
                         ByteSpan payload, uint8_t* out, size_t capacity) {
  if (wire::kHeaderSize + payload.size() + noise::TunnelCipher::kTagSize > capacity) return -1;
  wire::Header header;
  header.type = type;
  header.subtype = subtype;
  header.remote_index = remote_index_;
  header.message_counter = NextSendCounter();
  if (header.message_counter == 0) return kSendSpent;
  wire::EncodeHeader(header, out);
  long sealed = CipherFor(slot).Seal(header.message_counter, ByteSpan(out, wire::kHeaderSize),
                                     payload, out + wire::kHeaderSize);
  if (sealed < 0) return -1;
  MarkOut();
  tx_bytes_.fetch_add(payload.size(), std::memory_order_relaxed);
  return long(wire::kHeaderSize) + sealed;
}

bool Tunnel::ReplayCheck(uint64_t counter) {
  std::lock_guard lock(window_mutex_);
  return window_.Check(counter);
}

bool Tunnel::ReplayUpdate(uint64_t counter) {
  std::lock_guard lock(window_mutex_);
  return window_.Update(counter);
}

net::UdpAddr Tunnel::remote() const {
  std::lock_guard lock(remote_mutex_);
  return remote_;
}

void Tunnel::set_remote(const net::UdpAddr& remote) {
  std::lock_guard lock(remote_mutex_);
  remote_ = remote;
}

std::optional<net::UdpAddr> Tunnel::RoamTo(const net::UdpAddr& from, int64_t now_ns,
                                           int64_t suppress_ns) {
  std::lock_guard lock(remote_mutex_);
  if (from == remote_) return std::nullopt;
  if (roamed_at_ns_ != 0 && from == roamed_from_ && now_ns - roamed_at_ns_ < suppress_ns)
    return std::nullopt;
  net::UdpAddr old = remote_;
  roamed_from_ = remote_;
  roamed_at_ns_ = now_ns;
  remote_ = from;
  return old;
}

}  // namespace flatnet::mesh
