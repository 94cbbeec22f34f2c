// The dashboard (control/dashboard_server.h): which addresses dashboard.listen may name, the
// page built into the binary and served, /status.json byte-equal to `flatnet status -json`,
// nothing but GET and HEAD, the peers' view fetched only from current peers, and the hosts
// without a tunnel the status lists for it.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "control/dashboard_server.h"
#include "control/embedded_file.h"
#include "control/http_fetch.h"
#include "control/status_json.h"
#include "http_test_client.h"
#include "mesh/address_book.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::control;
using flatnet::testing::HttpReply;
using flatnet::testing::SendHttp;

namespace {

std::vector<IpAddr> Ours() { return {*ParseIpAddr("192.168.100.2"), *ParseIpAddr("fd00::2")}; }

mesh::NodeStatus SampleStatus() {
  mesh::NodeStatus status;
  status.vpn_ip = "192.168.100.2";
  status.cert_name = "laptop";
  status.now_unix_ns = 1'700'000'000'000'000'000;
  status.cert_expires_unix = 1'700'000'000 + 400 * 86400;
  mesh::NodeStatus::TunnelStatus peer;
  peer.vpn_ip = "192.168.100.3";
  peer.cert_name = "desktop";
  peer.networks = {"192.168.100.3/24", "fd00::3/64"};
  peer.relayed = true;
  peer.relay_vpn_ip = "192.168.100.1";
  peer.relay_name = "lighthouse";
  peer.remote = "relay 192.168.100.1";
  status.tunnels = {peer};
  status.hosts_without_tunnel = {{"192.168.100.9", "", true}, {"192.168.100.10", "old", false}};
  status.counters = {{"rx_packets", 3}, {"rx_dropped_firewall", 1}};
  return status;
}

std::string FileBody(std::string_view path) {
  for (const EmbeddedFile& file : DashboardFiles())
    if (file.path == path) return std::string(file.body);
  ADD_FAILURE() << "no embedded " << path;
  return "";
}

}  // namespace

TEST(DashboardListen, LoopbackAndOurOverlayAddressesOnly) {
  for (const char* good : {"127.0.0.1:8080", "127.0.0.53:1", "[::1]:8080", "192.168.100.2:8080",
                           "[fd00::2]:80", "127.0.0.1:0"}) {
    auto checked = CheckDashboardListen(good, Ours());
    EXPECT_TRUE(checked.ok()) << good << ": " << checked.status().message();
  }
  auto v4 = CheckDashboardListen("192.168.100.2:8080", Ours());
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "192.168.100.2");
  EXPECT_EQ(v4->port, 8080);
  for (const char* bad :
       {":8080", "0.0.0.0:8080", "[::]:8080", "192.168.100.3:8080", "203.0.113.7:8080",
        "localhost:8080", "192.168.100.2", "[::1]:99999", "fd00::2:80"}) {
    auto checked = CheckDashboardListen(bad, Ours());
    ASSERT_FALSE(checked.ok()) << bad;
    EXPECT_EQ(checked.status().message().rfind(std::string("dashboard.listen \"") + bad + "\"", 0),
              0u)
        << checked.status().message();
  }
  // An address that is not ours says which are.
  std::string message = CheckDashboardListen("203.0.113.7:8080", Ours()).status().message();
  EXPECT_NE(message.find("neither loopback nor an overlay address of this host"), std::string::npos)
      << message;
  EXPECT_NE(message.find("192.168.100.2, fd00::2"), std::string::npos) << message;
}

TEST(DashboardPage, TheFilesAreBuiltInAndLinkEachOther) {
  std::string html = FileBody("/index.html");
  EXPECT_NE(html.find("<svg id=\"mesh\""), std::string::npos);
  EXPECT_NE(html.find("src=\"/dashboard.js\""), std::string::npos);
  EXPECT_NE(html.find("href=\"/dashboard.css\""), std::string::npos);
  // The script reads the status the daemon serves, and each peer's through it.
  std::string js = FileBody("/dashboard.js");
  EXPECT_NE(js.find("'/status.json'"), std::string::npos);
  EXPECT_NE(js.find("'/peers/'"), std::string::npos);
  EXPECT_NE(FileBody("/dashboard.css").find(".path-relay"), std::string::npos);
}

