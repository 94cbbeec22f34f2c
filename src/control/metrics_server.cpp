#include "control/metrics_server.h"

namespace flatnet::control {

Status MetricsServer::Start(const std::string& listen, const std::string& path,
                            MetricsPrefix prefix, NebulaMetricSets sets,
                            std::function<mesh::NodeStatus()> report) {
  if (path.empty() || path[0] != '/')
    return Status::Error("stats.path \"" + path + "\" must start with /");
  // Exact path only (not a prefix, not a pattern).
  return endpoint_.Start(
      "stats.listen", listen,
      [path, prefix = std::move(prefix), sets,
       report = std::move(report)](const HttpRequest& request) {
        if (request.path != path || (request.method != "GET" && request.method != "HEAD"))
          return NotFound();
        return HttpResponse{200, kMetricsContentType, MetricsToText(report(), prefix, sets), {}};
      });
}

}  // namespace flatnet::control
