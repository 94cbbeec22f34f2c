// RunPlugin (src/cni/plugin.h) as a runtime invokes it, environment and stdin in, JSON and
// exit status out, for the paths that change nothing on the host (so no root is needed):
// VERSION, a bad environment or config, a subnet the certificate does not hold, an
// exhausted subnet, DEL of what is not there, CHECK of a container never added. ADD's
// links are the lab's (tests/lab/cni_plugin_test.sh).
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "cni/cert_subnet.h"
#include "cni/ipam_store.h"
#include "cni/plugin.h"

namespace flatnet::cni {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string CertData(const std::string& name) {
  const char* dir = std::getenv("FLATNET_TEST_DATA");
  return std::string(dir ? dir : "tests/unit/data") + "/cert/" + name;
}

class CniPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flatnet-cni-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    data_dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(data_dir_); }

  // host1.crt: a v1 certificate with the unsafe network (subnet) 192.168.10.0/24.
  std::string Config(const std::string& extra = "", const std::string& cert = "host1.crt") {
    return R"({"cniVersion":"1.0.0","name":"flatnet","type":"flatnet-cni","cert":")" +
           CertData(cert) + R"(","dataDir":")" + data_dir_ + "\"" + extra + "}";
  }
  PluginOutput Run(const std::string& command, const std::string& stdin_text) {
    std::map<std::string, std::string> vars = {{"CNI_COMMAND", command},
                                               {"CNI_CONTAINERID", "c1"},
                                               {"CNI_NETNS", "/var/run/netns/flatnet-unit-none"},
                                               {"CNI_IFNAME", "eth0"},
                                               {"CNI_PATH", "/usr/lib/cni"}};
    return RunPlugin(
        [vars](const char* name) -> std::optional<std::string> {
          auto it = vars.find(name);
          if (it == vars.end()) return std::nullopt;
          return it->second;
        },
        stdin_text);
  }
  // The error a run printed; fails the test unless it exited 1 with the spec's error JSON.
  json ErrorOf(const PluginOutput& out) {
    EXPECT_EQ(out.exit_code, 1) << out.stdout_text;
    json error = json::parse(out.stdout_text, nullptr, false);
    EXPECT_TRUE(error.is_object() && error.contains("code") && error.contains("msg") &&
                error.contains("cniVersion"))
        << out.stdout_text;
    return error;
  }
  std::string data_dir_;
};

TEST_F(CniPluginTest, VersionListsTheSupportedVersions) {
  PluginOutput out = Run("VERSION", R"({"cniVersion":"1.0.0"})");
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(json::parse(out.stdout_text),
            json::parse(R"({"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]})"));
  // A runtime may send nothing at all on stdin for VERSION.
  EXPECT_EQ(Run("VERSION", "").exit_code, 0);
}

TEST_F(CniPluginTest, AnUnknownCommandIsAnEnvironmentError) {
  json error = ErrorOf(Run("GC", Config()));
  EXPECT_EQ(error["code"], 4);
  EXPECT_NE(error["msg"].get<std::string>().find("CNI_COMMAND \"GC\""), std::string::npos);
}

TEST_F(CniPluginTest, BadConfigIsAnErrorInTheConfigsVersion) {
  json error = ErrorOf(Run("ADD", R"({"cniVersion":"0.4.0","name":"flatnet","type":"flatnet-cni"})"));
  EXPECT_EQ(error["cniVersion"], "0.4.0");
  EXPECT_EQ(error["code"], 7);
  EXPECT_NE(error["msg"].get<std::string>().find("\"cert\" is missing"), std::string::npos);
  EXPECT_EQ(ErrorOf(Run("ADD", "{"))["code"], 6);
}

