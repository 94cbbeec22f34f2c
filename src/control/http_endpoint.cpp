#include "control/http_endpoint.h"

#include <httplib.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>

namespace flatnet::control {

Result<ListenAddress> ParseListenAddress(std::string_view key, const std::string& listen) {
  auto bad = [&](const std::string& why) {
    return Status::Error(std::string(key) + " \"" + listen + "\" " + why);
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

HttpResponse NotFound() { return {404, "text/plain", "404 not found\n", {}}; }

HttpResponse MethodNotAllowed() {
  return {405,
          "text/plain",
          "405 method not allowed: this endpoint is read-only\n",
          {{"Allow", "GET, HEAD"}}};
}

HttpEndpoint::HttpEndpoint() = default;
HttpEndpoint::~HttpEndpoint() { Stop(); }

Status HttpEndpoint::Start(std::string_view key, const std::string& listen, Handler handler,
                           size_t threads) {
  auto address = ParseListenAddress(key, listen);
  if (!address.ok()) return address.status();
  server_ = std::make_unique<httplib::Server>();
  // Few threads: these endpoints serve an operator or a scraper, not the public, and the
  // daemon's thread count stays small.
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads ? threads : 1); };
  // httplib's default also sets SO_REUSEPORT, which would let a second daemon share the
  // port silently; a port in use must be an error.
  server_->set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Every request goes to the handler before httplib's own routing, whose patterns are
  // regexes and whose methods we do not want: the handler decides paths and methods.
  server_->set_pre_routing_handler([handler = std::move(handler)](const httplib::Request& request,
                                                                  httplib::Response& response) {
    HttpResponse answer = handler({request.method, request.path, request.get_header_value("Host")});
    response.status = answer.status;
    for (const auto& [name, value] : answer.headers) response.set_header(name, value);
    response.set_content(std::move(answer.body), answer.content_type.c_str());
    return httplib::Server::HandlerResponse::Handled;
  });
  int bound = address->port == 0
                  ? server_->bind_to_any_port(address->host)
                  : (server_->bind_to_port(address->host, address->port) ? int(address->port) : -1);
  if (bound <= 0) {
    server_.reset();
    return Status::Error(std::string(key) + " \"" + listen +
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

void HttpEndpoint::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace flatnet::control
