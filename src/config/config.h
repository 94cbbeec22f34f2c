// flatnet's configuration: nebula's config.yml, typed and validated.
//
// Contract: LoadConfig reads a config.yml file, or every *.yml/*.yaml file below a directory
// merged in lexical order (later files override scalars and extend lists, as nebula does),
// and returns a Config whose every field holds a valid value: nebula's default where the key
// is absent. Errors come back as one Status whose message has one line per problem, each
// "file:line: key.path: what is wrong". Unknown keys and deprecated or ignored settings are
// Warnings, never errors. Nothing here touches the network, the files named by pki, or the
// certificate: checks that need the certificate's network (static_host_map keys,
// lighthouse.hosts and tun.routes inside it; unsafe_routes outside it) are the caller's.
#pragma once

#include <chrono>
#include <optional>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "config/allow_list.h"
#include "config/firewall_rule.h"
#include "config/ip_address.h"
#include "config/warning.h"

namespace flatnet::config {

using Duration = std::chrono::nanoseconds;

// pki.ca / pki.cert / pki.key: a file path, or the PEM itself inlined in config.yml
// (nebula treats any value containing "-----BEGIN" as inline PEM).
struct PemSource {
  std::string value;  // the path, or the PEM text
  bool is_inline = false;
  std::string key;     // "pki.ca", for messages
  std::string source;  // config file and line the value came from
  int line = 0;
};

// The PEM text: `value` itself when inline, else the file's contents. Errors name the key and
// the config line: "config.yml:4: pki.ca: cannot read /etc/nebula/ca.crt: No such file ...".
Result<std::string> ReadPem(const PemSource& pem);

struct PkiConfig {
  PemSource ca, cert, key;             // required
  std::vector<std::string> blocklist;  // certificate fingerprints (hex sha256); includes
                                       // the deprecated pki.blacklist
  bool disconnect_invalid = true;      // nebula's default since 1.8
  // pki.initiating_version: the certificate version offered when this host starts a
  // handshake, 1 or 2; 0 = not set (nebula then uses 1 when pki.cert holds a v1 certificate,
  // else 2; checking it against the certificates is the caller's job).
  int initiating_version = 0;
};

enum class StaticMapNetwork { kIp4, kIp6, kIp };  // static_map.network: ip4, ip6, ip

struct StaticMapConfig {                        // how static_host_map names are looked up
  Duration cadence = std::chrono::seconds(30);  // re-resolve every so often
  StaticMapNetwork network = StaticMapNetwork::kIp4;
  Duration lookup_timeout = std::chrono::milliseconds(250);
};

struct StaticHost {
  IpAddr vpn_ip;
  std::vector<HostPort> addresses;  // names are resolved by the caller
  std::string source;
  int line = 0;
};

// lighthouse.calculated_remotes: for overlay IPs in `network`, guess an underlay address by
// keeping the host bits of the overlay IP and taking the rest from `mask`, at `port`.
struct CalculatedRemote {
  IpPrefix mask;
  uint16_t port = 0;
};
struct CalculatedRemotes {
  IpPrefix network;
  std::vector<CalculatedRemote> remotes;
  int line = 0;
};

struct LighthouseConfig {
  bool am_lighthouse = false;
  bool serve_dns = false;
  std::string dns_host;  // lighthouse.dns.host; "" = all addresses
  uint16_t dns_port = 53;
  int interval_seconds = 10;          // between updates to lighthouses; 0 = never
  std::vector<IpAddr> hosts;       // overlay IPs of the lighthouses; each is in static_host_map
  RemoteAllowList remote_allow_list;  // with lighthouse.remote_allow_ranges
  LocalAllowList local_allow_list;
  std::vector<HostPort> advertise_addrs;  // port 0 = our listen port
  std::vector<CalculatedRemotes> calculated_remotes;
};

enum class SendRecvError { kAlways, kNever, kPrivate };

struct ListenConfig {
  std::string host = "0.0.0.0";  // "[::]" for IPv4 and IPv6
  uint16_t port = 0;             // nebula's code default: 0 picks a random port
  int batch = 64;                // packets per recvmmsg
  int read_buffer = 0;           // bytes; 0 = the system default
  int write_buffer = 0;
  SendRecvError send_recv_error = SendRecvError::kAlways;
  // listen.accept_recv_error: whose recv_error messages are believed (kPrivate: senders
  // with a private address: 10/8, 172.16/12, 192.168/16, fc00::/7).
  SendRecvError accept_recv_error = SendRecvError::kAlways;
  uint32_t so_mark = 0;  // listen.so_mark: SO_MARK on the UDP sockets; 0 = none
};

// True when a recv_error to or from `address` is sent / accepted under `policy` (nebula's
// recvErrorConfig.ShouldRecvError; kPrivate is Go's netip.Addr.IsPrivate).
bool RecvErrorAllowed(SendRecvError policy, const IpAddr& address);

struct PunchyConfig {
  bool punch = false;    // punchy.punch, or the legacy top-level `punchy: true`
  bool respond = false;  // punchy.respond, or the legacy top-level `punch_back: true`
  Duration delay = std::chrono::seconds(1);
  // punchy.early_delay, flatnet's own: a first punch back this long after a
  // HostPunchNotification, before the one at `delay` (only that one when early_delay >= delay).
  // The asker's handshake has left its NAT by then (the lighthouse sent it our address when
  // it sent us the notification), so the punch opens our NAT without racing it.
  Duration early_delay = std::chrono::milliseconds(100);
  Duration respond_delay =
      std::chrono::seconds(5);      // fixed at 5s in nebula 1.6.1; the key is from later versions
  bool target_all_remotes = false;  // punchy.target_all_remotes (1.11)
};

enum class Cipher { kAes, kChaChaPoly };

struct RelayConfig {
  bool am_relay = false;
  bool use_relays = true;
  std::vector<IpAddr> relays;  // emptied when am_relay is true (nebula ignores them)
};

struct Route {  // tun.routes: an MTU for part of the overlay network
  IpPrefix network;
  int mtu = 0;
  int line = 0;
};

struct Gateway {  // one `via` of an unsafe route; weight for ECMP (nebula: 1 by default)
  IpAddr address;
  int weight = 1;
};

struct UnsafeRoute {  // tun.unsafe_routes: a non-overlay network reached through `via`
  IpPrefix network;
  IpAddr via;                  // gateways[0], for messages
  std::vector<Gateway> gateways;  // `via: IP` gives one; `via: [{gateway:, weight:}]` several,
                                  // chosen among per flow (mesh/gateways.h)
  int mtu = 0;                    // 0 = tun.mtu
  int metric = 0;
  bool install = true;  // false: nebula routes it inside, but adds no kernel route
  int line = 0;
};

struct TunConfig {
  bool disabled = false;
  std::string dev;  // "" = chosen by the system
  bool drop_local_broadcast = false;
  bool drop_multicast = false;
  int tx_queue = 500;
  int mtu = 1300;
  std::vector<Route> routes;
  std::vector<UnsafeRoute> unsafe_routes;
  bool use_system_route_table = false;  // linux: unsafe routes from the kernel table
  int use_system_route_table_buffer_size = 0;
  // flatnet's own (nebula ignores it): each peer's certificate unsafe networks are routed
  // through that peer while its tunnel is up (mesh/cert_routes.h).
  bool routes_from_certs = false;
};

struct LoggingConfig {
  log::Level level = log::Level::kInfo;
  log::Format format = log::Format::kText;
  bool disable_timestamp = false;
  std::string timestamp_format;  // Go layout; "" = RFC3339

