// Node: one flatnet host in the mesh — its TUN device, its UDP sockets, its tunnels, and the
// threads that move packets between them (design.md, "Threads").
//
// Contract:
// - Create checks everything that can be checked before touching the system (credentials,
//   firewall rules, static hosts); Start opens the TUN device and sockets and starts the
//   threads; Stop sends every peer a close-tunnel message (so it can handshake again at
//   once) and joins the threads. Errors name the config key or device that failed.
// - Threads: `routines` workers, each owning one TUN queue and one UDP socket on the same
//   port (SO_REUSEPORT) and running two threads, the inside path (inside.cpp: TUN -> UDP)
//   and the outside path (outside.cpp: UDP -> TUN). One control thread runs handshakes,
//   tunnel liveness and whatever workers hand it through the ControlQueue, and every timer
//   (ControlTimers, control_timers.h), from one loop.
// - Node owns what the threads share and wires the control thread's managers
//   (HandshakeManager, Lighthouse, RelayManager, Liveness) to each other and to itself
//   through the narrow interfaces of control_ports.h: it is their ControlSender,
//   TunnelEvents and HandshakeStarter; none of them sees the Node. The workers use the
//   accessors below.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "config/config.h"
#include "firewall/firewall.h"
#include "firewall/local_drops.h"
#include "mesh/address_book.h"
#include "mesh/cert_routes.h"
#include "mesh/route_hints.h"
#include "mesh/control_ports.h"
#include "mesh/control_queue.h"
#include "mesh/control_timers.h"
#include "mesh/counters.h"
#include "mesh/gateways.h"
#include "mesh/host_credentials.h"
#include "mesh/host_map.h"
#include "mesh/name_book.h"
#include "mesh/netchecker.h"
#include "mesh/pinger.h"
#include "mesh/settings.h"
#include "mesh/unsafe_routes.h"
#include "net/udp_addr.h"
#include "net/udp_socket.h"
#include "wire/message_type.h"

namespace flatnet::tun {
class TunDevice;
}

namespace flatnet::mesh {

class HandshakeManager;
class Lighthouse;
class LighthouseDns;
class Liveness;
class MemberNames;
class RelayManager;
struct ReloadOutcome;
struct ReloadPlan;
struct ReloadState;
class StaticHostResolver;
class SystemRoutes;
class Worker;

// A snapshot of what a Node is doing, for `flatnet status` (control/status_json.h).
struct NodeStatus {
  struct TunnelStatus {
    std::string vpn_ip, cert_name, remote, cipher;
    uint32_t local_index = 0, remote_index = 0;
    uint64_t messages_sent = 0;
    uint64_t tx_bytes = 0, rx_bytes = 0;  // inner bytes (Tunnel::TxBytes/RxBytes)
    uint64_t tx_packets = 0;  // every message sealed to the peer (data, tests, lighthouse...)
    uint64_t rx_packets = 0;  // data packets delivered from the peer
    bool initiator = false;
    std::vector<std::string> networks;  // every network of the peer's certificate, both families
    std::vector<std::string> groups;
    // Networks routed through this peer because its certificate carries them
    // (tun.routes_from_certs); empty with the key off.
    std::vector<std::string> cert_routes;
    bool relayed = false;
    std::string relay_vpn_ip, relay_name;  // relayed: through which host ("" name: unknown)
    int64_t created_unix_ns = 0;           // when the tunnel was made (our clock)
    int64_t last_heard_ago_ns = -1;        // since something arrived from the peer; -1: not yet
    int64_t rtt_ns = 0;                    // the last measured round trip; 0: none yet
    int64_t cert_expires_unix = 0;         // the peer certificate's not_after, in seconds
  };
  // A host we know of (static_host_map, or a lighthouse's answer or, on a lighthouse, its
  // own report) that has no tunnel now: a member that is offline, or not reached yet.
  struct KnownHostStatus {
    std::string vpn_ip;
    std::string cert_name;       // from a tunnel it had since we started; "" if none
    bool in_static_map = false;  // else only a lighthouse told us of it
  };
  struct LighthouseStatus {
    std::string vpn_ip, cert_name, remote;  // name and remote once a tunnel exists
    bool reached = false;                   // we hold a tunnel to it
  };
  std::string vpn_ip, cert_name, tun_device;
  std::vector<std::string> networks;  // every network of our certificate, both families
  int64_t cert_expires_unix = 0;
  uint16_t listen_port = 0;
  bool am_lighthouse = false, am_relay = false;
  std::vector<LighthouseStatus> lighthouses;
  std::vector<TunnelStatus> tunnels;
  std::vector<KnownHostStatus> hosts_without_tunnel;  // in address order
  // Routes from a lighthouse's hint (route_hints.h) to a host we have no tunnel with yet:
  // its certificate, once a handshake shows it, proves them (then they are its tunnel's
  // cert_routes) or refutes them. Longest prefix first.
  struct HintedRouteStatus {
    std::string network, via;
  };
  std::vector<HintedRouteStatus> hinted_routes;
  std::vector<std::pair<std::string, uint64_t>> counters;
  size_t pending_handshakes = 0;
  int64_t now_unix_ns = 0;  // when the snapshot was taken (our clock), for ages and expiry
  // For nebula's gauges (control/metrics_text.h): the certificate version we initiate with
  // and the highest we hold, the routines, the firewall's tracked flows and rules version.
  int initiating_version = 1, max_cert_version = 1;
  int routines = 1;
  size_t tracked_flows = 0;
  uint32_t firewall_rules_version = 0;
  size_t tunnel_indexes = 0, relay_indexes = 0;  // the host map's tunnels and relay legs by index
};
class Node final : public ControlSender, public TunnelEvents, public HandshakeStarter {
 public:
  static constexpr int kControlSlot = mesh::kControlSlot;  // tunnel.h

