// flatnet-cert bundle, run in-process: the zip holds what a stock-Nebula member needs in
// Nebula's Windows layout (config.yml, ca.crt, host.crt, host.key 0600, start.bat,
// nebula.exe, dist/windows/wintun/bin/amd64/wintun.dll) with a certificate the CA signed
// for the key beside it; and each mistake is a one-line error that leaves no zip behind.
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/flatnet_cert_cli.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "cert/key_pem.h"
#include "onboard/inventory.h"
#include "onboard_zip_test_support.h"

namespace flatnet::app {
namespace {

namespace fs = std::filesystem;

class Bundle : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flatnet-bundle-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    ASSERT_EQ(Cli({"ca", "-name", "our-team", "-out-crt", P("ca.crt"), "-out-key", P("ca.key")})
                  .first,
              0);
    Write("team.yml",
          "static_host_map:\n  \"192.168.100.1\": [\"192.0.2.1:4242\"]\n"
          "lighthouse:\n  hosts: [\"192.168.100.1\"]\n"
          "firewall:\n  outbound: [{port: any, proto: any, host: any}]\n"
          "  inbound: [{port: any, proto: icmp, host: any}]\n");
    fs::create_directories(P("release/dist/windows/wintun/bin/amd64"));
    Write("release/nebula.exe", "MZ nebula");
    Write("release/nebula-cert.exe", "MZ nebula-cert");
    Write("release/dist/windows/wintun/bin/amd64/wintun.dll", "MZ wintun");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string P(const std::string& name) const { return dir_ + "/" + name; }
  void Write(const std::string& name, const std::string& content) const {
    std::ofstream(P(name), std::ios::binary) << content;
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(P(name), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::pair<int, std::string> Cli(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    int code = RunFlatnetCert("flatnet-cert", args, out, err);
    return {code, err.str()};
  }
  std::pair<int, std::string> RunBundle(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"bundle", "-name",   "alice",      "-networks",
                                     "192.168.100.2/24",   "-groups", "laptops",  "-ca-crt",
                                     P("ca.crt"),          "-ca-key", P("ca.key"), "-team",
                                     P("team.yml"),        "-nebula-dir", P("release"), "-out",
                                     P("alice.zip"), "-inventory", P("inventory.txt")};
    args.insert(args.end(), extra.begin(), extra.end());
    return Cli(args);
  }

  std::string dir_;
};

TEST_F(Bundle, HoldsAMemberInNebulasWindowsLayout) {
  auto [code, err] = RunBundle();
  ASSERT_EQ(code, 0) << err;
  EXPECT_NE(err.find("wrote " + P("alice.zip")), std::string::npos) << err;
  auto z = onboard::testing::ReadZip(Read("alice.zip"));
  std::vector<std::string> names;
  for (const auto& [name, entry] : z) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "alice/ca.crt", "alice/config.yml", "alice/dist/windows/wintun/bin/amd64/wintun.dll",
                       "alice/host.crt", "alice/host.key", "alice/nebula-cert.exe",
                       "alice/nebula.exe", "alice/start.bat"}));
  EXPECT_EQ(z["alice/host.key"].mode, 0600u);
  EXPECT_EQ(z["alice/nebula.exe"].content, "MZ nebula");
  EXPECT_EQ(z["alice/dist/windows/wintun/bin/amd64/wintun.dll"].content, "MZ wintun");
  EXPECT_EQ(z["alice/ca.crt"].content, Read("ca.crt"));
  EXPECT_NE(z["alice/start.bat"].content.find("nebula.exe -config config.yml"), std::string::npos);

  // The cert is the CA's, for alice, and for the key beside it.
  Result<cert::Certificate> ca = cert::ParseCertificatePem(Read("ca.crt"));
  Result<cert::Certificate> host = cert::ParseCertificatePem(z["alice/host.crt"].content);
  ASSERT_TRUE(ca.ok() && host.ok());
  EXPECT_EQ(host->name, "alice");
  EXPECT_EQ(host->groups, std::vector<std::string>{"laptops"});
  EXPECT_EQ(host->networks.at(0).ToString(), "192.168.100.2/24");
  cert::CaPool pool;
  ASSERT_TRUE(pool.AddCa(*ca).ok());
  EXPECT_TRUE(pool.Verify(*host, host->not_before).ok());
  Result<cert::PrivateKey> key = cert::ParsePrivateKeyPem(z["alice/host.key"].content);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(host->VerifyPrivateKey(key->curve, key->key).ok());

  YAML::Node config = YAML::Load(z["alice/config.yml"].content);
  EXPECT_EQ(config["pki"]["ca"].as<std::string>(), "ca.crt");
  EXPECT_EQ(config["pki"]["cert"].as<std::string>(), "host.crt");
  EXPECT_EQ(config["pki"]["key"].as<std::string>(), "host.key");
  EXPECT_EQ(config["lighthouse"]["hosts"][0].as<std::string>(), "192.168.100.1");

  // The inventory records alice under her certificate's fingerprint.
  Result<onboard::Inventory> inv = onboard::ReadInventory(P("inventory.txt"));
  ASSERT_TRUE(inv.ok());
  ASSERT_EQ(inv->members.size(), 1u);
  EXPECT_EQ(inv->members[0].fingerprint, host->Fingerprint());
  EXPECT_EQ(inv->members[0].how, "bundle");
  EXPECT_EQ(inv->members[0].network, "192.168.100.2/24");
}

