// Lighthouse: Nebula's lighthouse protocol, both roles, on the control thread.
//
// Member (every host with lighthouse.hosts):
//   - every lighthouse.interval seconds (the lighthouse update timer), a HostUpdateNotification to
//   each lighthouse with the
//     addresses it may be reached at: advertise_addrs, then its interfaces' addresses that
//     local_allow_list admits (not loopback, link-local or overlay), all with the listen port;
//   - Query(vpn): a HostQuery to each lighthouse when a handshake lacks addresses; the
//     HostQueryReply fills the AddressBook and restarts the pending handshake at once;
//   - a HostPunchNotification (someone is about to handshake with us) makes it send a
//     1-byte datagram to each of that host's addresses after punchy.early_delay (flatnet's
//     own, when shorter) and again after punchy.delay, opening our NAT for their handshake,
//     and with punchy.respond a test message after respond_delay;
//   - with punchy.punch, every 10 s a 1-byte datagram to every tunnel's remote keeps NAT
//     mappings from expiring; with punchy.target_all_remotes, to every address the peer may
//     be at (peer_remotes.h), lighthouses excepted.
// Lighthouse (lighthouse.am_lighthouse): keeps what each host reports about itself; answers
// a HostQuery with the target's learned address (its tunnel's remote: the public side of its
// NAT) and reported ones, and sends the target a HostPunchNotification with the asker's,
// so both sides punch towards each other at the same time.
// Which fields carry overlay addresses follows the certificate version of each tunnel
// (wire/versioned_fields.h, as Nebula 1.10+): queries and updates to a lighthouse use the
// version our certificate had in that tunnel (pki.initiating_version before there is one);
// a reply uses the query's; a punch notification the target's certificate's; a lighthouse
// answers every update with a HostUpdateNotificationAck in the update's generation.
// Route hints (flatnet's own, route_hint_codec.h): a member with tun.routes_from_certs and a
// RouteHints (SetRouteHints) sends each lighthouse a route hints query with each update, and
// gives the replies of its lighthouses to the RouteHints (route_hints.h), which forgets the
// answer of a lighthouse that gave none complete for three intervals. A lighthouse answers a
// query with every other host it holds a tunnel with whose certificate carries unsafe
// networks (its primary address and those networks), in bounded parts, on the asker's tunnel;
// a host it has not heard from for three of its lighthouse.interval (30 s at least) is left
// out (it crashed: a clean stop closes its tunnels). Its list is at most a second old, and
// an asker gets at most one answer a second (route_hints_directory.h; more are dropped and
// counted, route_hints_queries_refused). A Nebula lighthouse ignores the query (its type is none of Nebula's); a malformed route
// hints message, or a reply from a host that is not our lighthouse, is dropped and counted
// (rx_dropped_route_hints).
// Messages are accepted only from where they belong: replies and punch notifications from
// configured lighthouses, updates about a host only from that host.
// Overlay addresses are IPv4 or IPv6 and a host may have several: a lighthouse keeps what a
// host reports under each of its addresses; v1 fields carry only IPv4, so a v1 tunnel is
// never asked about nor told of an IPv6 address (as Nebula), and we are known in v1
// messages by our v1 certificate's address.
// Dependencies (Deps) are explicit and narrow (control_ports.h): the config's lighthouse,
// punchy and relay sections (lighthouse.hosts, lighthouse.interval, punchy.* and
// relay.relays as a reload last set them: Reload), the host map (read only), the address book it fills, how to
// send, the handshake manager's Trigger, and the timer queue (its timers are listed in
// control_timers.h). A unit test builds one with fakes.
// Control thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/bytes.h"
#include "base/log.h"
#include "cert/certificate.h"
#include "config/config.h"
#include "mesh/address_book.h"
#include "mesh/control_ports.h"
#include "mesh/counters.h"
#include "mesh/route_hints_directory.h"
#include "net/udp_addr.h"

namespace nebula {
class NebulaMeta;
}

namespace flatnet::mesh {

class HostMap;
struct HostCredentials;
class RouteHints;
class Tunnel;

class Lighthouse : public PeerQuery {
 public:
  struct Deps {
    const config::Config& config;  // lighthouse, punchy and relay sections
    const HostCredentials& me;
    const log::Logger& logger;
    Counters& counters;  // the control thread's
    const HostMap& host_map;
    AddressBook& addresses;  // what hosts and lighthouses report goes here
    ControlSender& send;
    HandshakeStarter& handshakes;
    TimerScheduler& timers;
    std::function<uint16_t()> listen_port;  // ours, known once the socket is open
  };
  explicit Lighthouse(Deps deps);