  log::Options ToOptions() const;
};

struct HandshakesConfig {
  Duration try_interval = std::chrono::milliseconds(100);
  int retries = 10;
  int trigger_buffer = 64;
  int query_buffer = 64;  // a later nebula key; 1.6.1 has no such buffer
};

struct TunnelsConfig {  // tunnels: close tunnels that carry nothing for a while
  bool drop_inactive = false;
  Duration inactivity_timeout = std::chrono::minutes(10);
};

struct TimersConfig {
  int connection_alive_interval_seconds = 5;
  int pending_deletion_interval_seconds = 10;
};

struct ConntrackConfig {
  Duration tcp_timeout = std::chrono::minutes(12);
  Duration udp_timeout = std::chrono::minutes(3);
  Duration default_timeout = std::chrono::minutes(10);
  Duration routine_cache_timeout{0};  // 1s by default when routines > 1
};

// firewall.inbound_action / outbound_action: what a refused packet gets.
enum class FirewallAction { kDrop, kReject };

struct FirewallConfig {
  ConntrackConfig conntrack;
  FirewallAction inbound_action = FirewallAction::kDrop;
  FirewallAction outbound_action = FirewallAction::kDrop;
  // firewall.default_local_cidr_any (false since nebula 1.10): a rule without local_cidr
  // matches every local address, not only this host's overlay addresses, when the
  // certificate has unsafe networks.
  bool default_local_cidr_any = false;
  std::vector<FirewallRule> outbound;  // as written; src/firewall validates each rule
  std::vector<FirewallRule> inbound;
};

struct StatsConfig {  // prometheus is served (src/control/metrics_server.h); graphite is not
  std::string type;   // "", "none", "graphite", "prometheus"
  Duration interval{0};
  std::string prefix = "nebula";
  std::string protocol = "tcp";
  std::string host;
  std::string listen;
  std::string path;
  std::string namespace_name;
  std::string subsystem;
  bool message_metrics = false;
  bool lighthouse_metrics = false;
};

struct SshAuthorizedUser {
  std::string user;
  std::vector<std::string> keys;
};

struct SshdConfig {  // parsed; flatnet has no ssh server yet
  bool enabled = false;
  std::string listen;
  std::string host_key;
  std::vector<SshAuthorizedUser> authorized_users;
};

struct ControlConfig {  // flatnet's own: where `flatnet status` finds this daemon
  std::string socket;   // control.socket; "" = /run/flatnet/flatnet.sock
};

struct DashboardConfig {  // flatnet's own: the read-only web dashboard (docs/status.md)
  std::string listen;     // dashboard.listen; "" = off (the default). Loopback or one of our
                          // overlay addresses only, checked at start (control/dashboard_server.h)
};

// names: flatnet's own section (docs/names.md). A resolver for the certificate names of
// this host's peers, on the overlay, registered with systemd-resolved where it runs.
struct NamesConfig {
  bool enabled = false;
  std::string domain;              // lowercase, no trailing dot; "" = bare names only
  std::optional<IpAddr> listen_ip;  // unset: this host's first overlay address
  uint16_t listen_port = 53;
  uint16_t lighthouse_dns_port = 53;  // where the lighthouses answer DNS (lighthouse.dns.port)
};

struct Config {
  std::string source;  // the file or directory it was loaded from
  PkiConfig pki;
  std::vector<StaticHost> static_host_map;
  StaticMapConfig static_map;
  LighthouseConfig lighthouse;
  ListenConfig listen;
  PunchyConfig punchy;
  Cipher cipher = Cipher::kAes;
  std::vector<IpPrefix> preferred_ranges;  // with the legacy local_range appended
  RelayConfig relay;
  TunConfig tun;
  LoggingConfig logging;
  HandshakesConfig handshakes;
  TimersConfig timers;
  TunnelsConfig tunnels;
  int routines = 1;
  FirewallConfig firewall;
  StatsConfig stats;
  SshdConfig sshd;
  ControlConfig control;
  DashboardConfig dashboard;
  NamesConfig names;
};

// `path` is a file, or a directory searched recursively for *.yml / *.yaml. `warnings` may be
// null.
Result<Config> LoadConfig(const std::string& path, std::vector<Warning>* warnings);
// `source_name` names the text in messages (e.g. "config.yml").
Result<Config> LoadConfigFromString(std::string_view text, const std::string& source_name,
                                    std::vector<Warning>* warnings);

std::string_view CipherName(Cipher cipher);                  // "aes", "chachapoly"
std::string_view FirewallActionName(FirewallAction action);  // "drop", "reject"

}  // namespace flatnet::config