TEST_F(Bundle, ALinuxReleaseGetsStartSh) {
  fs::create_directories(P("linux"));
  Write("linux/nebula", "ELF");
  auto [code, err] = RunBundle({"-nebula-dir", P("linux")});
  ASSERT_EQ(code, 0) << err;
  auto z = onboard::testing::ReadZip(Read("alice.zip"));
  EXPECT_EQ(z["alice/start.sh"].mode, 0755u);
  EXPECT_EQ(z["alice/nebula"].mode, 0755u);
  EXPECT_FALSE(z.contains("alice/start.bat"));
}

TEST_F(Bundle, MistakesAreOneLineAndLeaveNoZip) {
  auto error = [&](std::vector<std::string> extra) {
    auto [code, err] = RunBundle(extra);
    EXPECT_EQ(code, 1) << err;
    EXPECT_FALSE(fs::exists(P("alice.zip")));
    return err.substr(0, err.find('\n'));
  };
  EXPECT_EQ(error({"-arch", "arm64"}),
            "Error: -nebula-dir " + P("release") +
                " has nebula.exe but no dist/windows/wintun/bin/arm64/wintun.dll (unpack the "
                "whole Nebula release zip, or set -arch)");
  EXPECT_EQ(error({"-nebula-dir", P("nothing")}),
            "Error: -nebula-dir " + P("nothing") + " is not a directory");
  EXPECT_EQ(error({"-team", P("missing.yml")}),
            "Error: cannot read team template " + P("missing.yml"));
  Write("bad.yml", "lighthouse: {}\n");
  EXPECT_EQ(error({"-team", P("bad.yml")}),
            "Error: " + P("bad.yml") + ": lighthouse.hosts: the team needs at least one lighthouse");
  EXPECT_EQ(error({"-networks", "10.0.0.0/8,10.0.0.1/8", "-version", "1"}),
            "Error: invalid -networks definition: v1 certificates can only have a single ipv4 "
            "address");
  EXPECT_EQ(error({"-ca-key", P("team.yml")}),
            "Error: error while parsing ca-key: input did not contain a valid PEM encoded block");
  Write("alice.zip", "mine");
  auto [code, err] = RunBundle();
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err, "Error: refusing to overwrite existing bundle: " + P("alice.zip") + "\n");
  EXPECT_EQ(Read("alice.zip"), "mine");
  EXPECT_FALSE(fs::exists(P("inventory.txt")));  // no member was recorded for any of these
}

}  // namespace
}  // namespace flatnet::app