TEST_F(CniPluginTest, ASubnetTheCertificateLacksIsRefusedNamingSubnetAndCert) {
  json error = ErrorOf(Run("ADD", Config(R"(,"subnet":"10.100.2.0/24")")));
  EXPECT_EQ(error["code"], 7);
  const std::string msg = error["msg"];
  EXPECT_NE(msg.find("\"subnet\" 10.100.2.0/24 is not inside an unsafe network"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(CertData("host1.crt")), std::string::npos) << msg;
  EXPECT_NE(msg.find("it has 192.168.10.0/24"), std::string::npos) << msg;
  // Nothing was handed out.
  EXPECT_FALSE(fs::exists(data_dir_ + "/flatnet/10.100.2.2"));
}

TEST_F(CniPluginTest, ACertificateWithoutUnsafeNetworksNeedsASubnetItCannotHave) {
  json error = ErrorOf(Run("ADD", Config("", "host2.crt")));
  EXPECT_EQ(error["code"], 7);
  EXPECT_NE(error["msg"].get<std::string>().find("has no IPv4 unsafe network"), std::string::npos);
  json missing = ErrorOf(Run("ADD", Config("", "no-such.crt")));
  EXPECT_EQ(missing["code"], 5);
  EXPECT_NE(missing["msg"].get<std::string>().find("no-such.crt"), std::string::npos);
}

TEST_F(CniPluginTest, TheSubnetDefaultsToTheCertificatesFirstUnsafeNetwork) {
  // v1 "subnets" and v2 "unsafeNetworks" (IPv6 ones skipped).
  auto v1 = CertUnsafeNetworks(CertData("host1.crt"));
  ASSERT_TRUE(v1.ok()) << v1.error().msg;
  auto chosen = ChooseSubnet(std::nullopt, v1.value(), "host1.crt");
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen.value().ToString(), "192.168.10.0/24");
  auto v2 = CertUnsafeNetworks(CertData("v11/host_v2.crt"));
  ASSERT_TRUE(v2.ok()) << v2.error().msg;
  ASSERT_EQ(v2->size(), 1u);
  EXPECT_EQ(v2->front().ToString(), "192.168.20.0/24");
  // A smaller subnet inside the unsafe network is fine; one overlapping its edge is not.
  EXPECT_TRUE(ChooseSubnet(ParseIpPrefix("192.168.10.128/25").value(), v1.value(), "c").ok());
  EXPECT_FALSE(ChooseSubnet(ParseIpPrefix("192.168.10.0/23").value(), v1.value(), "c").ok());
}

TEST_F(CniPluginTest, AnExhaustedSubnetIsAnErrorResultNamingIt) {
  // A /30 holds one container address; another container holds it.
  IpamStore store = IpamStore::Open(data_dir_ + "/flatnet").value();
  ASSERT_TRUE(store.Allocate(ParseIpPrefix("192.168.10.252/30").value(), "other", "eth0").ok());
  json error = ErrorOf(Run("ADD", Config(R"(,"subnet":"192.168.10.252/30")")));
  EXPECT_EQ(error["code"], 100);
  EXPECT_NE(error["msg"].get<std::string>().find("subnet 192.168.10.252/30 is exhausted"),
            std::string::npos)
      << error["msg"];
}

TEST_F(CniPluginTest, ARouteGatewayOutsideTheSubnetIsRefused) {
  json error =
      ErrorOf(Run("ADD", Config(R"(,"routes":[{"dst":"0.0.0.0/0","gw":"10.9.9.9"}])")));
  EXPECT_EQ(error["code"], 7);
  EXPECT_NE(error["msg"].get<std::string>().find("\"routes[0].gw\" 10.9.9.9 is not in the subnet"),
            std::string::npos)
      << error["msg"];
}

TEST_F(CniPluginTest, DelOfAContainerThatIsNotThereSucceeds) {
  PluginOutput out = Run("DEL", Config());
  EXPECT_EQ(out.exit_code, 0) << out.stdout_text;
  EXPECT_EQ(out.stdout_text, "");
  // Even when the certificate is gone: DEL needs only the container's id and interface.
  EXPECT_EQ(Run("DEL", Config("", "no-such.crt")).exit_code, 0);
}

TEST_F(CniPluginTest, CheckOfAContainerNeverAddedIsUnknownContainer) {
  json error = ErrorOf(Run("CHECK", Config()));
  EXPECT_EQ(error["code"], 3);
  EXPECT_NE(error["msg"].get<std::string>().find("no address is handed to container c1"),
            std::string::npos)
      << error["msg"];
}

}  // namespace
}  // namespace flatnet::cni