  static Result<std::unique_ptr<Node>> Create(const config::Config& config, log::Logger logger);
  ~Node() override;

  Status Start();
  void Stop();

  // Any thread: reads only what workers publish (tunnels' atomics, counters).
  NodeStatus Report() const;
  // Any thread: a `flatnet ping` round (pinger.h), run on the control thread; `done` is
  // called there, once (at once with an error when the control queue refuses the call).
  void Ping(const PingRequest& request, std::function<void(PingResult)> done);
  // Any thread: a `flatnet netcheck` (netchecker.h), run on the control thread; `done` is
  // called there, once (at once with an error when the control queue refuses the call).
  void Netcheck(std::function<void(NetcheckReport)> done);

  // Applies a newly loaded config (reload.h; defined in reload.cpp): refused whole, with the
  // errors naming the keys, or installed by the control thread (at once on a Node that was
  // never started). Not from the control thread; reloads from several threads queue.
  Result<ReloadOutcome> Reload(const config::Config& next);

  // --- for the mesh's own parts ---
  const config::Config& config() const { return config_; }
  const NodeSettings& settings() const { return settings_; }
  const HostCredentials& credentials() const { return credentials_; }
  const log::Logger& logger() const { return logger_; }
  HostMap& host_map() { return host_map_; }
  // Every host we have had a tunnel with, by certificate name (for the DNS answers).
  const NameBook& name_book() const { return name_book_; }
  ControlQueue& control_queue() { return control_queue_; }
  firewall::Firewall& firewall() { return *firewall_; }
  AddressBook& addresses() { return *addresses_; }
  const AddressBook& addresses() const { return *addresses_; }
  // The managers, for tests that drive a whole (never started) Node.
  HandshakeManager& handshakes() { return *handshakes_; }
  Lighthouse& lighthouse() { return *lighthouse_; }
  RelayManager& relays() { return *relays_; }
  Pinger& pinger() { return *pinger_; }
  // The control thread's timers; a test of a never started Node runs them itself.
  ControlTimers& timers() { return timers_; }
  uint16_t listen_port() const { return listen_port_; }
  Counters& control_counters() { return control_counters_; }
  bool InOurNetwork(const IpAddr& ip) const { return credentials_.InOurNetwork(ip); }
  // The overlay host that carries `packet`: its destination when that is in our network, a
  // gateway of the longest route holding it, from tun.unsafe_routes or (with
  // tun.use_system_route_table) the kernel's table, the kernel's winning a tie as in Nebula
  // (with several gateways, the flow's choice, or one with a tunnel while that has none:
  // GatewaySet::PickLive); failing both, (with tun.routes_from_certs) the peer whose
  // certificate carries the destination's network (cert_routes.h); else the invalid address.
  // A route only hinted (route_hints.h) whose gateway has a tunnel whose certificate does
  // not carry the destination gives the invalid address too, and sets `unproven`.
  IpAddr RouteFor(const firewall::Packet& packet, const HostMap::Snapshot& tunnels,
                  bool* unproven = nullptr) const;
  // Whether a packet for `destination` may go to `tunnel`'s peer: an address of our
  // networks, or one a configured or learned route covers, or one the peer's certificate
  // carries (what a hinted route's packets, held for the handshake, must pass).
  bool PeerMayReceive(const Tunnel& tunnel, const IpAddr& destination) const;
  // tun.routes_from_certs: rebuilds the routes from certificates (and their kernel routes)
  // when the tunnels, the routes learned from the kernel or (after a reload) the key or
  // tun.unsafe_routes changed. The control thread calls it after every event and timer; a
  // test of a never started Node calls it itself.
  void RefreshCertRoutes();
  const CertRoutes& cert_routes() const { return *cert_routes_; }
  // What the lighthouses hint (the lighthouse fills it; control thread, and tests).
  RouteHints& route_hints() { return *route_hints_; }
  // The other gateways of every ECMP route `gateway` serves (configured or learned): the
  // control thread starts handshakes to them when `gateway` has no tunnel, as Nebula does.
  std::vector<IpAddr> OtherGateways(const IpAddr& gateway) const;
  // Where a peer might be: static_host_map, lighthouse answers, and the live tunnel's remote.
  std::vector<net::UdpAddr> RemotesOf(const IpAddr& vpn_ip) const;

