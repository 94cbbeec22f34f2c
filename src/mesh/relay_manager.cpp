#include "mesh/relay_manager.h"

#include "crypto/random.h"
#include "mesh/host_credentials.h"
#include "mesh/host_map.h"
#include "mesh/relay_codec.h"
#include "mesh/tunnel.h"
#include "wire/header.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

namespace flatnet::mesh {

using nebula::NebulaControl;

RelayManager::RelayManager(Deps deps) : deps_(std::move(deps)), am_relay_(deps_.am_relay) {}

uint32_t RelayManager::NewRelayIndex() const {
  for (;;) {
    uint32_t index = crypto::RandomUint32();
    if (index != 0 && !deps_.host_map.RelayIndexInUse(index)) return index;
  }
}

void RelayManager::SendControl(const IpAddr& to, int type, uint32_t initiator_index,
                               uint32_t responder_index, const IpAddr& relay_from, const IpAddr& relay_to) {
  NebulaControl message;
  message.set_type(NebulaControl::MessageType(type));
  message.set_initiatorrelayindex(initiator_index);
  message.set_responderrelayindex(responder_index);
  // The fields of the receiver's certificate version: 1.6.1 reads only the old ones, 1.10+
  // both (Nebula's relay manager picks by the relay's certificate too).
  auto snapshot = deps_.host_map.Current();
  Tunnel* tunnel = snapshot->FindByVpnIp(to);
  cert::Version version = tunnel ? tunnel->peer_cert().version : deps_.me.initiating_version;
  if (Status set = wire::SetControlRelayAddrs(&message, version, relay_from, relay_to); !set.ok()) {
    // v1 fields hold IPv4 only: no relay for an IPv6 overlay address over a v1 tunnel.
    deps_.logger.Error("Refusing to send a v1 relay control message with an IPv6 address",
                       {{"vpnIp", to.ToString()},
                        {"relayFrom", relay_from.ToString()},
                        {"relayTo", relay_to.ToString()}});
    return;
  }
  Bytes bytes = wire::EncodeMessage(message);
  deps_.send.SendToVpn(to, wire::MessageType::kControl, wire::MessageSubType::kNone,
                       ByteSpan(bytes.data(), bytes.size()));
}

bool RelayManager::EnsurePath(Tunnel& relay, const IpAddr& target) {
  auto snapshot = deps_.host_map.Current();
  // We are known to the relay by the address of our certificate in that tunnel; a v1
  // tunnel cannot name an IPv6 target (SendControl refuses it, as Nebula does).
  const IpAddr& me = deps_.me.AddressFor(relay.control().my_cert_version);
  if (const Relay* leg = snapshot->FindRelay(relay.vpn_ip(), target)) {
    if (leg->state == RelayState::kEstablished) return true;
    // Still waiting: the request may have been lost, ask again with the same index.
    SendControl(relay.vpn_ip(), NebulaControl::CreateRelayRequest, leg->local_index, 0, me, target);
    return false;
  }
  Relay leg;
  leg.type = RelayType::kTerminal;
  leg.state = RelayState::kRequested;
  leg.local_index = NewRelayIndex();
  leg.via = relay.vpn_ip();
  leg.peer = target;
  deps_.host_map.SetRelay(leg);
  deps_.logger.Info(
      "Attempt to relay through hosts",
      {{"vpnIp", target.ToString()}, {"relay", relay.vpn_ip().ToString()}});
  SendControl(relay.vpn_ip(), NebulaControl::CreateRelayRequest, leg.local_index, 0, me, target);
  return false;
}

bool RelayManager::SendThrough(const IpAddr& relay, const IpAddr& target, ByteSpan inner) {
  auto snapshot = deps_.host_map.Current();
  Tunnel* via = snapshot->FindByVpnIp(relay);  // `relay` may be any of its addresses
  const Relay* leg = via ? snapshot->FindRelay(via->vpn_ip(), target) : nullptr;
  if (!leg || leg->state != RelayState::kEstablished || !via || via->via_relay().valid()) return false;
  Bytes datagram(wire::kHeaderSize + inner.size() + noise::TunnelCipher::kTagSize);
  std::copy(inner.begin(), inner.end(), datagram.begin() + wire::kHeaderSize);
  long length = WrapRelayed(*via, kControlSlot, leg->remote_index, datagram.data(), datagram.size(),
                            inner.size());
  if (length < 0) {
    Counters::Add(deps_.counters.tx_dropped_wrap);
    return false;
  }
  deps_.send.SendRaw(via->remote(), ByteSpan(datagram.data(), size_t(length)));
  return true;
}

void RelayManager::HandleMessage(Tunnel& from, ByteSpan payload, int64_t now_ns) {
  auto message = wire::DecodeControl(payload);
  if (!message.ok()) {
    deps_.logger.Error(
        "Failed to unmarshal control message",
        {{"vpnIp", from.vpn_ip().ToString()}, {"error", message.status().message()}});
    return;
  }
  if (message->type() != NebulaControl::CreateRelayRequest &&
      message->type() != NebulaControl::CreateRelayResponse)
    return;
  auto addrs = wire::ControlRelayAddrsOf(*message);
  if (!addrs.ok()) {
    deps_.logger.Debug(
        "Control message received without usable relay addresses",
        {{"vpnIp", from.vpn_ip().ToString()}, {"type", int(message->type())}});
    return;
  }
  if (message->type() == NebulaControl::CreateRelayRequest)
    HandleRequest(from, *message, addrs->from, addrs->to, now_ns);
  else
    HandleResponse(from, *message, addrs->from, addrs->to);
}

void RelayManager::HandleRequest(Tunnel& from, const NebulaControl& request, const IpAddr& relay_from,
                                 const IpAddr& relay_to, int64_t now_ns) {
  deps_.logger.Info("handleCreateRelayRequest",
                    {{"relayFrom", relay_from.ToString()},
                     {"relayTarget", relay_to.ToString()},
                     {"initiatorIdx", request.initiatorrelayindex()},
                     {"hostInfo", from.vpn_ip().ToString()}});
  auto snapshot = deps_.host_map.Current();

  if (deps_.me.IsOurAddress(relay_to)) {
    // We are B: the far end. One terminal leg, established at once, answering the relay.
    const Relay* existing = snapshot->FindRelay(from.vpn_ip(), relay_from);
    Relay leg;
    if (existing && existing->remote_index == request.initiatorrelayindex()) {
      leg = *existing;
    } else {
      leg.type = RelayType::kTerminal;
      leg.state = RelayState::kEstablished;
      leg.local_index = NewRelayIndex();
      leg.remote_index = request.initiatorrelayindex();
      leg.via = from.vpn_ip();
      leg.peer = relay_from;
      if (existing) deps_.host_map.RemoveRelay(existing->local_index);
      deps_.host_map.SetRelay(leg);
    }
    SendControl(from.vpn_ip(), NebulaControl::CreateRelayResponse, leg.remote_index,
                leg.local_index, relay_from, relay_to);
    return;
  }

  // We would be R, in the middle.
  if (!am_relay_) return;
  // Only the requester itself may ask for a path from itself (by any of its addresses).
  if (!from.HasVpnAddr(relay_from)) return;
  if (from.HasVpnAddr(relay_to) || !deps_.me.InOurNetwork(relay_to)) {
    Counters::Add(deps_.counters.relay_refused);
    return;
  }
  Tunnel* target = snapshot->FindByVpnIp(relay_to);
  // Our legs name both ends by their primary addresses (the keys their tunnels go by), so
  // the legs of one path are found whatever address the requester named.
  const IpAddr requester = from.vpn_ip();
  const IpAddr destination = target ? target->vpn_ip() : relay_to;
  // A new path must stay within the requester's share of legs.
  if (!snapshot->FindRelay(requester, destination)) {
    size_t paths = 0;
    for (const auto& [index, leg] : snapshot->relays_by_index)
      paths += leg.type == RelayType::kForwarding && leg.via == requester;
    if (paths >= kMaxPathsPerPeer) {
      Counters::Add(deps_.counters.relay_refused);
      return;
    }
  }
  if (!target) {
    // Get a tunnel to the target ready; the requester will ask again. Only for an address
    // of our network, and within the bound on pending handshakes.
    deps_.handshakes.Initiate(relay_to, now_ns);
    return;
  }
  if (target->via_relay().valid()) return;  // only to hosts we reach directly

  // The leg towards B (via B, peer A).
  const Relay* to_target = snapshot->FindRelay(destination, requester);
  Relay onward;
  if (to_target) {
    onward = *to_target;
  } else {
    onward.type = RelayType::kForwarding;
    onward.state = RelayState::kRequested;
    onward.local_index = NewRelayIndex();
    onward.via = destination;
    onward.peer = requester;
    deps_.host_map.SetRelay(onward);
  }
  if (onward.state == RelayState::kRequested)
    SendControl(destination, NebulaControl::CreateRelayRequest, onward.local_index, 0, relay_from,
                relay_to);

  // The leg towards A (via A, peer B), answering A's index.
  const Relay* to_requester = snapshot->FindRelay(requester, destination);
  Relay back;
  if (to_requester && to_requester->remote_index == request.initiatorrelayindex()) {
    back = *to_requester;
  } else {
    back.type = RelayType::kForwarding;
    back.local_index = NewRelayIndex();
    back.remote_index = request.initiatorrelayindex();
    back.via = requester;
    back.peer = destination;
    if (to_requester) deps_.host_map.RemoveRelay(to_requester->local_index);
  }
  back.state = onward.state;
  deps_.host_map.SetRelay(back);
  if (back.state == RelayState::kEstablished) {
    SendControl(requester, NebulaControl::CreateRelayResponse, back.remote_index, back.local_index,
                relay_from, relay_to);
  }
}

void RelayManager::HandleResponse(Tunnel& from, const NebulaControl& response, const IpAddr& relay_from,
                                  const IpAddr& relay_to) {
  deps_.logger.Info("handleCreateRelayResponse",
                    {{"relayFrom", relay_from.ToString()},
                     {"relayTarget", relay_to.ToString()},
                     {"initiatorIdx", response.initiatorrelayindex()},
                     {"responderIdx", response.responderrelayindex()},
                     {"hostInfo", from.vpn_ip().ToString()}});
  auto snapshot = deps_.host_map.Current();
  const Relay* found = snapshot->FindRelay(response.initiatorrelayindex());
  // The response must come over the tunnel the leg runs on.
  if (!found || found->via != from.vpn_ip()) return;
  Relay leg = *found;
  leg.remote_index = response.responderrelayindex();
  leg.state = RelayState::kEstablished;
  deps_.host_map.SetRelay(leg);
  if (leg.type == RelayType::kTerminal) {
    // A: the path is up; the pending handshake can go through it now.
    deps_.handshakes.Trigger(leg.peer);
    return;
  }
  // R: B answered; establish A's leg and tell A.
  snapshot = deps_.host_map.Current();
  const Relay* back = snapshot->FindRelay(leg.peer, leg.via);
  if (!back) return;
  Relay established = *back;
  established.state = RelayState::kEstablished;
  deps_.host_map.SetRelay(established);
  SendControl(established.via, NebulaControl::CreateRelayResponse, established.remote_index,
              established.local_index, established.via, leg.via);
}

}  // namespace flatnet::mesh
