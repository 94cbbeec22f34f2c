// The names section (flatnet's own, docs/names.md): defaults, the forms each key takes,
// and errors naming the key.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_support.h"

namespace flatnet::config {
namespace {

using config_test::kPki;

Result<Config> Load(const std::string& yaml, std::vector<Warning>* warnings = nullptr) {
  return LoadConfigFromString(std::string(kPki) + yaml, "config.yml", warnings);
}

TEST(ConfigNames, OffByDefault) {
  auto config = Load("");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_FALSE(config->names.enabled);
  EXPECT_EQ(config->names.domain, "");
  EXPECT_FALSE(config->names.listen_ip);
  EXPECT_EQ(config->names.listen_port, 53);
  EXPECT_EQ(config->names.lighthouse_dns_port, 53);
}

TEST(ConfigNames, EveryKey) {
  std::vector<Warning> warnings;
  auto config = Load(
      "names:\n  enabled: true\n  domain: Our-Team.\n  listen: \"[fd00:100::2]:5353\"\n"
      "  lighthouse_dns_port: 5300\n",
      &warnings);
  ASSERT_TRUE(config.ok()) << config.status().message();
  for (const Warning& w : warnings)
    EXPECT_EQ(w.message.find("names"), std::string::npos) << w.ToString();
  EXPECT_TRUE(config->names.enabled);
  EXPECT_EQ(config->names.domain, "our-team") << "lowercase, without the trailing dot";
  ASSERT_TRUE(config->names.listen_ip);
  EXPECT_EQ(config->names.listen_ip->ToString(), "fd00:100::2");
  EXPECT_EQ(config->names.listen_port, 5353);
  EXPECT_EQ(config->names.lighthouse_dns_port, 5300);
  auto dotted = Load("names: {domain: mesh.example.org}\n");
  ASSERT_TRUE(dotted.ok());
  EXPECT_EQ(dotted->names.domain, "mesh.example.org");
}

TEST(ConfigNames, BadValuesNameTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"names:\n  domain: our team\n",
       "config.yml:6: names.domain: \"our team\" is not a DNS domain (dot-separated labels of "
       "letters, digits and hyphens, such as our-team or mesh.example.org)"},
      {"names:\n  domain: -team\n", "config.yml:6: names.domain: \"-team\" is not a DNS domain"},
      {"names:\n  domain: a..b\n", "config.yml:6: names.domain: \"a..b\" is not a DNS domain"},
      {"names:\n  listen: localhost:53\n",
       "config.yml:6: names.listen: \"localhost:53\" is not IP:port, such as 127.0.0.1:53 or "
       "[fd00::1]:53"},
      {"names:\n  listen: 127.0.0.1\n",
       "config.yml:6: names.listen: \"127.0.0.1\" is not IP:port, such as 127.0.0.1:53 or "
       "[fd00::1]:53 (missing port)"},
      {"names:\n  lighthouse_dns_port: 0\n",
       "config.yml:6: names.lighthouse_dns_port: must name the port the lighthouses answer DNS "
       "on (lighthouse.dns.port), not 0"},
      {"names:\n  enabled: sometimes\n",
       "config.yml:6: names.enabled: \"sometimes\" is not a boolean (use true or false)"},
  };
  for (const auto& [yaml, expected] : cases) {
    auto config = Load(yaml);
    ASSERT_FALSE(config.ok()) << yaml;
    EXPECT_EQ(config.status().message().rfind(expected, 0), 0u)
        << "got: " << config.status().message() << "\nwant: " << expected;
  }
}

TEST(ConfigNames, IgnoredWithoutATunWithAWarning) {
  std::vector<Warning> warnings;
  auto config = Load("tun:\n  disabled: true\nnames:\n  enabled: true\n", &warnings);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_FALSE(config->names.enabled);
  bool warned = false;
  for (const Warning& w : warnings)
    warned |= w.message.find("names.enabled: ignored: the names resolver needs the tun") !=
              std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace flatnet::config
