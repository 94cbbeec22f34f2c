// Reloading a running Node's config (SIGHUP, `flatnet reload`; docs/config.md "Reloading").
//
// Contract:
// - PlanReload is pure apart from reading the files pki names and looking up the names
//   static_host_map holds: from the running config and credentials and a freshly loaded
//   config it builds everything a reload installs (the new credentials, the compiled firewall
//   rules, conntrack timeouts, logging options, the unsafe route table, the resolved static
//   hosts with a resolver not yet started) or fails with one line per problem naming the
//   key, having changed nothing. A new certificate whose overlay networks, unsafe networks or
//   curve differ from the running one is refused (the TUN address, routes and local firewall
//   addresses follow them; as Nebula, a restart changes them). An unsafe route is refused as
//   at start (a gateway outside our networks, a route inside them), and so is one whose MTU
//   is larger than the TUN device's.
// - What a reload applies: pki.ca, pki.cert, pki.key, pki.blocklist, pki.initiating_version
//   (new handshakes use the new certificate and key; existing tunnels stay unless the new
//   CA pool or blocklist no longer accepts their peer), firewall.inbound/outbound,
//   firewall.default_local_cidr_any, firewall.conntrack timeouts (tracked flows the new rules
//   refuse are cut when next seen, firewall.h), logging.*, tun.unsafe_routes (the inside
//   path's table, and the kernel routes: added ones installed, removed ones deleted, the
//   others untouched), tun.routes_from_certs (rebuilt at the control loop's next turn, as
//   after a change of tun.unsafe_routes, which win over them), static_host_map and
//   static_map.* (the AddressBook's static entries and the resolver), lighthouse.hosts and
//   lighthouse.interval (Lighthouse::Reload: an update at once),
//   relay.am_relay/use_relays/relays and punchy.* (for what starts after the
//   reload; tunnels and relayed paths that exist stay). Every other key that changed is
//   listed in restart_needed: it keeps its running value until flatnet restarts.
// - Node::Reload (reload.cpp) plans on the caller's thread and hands the plan to the control
//   thread, which installs it between two events and at once closes the tunnels whose
//   peers the new CA pool or blocklist refuses (invalid_certs.h). The workers never wait:
//   the firewall swaps its rules and the Node its unsafe route table through one atomic
//   pointer each; the credentials, static hosts and the managers' settings are read only by
//   the control thread (and by Report, under ReloadState::mutex). A replaced static host
//   resolver is stopped by Reload's caller, so the control thread never waits for a lookup.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "config/config.h"
#include "firewall/conntrack.h"
#include "firewall/rule_set.h"
#include "mesh/host_credentials.h"
#include "mesh/static_hosts.h"
#include "mesh/unsafe_routes.h"
#include "net/udp_addr.h"

namespace flatnet::mesh {

struct ReloadPlan {
  config::Config config;  // the new config as loaded
  HostCredentials credentials;
  firewall::RuleSet rules;
  firewall::ConntrackTimeouts timeouts;
  log::Options logging;
  std::shared_ptr<const UnsafeRouteTable> unsafe_routes;  // tun.unsafe_routes, checked
  // static_host_map / static_map changed: each entry resolved (static_addresses[i] for
  // config.static_host_map[i]) and a resolver, not yet started, to replace the running one.
  bool static_hosts_changed = false;
  std::vector<std::vector<net::UdpAddr>> static_addresses;
  std::unique_ptr<StaticHostResolver> static_hosts;
  std::vector<std::string> changed;         // reloadable keys whose value changed
  std::vector<std::string> restart_needed;  // changed keys that wait for a restart
};

// What Node::Reload did: the keys it applied and those that wait for a restart.
struct ReloadOutcome {
  uint64_t generation = 0;  // reloads installed since start, this one included
  std::vector<std::string> changed, restart_needed;
};

// `running`: the config last applied (for what changed); `started`: the one the node started
// with (for what needs a restart); `logger` is where HostCredentials::Load warns.
Result<ReloadPlan> PlanReload(const config::Config& started, const config::Config& running,
                              const HostCredentials& running_credentials,
                              const config::Config& next, const log::Logger& logger);

// The firewall rules of `config` for a host with `credentials` (the same defaults as at start).
Result<firewall::RuleSet> CompileRules(const config::Config& config,
                                       const HostCredentials& credentials);

// The changed keys among those a reload cannot apply, e.g. "listen.port".
std::vector<std::string> RestartNeededKeys(const config::Config& started,
                                           const config::Config& next);

// What a Node keeps for reloads: the last applied config, and the hand-over of a plan from
// the reloading thread to the control thread.
struct ReloadState {
  explicit ReloadState(const config::Config& start) : applied(start) {}
  std::mutex mutex;  // guards everything below, and Node's credentials while they change
  std::condition_variable done;
  config::Config applied;
  std::unique_ptr<ReloadPlan> pending;  // set by Reload, taken by the control thread
  std::atomic<bool> has_pending{false};  // read without the lock by the control loop
  uint64_t generation = 0;               // plans installed so far
  // Resolvers a reload replaced, stopped and freed by Reload's caller (their Stop may wait
  // for a lookup, which the control thread must not).
  std::vector<std::unique_ptr<StaticHostResolver>> retired;
};

}  // namespace flatnet::mesh
