// MetricsServer: the Prometheus endpoint of `stats: {type: prometheus}`.
//
// Contract: an HTTP endpoint (http_endpoint.h) on stats.listen that answers GET (and HEAD)
// stats.path with the node's metrics (metrics_text.h, Content-Type text/plain;
// version=0.0.4), read fresh from the node on each scrape, and 404 for any other path or
// method. It is read-only and runs one request at a time on its own thread. Start fails,
// naming stats.listen, when the address does not parse or cannot be bound (in use, not
// ours), and naming stats.path when that does not start with /; Stop returns once the
// server thread has ended.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "control/http_endpoint.h"
#include "control/metrics_text.h"
#include "mesh/node.h"

namespace flatnet::control {

class MetricsServer {
 public:
  Status Start(const std::string& listen, const std::string& path, MetricsPrefix prefix,
               NebulaMetricSets sets, std::function<mesh::NodeStatus()> report);
  void Stop() { endpoint_.Stop(); }
  // The bound port (useful when stats.listen asked for port 0).
  uint16_t port() const { return endpoint_.port(); }

 private:
  HttpEndpoint endpoint_;
};

}  // namespace flatnet::control
