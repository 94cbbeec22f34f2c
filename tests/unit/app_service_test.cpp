// The systemd side of flatnet: the unit file `flatnet service install` writes (checked as
// text: this machine runs no systemd, so systemctl is never called here), install/uninstall
// into a temporary unit directory, and READY=1 reaching a NOTIFY_SOCKET we listen on.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <cstring>
#include <sstream>

#include "app/flatnet_service.h"
#include "app/sd_notify.h"

namespace flatnet::app {
namespace {

namespace fs = std::filesystem;

TEST(ServiceUnit, RunsTheDaemonAsANotifyServiceThatReloadsOnHup) {
  std::string unit = ServiceUnit("/usr/bin/flatnet", "/etc/flatnet/config.yml");
  for (const char* line :
       {"[Service]\n", "Type=notify\n", "ExecStartPre=/usr/bin/flatnet -test -config /etc/flatnet/config.yml\n",
        "ExecStart=/usr/bin/flatnet -config /etc/flatnet/config.yml\n",
        "ExecReload=/usr/bin/flatnet reload -config /etc/flatnet/config.yml\n", "Restart=on-failure\n",
        "WantedBy=multi-user.target\n", "After=network-online.target\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  }
}

class Service : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flatnet-service-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    system_.unit_dir = dir_;
    system_.systemd_marker = dir_ + "/no-systemd-here";
    system_.systemctl = "/bin/false";  // must not be run without systemd
    std::ofstream(dir_ + "/config.yml") << "pki: {}\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::pair<int, std::string> Run(std::vector<std::string> args) {
    std::ostringstream out, err;
    int code = RunService(args, out, err, system_);
    return {code, out.str() + err.str()};
  }
  std::string dir_;
  ServiceSystem system_;
};

TEST_F(Service, InstallWritesTheUnitAndSaysSystemdIsNotRunning) {
  auto [code, text] = Run({"install", "-config", dir_ + "/config.yml"});
  ASSERT_EQ(code, 0) << text;
  EXPECT_NE(text.find("systemd is not running here"), std::string::npos) << text;
  std::ifstream unit(dir_ + "/flatnet.service");
  std::stringstream s;
  s << unit.rdbuf();
  EXPECT_NE(s.str().find(" -config " + dir_ + "/config.yml\n"), std::string::npos) << s.str();
  EXPECT_EQ(Run({"status"}).first, 3);
  EXPECT_EQ(Run({"uninstall"}).first, 0);
  EXPECT_FALSE(fs::exists(dir_ + "/flatnet.service"));
  auto [again, message] = Run({"uninstall"});
  EXPECT_EQ(again, 1);
  EXPECT_EQ(message, "Error: service uninstall: " + dir_ + "/flatnet.service is not installed\n");
}

TEST_F(Service, UnitRunsTheBinaryItIsToldTo) {
  // What cmake/packaging.cmake puts in the Debian package.
  auto [code, text] = Run({"unit", "-binary", "/usr/bin/flatnet", "-config", "/etc/flatnet/config.yml"});
  ASSERT_EQ(code, 0) << text;
  EXPECT_EQ(text, ServiceUnit("/usr/bin/flatnet", "/etc/flatnet/config.yml"));
  auto [relative, message] = Run({"unit", "-binary", "bin/flatnet"});
  EXPECT_EQ(relative, 1);
  EXPECT_EQ(message, "Error: service unit: -binary bin/flatnet is not an absolute path\n");
}

TEST_F(Service, InstallRefusesAMissingConfig) {
  auto [code, text] = Run({"install", "-config", dir_ + "/nope.yml"});
  EXPECT_EQ(code, 1);
  EXPECT_EQ(text, "Error: service install: " + dir_ + "/nope.yml does not exist (flatnet join writes it)\n");
  EXPECT_FALSE(fs::exists(dir_ + "/flatnet.service"));
}

TEST(SdNotify, ReadyReachesTheNotifySocket) {
  char pattern[] = "/tmp/flatnet-notify-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string path = std::string(pattern) + "/notify";
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  struct sockaddr_un address {};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_TRUE(NotifySystemd("READY=1", path.c_str()).ok());
  char buf[64] = {};
  ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  EXPECT_EQ(std::string(buf, n > 0 ? size_t(n) : 0), "READY=1");
  close(fd);
  fs::remove_all(pattern);

  EXPECT_TRUE(NotifySystemd("READY=1", nullptr).ok());  // not under systemd: nothing to do
  EXPECT_FALSE(NotifySystemd("READY=1", "relative/path").ok());
  EXPECT_FALSE(NotifySystemd("READY=1", "/nonexistent/socket").ok());
}

}  // namespace
}  // namespace flatnet::app
