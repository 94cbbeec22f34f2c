// MetricsToText: a node's status (mesh::NodeStatus) in the Prometheus text exposition
// format, version 0.0.4, for the `stats: {type: prometheus}` endpoint (metrics_server.h).
//
// Contract:
// - Where nebula has a metric, its name is nebula's: the dotted go-metrics name with
//   '.', '-', ' ' and '=' made '_', prefixed by stats.namespace and stats.subsystem (each
//   flattened the same way, empty ones left out, joined with '_'), so
//   namespace "nebula", subsystem "" and "handshake_manager.initiated" give
//   nebula_handshake_manager_initiated. As nebula's exporter does, these are TYPE gauge
//   (its counters are exported as gauges), carry no _total suffix, and their HELP is the
//   dotted name, so dashboards made for nebula keep working.
//   Always: handshake_manager.initiated/.timed_out, hostmap.main.hosts,
//   hostmap.main.indexes/.remoteIndexes/.relayIndexes, hostmap.pending.hosts, hostinfo.cached_packets.sent/.dropped, routines,
//   certificate.ttl_seconds/.initiating_version/.max_version, firewall.conntrack.count,
//   firewall.rules.version (reloads since start), firewall.{incoming,outgoing}.dropped.
//   {local_addr,remote_addr,no_rule}, messages.{rx,tx}.recv_error. With message_metrics:
//   every messages.{rx,tx}.<type> nebula has, messages.rx.invalid, messages.tx.exhausted;
//   with lighthouse_metrics: lighthouse.{rx,tx}.<NebulaMeta type>. Not exported: the
//   handshakes histogram, network.packets.* (the replay window's losses),
//   hostmap.pending.indexes and firewall.rules.hash (a hash of nebula's own rule representation).
// - flatnet's own metrics, under the same prefix, follow Prometheus' conventions: every
//   FLATNET_COUNTERS counter (src/mesh/counters.h) as flatnet_<name>_total (TYPE counter);
//   flatnet_tunnels{path="direct"|"relay"} (gauge); per-peer inner bytes as
//   flatnet_peer_tx_bytes_total and flatnet_peer_rx_bytes_total labelled peer (certificate
//   name) and vpn_ip. A peer's byte counters start at 0 with each new tunnel (a counter
//   reset, which Prometheus' rate() handles).
// - Label values are escaped as the format requires (\\, \", \n), so a peer name from a
//   certificate cannot break the output; any other character a metric name may not hold
//   becomes '_'.
#pragma once

#include <string>
#include <string_view>

#include "mesh/node.h"

namespace flatnet::control {

// stats.namespace and stats.subsystem.
struct MetricsPrefix {
  std::string namespace_name;
  std::string subsystem;
};

// The Content-Type of MetricsToText's output.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The Prometheus name of `dotted` (a go-metrics name such as "handshake_manager.initiated").
std::string MetricName(const MetricsPrefix& prefix, std::string_view dotted);

// `value` escaped for use between the quotes of a label value.
std::string EscapeLabelValue(std::string_view value);

// stats.message_metrics and stats.lighthouse_metrics: which of nebula's optional metric
// sets are exported (as in nebula, both off by default).
struct NebulaMetricSets {
  bool message_metrics = false;
  bool lighthouse_metrics = false;
};

std::string MetricsToText(const mesh::NodeStatus& status, const MetricsPrefix& prefix,
                          const NebulaMetricSets& sets = {});

}  // namespace flatnet::control