  // --- ControlSender (control thread; Stop uses SendOnTunnel after joining it) ---
  // A datagram with no encryption (handshakes, recv errors), from worker 0's socket.
  void SendRaw(const net::UdpAddr& to, ByteSpan datagram) override;
  // Handshakes are counted as sent messages (metric_counts.h) by their header.
  // Where SendRaw (and so every control-thread send) goes instead of worker 0's socket.
  // Unit tests drive the control-thread managers of a Node that was never started (no TUN,
  // no socket) and read what it sent here. Set before anything runs; not thread-safe.
  using RawSender = std::function<void(const net::UdpAddr& to, ByteSpan datagram)>;
  void set_raw_sender(RawSender sender) { raw_sender_ = std::move(sender); }
  void SendOnTunnel(Tunnel& tunnel, wire::MessageType type, wire::MessageSubType subtype,
                    ByteSpan payload) override;
  void SendToVpn(const IpAddr& vpn_ip, wire::MessageType type, wire::MessageSubType subtype,
                 ByteSpan payload) override;
  void SendQueuedPacket(Tunnel& tunnel, ByteSpan ip_packet) override;
  // --- TunnelEvents (control thread) ---
  void TunnelEstablished(const Tunnel& tunnel) override;
  void CloseTunnel(Tunnel& tunnel, const char* reason) override;
  // --- HandshakeStarter (control thread): the HandshakeManager's, for the lighthouse and
  // the relay manager, which are made before it ---
  void Initiate(const IpAddr& vpn_ip, int64_t now_ns) override;
  void Trigger(const IpAddr& vpn_ip) override;
  bool Pending(const IpAddr& vpn_ip) const override;

  static int64_t NowNs();  // steady clock

