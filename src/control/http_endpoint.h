// HttpEndpoint: the one HTTP server behind flatnet's read-only web endpoints, the
// Prometheus metrics (metrics_server.h) and the dashboard (dashboard_server.h).
//
// Contract: Start binds `listen` (ParseListenAddress) and answers every request, whatever
// its method or path, with what `handler` returns, on `threads` threads of its own (one by
// default: one request at a time). The handler sees the method, the path without its query
// string and the Host header; it may run on several threads at once when threads > 1. A port in use
// is an error, as in nebula (no SO_REUSEPORT, so a second daemon cannot share it). Start fails
// naming `key` (the config key the address came from: "stats.listen", "dashboard.listen") when the
// address does not parse or cannot be bound (in use, not this host's). Stop returns once the thread
// has ended; the destructor stops. The server is Debian's cpp-httplib: only http_endpoint.cpp
// includes httplib.h (and http_fetch.cpp, for its client).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"

namespace httplib {
class Server;
}

namespace flatnet::control {

struct ListenAddress {
  std::string host;  // "0.0.0.0" when the address names no host (":8080", as in Go)
  uint16_t port = 0;
};

// "host:port", ":port" or "[v6]:port"; port 0 asks for any free port. Errors name `key`.
Result<ListenAddress> ParseListenAddress(std::string_view key, const std::string& listen);

struct HttpRequest {
  std::string method;  // "GET", "HEAD", "POST", ...
  std::string path;    // "/status.json", without "?query"
  std::string host;    // the Host header as sent ("192.168.100.2:8080"), "" if none
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones
};

// A plain-text answer: 404 "not found", 405 "method not allowed" (with Allow: GET, HEAD).
HttpResponse NotFound();
HttpResponse MethodNotAllowed();

class HttpEndpoint {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  HttpEndpoint();
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  Status Start(std::string_view key, const std::string& listen, Handler handler,
               size_t threads = 1);
  void Stop();
  // The bound port (useful when the address asked for port 0).
  uint16_t port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace flatnet::control