  bool am_lighthouse() const { return am_lighthouse_; }
  bool IsLighthouse(const IpAddr& vpn_ip) const;
  // Is the tunnel's peer a lighthouse of ours (lighthouse.hosts may name any of its
  // addresses)?
  bool IsLighthouse(const Tunnel& tunnel) const;

  // Asks every lighthouse where vpn_ip is. No-op on a lighthouse or for a lighthouse.
  void Query(const IpAddr& vpn_ip) override;
  // A decrypted lighthouse message from the tunnel's peer.
  void HandleMessage(Tunnel& from, ByteSpan payload, int64_t now_ns);
  // Arms the periodic timers: the lighthouse update (due at once) and punchy.punch's
  // keepalive. Called once, when the node's control thread starts.
  void Start(int64_t now_ns);
  // A reload (reload.h): takes lighthouse.hosts, lighthouse.interval, punchy.* and
  // relay.relays from `next`. When the lighthouses, the interval or our relays changed, an
  // update goes out at once (to the new lighthouses: their tunnels start) and then every new
  // interval; when punchy.punch changed, the keepalive starts or stops. Answers already
  // received from a lighthouse no longer configured stay in the AddressBook (as in Nebula).
  void Reload(const config::Config& next, int64_t now_ns);
  const std::vector<IpAddr>& lighthouses() const { return lighthouses_; }
  // The addresses our updates report: advertise_addrs, then admitted interface addresses.
  std::vector<net::UdpAddr> OwnAddresses() const;
  // `flatnet netcheck` (netchecker.h): a HostQuery for our own address to `lighthouse`. A
  // HostQueryReply about one of our own addresses goes to the observer (never into the
  // AddressBook: we do not handshake with ourselves).
  void QueryForUs(const IpAddr& lighthouse);
  using SelfReplyObserver =
      std::function<void(const Tunnel& from, const std::vector<net::UdpAddr>& seen)>;
  void SetSelfReplyObserver(SelfReplyObserver observer) { self_reply_ = std::move(observer); }
  const config::PunchyConfig& punchy() const { return punchy_; }
  // Route hints go here (and are asked for only) when set and tun.routes_from_certs is on.
  void SetRouteHints(RouteHints* hints) { route_hints_ = hints; }

 private:
  void SendUpdate();
  void SendRouteHintsQuery(int64_t now_ns);
  // Our own message types (route_hint_codec.h): false when `type` is none of them.
  bool HandleRouteHints(Tunnel& from, int type, ByteSpan payload, int64_t now_ns);
  // Expiries of the lighthouse update and punch keepalive timers; each re-arms itself.
  void UpdateDue(int64_t now_ns);
  void PunchKeepaliveDue(int64_t now_ns);
  void HandleQuery(Tunnel& from, const nebula::NebulaMeta& meta);
  void HandleQueryReply(Tunnel& from, const nebula::NebulaMeta& meta);
  void HandleUpdate(Tunnel& from, const nebula::NebulaMeta& meta);
  void HandlePunchNotification(Tunnel& from, const nebula::NebulaMeta& meta, int64_t now_ns);
  // The relays `meta` names for vpn_ip, as `owner` says; what is past the bound is counted.
  void SetRelaysFrom(const IpAddr& vpn_ip, const IpAddr& owner, const nebula::NebulaMeta& meta);
  // Our certificate's version in the tunnel to `lighthouse` (initiating version without one).
  cert::Version VersionTowards(const IpAddr& lighthouse) const;
  // The version of vpn_ip's certificate in our tunnel (initiating version without one).
  cert::Version PeerVersionOf(const IpAddr& vpn_ip) const;

  // The reloadable settings from `config` (constructor and Reload).
  void Adopt(const config::Config& config);
  // (Re)arm a periodic timer: any earlier one of its kind is disowned by the generation.
  void ArmUpdate(int64_t at_ns);
  void ArmPunchKeepalive(int64_t at_ns);

  const Deps deps_;  // deps_.config: the config at start, for what a reload does not change
  const bool am_lighthouse_;
  // What a reload changes (the rest of the config is read from deps_.config).
  std::vector<IpAddr> lighthouses_;  // lighthouse.hosts (none on a lighthouse)
  int interval_seconds_ = 10;        // lighthouse.interval
  config::PunchyConfig punchy_;
  std::vector<IpAddr> relays_;  // relay.relays, announced in our updates
  uint64_t update_generation_ = 0, punch_generation_ = 0;
  SelfReplyObserver self_reply_;
  RouteHints* route_hints_ = nullptr;
  RouteHintsDirectory hint_directory_;  // what we answer route hints queries with
  bool ask_route_hints_ = false;  // tun.routes_from_certs, as last reloaded
};

}  // namespace flatnet::mesh
