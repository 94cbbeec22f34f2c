#include "mesh/handshake_manager.h"

#include <algorithm>
#include <ctime>

#include "cert/recombine.h"
#include "crypto/random.h"
#include "mesh/address_book.h"
#include "mesh/host_credentials.h"
#include "mesh/host_map.h"
#include "mesh/peer_remotes.h"
#include "mesh/tunnel.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

namespace flatnet::mesh {
namespace {

using wire::MessageSubType;
using wire::MessageType;

// Nebula logs the handshake's stage and style as a nested map.
const log::Object kStage1 = {{"stage", 1}, {"style", "ix_psk0"}};
const log::Object kStage2 = {{"stage", 2}, {"style", "ix_psk0"}};

uint64_t RealWallClockNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

Bytes HandshakeDatagram(uint32_t remote_index, uint64_t counter, const Bytes& noise_message) {
  Bytes out(wire::kHeaderSize + noise_message.size());
  wire::Header header;
  header.type = MessageType::kHandshake;
  header.subtype = MessageSubType::kIxPsk0;
  header.remote_index = remote_index;
  header.message_counter = counter;
  wire::EncodeHeader(header, out.data());
  std::copy(noise_message.begin(), noise_message.end(), out.begin() + wire::kHeaderSize);
  return out;
}

// The peer's certificate, of the version its handshake names (CertVersion; none from 1.6.1
// means v1), with its Noise static key put back, verified against the pool. Its curve must
// be ours (the DH already was). A certificate without networks is refused as well (its
// networks, IPv4 or IPv6, are the peer's overlay addresses).
Result<cert::Certificate> VerifiedPeerCertificate(const nebula::NebulaHandshakeDetails& details,
                                                  ByteSpan peer_static, const HostCredentials& me) {
  auto version = wire::HandshakeCertVersionOf(details);
  if (!version.ok()) return version.status();
  const std::string& raw = details.cert();
  auto peer_cert = cert::RecombineAndVerify(
      *version, ByteSpan(reinterpret_cast<const uint8_t*>(raw.data()), raw.size()), peer_static,
      me.curve, me.ca_pool, std::time(nullptr));
  if (peer_cert.ok() && peer_cert->networks.empty()) {
    return Status::Error("certificate has no networks");
  }
  return peer_cert;
}

}  // namespace

cert::Version ResponderCertVersion(const HostCredentials& me, cert::Version peer_version) {
  return me.For(peer_version) ? peer_version : me.initiating_version;
}

void SetHandshakeCert(nebula::NebulaHandshakeDetails* details, const HandshakeCredential& mine) {
  const Bytes& bytes = mine.handshake_bytes;
  details->set_cert(bytes.data(), bytes.size());
  details->set_certversion(uint32_t(mine.certificate->version));
}

struct HandshakeManager::PendingHandshake {
  IpAddr vpn_ip;
  uint32_t local_index = 0;
  noise::HandshakeState state;
  Bytes stage1;  // whole datagram, resent as is
  int attempts = 0;
  int64_t started_ns = 0;
  int64_t next_send_ns = 0;
  TimerId retry = 0;  // the handshake retry timer, armed for next_send_ns
  std::deque<QueuedMessage> queued;
  cert::Version my_version = cert::Version::kV1;  // of the certificate stage 1 carries

