// flatnet-cni's JSON (src/cni/cni_config.h, cni_env.h, cni_result.h): the network config
// read with its defaults, every bad field refused with its name and the spec's error code,
// the environment's variables named when missing, and the result, version and error JSON
// in the shape CNI spec 1.0 (and 0.4.0) gives them.
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "cni/cni_config.h"
#include "cni/cni_env.h"
#include "cni/cni_result.h"

namespace flatnet::cni {
namespace {

using nlohmann::json;

const char* kMinimal =
    R"({"cniVersion":"1.0.0","name":"flatnet","type":"flatnet-cni","cert":"/etc/flatnet/host.crt"})";

// The minimal config with `key` set to `value` (raw JSON), or removed when value is empty.
std::string With(const std::string& key, const std::string& value) {
  json config = json::parse(kMinimal);
  if (value.empty()) {
    config.erase(key);
  } else {
    config[key] = json::parse(value);
  }
  return config.dump();
}

TEST(CniConfig, DefaultsForEverythingOptional) {
  auto config = ParsePluginConfig(kMinimal);
  ASSERT_TRUE(config.ok()) << config.error().msg;
  EXPECT_EQ(config->cni_version, "1.0.0");
  EXPECT_EQ(config->name, "flatnet");
  EXPECT_EQ(config->type, "flatnet-cni");
  EXPECT_EQ(config->cert_path, "/etc/flatnet/host.crt");
  EXPECT_FALSE(config->subnet.has_value());  // from the certificate
  EXPECT_EQ(config->bridge, "flatnet0");
  EXPECT_EQ(config->data_dir, "/var/lib/cni/flatnet");
  ASSERT_EQ(config->routes.size(), 1u);  // the whole flat network: everything via the bridge
  EXPECT_EQ(config->routes[0].dst.ToString(), "0.0.0.0/0");
  EXPECT_FALSE(config->routes[0].gw.valid());
  EXPECT_EQ(config->mtu, 0);
  EXPECT_TRUE(config->dns.is_null());
  EXPECT_TRUE(config->prev_result.is_null());
}

TEST(CniConfig, EveryFieldRead) {
  auto config = ParsePluginConfig(R"({"cniVersion":"0.4.0","name":"team.net-1","type":"flatnet-cni",
      "cert":"/c.crt","subnet":"10.100.2.7/24","bridge":"fn-br","dataDir":"/srv/cni",
      "routes":[{"dst":"192.168.100.0/24"},{"dst":"10.0.0.0/8","gw":"10.100.2.9"}],"mtu":1300,
      "dns":{"nameservers":["10.100.2.1"]},"ipMasq":false,"args":{"labels":{}},
      "runtimeConfig":{"portMappings":[]},"capabilities":{},
      "prevResult":{"ips":[{"address":"10.100.2.2/24"}]}})");
  ASSERT_TRUE(config.ok()) << config.error().msg;
  EXPECT_EQ(config->cni_version, "0.4.0");
  EXPECT_EQ(config->subnet->ToString(), "10.100.2.0/24");  // masked
  EXPECT_EQ(config->bridge, "fn-br");
  EXPECT_EQ(config->data_dir, "/srv/cni");
  ASSERT_EQ(config->routes.size(), 2u);
  EXPECT_EQ(config->routes[0].dst.ToString(), "192.168.100.0/24");
  EXPECT_EQ(config->routes[1].gw.ToString(), "10.100.2.9");
  EXPECT_EQ(config->mtu, 1300);
  EXPECT_EQ(config->dns["nameservers"][0], "10.100.2.1");
  auto prev = PrevResultAddresses(config->prev_result);
  ASSERT_TRUE(prev.ok());
  ASSERT_EQ(prev->size(), 1u);
  EXPECT_EQ(prev->front().ToString(), "10.100.2.2/24");
}

TEST(CniConfig, AnEmptyRouteListMeansNoRoutes) {
  auto config = ParsePluginConfig(With("routes", "[]"));
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->routes.empty());
}

