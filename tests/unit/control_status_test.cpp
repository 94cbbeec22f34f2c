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
  t.cert_name = "peer\nfake line\x7f";
  status.tunnels.push_back(t);
  std::string text = StatusToText(status);
  for (char c : text) {
    if (c == '\n') continue;
    EXPECT_FALSE(uint8_t(c) < 0x20 || uint8_t(c) == 0x7f) << int(c);
  }
  EXPECT_NE(text.find("me\\x1b[2J"), std::string::npos) << text;
  EXPECT_NE(text.find("peer\\x0afake line\\x7f"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  // JSON escapes them its own way.
  EXPECT_EQ(StatusToJson(status).find('\x1b'), std::string::npos);
}
