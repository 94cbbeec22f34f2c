#include "control/metrics_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>

namespace flatnet::control {

Result<ListenAddress> ParseListenAddress(const std::string& listen) {
  auto bad = [&](const std::string& why) {
    return Status::Error("stats.listen \"" + listen + "\" " + why);
  };
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return bad("is not host:port (e.g. \"127.0.0.1:8080\")");
  ListenAddress address;
  address.host = listen.substr(0, colon);
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']')
    address.host = address.host.substr(1, address.host.size() - 2);
  else if (address.host.find(':') != std::string::npos)
    return bad("has an IPv6 host without brackets (write [::1]:8080)");
  if (address.host.empty()) address.host = "0.0.0.0";
  const std::string port = listen.substr(colon + 1);
  unsigned value = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value > 65535)
    return bad("has no valid port (0-65535)");
  address.port = uint16_t(value);
  return address;
}

MetricsServer::MetricsServer() = default;
MetricsServer::~MetricsServer() { Stop(); }

Status MetricsServer::Start(const std::string& listen, const std::string& path,
                            MetricsPrefix prefix, NebulaMetricSets sets,
                            std::function<mesh::NodeStatus()> report) {
  auto address = ParseListenAddress(listen);
  if (!address.ok()) return address.status();
  if (path.empty() || path[0] != '/')
    return Status::Error("stats.path \"" + path + "\" must start with /");
  server_ = std::make_unique<httplib::Server>();
  // One scrape at a time is plenty, and keeps the daemon's thread count small.
  server_->new_task_queue = [] { return new httplib::ThreadPool(1); };
  // httplib's default also sets SO_REUSEPORT, which would let a second daemon share the
  // port silently; a port in use must be an error, as in nebula.
  server_->set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Exact path only: httplib treats the pattern as a regex, so match it literally.
  server_->set_pre_routing_handler(
      [path, prefix = std::move(prefix), sets, report = std::move(report)](
          const httplib::Request& request, httplib::Response& response) {
        if (request.path != path || (request.method != "GET" && request.method != "HEAD")) {
          response.status = 404;
          response.set_content("404 not found\n", "text/plain");
          return httplib::Server::HandlerResponse::Handled;
        }
        response.set_content(MetricsToText(report(), prefix, sets), kMetricsContentType);
        return httplib::Server::HandlerResponse::Handled;
      });
  int bound = address->port == 0 ? server_->bind_to_any_port(address->host)
                                 : (server_->bind_to_port(address->host, address->port)
                                        ? int(address->port)
                                        : -1);
  if (bound <= 0) {
    server_.reset();
    return Status::Error("stats.listen \"" + listen +
                         "\": cannot listen there (address in use, or not this host's)");
  }
  port_ = uint16_t(bound);
  thread_ = std::thread([server = server_.get()] { server->listen_after_bind(); });
  // httplib's stop() does nothing before the server runs; wait for it (bounded) so a quick
  // Stop cannot leave the thread listening forever.
  for (int i = 0; i < 2000 && !server_->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return Status::Ok();
}

void MetricsServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace flatnet::control