struct BadConfig {
  std::string config;
  ErrorCode code;
  std::string named;  // the message must hold this
};

TEST(CniConfig, EachBadFieldIsRefusedByName) {
  const std::vector<BadConfig> cases = {
      {"{not json", ErrorCode::kDecodeFailure, "not valid JSON"},
      {"[1,2]", ErrorCode::kDecodeFailure, "must be a JSON object"},
      {With("cniVersion", ""), ErrorCode::kInvalidNetworkConfig, "\"cniVersion\" is missing"},
      {With("cniVersion", "\"0.3.1\""), ErrorCode::kIncompatibleVersion, "cniVersion \"0.3.1\""},
      {With("cniVersion", "1"), ErrorCode::kInvalidNetworkConfig, "\"cniVersion\" must be"},
      {With("name", ""), ErrorCode::kInvalidNetworkConfig, "\"name\" is missing"},
      {With("name", "\"../etc\""), ErrorCode::kInvalidNetworkConfig, "\"name\": \"../etc\""},
      {With("name", "\"a/b\""), ErrorCode::kInvalidNetworkConfig, "\"name\": \"a/b\""},
      {With("type", "\"\""), ErrorCode::kInvalidNetworkConfig, "\"type\" must be a non-empty"},
      {With("cert", ""), ErrorCode::kInvalidNetworkConfig, "\"cert\" is missing"},
      {With("cert", "7"), ErrorCode::kInvalidNetworkConfig, "\"cert\" must be"},
      {With("subnet", "\"10.100.2/24\""), ErrorCode::kInvalidNetworkConfig,
       "\"subnet\": \"10.100.2/24\" is not a CIDR"},
      {With("subnet", "24"), ErrorCode::kInvalidNetworkConfig, "\"subnet\" must be a string"},
      {With("subnet", "\"fd00::/64\""), ErrorCode::kInvalidNetworkConfig, "is IPv6"},
      {With("subnet", "\"10.100.2.0/31\""), ErrorCode::kInvalidNetworkConfig,
       "\"subnet\": 10.100.2.0/31 is too small"},
      {With("bridge", "\"a-very-long-bridge-name\""), ErrorCode::kInvalidNetworkConfig,
       "\"bridge\": \"a-very-long-bridge-name\" is longer than 15"},
      {With("bridge", "\"br/0\""), ErrorCode::kInvalidNetworkConfig, "\"bridge\": \"br/0\""},
      {With("dataDir", "\"relative/dir\""), ErrorCode::kInvalidNetworkConfig,
       "\"dataDir\": \"relative/dir\" must be an absolute path"},
      {With("routes", "{}"), ErrorCode::kInvalidNetworkConfig, "\"routes\" must be a list"},
      {With("routes", "[{\"gw\":\"10.100.2.1\"}]"), ErrorCode::kInvalidNetworkConfig,
       "\"routes[0].dst\" is missing"},
      {With("routes", "[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"nope\"}]"),
       ErrorCode::kInvalidNetworkConfig, "\"routes[1].dst\": \"nope\" is not a CIDR"},
      {With("routes", "[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1\"}]"),
       ErrorCode::kInvalidNetworkConfig, "\"routes[0].gw\": \"10.1\""},
      {With("routes", "[{\"dst\":\"0.0.0.0/0\",\"via\":\"10.1.1.1\"}]"),
       ErrorCode::kUnsupportedField, "\"routes[0].via\" (\"10.1.1.1\")"},
      {With("mtu", "\"1300\""), ErrorCode::kInvalidNetworkConfig, "\"mtu\" must be a whole number"},
      {With("mtu", "100"), ErrorCode::kInvalidNetworkConfig, "\"mtu\" must be a whole number"},
      {With("dns", "[\"10.0.0.1\"]"), ErrorCode::kInvalidNetworkConfig, "\"dns\" must be an object"},
      {With("prevResult", "3"), ErrorCode::kInvalidNetworkConfig, "\"prevResult\" must be"},
      {With("ipMasq", "true"), ErrorCode::kUnsupportedField, "\"ipMasq\": true"},
      {With("subnett", "\"10.100.2.0/24\""), ErrorCode::kUnsupportedField,
       "unsupported field \"subnett\": \"10.100.2.0/24\""},
      {With("ipam", "{\"type\":\"host-local\"}"), ErrorCode::kUnsupportedField,
       "unsupported field \"ipam\""},
  };
  for (const BadConfig& c : cases) {
    auto config = ParsePluginConfig(c.config);
    ASSERT_FALSE(config.ok()) << c.config;
    EXPECT_EQ(config.error().code, c.code) << c.config << ": " << config.error().msg;
    EXPECT_NE(config.error().msg.find(c.named), std::string::npos)
        << c.config << "\n  message: " << config.error().msg << "\n  wanted: " << c.named;
  }
}

