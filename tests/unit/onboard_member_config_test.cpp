// Member configs from the team's template: the template's keys pass through, pki points at
// the member's files, the flatnet-only `team:` section is dropped, and a template a member
// could not run with is refused naming the file and key. The result loads in flatnet's own
// config reader (stock Nebula reading it is the bundle lab's job).
#include "onboard/member_config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "config/config.h"

namespace flatnet::onboard {
namespace {

const char* kTeam = R"(team:
  name: our-team
  network: 192.168.100.7/24
  join: 203.0.113.2:4243
static_host_map:
  "192.168.100.1": ["203.0.113.2:4242"]
lighthouse:
  hosts: ["192.168.100.1"]
relay:
  relays: ["192.168.100.1"]
pki:
  blocklist: ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
firewall:
  outbound: [{port: any, proto: any, host: any}]
  inbound: [{port: any, proto: icmp, host: any}]
)";

TEST(MemberConfig, TemplateKeysPassThroughAndPkiIsTheMembers) {
  Result<TeamTemplate> team = ParseTeamTemplate("team.yml", kTeam);
  ASSERT_TRUE(team.ok()) << team.status().message();
  EXPECT_EQ(team->name, "our-team");
  ASSERT_TRUE(team->network.has_value());
  EXPECT_EQ(team->network->ToString(), "192.168.100.0/24");
  EXPECT_EQ(team->join_address, "203.0.113.2:4243");
  EXPECT_EQ(team->lighthouses, std::vector<std::string>{"192.168.100.1"});

  Result<std::string> text = RenderMemberConfig(
      *team, "alice", {"/etc/flatnet/ca.crt", "/etc/flatnet/host.crt", "/etc/flatnet/host.key"},
      {std::string(64, 'b'), std::string(64, 'a')});
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_TRUE(text->starts_with("# alice's config.yml, made by flatnet from team.yml\n"));
  YAML::Node c = YAML::Load(*text);
  EXPECT_FALSE(c["team"]);
  EXPECT_EQ(c["pki"]["ca"].as<std::string>(), "/etc/flatnet/ca.crt");
  EXPECT_EQ(c["pki"]["cert"].as<std::string>(), "/etc/flatnet/host.crt");
  EXPECT_EQ(c["pki"]["key"].as<std::string>(), "/etc/flatnet/host.key");
  EXPECT_EQ(c["pki"]["blocklist"].as<std::vector<std::string>>(),
            (std::vector<std::string>{std::string(64, 'a'), std::string(64, 'b')}));
  EXPECT_EQ(c["static_host_map"]["192.168.100.1"][0].as<std::string>(), "203.0.113.2:4242");
  EXPECT_EQ(c["relay"]["relays"][0].as<std::string>(), "192.168.100.1");
  EXPECT_EQ(c["firewall"]["inbound"][0]["proto"].as<std::string>(), "icmp");

  std::vector<config::Warning> warnings;
  Result<config::Config> loaded = config::LoadConfigFromString(*text, "config.yml", &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->static_host_map.size(), 1u);
  for (const config::Warning& w : warnings) ADD_FAILURE() << w.message;
}

TEST(MemberConfig, RefusesTemplatesAMemberCannotRunWith) {
  auto error = [](const std::string& text) {
    Result<TeamTemplate> t = ParseTeamTemplate("team.yml", text);
    return t.ok() ? std::string("accepted") : t.status().message();
  };
  EXPECT_EQ(error("- a\n- b\n"), "team.yml: must be a YAML mapping (a Nebula config.yml)");
  EXPECT_EQ(error("lighthouse: {}\n"),
            "team.yml: lighthouse.hosts: the team needs at least one lighthouse");
  EXPECT_EQ(error("lighthouse: {hosts: [\"10.0.0.1\"]}\n"),
            "team.yml: static_host_map: lighthouse 10.0.0.1 has no underlay address "
            "(\"10.0.0.1\": [\"HOST:4242\"])");
  EXPECT_EQ(error("lighthouse: {am_lighthouse: true, hosts: [\"10.0.0.1\"]}\n"),
            "team.yml: lighthouse.am_lighthouse: members are not lighthouses; leave it false");
  EXPECT_EQ(error("pki: {key: x.key}\n"),
            "team.yml: pki.key: set per member by flatnet; leave it out of the template");
  EXPECT_EQ(error("team: {network: 10.0/8}\n"), "team.yml: team.network: not an IPv4 network: 10.0/8");
  EXPECT_TRUE(error("a: [\n").starts_with("team.yml: line ")) << error("a: [\n");
}

}  // namespace
}  // namespace flatnet::onboard
