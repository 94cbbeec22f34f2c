// DashboardServer: the read-only web dashboard of `dashboard.listen` (docs/status.md,
// "The dashboard"): a page that draws the mesh from the same status `flatnet status -json`
// prints.
//
// Contract:
// - CheckDashboardListen: dashboard.listen parsed (http_endpoint.h), and its host a loopback
//   address (127.0.0.0/8, ::1) or one of `ours` (this host's overlay addresses). Anything
//   else (no host, 0.0.0.0, a name, an underlay address) is an error naming
//   dashboard.listen: the page shows the mesh's layout and has no authentication, so it is
//   never offered to the underlay.
// - Start (after the TUN device has its addresses) serves, for GET and HEAD:
//     /, /index.html, /dashboard.css, /dashboard.js   the page, built into the binary
//                                 (src/control/dashboard/, embedded_file.h)
//     /status.json                StatusToJson(report()), byte for byte what
//                                 `flatnet status -json` prints at that moment
//     /peers/VPNIP/status.json    the /status.json of VPNIP's own dashboard, fetched over the
//                                 overlay at our dashboard's port (peers are expected to
//                                 listen on their overlay address at the same port), at most
//                                 kPeerTimeoutMs and kMaxPeerBytes; 502 when it does not
//                                 answer. Only for an overlay address of a peer we hold a
//                                 tunnel to now (its primary or any address of its
//                                 certificate); any other VPNIP is 404, so the dashboard cannot
//                                 be made to connect anywhere else.
//   Any other path is 404; another method on these paths 405 (nothing changes the node). A
//   request whose Host header names a host (not an address or "localhost") is 403: a web
//   page elsewhere cannot reach the dashboard by rebinding its own name to our address.
//   Answers carry Cache-Control: no-store, nosniff and a Content-Security-Policy allowing
//   only the page's own files.
// - Requests are served by kThreads threads of the endpoint's own, so one slow peer does not
//   hold up the page. Stop returns once they have ended.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/ip_prefix.h"
#include "base/status.h"
#include "control/http_endpoint.h"
#include "mesh/node.h"

namespace flatnet::control {

Result<ListenAddress> CheckDashboardListen(const std::string& listen,
                                           const std::vector<IpAddr>& ours);

class DashboardServer {
 public:
  static constexpr int64_t kPeerTimeoutMs = 2000;
  static constexpr size_t kMaxPeerBytes = 4 << 20;
  static constexpr size_t kThreads = 4;

  // GET http://HOST:PORT/status.json of a peer (http_fetch.h's HttpGet by default; tests
  // give their own).
  using PeerFetch = std::function<Result<std::string>(const std::string& host, uint16_t port)>;

  // `listen` must have passed CheckDashboardListen.
  Status Start(const std::string& listen, std::function<mesh::NodeStatus()> report,
               PeerFetch fetch = {});
  void Stop() { endpoint_.Stop(); }
  uint16_t port() const { return endpoint_.port(); }

 private:
  HttpResponse Answer(const HttpRequest& request) const;
  HttpResponse PeerStatus(const std::string& vpn_ip) const;

  std::function<mesh::NodeStatus()> report_;
  PeerFetch fetch_;
  HttpEndpoint endpoint_;  // last: stopped (destroyed) before what its handler uses
};

}  // namespace flatnet::control