TEST(CniConfig, TheReplyVersionIsTheInputsWhenSpokenElseTheDefault) {
  EXPECT_EQ(VersionForReply(R"({"cniVersion":"0.4.0"})"), "0.4.0");
  EXPECT_EQ(VersionForReply(R"({"cniVersion":"0.2.0"})"), "1.0.0");
  EXPECT_EQ(VersionForReply("garbage"), "1.0.0");
  EXPECT_EQ(VersionForReply(""), "1.0.0");
}

CniResult<CniEnv> EnvOf(std::map<std::string, std::string> vars) {
  return ReadCniEnv([vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

TEST(CniEnv, WhatEachCommandNeeds) {
  auto version = EnvOf({{"CNI_COMMAND", "VERSION"}});
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->command, Command::kVersion);

  auto add = EnvOf({{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"},
                    {"CNI_NETNS", "/var/run/netns/c1"}, {"CNI_IFNAME", "eth0"},
                    {"CNI_PATH", "/usr/lib/cni"}, {"CNI_ARGS", "K8S_POD_NAME=x"}});
  ASSERT_TRUE(add.ok()) << add.error().msg;
  EXPECT_EQ(add->command, Command::kAdd);
  EXPECT_EQ(add->container_id, "c1");
  EXPECT_EQ(add->netns, "/var/run/netns/c1");
  EXPECT_EQ(add->ifname, "eth0");

  // DEL may come after the namespace is gone.
  auto del = EnvOf({{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c1"}, {"CNI_IFNAME", "eth0"}});
  ASSERT_TRUE(del.ok()) << del.error().msg;
  EXPECT_EQ(del->command, Command::kDel);
}

TEST(CniEnv, AMissingOrBadVariableIsNamed) {
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{}, "CNI_COMMAND is not set"},
      {{{"CNI_COMMAND", "GC"}}, "CNI_COMMAND \"GC\" is not one flatnet-cni knows"},
      {{{"CNI_COMMAND", "ADD"}, {"CNI_NETNS", "/n"}, {"CNI_IFNAME", "eth0"}},
       "CNI_CONTAINERID is not set"},
      {{{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c"}, {"CNI_NETNS", "/n"}},
       "CNI_IFNAME is not set"},
      {{{"CNI_COMMAND", "CHECK"}, {"CNI_CONTAINERID", "c"}, {"CNI_IFNAME", "eth0"}},
       "CNI_NETNS is not set"},
      {{{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c"}, {"CNI_NETNS", "netns/c"},
        {"CNI_IFNAME", "eth0"}},
       "CNI_NETNS \"netns/c\" is not an absolute path"},
      {{{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c"}, {"CNI_NETNS", "/n"},
        {"CNI_IFNAME", "eth0/../x"}},
       "CNI_IFNAME \"eth0/../x\" may not hold"},
      {{{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "a\nb"}, {"CNI_NETNS", "/n"},
        {"CNI_IFNAME", "eth0"}},
       "CNI_CONTAINERID holds a line break"},
  };
  for (const auto& [vars, named] : cases) {
    auto env = EnvOf(vars);
    ASSERT_FALSE(env.ok()) << named;
    EXPECT_EQ(env.error().code, ErrorCode::kInvalidEnvironment);
    EXPECT_NE(env.error().msg.find(named), std::string::npos) << env.error().msg;
  }
}

AddResult SampleResult(const std::string& version) {
  AddResult result;
  result.cni_version = version;
  result.interfaces = {{"flatnet0", "aa:bb:cc:00:00:01", ""},
                       {"fn0123456789", "aa:bb:cc:00:00:02", ""},
                       {"eth0", "aa:bb:cc:00:00:03", "/var/run/netns/c1"}};
  result.interface_index = 2;
  result.address = ParseIpPrefix("10.100.2.2/24").value();
  result.gateway = ParseIpAddr("10.100.2.1").value();
  result.routes = {{ParseIpPrefix("0.0.0.0/0").value(), ParseIpAddr("10.100.2.1").value()}};
  return result;
}

TEST(CniResultJson, AddResultHasTheSpecsShape) {
  json out = json::parse(AddResultJson(SampleResult("1.0.0")));
  EXPECT_EQ(out["cniVersion"], "1.0.0");
  ASSERT_EQ(out["interfaces"].size(), 3u);
  EXPECT_EQ(out["interfaces"][0], json({{"name", "flatnet0"}, {"mac", "aa:bb:cc:00:00:01"}}));
  EXPECT_EQ(out["interfaces"][2]["sandbox"], "/var/run/netns/c1");
  EXPECT_FALSE(out["interfaces"][1].contains("sandbox"));
  ASSERT_EQ(out["ips"].size(), 1u);
  EXPECT_EQ(out["ips"][0],
            json({{"address", "10.100.2.2/24"}, {"gateway", "10.100.2.1"}, {"interface", 2}}));
  EXPECT_EQ(out["routes"], json::parse(R"([{"dst":"0.0.0.0/0","gw":"10.100.2.1"}])"));
  EXPECT_FALSE(out.contains("dns"));  // none configured

  AddResult with_dns = SampleResult("1.0.0");
  with_dns.dns = json::parse(R"({"nameservers":["10.100.2.1"],"search":["lan"]})");
  EXPECT_EQ(json::parse(AddResultJson(with_dns))["dns"], with_dns.dns);
}

TEST(CniResultJson, Version040ResultsNameTheIpVersion) {
  json out = json::parse(AddResultJson(SampleResult("0.4.0")));
  EXPECT_EQ(out["cniVersion"], "0.4.0");
  EXPECT_EQ(out["ips"][0]["version"], "4");
  EXPECT_FALSE(json::parse(AddResultJson(SampleResult("1.0.0")))["ips"][0].contains("version"));
}

TEST(CniResultJson, VersionAndErrorReplies) {
  EXPECT_EQ(json::parse(VersionJson("1.0.0")),
            json::parse(R"({"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]})"));
  json error = json::parse(ErrorJson("1.0.0", Fail(ErrorCode::kSubnetExhausted, "full", "why")));
  EXPECT_EQ(error, json::parse(R"({"cniVersion":"1.0.0","code":100,"msg":"full","details":"why"})"));
  json plain = json::parse(ErrorJson("0.4.0", Fail(ErrorCode::kInvalidNetworkConfig, "bad")));
  EXPECT_EQ(plain, json::parse(R"({"cniVersion":"0.4.0","code":7,"msg":"bad"})"));
  // Bytes that are not UTF-8 in a message (a quoted field) do not stop the error printing.
  json odd = json::parse(ErrorJson("1.0.0", Fail(ErrorCode::kDecodeFailure, "bad \xff byte")));
  EXPECT_EQ(odd["code"], 6);
}

TEST(CniResultJson, PrevResultWithoutAddressesOrWithBadOnes) {
  auto none = PrevResultAddresses(json::parse(R"({"cniVersion":"1.0.0"})"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto bad = PrevResultAddresses(json::parse(R"({"ips":[{"address":"x"}]})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().msg.find("\"prevResult\""), std::string::npos);
}

}  // namespace
}  // namespace flatnet::cni
