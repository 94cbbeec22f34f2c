// MetricsServer: the Prometheus endpoint of `stats: {type: prometheus}`.
//
// Contract: an HTTP server (Debian's cpp-httplib) on stats.listen that answers GET
// stats.path with the node's metrics (metrics_text.h, Content-Type text/plain;
// version=0.0.4), read fresh from the node on each scrape, and 404 for any other path. It
// is read-only and runs one request at a time on its own thread. Start fails, naming
// stats.listen, when the address does not parse or cannot be bound (in use, not ours);
// Stop returns once the server thread has ended.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/status.h"
#include "control/metrics_text.h"
#include "mesh/node.h"

namespace httplib {
class Server;
}

namespace flatnet::control {

struct ListenAddress {
  std::string host;  // "0.0.0.0" when stats.listen names no host (":8080", as in Go)
  uint16_t port = 0;
};

// stats.listen: "host:port", ":port" or "[v6]:port"; port 0 asks for any free port.
Result<ListenAddress> ParseListenAddress(const std::string& listen);

class MetricsServer {
 public:
  MetricsServer();
  ~MetricsServer();

  Status Start(const std::string& listen, const std::string& path, MetricsPrefix prefix,
               NebulaMetricSets sets, std::function<mesh::NodeStatus()> report);
  void Stop();
  // The bound port (useful when stats.listen asked for port 0).
  uint16_t port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace flatnet::control
