// The status socket: a client that stalls cannot hold up shutdown, and certificate names
// reach the operator's terminal escaped.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <sstream>
#include <vector>

#include "control/status_json.h"
#include "control/status_server.h"

using namespace flatnet;
using namespace flatnet::control;

namespace {

// Far more than a Unix socket buffers, so sending it blocks until the client reads.
mesh::NodeStatus BigStatus() {
  mesh::NodeStatus status;
  status.cert_name = "host";
  for (int i = 0; i < 20000; ++i) {
    mesh::NodeStatus::TunnelStatus t;
    t.vpn_ip = "10.0.0.1";
    t.cert_name = std::string(200, 'n');
    status.tunnels.push_back(t);
  }
  return status;
}

int Connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  return fd;
}

std::string SocketPath(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string("flatnet-") + name + "-" + std::to_string(::getpid()) + ".sock"))
      .string();
}

// Stops `server` and says whether that took less than `limit`; unblocks a stuck one by
// closing the client first, so a failing test ends.
bool StopsWithin(StatusServer& server, int client, std::chrono::milliseconds limit) {
  auto stopped = std::async(std::launch::async, [&] { server.Stop(); });
  bool in_time = stopped.wait_for(limit) == std::future_status::ready;
  ::shutdown(client, SHUT_RDWR);
  stopped.wait();
  return in_time;
}

}  // namespace

