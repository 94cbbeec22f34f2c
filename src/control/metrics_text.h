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

std::string MetricsToText(const mesh::NodeStatus& status, const MetricsPrefix& prefix);

}  // namespace flatnet::control