 private:
  Node(const config::Config& config, log::Logger logger);
  Status Prepare();
  void RunControl();
  // SendRaw and SendOnTunnel, past counting the message: out of worker 0's socket (or the
  // raw sender), counted as a packet sent or a failed send.
  void SendDatagram(const net::UdpAddr& to, ByteSpan datagram);
  // Control thread (reload.cpp): installs a plan Reload handed over, if there is one.
  void InstallPendingReload();
  void InstallReload(ReloadPlan& plan);
  void HandleControlEvent(ControlEvent& event, int64_t now_ns);
  // The conntrack purge timer's expiry: expired flows go, and it re-arms for a second later.
  void PurgeDue(int64_t now_ns);
  // The housekeeping timer's expiry (control_timers.h), re-armed for a second later.
  void HousekeepingDue(int64_t now_ns);
  // The certificate expiry pass over one of ten slices of the tunnels, re-armed for the
  // next slice 100 ms later.
  void ExpiryCheckDue(int64_t now_ns, int slice);
  // The hosts the address book knows, with the names the pinger remembers, into
  // known_hosts_ for Report (which runs on other threads). From the housekeeping timer.
  // Skipped while neither the address book's known set nor the names changed, except every
  // tenth call (a name that changed in place): a pass costs O(hosts log hosts).
  void PublishKnownHosts();
  // ECMP: an unsafe route in use (a tunnel to one of its gateways) gets handshakes to the
  // gateways it has no tunnel to, so flows that fell back return to their own gateway once
  // it is back (Nebula retries the flow's gateway on every packet). About once a second.
  void HandshakeMissingGateways(int64_t now_ns);
  // The gateway sets of every route with several gateways, configured or learned from the
  // kernel (`hold` keeps the tables they belong to alive).
  std::vector<const GatewaySet*> EcmpGatewaySets(
      std::vector<std::shared_ptr<const void>>* hold) const;

  const config::Config config_;
  log::Logger logger_;
  NodeSettings settings_;
  HostCredentials credentials_;
  std::unique_ptr<firewall::Firewall> firewall_;
  HostMap host_map_;
  ControlQueue control_queue_;
  Counters control_counters_;
  ControlTimers timers_;
  std::unique_ptr<AddressBook> addresses_;
  std::unique_ptr<HandshakeManager> handshakes_;
  std::unique_ptr<Pinger> pinger_;
  std::unique_ptr<Netchecker> netchecker_;
  std::unique_ptr<Liveness> liveness_;
  std::unique_ptr<Lighthouse> lighthouse_;
  std::unique_ptr<RelayManager> relays_;
  NameBook name_book_;
  std::unique_ptr<LighthouseDns> dns_;                // only with am_lighthouse and serve_dns
  std::unique_ptr<MemberNames> names_;                // only with names.enabled
  std::unique_ptr<StaticHostResolver> static_hosts_;  // static_host_map names, re-resolved
  std::unique_ptr<SystemRoutes> system_routes_;       // only with tun.use_system_route_table
  // tun.unsafe_routes (unsafe_routes.h): read by every worker's inside path, replaced
  // whole by a reload.
  std::atomic<std::shared_ptr<const UnsafeRouteTable>> unsafe_routes_;
  // Every known host (PublishKnownHosts), tunnel or not: Report lists those without one.
  std::atomic<std::shared_ptr<const std::vector<std::pair<IpAddr, NodeStatus::KnownHostStatus>>>>
      known_hosts_;
  struct {
    uint64_t known_changes = ~uint64_t(0);
    size_t names = 0;
    int skipped = 0;
  } published_known_;  // what PublishKnownHosts last published from (control thread)
  // tun.routes_from_certs (cert_routes.h): read by the inside path, rebuilt by the control
  // thread, which alone touches the fields after it.
  std::unique_ptr<CertRoutes> cert_routes_;
  std::unique_ptr<RouteHints> route_hints_;  // what the lighthouses hint (the lighthouse fills it)
  uint64_t cert_routes_hints_version_ = ~uint64_t(0);  // the hints they were built from
  bool routes_from_certs_ = false;  // the key as last applied
  bool cert_routes_dirty_ = false;  // a reload changed what they are built from
  uint64_t cert_routes_host_map_version_ = ~uint64_t(0);  // the tunnels they were built from
  std::shared_ptr<const void> cert_routes_system_table_;  // and the kernel's learned routes
  std::unique_ptr<tun::TunDevice> tun_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::string tun_device_name_;
  uint16_t listen_port_ = 0;
  std::thread control_thread_;
  std::atomic<bool> stopping_{false};
  RawSender raw_sender_;
  std::unique_ptr<ReloadState> reload_;  // reload.h
};

}  // namespace flatnet::mesh