// Finding 10: a client that asks and then never reads used to block the server's send, and
// Stop's join with it, for ever.
TEST(StatusServer, AClientThatNeverReadsDoesNotBlockShutdown) {
  StatusServer server;
  std::string path = SocketPath("stall-read");
  ASSERT_TRUE(server.Start(path, [] { return BigStatus(); }).ok());
  int client = Connect(path);
  ASSERT_EQ(::send(client, "json\n", 5, 0), 5);
  // Wait until the server is sending (its first bytes are here), however long building the
  // status takes (much longer under a sanitizer): Stop must interrupt the send, not the build.
  pollfd readable{client, POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, 60000), 1) << "the server never started sending";
  EXPECT_TRUE(StopsWithin(server, client, std::chrono::milliseconds(2000)));
  ::close(client);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(StatusServer, AClientThatNeverAsksDoesNotBlockShutdown) {
  StatusServer server;
  std::string path = SocketPath("stall-ask");
  ASSERT_TRUE(server.Start(path, [] { return mesh::NodeStatus{}; }).ok());
  int client = Connect(path);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(StopsWithin(server, client, std::chrono::milliseconds(2000)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
  ::close(client);
}

TEST(StatusServer, AnswersARealClient) {
  StatusServer server;
  std::string path = SocketPath("answer");
  mesh::NodeStatus status;
  status.cert_name = "me";
  status.vpn_ip = "10.0.0.1";
  ASSERT_TRUE(server.Start(path, [&] { return status; }).ok());
  auto text = FetchStatus(path, /*json=*/false);
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(text->rfind("me 10.0.0.1 on", 0), 0u) << *text;
  server.Stop();
}

// Finding 10: names come from certificates; an escape sequence or newline in one must not
// reach the terminal raw.
TEST(StatusText, ControlCharactersInCertificateNamesAreEscaped) {
  mesh::NodeStatus status;
  status.cert_name = "me\x1b[2J";
  status.vpn_ip = "10.0.0.1";
  mesh::NodeStatus::TunnelStatus t;
  t.vpn_ip = "10.0.0.2";
  t.cert_name = "peer\nfake";
  t.groups = {"ops\x1b[31m"};
  status.tunnels.push_back(t);
  std::string text = StatusToText(status);
  for (char c : text) {
    if (c == '\n') continue;
    EXPECT_FALSE(uint8_t(c) < 0x20 || uint8_t(c) == 0x7f) << int(c);
  }
  EXPECT_NE(text.find("me\\x1b[2J"), std::string::npos) << text;
  EXPECT_NE(text.find("peer\\x0afake"), std::string::npos) << text;
  EXPECT_NE(text.find("groups ops\\x1b[31m"), std::string::npos) << text;
  // JSON escapes them its own way.
  EXPECT_EQ(StatusToJson(status).find('\x1b'), std::string::npos);
}

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kNow = 1'796'000'000;  // 2026-11-30, in seconds

// A lighthouse-and-relay mesh as a member sees it: the lighthouse direct, a peer relayed
// through it, one with a long name and a certificate about to expire.
mesh::NodeStatus MeshStatus() {
  mesh::NodeStatus s;
  s.now_unix_ns = kNow * kSecond;
  s.cert_name = "laptop";
  s.vpn_ip = "192.168.100.2";
  s.networks = {"192.168.100.2/24", "2001:db8:100::2/64"};
  s.cert_expires_unix = kNow + 400 * 86400;
  s.tun_device = "flatnet1";
  s.listen_port = 4242;
  s.lighthouses = {{"192.168.100.1", "lighthouse", "203.0.113.1:4242", true},
                   {"192.168.100.9", "", "", false}};
  mesh::NodeStatus::TunnelStatus lh;
  lh.vpn_ip = "192.168.100.1";
  lh.cert_name = "lighthouse";
  lh.remote = "203.0.113.1:4242";
  lh.networks = {"192.168.100.1/24"};
  lh.groups = {"servers", "lighthouses"};
  lh.tx_bytes = 12 * 1024 + 300;
  lh.rx_bytes = 900;
  lh.tx_packets = 45;
  lh.rx_packets = 12;
  lh.created_unix_ns = (kNow - 312) * kSecond;
  lh.last_heard_ago_ns = 1 * kSecond;
  lh.rtt_ns = 1'500'000;
  lh.cert_expires_unix = kNow + 200 * 86400;
  mesh::NodeStatus::TunnelStatus relayed;
  relayed.vpn_ip = "192.168.100.3";
  relayed.cert_name = "desktop";
  relayed.remote = "relay 192.168.100.1";
  relayed.relayed = true;
  relayed.relay_vpn_ip = "192.168.100.1";
  relayed.relay_name = "lighthouse";
  relayed.networks = {"192.168.100.3/24", "2001:db8:100::3/64"};
  relayed.tx_bytes = 3 * 1024 * 1024;
  relayed.rx_bytes = 5 * 1024 * 1024;
  relayed.created_unix_ns = (kNow - 2 * 3600 - 5 * 60) * kSecond;
  relayed.rtt_ns = 0;  // not measured yet
  relayed.cert_expires_unix = kNow + 10 * 86400 + 100;
  relayed.cert_routes = {"10.100.3.0/24", "10.200.0.0/16"};  // from its certificate
  mesh::NodeStatus::TunnelStatus long_name;
  long_name.vpn_ip = "192.168.100.4";
  long_name.cert_name = "build-server-in-the-basement.example.org";
  long_name.remote = "[2001:db8:ffff:ffff:ffff:ffff:ffff:1]:4242";
  long_name.networks = {"192.168.100.4/24"};
  long_name.created_unix_ns = (kNow - 3 * 86400) * kSecond;
  long_name.cert_expires_unix = kNow + 90 * 86400;
  s.tunnels = {lh, relayed, long_name};
  s.counters = {{"rx_packets", 100}, {"rx_dropped_replay", 3}, {"rx_dropped_auth", 0},
                {"relay_refused", 2}, {"tx_packets", 90}};
  return s;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The line that starts with `prefix`, or "".
std::string LineStarting(const std::string& text, const std::string& prefix) {
  for (const std::string& line : Lines(text))
    if (line.rfind(prefix, 0) == 0) return line;
  return "";
}

}  // namespace

TEST(StatusText, FitsAnEightyColumnTerminal) {
  std::string text = StatusToText(MeshStatus());
  for (const std::string& line : Lines(text)) EXPECT_LE(line.size(), 79u) << line;
  // The long name and the long IPv6 remote were cut, visibly.
  std::string row = LineStarting(text, "build-server");
  EXPECT_NE(row, "") << text;
  EXPECT_NE(row.find(".."), std::string::npos) << row;
  EXPECT_EQ(row.find("build-server-in-the-basement.example.org"), std::string::npos) << row;
}

TEST(StatusText, EachPeerShowsItsPathRoundTripTrafficAndCertificate) {
  std::string text = StatusToText(MeshStatus());
  EXPECT_EQ(text.rfind("laptop 192.168.100.2 on flatnet1, UDP port 4242\n", 0), 0u) << text;
  EXPECT_NE(text.find("addresses 192.168.100.2/24 2001:db8:100::2/64"), std::string::npos) << text;
  EXPECT_NE(text.find("lighthouses: lighthouse 192.168.100.1 reached, 192.168.100.9 NOT REACHED"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("3 tunnels, 0 handshakes pending"), std::string::npos) << text;
  std::string lh = LineStarting(text, "lighthouse ");
  EXPECT_NE(lh.find("192.168.100.1/24"), std::string::npos) << lh;
  EXPECT_NE(lh.find("direct 203.0.113.1:4242"), std::string::npos) << lh;
  EXPECT_NE(lh.find("1.50ms"), std::string::npos) << lh;
  EXPECT_NE(lh.find(" 1s"), std::string::npos) << lh;
  EXPECT_NE(text.find("    up 5m12s, tx 12.3KiB/45 pkts, rx 900B/12 pkts, groups "
                      "servers,lighthouses,"),
            std::string::npos)
      << text;
  std::string relayed = LineStarting(text, "desktop ");
  EXPECT_NE(relayed.find("relay via lighthouse"), std::string::npos) << relayed;
  EXPECT_NE(relayed.find(" - "), std::string::npos) << relayed;  // no round trip yet
  // Its IPv6 address on the next line, under ADDRESS; then its details with the warning.
  EXPECT_NE(text.find("\n                 2001:db8:100::3/64\n"), std::string::npos) << text;
  EXPECT_NE(text.find("up 2h05m, tx 3.0MiB/0 pkts, rx 5.0MiB/0 pkts"), std::string::npos) << text;
  EXPECT_NE(text.find("    routes 10.100.3.0/24 10.200.0.0/16,\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("routes", text.find("lighthouse ")), text.find("routes 10.100.3.0/24"))
      << text;  // no routes, no word
  EXPECT_NE(text.find("CERTIFICATE EXPIRES IN 10 DAYS (2026-12-10)"), std::string::npos) << text;
  EXPECT_NE(text.find("certificate until 2027-06-18"), std::string::npos) << text;  // lighthouse
  // Drops: only the counters that are not zero.
  EXPECT_NE(text.find("  rx_dropped_replay 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  relay_refused 2\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("rx_dropped_auth"), std::string::npos) << text;
  EXPECT_EQ(text.find("rx_packets"), std::string::npos) << text;
}

TEST(StatusJson, KeepsTheOldFieldsAndAddsPathsRoundTripsAndExpiry) {
  std::string json = StatusToJson(MeshStatus());
  // The fields scripts and labs read since the start.
  EXPECT_NE(json.find("{\"vpnIp\":\"192.168.100.2\",\"certName\":\"laptop\",\"tunDevice\":"
                      "\"flatnet1\",\"listenPort\":4242,\"pendingHandshakes\":0,"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("{\"vpnIp\":\"192.168.100.3\",\"certName\":\"desktop\",\"remote\":\"relay "
                      "192.168.100.1\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"counters\":{\"rx_packets\":100,\"rx_dropped_replay\":3,"), std::string::npos);
  // New: all the certificate's networks, both families; the path; round trip; traffic.
  EXPECT_NE(json.find("\"networks\":[\"192.168.100.2/24\",\"2001:db8:100::2/64\"]"), std::string::npos);
  EXPECT_NE(json.find("\"networks\":[\"192.168.100.3/24\",\"2001:db8:100::3/64\"],\"groups\":[],"
                      "\"path\":\"relay\",\"relayVpnIp\":\"192.168.100.1\",\"relayName\":"
                      "\"lighthouse\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"groups\":[\"servers\",\"lighthouses\"],\"path\":\"direct\""),
            std::string::npos);
  EXPECT_NE(json.find("\"txBytes\":12588,\"rxBytes\":900,\"txPackets\":45,\"rxPackets\":12"),
            std::string::npos);
  EXPECT_NE(json.find("\"upSeconds\":312,\"lastHeardMsAgo\":1000,\"rttUs\":1500,"
                      "\"certExpires\":\"2027-06-18T"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"lastHeardMsAgo\":null,\"rttUs\":null"), std::string::npos);
  EXPECT_NE(json.find("\"certRoutes\":[\"10.100.3.0/24\",\"10.200.0.0/16\"]}"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"certRoutes\":[]}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"certExpiresSoon\":true"), std::string::npos);
  EXPECT_NE(json.find("{\"vpnIp\":\"192.168.100.1\",\"certName\":\"lighthouse\",\"reached\":true,"
                      "\"remote\":\"203.0.113.1:4242\"}"),
            std::string::npos);
  EXPECT_NE(json.find("\"reached\":false"), std::string::npos);
  EXPECT_NE(json.find("\"drops\":{\"rx_dropped_replay\":3,\"relay_refused\":2}"), std::string::npos)
      << json;
}

// Routes a lighthouse hinted (mesh/route_hints.h) are listed apart from the proven ones.
TEST(StatusText, HintedRoutesAreShownApartFromProvenOnes) {
  mesh::NodeStatus s = MeshStatus();
  s.hinted_routes = {{"10.100.5.0/24", "192.168.100.5"}, {"10.100.6.0/24", "192.168.100.6"}};
  const std::string text = StatusToText(s);
  EXPECT_NE(text.find("\n  hinted by a lighthouse (unproven): 10.100.5.0/24 via 192.168.100.5,"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("10.100.6.0/24 via 192.168.100.6"), std::string::npos) << text;
  for (const std::string& line : Lines(text)) EXPECT_LE(line.size(), 79u) << line;
  // The proven ones stay on their peer's detail line only.
  EXPECT_EQ(text.find("routes 10.100.5.0/24"), std::string::npos) << text;
  EXPECT_EQ(StatusToText(MeshStatus()).find("hinted"), std::string::npos);
}

TEST(StatusJson, HintedRoutesAreAListOfTheirOwn) {
  mesh::NodeStatus s = MeshStatus();
  EXPECT_NE(StatusToJson(s).find("\"hintedRoutes\":[]"), std::string::npos);
  s.hinted_routes = {{"10.100.5.0/24", "192.168.100.5"}};
  const std::string json = StatusToJson(s);
  EXPECT_NE(json.find("\"hintedRoutes\":[{\"network\":\"10.100.5.0/24\",\"via\":\"192.168.100.5\"}]"),
            std::string::npos)
      << json;
}
