// The narrow interfaces the control thread's managers (HandshakeManager, Lighthouse,
// RelayManager, Liveness) are given instead of the whole Node: each manager names exactly
// what it needs, so a unit test can build one with fakes and feed it messages. Node
// implements ControlSender, TunnelEvents and HandshakeStarter (the last forwarding to its
// HandshakeManager, which the lighthouse and relay manager are built before) and wires
// the managers to each other.
//
// Contract: every call is made on the control thread; none blocks. Time is the steady clock
// in nanoseconds (now_ns), passed in by the caller; timers go through TimerScheduler.
#pragma once

#include <cstdint>
#include <functional>

#include "base/bytes.h"
#include "net/udp_addr.h"
#include "wire/header.h"

namespace flatnet::mesh {

class Tunnel;

// How the control thread sends.
class ControlSender {
 public:
  virtual ~ControlSender() = default;
  // A datagram as it is: handshakes, punches.
  virtual void SendRaw(const net::UdpAddr& to, ByteSpan datagram) = 0;
  // Sealed for the tunnel's peer (SealForPeer), to its remote or through its relay.
  virtual void SendOnTunnel(Tunnel& tunnel, wire::MessageType type, wire::MessageSubType subtype,
                            ByteSpan payload) = 0;
  // Like SendOnTunnel; a peer without a tunnel gets a handshake first and the message waits
  // for it (nebula's SendMessageToVpnIp).
  virtual void SendToVpn(const IpAddr& vpn_ip, wire::MessageType type, wire::MessageSubType subtype,
                         ByteSpan payload) = 0;
  // An inside packet that waited for its tunnel: the outbound firewall, then SendOnTunnel.
  virtual void SendQueuedPacket(Tunnel& tunnel, ByteSpan ip_packet) = 0;
};

// What becomes of tunnels beyond the host map.
class TunnelEvents {
 public:
  virtual ~TunnelEvents() = default;
  // A tunnel came up (the lighthouse's DNS learns its name).
  virtual void TunnelEstablished(const Tunnel& tunnel) = 0;
  // Forget the tunnel (no message to the peer); `reason` is logged and it is counted.
  virtual void CloseTunnel(Tunnel& tunnel, const char* reason) = 0;
};

// The handshake manager's calls the lighthouse and the relay manager make.
class HandshakeStarter {
 public:
  virtual ~HandshakeStarter() = default;
  // Starts a handshake with vpn_ip unless one is running (or too many are).
  virtual void Initiate(const IpAddr& vpn_ip, int64_t now_ns) = 0;
  // New ways to reach vpn_ip (a lighthouse answered, a relay path came up): resend now.
  virtual void Trigger(const IpAddr& vpn_ip) = 0;
  // Whether a handshake with vpn_ip is running.
  virtual bool Pending(const IpAddr& vpn_ip) const = 0;
};

// The lighthouse's one call the handshake manager makes.
class PeerQuery {
 public:
  virtual ~PeerQuery() = default;
  // Asks the lighthouses where vpn_ip is (and makes them tell it to punch towards us).
  virtual void Query(const IpAddr& vpn_ip) = 0;
};

// The relay manager's calls the handshake manager makes.
class RelayPaths {
 public:
  virtual ~RelayPaths() = default;
  // Gets (or keeps asking for) a relayed path to `target` through `relay`, whose tunnel
  // exists. True when the leg is established.
  virtual bool EnsurePath(Tunnel& relay, const IpAddr& target) = 0;
  // Sends a whole inner packet (a handshake) to `target` through `relay`'s established leg.
  virtual bool SendThrough(const IpAddr& relay, const IpAddr& target, ByteSpan inner) = 0;
};

// The control thread's one timer queue (ControlTimers, control_timers.h, which lists every
// timer the managers arm).
using TimerId = uint64_t;
class TimerScheduler {
 public:
  virtual ~TimerScheduler() = default;
  // Runs `expired(now_ns)` on the control thread once the steady clock reaches due_ns.
  virtual TimerId At(int64_t due_ns, std::function<void(int64_t now_ns)> expired) = 0;
  // Disarms the timer; one that fired, was cancelled or never was is ignored.
  virtual void Cancel(TimerId id) = 0;
};

}  // namespace flatnet::mesh