TEST(DashboardServer, ServesThePageAndTheStatusJsonReadOnly) {
  DashboardServer server;
  int reports = 0;
  ASSERT_TRUE(server
                  .Start("127.0.0.1:0",
                         [&] {
                           ++reports;
                           return SampleStatus();
                         })
                  .ok());
  ASSERT_NE(server.port(), 0);
  HttpReply page = SendHttp(server.port(), "GET", "/");
  EXPECT_EQ(page.status, 200) << page.headers;
  EXPECT_TRUE(page.Has("Content-Type: text/html; charset=utf-8")) << page.headers;
  EXPECT_TRUE(page.Has("Content-Security-Policy: default-src 'none'; script-src 'self'"))
      << page.headers;
  EXPECT_EQ(page.body, FileBody("/index.html"));
  HttpReply script = SendHttp(server.port(), "GET", "/dashboard.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_TRUE(script.Has("Content-Type: text/javascript")) << script.headers;
  EXPECT_EQ(script.body, FileBody("/dashboard.js"));
  EXPECT_EQ(SendHttp(server.port(), "GET", "/dashboard.css").body, FileBody("/dashboard.css"));
  EXPECT_EQ(reports, 0);  // the page alone asks the node nothing

  HttpReply json = SendHttp(server.port(), "GET", "/status.json?t=1");
  EXPECT_EQ(json.status, 200);
  EXPECT_TRUE(json.Has("Content-Type: application/json")) << json.headers;
  EXPECT_TRUE(json.Has("Cache-Control: no-store")) << json.headers;
  EXPECT_EQ(json.body, StatusToJson(SampleStatus()));  // what `flatnet status -json` prints
  EXPECT_EQ(reports, 1);
  HttpReply head = SendHttp(server.port(), "HEAD", "/status.json");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");

  for (const char* method : {"POST", "PUT", "DELETE"}) {
    for (const char* path : {"/", "/status.json", "/peers/192.168.100.3/status.json"}) {
      HttpReply refused = SendHttp(server.port(), method, path);
      EXPECT_EQ(refused.status, 405) << method << " " << path;
      EXPECT_TRUE(refused.Has("Allow: GET, HEAD")) << refused.headers;
    }
  }
  for (const char* path : {"/metrics", "/status.json/", "/index.htm", "/peers/",
                           "/peers//status.json", "/../status.json", "/dashboard.js.map"}) {
    EXPECT_EQ(SendHttp(server.port(), "GET", path).status, 404) << path;
    EXPECT_EQ(SendHttp(server.port(), "POST", path).status, 404) << path;
  }
  // A name that resolves to us is another site's page (DNS rebinding): refused.
  EXPECT_EQ(SendHttp(server.port(), "GET", "/status.json", "attacker.example:8080").status, 403);
  EXPECT_EQ(SendHttp(server.port(), "GET", "/status.json", "localhost:8080").status, 200);
  EXPECT_EQ(SendHttp(server.port(), "GET", "/status.json", "[fd00::2]:8080").status, 200);
  EXPECT_EQ(SendHttp(server.port(), "GET", "/status.json", "fd00::2:8080").status, 200);
  EXPECT_EQ(SendHttp(server.port(), "GET", "/status.json", "[fd00::2").status, 403);
  EXPECT_EQ(SendHttp(server.port(), "GET", "/status.json", "192.168.100.2.example").status, 403);
  server.Stop();
}

TEST(DashboardServer, ThePeersViewIsFetchedFromCurrentPeersOnly) {
  std::mutex mutex;
  std::vector<std::pair<std::string, uint16_t>> fetched;
  bool fail = false;
  DashboardServer server;
  ASSERT_TRUE(server
                  .Start("127.0.0.1:0", SampleStatus,
                         [&](const std::string& host, uint16_t port) -> Result<std::string> {
                           std::lock_guard lock(mutex);
                           fetched.emplace_back(host, port);
                           if (fail) return Status::Error("no answer");
                           return std::string("{\"vpnIp\":\"" + host + "\"}\n");
                         })
                  .ok());
  HttpReply peer = SendHttp(server.port(), "GET", "/peers/192.168.100.3/status.json");
  EXPECT_EQ(peer.status, 200);
  EXPECT_TRUE(peer.Has("Content-Type: application/json")) << peer.headers;
  EXPECT_EQ(peer.body, "{\"vpnIp\":\"192.168.100.3\"}\n");
  // Any address of the peer's certificate, in its canonical form.
  EXPECT_EQ(SendHttp(server.port(), "GET", "/peers/fd00:0:0::3/status.json").status, 200);
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(fetched.size(), 2u);
    EXPECT_EQ(fetched[0], std::make_pair(std::string("192.168.100.3"), server.port()));
    EXPECT_EQ(fetched[1].first, "fd00::3");
    fetched.clear();
  }
  // Not a peer now (known without a tunnel, ourselves, loopback, the relay, the underlay,
  // names, garbage): 404, and nothing is fetched.
  for (const char* other :
       {"192.168.100.9", "192.168.100.2", "127.0.0.1", "192.168.100.1", "203.0.113.1",
        "example.com", "192.168.100.3:22", "192.168.100.3/x", ""}) {
    EXPECT_EQ(
        SendHttp(server.port(), "GET", std::string("/peers/") + other + "/status.json").status, 404)
        << other;
  }
  {
    std::lock_guard lock(mutex);
    EXPECT_TRUE(fetched.empty()) << fetched.size() << " fetches, first " << fetched[0].first;
    fail = true;
  }
  HttpReply silent = SendHttp(server.port(), "GET", "/peers/192.168.100.3/status.json");
  EXPECT_EQ(silent.status, 502);
  EXPECT_NE(silent.body.find("the dashboard of 192.168.100.3: no answer"), std::string::npos)
      << silent.body;
  server.Stop();
}

