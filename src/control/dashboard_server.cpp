#include "control/dashboard_server.h"

#include <algorithm>

#include "control/embedded_file.h"
#include "control/http_fetch.h"
#include "control/status_json.h"

namespace flatnet::control {
namespace {

constexpr std::string_view kPeersPrefix = "/peers/";
constexpr std::string_view kPeerSuffix = "/status.json";

bool IsLoopback(const IpAddr& ip) {
  if (ip.is_v4()) return (ip.v4() >> 24) == 127;
  return ip == *ParseIpAddr("::1");
}

// Addresses and localhost only: a DNS name pointing at us is another site's page. A Host
// header is "name", "name:port", "1.2.3.4:port", "[v6]:port", or a bare IPv6 address (with
// or without a port after it, which clients that do not bracket it send): two colons or
// more can only be IPv6, since no DNS name holds a colon.
bool HostAllowed(const std::string& header) {
  if (header.empty()) return true;  // HTTP/1.0 clients may send none
  std::string host = header;
  if (host[0] == '[') {
    size_t close = host.find(']');
    if (close == std::string::npos) return false;
    host = host.substr(1, close - 1);
  } else if (std::count(host.begin(), host.end(), ':') >= 2) {
    return true;
  } else if (size_t colon = host.find(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  return host == "localhost" || ParseIpAddr(host).ok();
}

HttpResponse WithPolicy(HttpResponse response) {
  response.headers.push_back({"Cache-Control", "no-store"});
  response.headers.push_back({"X-Content-Type-Options", "nosniff"});
  response.headers.push_back(
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"});
  return response;
}

const EmbeddedFile* PageFile(std::string_view path) {
  if (path == "/") path = "/index.html";
  for (const EmbeddedFile& file : DashboardFiles())
    if (file.path == path) return &file;
  return nullptr;
}

}  // namespace

Result<ListenAddress> CheckDashboardListen(const std::string& listen,
                                           const std::vector<IpAddr>& ours) {
  auto address = ParseListenAddress("dashboard.listen", listen);
  if (!address.ok()) return address.status();
  std::string mine;
  for (const IpAddr& ip : ours) mine += (mine.empty() ? "" : ", ") + ip.ToString();
  auto refuse = [&](const std::string& why) {
    return Status::Error("dashboard.listen \"" + listen + "\" " + why +
                         ": the dashboard listens only on loopback (127.0.0.1, ::1) or on one "
                         "of this host's overlay addresses (" +
                         mine + ")");
  };
  auto ip = ParseIpAddr(address->host);
  if (!ip.ok()) return refuse("does not name an address");
  if (ip->IsUnspecified()) return refuse("names every address");
  if (!IsLoopback(*ip) && std::find(ours.begin(), ours.end(), *ip) == ours.end())
    return refuse("is neither loopback nor an overlay address of this host");
  return address;
}

Status DashboardServer::Start(const std::string& listen, std::function<mesh::NodeStatus()> report,
                              PeerFetch fetch) {
  report_ = std::move(report);
  fetch_ = fetch ? std::move(fetch) : [](const std::string& host, uint16_t port) {
    return HttpGet(host, port, std::string(kPeerSuffix), kPeerTimeoutMs, kMaxPeerBytes);
  };
  return endpoint_.Start(
      "dashboard.listen", listen,
      [this](const HttpRequest& request) { return WithPolicy(Answer(request)); }, kThreads);
}

HttpResponse DashboardServer::Answer(const HttpRequest& request) const {
  const std::string& path = request.path;
  std::string peer;
  const bool peer_path = path.size() > kPeersPrefix.size() + kPeerSuffix.size() &&
                         path.starts_with(kPeersPrefix) && path.ends_with(kPeerSuffix);
  if (peer_path)
    peer = path.substr(kPeersPrefix.size(), path.size() - kPeersPrefix.size() - kPeerSuffix.size());
  const EmbeddedFile* file = PageFile(path);
  if (!file && path != "/status.json" && !peer_path) return NotFound();
  if (request.method != "GET" && request.method != "HEAD") return MethodNotAllowed();
  if (!HostAllowed(request.host))
    return {403, "text/plain", "403: open the dashboard by its address, not by a name\n", {}};
  if (file) return {200, std::string(file->content_type), std::string(file->body), {}};
  if (path == "/status.json") return {200, "application/json", StatusToJson(report_()), {}};
  return PeerStatus(peer);
}

HttpResponse DashboardServer::PeerStatus(const std::string& vpn_ip) const {
  auto ip = ParseIpAddr(vpn_ip);
  if (!ip.ok()) return NotFound();
  // Canonical form, so "192.168.100.03" or an uncompressed IPv6 cannot slip past the list.
  const std::string address = ip->ToString();
  bool is_peer = false;
  for (const auto& tunnel : report_().tunnels) {
    if (tunnel.vpn_ip == address) is_peer = true;
    for (const std::string& network : tunnel.networks)
      if (network.substr(0, network.find('/')) == address) is_peer = true;
  }
  if (!is_peer) return NotFound();
  auto body = fetch_(address, endpoint_.port());
  if (!body.ok())
    return {502,
            "text/plain",
            "the dashboard of " + address + ": " + body.status().message() + "\n",
            {}};
  return {200, "application/json", std::move(*body), {}};
}

}  // namespace flatnet::control