  explicit PendingHandshake(noise::HandshakeState state) : state(std::move(state)) {}
};

HandshakeManager::HandshakeManager(Deps deps)
    : deps_(std::move(deps)), use_relays_(deps_.use_relays) {}
HandshakeManager::~HandshakeManager() = default;

uint64_t HandshakeManager::WallClockNs() const {
  return deps_.wall_clock_ns ? deps_.wall_clock_ns() : RealWallClockNs();
}

std::vector<net::UdpAddr> HandshakeManager::RemotesOf(const IpAddr& vpn_ip) const {
  return PeerRemotes(deps_.host_map, deps_.addresses, deps_.calculated_remotes, vpn_ip);
}

uint32_t HandshakeManager::NewLocalIndex() const {
  // Indexes are how a peer's datagrams find their tunnel; random so they don't leak how
  // many tunnels we made, never 0 (a stage 1's remote index), and never one in use.
  for (;;) {
    uint32_t index = crypto::RandomUint32();
    if (index != 0 && !deps_.host_map.IndexInUse(index) && !pending_by_index_.count(index))
      return index;
  }
}

void HandshakeManager::QueueOutbound(const IpAddr& vpn_ip, QueuedMessage message, int64_t now_ns) {
  Initiate(vpn_ip, now_ns);
  auto it = pending_by_vpn_ip_.find(vpn_ip);
  if (it == pending_by_vpn_ip_.end()) return;
  Counters& counters = deps_.counters;
  if (it->second->queued.size() >= kMaxQueuedPackets) {
    Counters::Add(counters.tx_dropped_queue_full);
    return;
  }
  Counters::Add(counters.tx_queued_handshake);
  it->second->queued.push_back(std::move(message));
}

void HandshakeManager::Punched(const net::UdpAddr& from) {
  for (auto& [vpn_ip, pending] : pending_by_vpn_ip_) {
    std::vector<net::UdpAddr> remotes = RemotesOf(vpn_ip);
    if (std::find(remotes.begin(), remotes.end(), from) == remotes.end()) continue;
    deps_.send.SendRaw(from, pending->stage1);
  }
}

void HandshakeManager::Trigger(const IpAddr& vpn_ip) {
  auto it = pending_by_vpn_ip_.find(vpn_ip);
  if (it == pending_by_vpn_ip_.end()) return;
  // An extra send, outside the backoff schedule: the addresses are fresh.
  int attempts = it->second->attempts;
  SendStage1(*it->second);
  it->second->attempts = attempts;
}

void HandshakeManager::Initiate(const IpAddr& vpn_ip, int64_t now_ns) {
  if (pending_by_vpn_ip_.count(vpn_ip)) return;
  if (pending_by_vpn_ip_.size() >= kMaxPendingHandshakes) {
    Counters::Add(deps_.counters.handshakes_refused_pending);
    return;
  }
  const HostCredentials& me = deps_.me;
  auto state = noise::HandshakeState::Create(deps_.settings.cipher, noise::Role::kInitiator, me.dh,
                                             me.static_keys);
  if (!state.ok()) {
    deps_.logger.Error("Failed to create connection state",
                       {{"vpnIp", vpn_ip.ToString()},
                        {"error", state.status().message()},
                        {"handshake", kStage1}});
    return;
  }
  // Nebula 1.11's rule: an IPv6 peer address is a v2 peer (a v1 certificate holds one IPv4
  // network), so stage 1 carries our v2 certificate whatever pki.initiating_version says.
  cert::Version my_version = me.initiating_version;
  if (vpn_ip.is_v6()) my_version = cert::Version::kV2;
  if (!me.For(my_version)) {
    deps_.logger.Error("Unable to handshake with host because no certificate is available",
                       {{"vpnIp", vpn_ip.ToString()}, {"certVersion", int(my_version)}});
    return;
  }
  auto pending = std::make_unique<PendingHandshake>(std::move(*state));
  pending->my_version = my_version;
  pending->vpn_ip = vpn_ip;
  pending->local_index = NewLocalIndex();
  pending->started_ns = now_ns;
  Counters::Add(deps_.counters.handshakes_initiated);

  nebula::NebulaHandshake message;
  auto* details = message.mutable_details();
  details->set_initiatorindex(pending->local_index);
  details->set_time(WallClockNs());
  SetHandshakeCert(details, *me.For(pending->my_version));
  Bytes noise_message;
  Status written = pending->state.WriteMessage(wire::EncodeMessage(message), noise_message);
  if (!written.ok()) {
    deps_.logger.Error("Failed to call noise.WriteMessage",
                       {{"vpnIp", vpn_ip.ToString()},
                        {"error", written.message()},
                        {"handshake", kStage1}});
    return;
  }
  pending->stage1 = HandshakeDatagram(0, 1, noise_message);
  PendingHandshake* raw = pending.get();
  pending_by_index_[raw->local_index] = raw;
  pending_by_vpn_ip_[vpn_ip] = std::move(pending);
  pending_count_.store(pending_by_vpn_ip_.size(), std::memory_order_relaxed);
  // Ask the lighthouses every time, as nebula does: besides fresh addresses, the query makes
  // the lighthouse tell the peer to punch towards us, without which a NAT in front of the
  // peer drops our handshake (a peer whose NAT moved is known at stale addresses).
  deps_.lighthouse.Query(vpn_ip);
  // Peers from static_host_map need no lighthouse answer: send now, not at the next tick.
  SendStage1(*raw);
  raw->next_send_ns = now_ns + deps_.settings.handshake_try_interval_ns * raw->attempts;
  ArmRetry(*raw);
}

void HandshakeManager::SendStage1(PendingHandshake& pending) {
  std::vector<net::UdpAddr> remotes = RemotesOf(pending.vpn_ip);
  std::string sent_to;
  for (const net::UdpAddr& remote : remotes) {
    deps_.send.SendRaw(remote, pending.stage1);
    sent_to += (sent_to.empty() ? "" : " ") + remote.ToString();
  }
  ++pending.attempts;
  if (!remotes.empty()) {
    deps_.logger.Info("Handshake message sent", {{"vpnIp", pending.vpn_ip.ToString()},
                                                 {"udpAddrs", "[" + sent_to + "]"},
                                                 {"initiatorIndex", pending.local_index},
                                                 {"handshake", kStage1}});
  }
  // Also through every relay the peer is reachable by (relay.use_relays): whichever
  // answers first wins, and a direct tunnel later replaces a relayed one.
  if (!use_relays_) return;
  auto snapshot = deps_.host_map.Current();
  for (const IpAddr& relay : deps_.addresses.Relays(pending.vpn_ip)) {
    if (relay == pending.vpn_ip || relay == deps_.me.vpn_ip) continue;
    Tunnel* tunnel = snapshot->FindByVpnIp(relay);
    if (!tunnel || tunnel->via_relay().valid()) {
      relays_to_reach_.push_back(relay);
      continue;
    }
    if (deps_.relays.EnsurePath(*tunnel, pending.vpn_ip) &&
        deps_.relays.SendThrough(relay, pending.vpn_ip, pending.stage1)) {
      deps_.logger.Info("Handshake message sent", {{"vpnIp", pending.vpn_ip.ToString()},
                                                   {"relay", relay.ToString()},
                                                   {"initiatorIndex", pending.local_index},
                                                   {"handshake", kStage1}});
    }
  }
}

void HandshakeManager::ArmRetry(PendingHandshake& pending) {
  IpAddr vpn_ip = pending.vpn_ip;
  pending.retry = deps_.timers.At(pending.next_send_ns,
                                  [this, vpn_ip](int64_t now_ns) { RetryDue(vpn_ip, now_ns); });
}

void HandshakeManager::RetryDue(const IpAddr& vpn_ip, int64_t now_ns) {
  auto found = pending_by_vpn_ip_.find(vpn_ip);
  if (found == pending_by_vpn_ip_.end()) return;
  PendingHandshake& pending = *found->second;
  pending.retry = 0;
  if (pending.attempts >= deps_.settings.handshake_retries) {
    deps_.logger.Info("Handshake timed out", {{"vpnIp", vpn_ip.ToString()},
                                              {"initiatorIndex", pending.local_index},
                                              {"durationNs", now_ns - pending.started_ns},
                                              {"handshake", kStage1}});
    Counters::Add(deps_.counters.handshakes_timed_out);
    DropPending(vpn_ip);
    return;
  }
  if (RemotesOf(vpn_ip).size() <= 1) deps_.lighthouse.Query(vpn_ip);
  SendStage1(pending);
  pending.next_send_ns = now_ns + deps_.settings.handshake_try_interval_ns * pending.attempts;
  ArmRetry(pending);
  // `pending` may be gone below: a relay's handshake may start (and a bound refuse others).
  std::vector<IpAddr> relays;
  relays.swap(relays_to_reach_);
  for (const IpAddr& relay : relays)
    if (!deps_.host_map.Current()->FindByVpnIp(relay)) Initiate(relay, now_ns);
}

void HandshakeManager::DropPending(const IpAddr& vpn_ip) {
  auto it = pending_by_vpn_ip_.find(vpn_ip);
  if (it == pending_by_vpn_ip_.end()) return;
  if (it->second->retry) deps_.timers.Cancel(it->second->retry);
  pending_by_index_.erase(it->second->local_index);
  pending_by_vpn_ip_.erase(it);
  pending_count_.store(pending_by_vpn_ip_.size(), std::memory_order_relaxed);
}

std::deque<HandshakeManager::QueuedMessage> HandshakeManager::TakePendingOf(
    const std::vector<IpAddr>& addrs) {
  std::deque<QueuedMessage> taken;
  for (const IpAddr& address : addrs) {
    auto it = pending_by_vpn_ip_.find(address);
    if (it == pending_by_vpn_ip_.end()) continue;
    for (QueuedMessage& message : it->second->queued) taken.push_back(std::move(message));
    DropPending(address);
  }
  return taken;
}

void HandshakeManager::Reply(const net::UdpAddr& from, const IpAddr& via_relay, const IpAddr& peer,
                             ByteSpan datagram) {
  if (via_relay.valid())
    deps_.relays.SendThrough(via_relay, peer, datagram);
  else
    deps_.send.SendRaw(from, datagram);
}

void HandshakeManager::HandlePacket(const net::UdpAddr& from, ByteSpan packet, int64_t now_ns,
                                    const IpAddr& via_relay) {
  auto header = wire::ParseHeader(packet);
  if (!header.ok() || header->subtype != MessageSubType::kIxPsk0) {
    Counters::Add(deps_.counters.handshakes_dropped);
    return;
  }
  // The message counter tells the stages apart: 1 from an initiator, 2 from a responder.
  if (header->message_counter == 1 && header->remote_index == 0) {
    HandleStage1(from, *header, packet, now_ns, via_relay);
  } else if (header->message_counter == 2) {
    HandleStage2(from, *header, packet, now_ns, via_relay);
  } else {
    Counters::Add(deps_.counters.handshakes_dropped);
  }
}

void HandshakeManager::HandleStage1(const net::UdpAddr& from, const wire::Header& header,
                                    ByteSpan packet, int64_t now_ns, const IpAddr& via_relay) {
  const HostCredentials& me = deps_.me;
  Counters& counters = deps_.counters;
  const log::Logger& logger = deps_.logger;
  std::string udp_addr = via_relay.valid() ? "relay " + via_relay.ToString() : from.ToString();
  ByteSpan noise_bytes = packet.subspan(wire::kHeaderSize);

  auto created = noise::HandshakeState::Create(deps_.settings.cipher, noise::Role::kResponder,
                                               me.dh, me.static_keys);
  if (!created.ok()) {
    logger.Error(
        "Failed to create connection state",
        {{"udpAddr", udp_addr}, {"error", created.status().message()}, {"handshake", kStage1}});
    return;
  }
  noise::HandshakeState& state = *created;
  auto payload = state.ReadMessage(noise_bytes);
  if (!payload.ok()) {
    Counters::Add(counters.handshakes_dropped);
    logger.Error(
        "Failed to call noise.ReadMessage",
        {{"udpAddr", udp_addr}, {"error", payload.status().message()}, {"handshake", kStage1}});
    return;
  }
  auto message = wire::DecodeHandshake(*payload);
  if (!message.ok() || !message->has_details()) {
    Counters::Add(counters.handshakes_dropped);
    logger.Error("Failed unmarshal handshake message",
                 {{"udpAddr", udp_addr}, {"handshake", kStage1}});
    return;
  }
  const auto& details = message->details();
  if (details.initiatorindex() == 0) {
    // Index 0 names no tunnel (it is what a stage 1 header carries); a payload holding only
    // a time decodes with it. Nebula 1.11 refuses such handshakes too.
    Counters::Add(counters.handshakes_dropped);
    logger.Error("Invalid handshake: zero initiator index",
                 {{"udpAddr", udp_addr}, {"handshake", kStage1}});
    return;
  }
  const auto& peer_static = *state.PeerStatic();
  auto peer_cert = VerifiedPeerCertificate(details, peer_static, me);
  if (!peer_cert.ok()) {
    Counters::Add(counters.handshakes_dropped);
    logger.Info(
        "Invalid certificate from host",
        {{"udpAddr", udp_addr}, {"error", peer_cert.status().message()}, {"handshake", kStage1}});
    return;
  }
  auto overlay_ip = OverlayIpOf(*peer_cert);
  if (!overlay_ip.ok()) {
    Counters::Add(counters.handshakes_dropped);
    logger.Info("Invalid certificate from host", {{"udpAddr", udp_addr},
                                                  {"error", overlay_ip.status().message()},
                                                  {"certName", peer_cert->name},
                                                  {"handshake", kStage1}});
    return;
  }
  IpAddr vpn_ip = *overlay_ip;
  const std::vector<IpAddr> peer_addrs = OverlayAddressesOf(*peer_cert);
  std::string vpn_ip_text = vpn_ip.ToString();
  std::string fingerprint = peer_cert->Fingerprint();
  if (std::any_of(peer_addrs.begin(), peer_addrs.end(),
                  [&](const IpAddr& a) { return me.IsOurAddress(a); })) {
    Counters::Add(counters.handshakes_dropped);
    logger.Error("Refusing to handshake with myself", {{"vpnIp", vpn_ip_text},
                                                       {"udpAddr", udp_addr},
                                                       {"certName", peer_cert->name},
                                                       {"handshake", kStage1}});
    return;
  }
  Counters::Add(counters.handshakes_received);
  logger.Info("Handshake message received", {{"vpnIp", vpn_ip_text},
                                             {"udpAddr", udp_addr},
                                             {"certName", peer_cert->name},
                                             {"fingerprint", fingerprint},
                                             {"issuer", peer_cert->issuer},
                                             {"initiatorIndex", details.initiatorindex()},
                                             {"responderIndex", details.responderindex()},
                                             {"remoteIndex", header.remote_index},
                                             {"handshake", kStage1}});

  Bytes stage1_noise(noise_bytes.begin(), noise_bytes.end());
  auto snapshot = deps_.host_map.Current();
  Tunnel* existing = snapshot->FindByVpnIp(vpn_ip);
  if (Tunnel* answered = AnsweredStage1(vpn_ip, existing, stage1_noise)) {
    // Our stage 2 was lost: answer the resent stage 1 with the same bytes.
    Reply(from, via_relay, vpn_ip, answered->control().stage2_packet);
    logger.Info(
        "Handshake message sent",
        {{"vpnIp", vpn_ip_text}, {"udpAddr", udp_addr}, {"handshake", kStage2}, {"cached", true}});
    return;
  }
  // Only a proven tunnel is worth keeping against a newer handshake: a newer one then waits
  // as a candidate until it proves itself.
  const bool keep_existing = existing && existing->proven();
  if (keep_existing && existing->handshake_time_ns() >= details.time()) {
    logger.Info("Handshake too old", {{"vpnIp", vpn_ip_text},
                                      {"udpAddr", udp_addr},
                                      {"certName", peer_cert->name},
                                      {"oldHandshakeTime", existing->handshake_time_ns()},
                                      {"newHandshakeTime", details.time()},
                                      {"handshake", kStage1}});
    deps_.send.SendOnTunnel(*existing, MessageType::kTest, MessageSubType::kTestRequest, {});
    return;
  }
  if (!via_relay.valid() && !deps_.addresses.Allowed(vpn_ip, from)) {
    Counters::Add(counters.handshakes_dropped);
    logger.Debug("lighthouse.remote_allow_list denied incoming handshake",
                 {{"vpnIp", vpn_ip_text}, {"udpAddr", udp_addr}});
    return;
  }
  std::deque<QueuedMessage> queued;
  // Our handshakes to any address of the peer (one per address packets went to).
  const bool racing = std::any_of(peer_addrs.begin(), peer_addrs.end(), [&](const IpAddr& a) {
    return pending_by_vpn_ip_.count(a) > 0;
  });
  if (racing) {
    // Both sides initiated. Nebula's rule: the handshake started by the host with the
    // higher (primary) overlay IP wins, so both ends keep the same one.
    if (vpn_ip < me.vpn_ip) {
      logger.Error("Prevented a pending handshake race", {{"vpnIp", vpn_ip_text},
                                                          {"udpAddr", udp_addr},
                                                          {"certName", peer_cert->name},
                                                          {"handshake", kStage1}});
      return;
    }
    logger.Info("Handshake race lost, replacing pending handshake with completed tunnel",
                {{"vpnIp", vpn_ip_text}});
    queued = TakePendingOf(peer_addrs);
  }

  uint32_t local_index = NewLocalIndex();
  nebula::NebulaHandshake reply;
  auto* reply_details = reply.mutable_details();
  reply_details->set_initiatorindex(details.initiatorindex());
  reply_details->set_responderindex(local_index);
  reply_details->set_time(WallClockNs());
  // The initiator's version when we hold a certificate of it (Nebula 1.10+).
  cert::Version my_version = ResponderCertVersion(me, peer_cert->version);
  SetHandshakeCert(reply_details, *me.For(my_version));
  Bytes noise_reply;
  if (Status written = state.WriteMessage(wire::EncodeMessage(reply), noise_reply); !written.ok()) {
    logger.Error("Failed to call noise.WriteMessage",
                 {{"vpnIp", vpn_ip_text}, {"error", written.message()}, {"handshake", kStage1}});
    return;
  }
  auto keys = state.Split();
  if (!keys.ok()) {
    logger.Error("Noise did not arrive at a key", {{"vpnIp", vpn_ip_text}, {"handshake", kStage1}});
    return;
  }
  Bytes stage2 = HandshakeDatagram(details.initiatorindex(), 2, noise_reply);
  auto certificate = std::make_shared<const cert::Certificate>(std::move(*peer_cert));
  // Never later than our clock: a time far in the future would make every real handshake
  // after it look older.
  uint64_t handshake_time = std::min<uint64_t>(details.time(), WallClockNs());
  auto tunnel = std::make_shared<Tunnel>(vpn_ip, local_index, details.initiatorindex(), *keys,
                                         certificate, IdentityOf(*certificate, me.ca_pool), from,
                                         handshake_time, /*initiator=*/false, via_relay);
  tunnel->control().stage1_packet = std::move(stage1_noise);
  tunnel->control().stage2_packet = stage2;
  tunnel->control().my_cert_version = my_version;
  // Published before stage 2 leaves: the initiator sends data the moment stage 2 arrives,
  // and our workers must already know the tunnel it names. Queued packets wait for stage 2,
  // or the initiator, not yet finished, would drop them.
  if (keep_existing) {
    deps_.host_map.AddCandidate(tunnel);
    RememberCandidate(tunnel, now_ns);
    Counters::Add(counters.handshakes_completed);
  } else {
    // An unproven tunnel we replace stays reachable: it may yet be the real one.
    if (auto replaced = deps_.host_map.Add(tunnel, /*keep_replaced_index=*/true)) {
      logger.Info("Taking new handshake", {{"vpnIp", vpn_ip_text}});
      RememberCandidate(replaced, now_ns);
    }
    Counters::Add(counters.handshakes_completed);
    deps_.tunnels.TunnelEstablished(*tunnel);
  }
  Reply(from, via_relay, vpn_ip, stage2);
  logger.Info("Handshake message sent", {{"vpnIp", vpn_ip_text},
                                         {"udpAddr", udp_addr},
                                         {"certName", certificate->name},
                                         {"fingerprint", fingerprint},
                                         {"issuer", certificate->issuer},
                                         {"initiatorIndex", details.initiatorindex()},
                                         {"responderIndex", local_index},
                                         {"remoteIndex", header.remote_index},
                                         {"handshake", kStage2},
                                         {"sentCachedPackets", queued.size()}});
  SendQueued(*tunnel, queued);
}

void HandshakeManager::HandleStage2(const net::UdpAddr& from, const wire::Header& header,
                                    ByteSpan packet, int64_t now_ns, const IpAddr& via_relay) {
  const HostCredentials& me = deps_.me;
  Counters& counters = deps_.counters;
  const log::Logger& logger = deps_.logger;
  auto found = pending_by_index_.find(header.remote_index);
  if (found == pending_by_index_.end()) {
    // A late duplicate for a finished handshake, or noise: nothing to do.
    Counters::Add(counters.handshakes_dropped);
    return;
  }
  PendingHandshake& pending = *found->second;
  std::string udp_addr = via_relay.valid() ? "relay " + via_relay.ToString() : from.ToString();
  std::string intended = pending.vpn_ip.ToString();
  // As for stage 1: an answer from an underlay address we may not use is not read (and does
  // not end our handshake, which a real answer may still complete).
  if (!via_relay.valid() && !deps_.addresses.Allowed(pending.vpn_ip, from)) {
    Counters::Add(counters.handshakes_dropped);
    logger.Debug("lighthouse.remote_allow_list denied incoming handshake",
                 {{"vpnIp", intended}, {"udpAddr", udp_addr}, {"handshake", kStage2}});
    return;
  }

  // A failed read leaves the state untouched, so a forged stage 2 cannot spoil the real one.
  auto payload = pending.state.ReadMessage(packet.subspan(wire::kHeaderSize));
  if (!payload.ok()) {
    Counters::Add(counters.handshakes_dropped);
    logger.Error("Failed to call noise.ReadMessage", {{"vpnIp", intended},
                                                      {"udpAddr", udp_addr},
                                                      {"error", payload.status().message()},
                                                      {"handshake", kStage2}});
    return;
  }
  auto message = wire::DecodeHandshake(*payload);
  if (!message.ok() || !message->has_details()) {
    Counters::Add(counters.handshakes_dropped);
    logger.Error("Failed unmarshal handshake message",
                 {{"vpnIp", intended}, {"udpAddr", udp_addr}, {"handshake", kStage2}});
    DropPending(pending.vpn_ip);
    return;
  }
  const auto& details = message->details();
  if (details.responderindex() == 0) {
    Counters::Add(counters.handshakes_dropped);
    logger.Error("Invalid handshake: zero responder index",
                 {{"vpnIp", intended}, {"udpAddr", udp_addr}, {"handshake", kStage2}});
    DropPending(pending.vpn_ip);
    return;
  }
  auto peer_cert = VerifiedPeerCertificate(details, *pending.state.PeerStatic(), me);
  if (!peer_cert.ok()) {
    Counters::Add(counters.handshakes_dropped);
    logger.Error("Invalid certificate from host", {{"vpnIp", intended},
                                                   {"udpAddr", udp_addr},
                                                   {"error", peer_cert.status().message()},
                                                   {"handshake", kStage2}});
    DropPending(pending.vpn_ip);
    return;
  }
  auto overlay_ip = OverlayIpOf(*peer_cert);
  if (!overlay_ip.ok()) {
    Counters::Add(counters.handshakes_dropped);
    logger.Error("Invalid certificate from host", {{"vpnIp", intended},
                                                   {"udpAddr", udp_addr},
                                                   {"error", overlay_ip.status().message()},
                                                   {"handshake", kStage2}});
    DropPending(pending.vpn_ip);
    return;
  }
  IpAddr vpn_ip = *overlay_ip;
  const std::vector<IpAddr> peer_addrs = OverlayAddressesOf(*peer_cert);
  const IpAddr intended_ip = pending.vpn_ip;
  if (std::any_of(peer_addrs.begin(), peer_addrs.end(),
                  [&](const IpAddr& a) { return me.IsOurAddress(a); })) {
    Counters::Add(counters.handshakes_dropped);
    logger.Error("Refusing to handshake with myself", {{"vpnIp", intended},
                                                       {"udpAddr", udp_addr},
                                                       {"certName", peer_cert->name},
                                                       {"handshake", kStage2}});
    DropPending(intended_ip);
    return;
  }
  // Nebula's initiator check: the address we initiated to must be one of the responder's
  // certificate's networks (any of them, not only its first).
  if (std::find(peer_addrs.begin(), peer_addrs.end(), intended_ip) == peer_addrs.end()) {
    Counters::Add(counters.handshakes_dropped);
    logger.Info("Incorrect host responded to handshake",
                {{"intendedVpnIp", intended},
                 {"haveVpnIp", vpn_ip.ToString()},
                 {"udpAddr", udp_addr},
                 {"certName", peer_cert->name},
                 {"handshake", kStage2}});
    DropPending(intended_ip);
    return;
  }
  auto keys = pending.state.Split();
  if (!keys.ok()) {
    logger.Error("Noise did not arrive at a key", {{"vpnIp", intended}, {"handshake", kStage2}});
    DropPending(intended_ip);
    return;
  }
  logger.Info("Handshake message received", {{"vpnIp", intended},
                                             {"udpAddr", udp_addr},
                                             {"certName", peer_cert->name},
                                             {"fingerprint", peer_cert->Fingerprint()},
                                             {"issuer", peer_cert->issuer},
                                             {"initiatorIndex", details.initiatorindex()},
                                             {"responderIndex", details.responderindex()},
                                             {"remoteIndex", header.remote_index},
                                             {"handshake", kStage2},
                                             {"durationNs", now_ns - pending.started_ns},
                                             {"sentCachedPackets", pending.queued.size()}});
  auto certificate = std::make_shared<const cert::Certificate>(std::move(*peer_cert));
  auto tunnel = std::make_shared<Tunnel>(vpn_ip, pending.local_index, details.responderindex(),
                                         *keys, certificate, IdentityOf(*certificate, me.ca_pool),
                                         from, details.time(), /*initiator=*/true, via_relay);
  tunnel->control().my_cert_version = pending.my_version;
  // What waited for this peer under any of its addresses goes through this tunnel, and
  // handshakes to its other addresses are done with.
  std::deque<QueuedMessage> queued = TakePendingOf(peer_addrs);
  Publish(tunnel);
  SendQueued(*tunnel, queued);
}

Tunnel* HandshakeManager::AnsweredStage1(const IpAddr& vpn_ip, Tunnel* existing,
                                         const Bytes& stage1_noise) {
  if (existing && existing->control().stage1_packet == stage1_noise) return existing;
  if (auto it = candidates_.find(vpn_ip); it != candidates_.end())
    for (Candidate& candidate : it->second.list)
      if (candidate.tunnel->control().stage1_packet == stage1_noise) return candidate.tunnel.get();
  return nullptr;
}

void HandshakeManager::RememberCandidate(std::shared_ptr<Tunnel> tunnel, int64_t now_ns) {
  IpAddr vpn_ip = tunnel->vpn_ip();
  Candidates& candidates = candidates_[vpn_ip];
  while (candidates.list.size() >= kMaxCandidatesPerPeer) {
    deps_.host_map.Remove(*candidates.list.front().tunnel);
    candidates.list.pop_front();
  }
  candidates.list.push_back({std::move(tunnel), now_ns});
  if (!candidates.expiry) {
    candidates.expiry =
        deps_.timers.At(candidates.list.front().since_ns + kCandidateLifetimeNs,
                        [this, vpn_ip](int64_t now) { ExpireCandidates(vpn_ip, now); });
  }
}

void HandshakeManager::ExpireCandidates(const IpAddr& vpn_ip, int64_t now_ns) {
  auto it = candidates_.find(vpn_ip);
  if (it == candidates_.end()) return;
  Candidates& candidates = it->second;
  candidates.expiry = 0;
  // Candidates that never proved themselves (a forged or replayed stage 1, or a peer that
  // gave up) go after kCandidateLifetimeNs.
  while (!candidates.list.empty() &&
         now_ns - candidates.list.front().since_ns >= kCandidateLifetimeNs) {
    deps_.host_map.Remove(*candidates.list.front().tunnel);
    candidates.list.pop_front();
  }
  if (candidates.list.empty()) {
    candidates_.erase(it);
    return;
  }
  candidates.expiry =
      deps_.timers.At(candidates.list.front().since_ns + kCandidateLifetimeNs,
                      [this, vpn_ip](int64_t now) { ExpireCandidates(vpn_ip, now); });
}

void HandshakeManager::DropCandidates(const IpAddr& vpn_ip, const Tunnel* keep) {
  auto it = candidates_.find(vpn_ip);
  if (it == candidates_.end()) return;
  for (Candidate& candidate : it->second.list)
    if (candidate.tunnel.get() != keep) deps_.host_map.Remove(*candidate.tunnel);
  if (it->second.expiry) deps_.timers.Cancel(it->second.expiry);
  candidates_.erase(it);
}

void HandshakeManager::Proven(uint32_t local_index) {
  auto snapshot = deps_.host_map.Current();
  auto found = snapshot->by_local_index.find(local_index);
  if (found == snapshot->by_local_index.end()) return;
  const std::shared_ptr<Tunnel>& tunnel = found->second;
  IpAddr vpn_ip = tunnel->vpn_ip();
  if (snapshot->FindByVpnIp(vpn_ip) != tunnel.get()) {
    deps_.host_map.Add(tunnel);  // the tunnel it replaces is forgotten, as nebula's goes
    deps_.logger.Info(
        "Taking new handshake",
        {{"vpnIp", vpn_ip.ToString()}, {"localIndex", local_index}, {"proven", true}});
    deps_.tunnels.TunnelEstablished(*tunnel);
  }
  DropCandidates(vpn_ip, tunnel.get());
  // A message of the initiator opened under this tunnel's keys: it has our stage 2, so no
  // resend of its stage 1 is coming, and the cached handshake packets (some 800 bytes a
  // tunnel, 40 MB on a lighthouse with 50,000) can go. A stale duplicate arriving later is a
  // new handshake, which waits as a candidate behind this proven tunnel.
  Bytes().swap(tunnel->control().stage1_packet);
  Bytes().swap(tunnel->control().stage2_packet);
}

void HandshakeManager::Publish(const std::shared_ptr<Tunnel>& tunnel) {
  if (auto replaced = deps_.host_map.Add(tunnel)) {
    deps_.logger.Info("Taking new handshake", {{"vpnIp", tunnel->vpn_ip().ToString()}});
  }
  Counters::Add(deps_.counters.handshakes_completed);
  deps_.tunnels.TunnelEstablished(*tunnel);
  DropCandidates(tunnel->vpn_ip(), tunnel.get());  // stage 2 proved this one
}

void HandshakeManager::SendQueued(Tunnel& tunnel, const std::deque<QueuedMessage>& queued) {
  Counters::Add(deps_.counters.tx_sent_after_handshake, queued.size());
  for (const QueuedMessage& message : queued) {
    if (message.type == MessageType::kMessage)
      deps_.send.SendQueuedPacket(tunnel, message.bytes);
    else
      deps_.send.SendOnTunnel(tunnel, message.type, message.subtype, message.bytes);
  }
}

}  // namespace flatnet::mesh