TEST(DashboardServer, APeersViewComesOverHttpFromItsDashboard) {
  // A "peer" at 127.0.0.1 is this very dashboard: the real client fetches its /status.json.
  mesh::NodeStatus status = SampleStatus();
  status.tunnels[0].vpn_ip = "127.0.0.1";
  status.tunnels[0].networks = {"127.0.0.1/8"};
  DashboardServer server;
  ASSERT_TRUE(server.Start("127.0.0.1:0", [status] { return status; }).ok());
  HttpReply peer = SendHttp(server.port(), "GET", "/peers/127.0.0.1/status.json");
  EXPECT_EQ(peer.status, 200) << peer.body;
  EXPECT_EQ(peer.body, StatusToJson(status));
  server.Stop();
}

TEST(HttpFetch, ARefusedOrTooLongAnswerIsAnErrorNamingTheServer) {
  DashboardServer server;
  ASSERT_TRUE(server.Start("127.0.0.1:0", SampleStatus).ok());
  auto whole = HttpGet("127.0.0.1", server.port(), "/status.json", 1000, 1 << 20);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  EXPECT_EQ(*whole, StatusToJson(SampleStatus()));
  auto cut = HttpGet("127.0.0.1", server.port(), "/status.json", 1000, 10);
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("more than 10 bytes"), std::string::npos);
  auto missing = HttpGet("127.0.0.1", server.port(), "/nothing", 1000, 1 << 20);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("answered HTTP 404"), std::string::npos);
  const uint16_t closed = server.port();
  server.Stop();
  auto refused = HttpGet("127.0.0.1", closed, "/status.json", 1000, 1 << 20);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(
      refused.status().message().find("127.0.0.1:" + std::to_string(closed) + " did not answer"),
      std::string::npos)
      << refused.status().message();
}

TEST(StatusJsonHostsWithoutTunnel, ListsKnownHostsWithTheirSource) {
  std::string json = StatusToJson(SampleStatus());
  EXPECT_NE(json.find("\"hostsWithoutTunnel\":[{\"vpnIp\":\"192.168.100.9\",\"certName\":\"\","
                      "\"source\":\"static_host_map\"},{\"vpnIp\":\"192.168.100.10\","
                      "\"certName\":\"old\",\"source\":\"lighthouse\"}]"),
            std::string::npos)
      << json;
  // The old fields stay.
  EXPECT_NE(json.find("\"tunnels\":[{\"vpnIp\":\"192.168.100.3\""), std::string::npos);
  mesh::NodeStatus none;
  EXPECT_NE(StatusToJson(none).find("\"hostsWithoutTunnel\":[]"), std::string::npos);
}

TEST(StatusJsonHostsWithoutTunnel, ANodeListsItsStaticHostsUntilItHasTunnels) {
  using namespace flatnet::mesh::testing;
  TestCa ca = MakeTestCa();
  auto node = TestNode::Create(MeshConfig(
      ca, MakeTestHost(ca, "me", "10.9.0.1/24"),
      "static_host_map:\n  \"10.9.0.7\": [\"198.51.100.7:4242\"]\n"
      "  \"10.9.0.3\": [\"198.51.100.3:4242\"]\n  \"10.9.0.1\": [\"198.51.100.1:4242\"]\n"));
  ASSERT_TRUE(node);
  auto hosts = node->node->Report().hosts_without_tunnel;
  // In address order, and never ourselves.
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].vpn_ip, "10.9.0.3");
  EXPECT_EQ(hosts[1].vpn_ip, "10.9.0.7");
  EXPECT_TRUE(hosts[0].in_static_map);
  EXPECT_EQ(hosts[0].cert_name, "");
}

TEST(StatusJsonHostsWithoutTunnel, TheAddressBookKnowsHostsWithAnAddressToTry) {
  config::RemoteAllowList allow;
  mesh::AddressBook book(allow, {}, {*ParseIpPrefix("10.9.0.0/24")});
  const IpAddr lighthouse = *ParseIpAddr("10.9.0.1");
  book.SetStatic(lighthouse, {*net::UdpAddr::Parse("198.51.100.1:4242")});
  book.SetReported(*ParseIpAddr("10.9.0.5"), lighthouse,
                   {*net::UdpAddr::Parse("198.51.100.5:4242")});
  // A lighthouse that knows nothing of a host answers with no address: not a member.
  book.SetReported(*ParseIpAddr("10.9.0.99"), lighthouse, {});
  auto known = book.Known();
  std::sort(known.begin(), known.end());
  ASSERT_EQ(known.size(), 2u);
  EXPECT_EQ(known[0], lighthouse);
  EXPECT_EQ(known[1], *ParseIpAddr("10.9.0.5"));
}
