// Rules from config.yml: what each kind of rule lets through, and the errors bad rules give.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/firewall_rule.h"
#include "firewall/packet.h"
#include "firewall/peer_identity.h"
#include "firewall/rule_set.h"

// Rules are written with designated initializers; unnamed fields keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace flatnet;
using namespace flatnet::firewall;
using flatnet::config::FirewallRule;

namespace {

const IpAddr kMe = IpAddr::V4(0xc0a86401);    // 192.168.100.1
const IpAddr kPeer = IpAddr::V4(0xc0a86402);  // 192.168.100.2
const std::string kCaSha(64, 'a');
const std::string kOtherCaSha(64, 'b');

PeerIdentity Laptop() {
  PeerIdentity peer;
  peer.name = "laptop-1";
  peer.overlay_ip = kPeer;
  peer.groups = {"laptop", "home"};
  peer.issuer = kCaSha;
  peer.ca_name = "our-team";
  return peer;
}

// An incoming packet from the peer to this host (or outgoing from this host to the peer).
Packet Flow(uint8_t protocol, uint16_t destination_port, bool incoming = true,
            bool fragment = false) {
  Packet packet;
  packet.local_ip = kMe;
  packet.remote_ip = kPeer;
  packet.protocol = protocol;
  packet.fragment = fragment;
  if (fragment || protocol == kProtoIcmp) return packet;
  (incoming ? packet.local_port : packet.remote_port) = destination_port;
  (incoming ? packet.remote_port : packet.local_port) = 50000;
  return packet;
}

RuleSet Inbound(std::vector<FirewallRule> rules) {
  Result<RuleSet> compiled = RuleSet::Compile(rules, {});
  EXPECT_TRUE(compiled.ok()) << compiled.status().message();
  return compiled.ok() ? std::move(compiled).value() : RuleSet();
}

std::string InboundError(FirewallRule rule, int line = 57) {
  rule.line = line;
  FirewallRule fine{.port = "any", .proto = "any", .host = "any", .line = 50};
  Result<RuleSet> compiled = RuleSet::Compile({fine, rule}, {});
  return compiled.ok() ? "(no error)" : compiled.status().message();
}

}  // namespace

TEST(FirewallRules, EmptyTablesDenyEverything) {
  RuleSet rules;
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 22), true, Laptop()));
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 22, false), false, Laptop()));
}

TEST(FirewallRules, DirectionsHaveSeparateTables) {
  Result<RuleSet> rules = RuleSet::Compile({{.port = "22", .proto = "tcp", .host = "any"}},
                                           {{.port = "any", .proto = "icmp", .host = "any"}});
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(rules->RuleCount(true), 1u);
  EXPECT_EQ(rules->RuleCount(false), 1u);
  EXPECT_TRUE(rules->Allows(Flow(kProtoTcp, 22), true, Laptop()));
  EXPECT_FALSE(rules->Allows(Flow(kProtoTcp, 22, false), false, Laptop()));
  EXPECT_TRUE(rules->Allows(Flow(kProtoIcmp, 0, false), false, Laptop()));
  EXPECT_FALSE(rules->Allows(Flow(kProtoIcmp, 0), true, Laptop()));
}

TEST(FirewallRules, ProtoSelectsTheProtocol) {
  RuleSet tcp = Inbound({{.port = "any", .proto = "tcp", .host = "any"}});
  EXPECT_TRUE(tcp.Allows(Flow(kProtoTcp, 80), true, Laptop()));
  EXPECT_FALSE(tcp.Allows(Flow(kProtoUdp, 80), true, Laptop()));
  EXPECT_FALSE(tcp.Allows(Flow(kProtoIcmp, 0), true, Laptop()));

  RuleSet udp = Inbound({{.port = "any", .proto = "udp", .host = "any"}});
  EXPECT_TRUE(udp.Allows(Flow(kProtoUdp, 53), true, Laptop()));
  EXPECT_FALSE(udp.Allows(Flow(kProtoTcp, 53), true, Laptop()));

  RuleSet icmp = Inbound({{.port = "any", .proto = "icmp", .host = "any"}});
  EXPECT_TRUE(icmp.Allows(Flow(kProtoIcmp, 0), true, Laptop()));
  EXPECT_FALSE(icmp.Allows(Flow(kProtoUdp, 0), true, Laptop()));

  RuleSet any = Inbound({{.port = "any", .proto = "any", .host = "any"}});
  EXPECT_TRUE(any.Allows(Flow(kProtoTcp, 1), true, Laptop()));
  EXPECT_TRUE(any.Allows(Flow(kProtoUdp, 1), true, Laptop()));
  EXPECT_TRUE(any.Allows(Flow(kProtoIcmp, 0), true, Laptop()));
  EXPECT_TRUE(any.Allows(Flow(47, 1), true, Laptop()));  // GRE: only "any" covers it
  EXPECT_FALSE(tcp.Allows(Flow(47, 1), true, Laptop()));
}

TEST(FirewallRules, SinglePortAndRangeBoundaries) {
  RuleSet rules = Inbound({{.port = "443", .proto = "tcp", .host = "any"},
                           {.port = "200-901", .proto = "udp", .host = "any"}});
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 443), true, Laptop()));
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 444), true, Laptop()));
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 442), true, Laptop()));
  EXPECT_FALSE(rules.Allows(Flow(kProtoUdp, 199), true, Laptop()));
  EXPECT_TRUE(rules.Allows(Flow(kProtoUdp, 200), true, Laptop()));
  EXPECT_TRUE(rules.Allows(Flow(kProtoUdp, 500), true, Laptop()));
  EXPECT_TRUE(rules.Allows(Flow(kProtoUdp, 901), true, Laptop()));
  EXPECT_FALSE(rules.Allows(Flow(kProtoUdp, 902), true, Laptop()));
}

TEST(FirewallRules, PortIsTheDestinationPortInEitherDirection) {
  Result<RuleSet> rules = RuleSet::Compile({{.port = "22", .proto = "tcp", .host = "any"}},
                                           {{.port = "80", .proto = "tcp", .host = "any"}});
  ASSERT_TRUE(rules.ok());
  Packet in = Flow(kProtoTcp, 22, true);  // local port 22
  EXPECT_TRUE(rules->Allows(in, true, Laptop()));
  std::swap(in.local_port, in.remote_port);  // now the peer's port is 22: not ours
  EXPECT_FALSE(rules->Allows(in, true, Laptop()));
  Packet out = Flow(kProtoTcp, 80, false);  // remote port 80
  EXPECT_TRUE(rules->Allows(out, false, Laptop()));
  std::swap(out.local_port, out.remote_port);
  EXPECT_FALSE(rules->Allows(out, false, Laptop()));
}

TEST(FirewallRules, ZeroAndRangesFromZeroMeanAnyPort) {
  for (const char* port : {"any", "0", "0-100"}) {
    RuleSet rules = Inbound({{.port = port, .proto = "tcp", .host = "any"}});
    EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 65535), true, Laptop())) << port;
    EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 1), true, Laptop())) << port;
  }
  RuleSet spaced = Inbound({{.port = " 10 - 20 ", .proto = "tcp", .host = "any"}});
  EXPECT_TRUE(spaced.Allows(Flow(kProtoTcp, 15), true, Laptop()));
}

TEST(FirewallRules, FragmentPortMatchesOnlyLaterFragments) {
  RuleSet fragments = Inbound({{.port = "fragment", .proto = "any", .host = "any"}});
  EXPECT_TRUE(fragments.Allows(Flow(kProtoTcp, 0, true, /*fragment=*/true), true, Laptop()));
  EXPECT_TRUE(fragments.Allows(Flow(kProtoUdp, 0, true, true), true, Laptop()));
  EXPECT_FALSE(fragments.Allows(Flow(kProtoTcp, 80), true, Laptop()));

  RuleSet port80 = Inbound({{.port = "80", .proto = "tcp", .host = "any"}});
  EXPECT_FALSE(port80.Allows(Flow(kProtoTcp, 0, true, true), true, Laptop()));

  RuleSet any_port = Inbound({{.port = "any", .proto = "tcp", .host = "any"}});
  EXPECT_TRUE(any_port.Allows(Flow(kProtoTcp, 0, true, true), true, Laptop()));
}

TEST(FirewallRules, IcmpRulesNeedNoPortAndIgnoreOneAsInNebula111) {
  Packet ping = Flow(kProtoIcmp, 0);
  ping.remote_port = 7;  // the echo identifier
  for (FirewallRule rule :
       std::vector<FirewallRule>{{.proto = "icmp", .host = "any"},
                                 {.port = "80", .proto = "icmp", .host = "any"},
                                 {.code = "8", .proto = "icmp", .host = "any"},
                                 {.port = "not a port", .proto = "icmp", .host = "any"}}) {
    RuleSet rules = Inbound({rule});
    EXPECT_TRUE(rules.Allows(ping, true, Laptop())) << rule.port << rule.code;
    EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 80), true, Laptop()));
  }
}

TEST(FirewallRules, IcmpPacketsPassOnlyRulesWithAnyPort) {
  // Nebula 1.11.1 (firewallPort.match): an ICMP packet is looked up under port "any" only,
  // so a proto:any rule with a port never admits ICMP, whatever its identifier.
  Packet ping = Flow(kProtoIcmp, 0);
  ping.remote_port = 80;
  EXPECT_FALSE(
      Inbound({{.port = "80", .proto = "any", .host = "any"}}).Allows(ping, true, Laptop()));
  // A range from 0 is Nebula's "any".
  EXPECT_TRUE(
      Inbound({{.port = "0-100", .proto = "any", .host = "any"}}).Allows(ping, true, Laptop()));
  EXPECT_TRUE(
      Inbound({{.port = "any", .proto = "any", .host = "any"}}).Allows(ping, true, Laptop()));
  EXPECT_FALSE(
      Inbound({{.port = "fragment", .proto = "any", .host = "any"}}).Allows(ping, true, Laptop()));
}

TEST(FirewallRules, HostMatchesTheCertificateName) {
  RuleSet rules = Inbound({{.port = "any", .proto = "any", .host = "laptop-1"}});
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 1), true, Laptop()));
  PeerIdentity other = Laptop();
  other.name = "laptop-2";
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 1), true, other));
}

TEST(FirewallRules, SingleGroupMustBeHeld) {
  RuleSet rules = Inbound({{.port = "any", .proto = "any", .groups = {"home"}}});
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 1), true, Laptop()));
  PeerIdentity server = Laptop();
  server.groups = {"servers"};
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 1), true, server));
  server.groups = {};
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 1), true, server));
}

TEST(FirewallRules, GroupsMustAllBeHeld) {
  RuleSet rules = Inbound({{.port = "443", .proto = "tcp", .groups = {"laptop", "home"}}});
  PeerIdentity peer = Laptop();
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 443), true, peer));
  peer.groups = {"home", "extra", "laptop"};
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 443), true, peer));
  peer.groups = {"laptop"};
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 443), true, peer));
  peer.groups = {"home"};
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 443), true, peer));
}

TEST(FirewallRules, SelectorsOfOneRuleAreAlternatives) {
  // Nebula: (host OR groups OR cidr) within one rule.
  RuleSet rules = Inbound({{.port = "any", .proto = "any", .host = "db-1", .groups = {"admins"}}});
  PeerIdentity peer = Laptop();
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 1), true, peer));
  peer.name = "db-1";
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 1), true, peer));
  peer = Laptop();
  peer.groups = {"admins"};
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 1), true, peer));
}

TEST(FirewallRules, CidrMatchesTheRemoteAddress) {
  RuleSet rules = Inbound({{.port = "any", .proto = "any", .cidr = "192.168.100.0/30"}});
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 1), true, Laptop()));
  Packet far = Flow(kProtoTcp, 1);
  far.remote_ip = IpAddr::V4(0xc0a86404);  // .4 is outside /30
  EXPECT_FALSE(rules.Allows(far, true, Laptop()));
}

TEST(FirewallRules, LocalCidrMatchesTheLocalAddress) {
  RuleSet rules = Inbound({{.port = "any", .proto = "any", .local_cidr = "10.9.0.0/16"}});
  Packet to_me = Flow(kProtoTcp, 1);
  EXPECT_FALSE(rules.Allows(to_me, true, Laptop()));
  Packet to_routed = to_me;
  to_routed.local_ip = IpAddr::V4(0x0a090102);  // 10.9.1.2, behind this host (unsafe route)
  EXPECT_TRUE(rules.Allows(to_routed, true, Laptop()));
}

TEST(FirewallRules, LocalCidrIsAndedWithTheOtherSelectors) {
  // Nebula 1.11.1: (host OR groups OR cidr) AND local_cidr.
  RuleSet rules =
      Inbound({{.port = "any", .proto = "any", .host = "db-1", .local_cidr = "10.9.0.0/16"}});
  Packet to_routed = Flow(kProtoTcp, 1);
  to_routed.local_ip = IpAddr::V4(0x0a090102);
  PeerIdentity db = Laptop();
  db.name = "db-1";
  EXPECT_TRUE(rules.Allows(to_routed, true, db));
  EXPECT_FALSE(rules.Allows(to_routed, true, Laptop()));     // right place, wrong host
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 1), true, db));  // right host, wrong place
  // "any" is every local address; an IPv6 local_cidr matches no IPv4 packet.
  EXPECT_TRUE(Inbound({{.port = "any", .proto = "any", .host = "db-1", .local_cidr = "any"}})
                  .Allows(to_routed, true, db));
  EXPECT_FALSE(Inbound({{.port = "any", .proto = "any", .host = "any", .local_cidr = "::/0"}})
                   .Allows(to_routed, true, db));
}

TEST(FirewallRules, WithoutLocalCidrUnsafeNetworksNeedARuleOfTheirOwn) {
  // Nebula 1.10+: a certificate with unsafe networks makes rules without local_cidr match
  // only the overlay networks, unless firewall.default_local_cidr_any is true.
  const std::vector<FirewallRule> inbound = {{.port = "any", .proto = "any", .host = "any"}};
  const std::vector<IpPrefix> overlay = {IpPrefix::From(kMe, 24)};
  Packet to_me = Flow(kProtoTcp, 1);
  Packet to_routed = to_me;
  to_routed.local_ip = IpAddr::V4(0x0a090102);  // 10.9.1.2, an unsafe network behind this host

  auto compile = [&](RuleDefaults defaults) {
    Result<RuleSet> compiled = RuleSet::Compile(inbound, {}, defaults);
    EXPECT_TRUE(compiled.ok());
    return compiled.ok() ? std::move(compiled).value() : RuleSet();
  };
  RuleSet strict = compile(RuleDefaults::For(overlay, /*has_unsafe_networks=*/true, false));
  EXPECT_TRUE(strict.Allows(to_me, true, Laptop()));
  EXPECT_FALSE(strict.Allows(to_routed, true, Laptop()));
  RuleSet any = compile(RuleDefaults::For(overlay, true, /*default_local_cidr_any=*/true));
  EXPECT_TRUE(any.Allows(to_routed, true, Laptop()));
  RuleSet no_unsafe = compile(RuleDefaults::For(overlay, /*has_unsafe_networks=*/false, false));
  EXPECT_TRUE(no_unsafe.Allows(to_routed, true, Laptop()));

  // A rule naming the unsafe network reaches it under the strict default.
  Result<RuleSet> named = RuleSet::Compile(
      {{.port = "any", .proto = "any", .host = "any", .local_cidr = "10.9.0.0/16"}}, {},
      RuleDefaults::For(overlay, true, false));
  ASSERT_TRUE(named.ok());
  EXPECT_TRUE(named->Allows(to_routed, true, Laptop()));
  EXPECT_FALSE(named->Allows(to_me, true, Laptop()));
}

TEST(FirewallRules, AnyInHostGroupOrCidrAdmitsEveryPeer) {
  PeerIdentity stranger;
  stranger.name = "stranger";
  stranger.overlay_ip = kPeer;
  for (FirewallRule rule : std::vector<FirewallRule>{
           {.port = "any", .proto = "any", .host = "any"},
           {.port = "any", .proto = "any", .groups = {"admins", "any"}},
           {.port = "any", .proto = "any", .host = "db-1", .cidr = "0.0.0.0/0"},
           {.port = "any", .proto = "any", .cidr = "any"},
           {.port = "any", .proto = "any", .local_cidr = "0.0.0.0/0"},
           {.port = "any", .proto = "any", .local_cidr = "any"}}) {
    RuleSet rules = Inbound({rule});
    EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 1), true, stranger))
        << rule.host << rule.cidr << rule.local_cidr;
  }
  // Nebula 1.11.1 matches a cidr as a network: 0.0.0.0/8 is not "any" (1.6.1 took it so).
  EXPECT_FALSE(Inbound({{.port = "any", .proto = "any", .cidr = "0.0.0.0/8"}})
                   .Allows(Flow(kProtoTcp, 1), true, stranger));
  EXPECT_FALSE(Inbound({{.port = "any", .proto = "any", .local_cidr = "0.0.0.0/8"}})
                   .Allows(Flow(kProtoTcp, 1), true, stranger));
  // An IPv6 cidr is accepted and matches no IPv4 peer.
  EXPECT_FALSE(Inbound({{.port = "any", .proto = "any", .cidr = "fd00::/8"}})
                   .Allows(Flow(kProtoTcp, 1), true, stranger));
}

TEST(FirewallRules, CaNameAndCaShaRestrictTheIssuer) {
  PeerIdentity ours = Laptop();
  PeerIdentity theirs = Laptop();
  theirs.issuer = kOtherCaSha;
  theirs.ca_name = "their-team";

  RuleSet by_name = Inbound({{.port = "any", .proto = "any", .ca_name = "our-team"}});
  EXPECT_TRUE(by_name.Allows(Flow(kProtoTcp, 1), true, ours));
  EXPECT_FALSE(by_name.Allows(Flow(kProtoTcp, 1), true, theirs));

  // Fingerprints compare case-insensitively from config.
  std::string upper_sha(64, 'A');
  RuleSet by_sha = Inbound({{.port = "any", .proto = "any", .ca_sha = upper_sha}});
  EXPECT_TRUE(by_sha.Allows(Flow(kProtoTcp, 1), true, ours));
  EXPECT_FALSE(by_sha.Allows(Flow(kProtoTcp, 1), true, theirs));

  // A CA restriction still needs the host/group part to match.
  RuleSet name_and_group =
      Inbound({{.port = "any", .proto = "any", .groups = {"servers"}, .ca_name = "our-team"}});
  EXPECT_FALSE(name_and_group.Allows(Flow(kProtoTcp, 1), true, ours));
  ours.groups.push_back("servers");
  EXPECT_TRUE(name_and_group.Allows(Flow(kProtoTcp, 1), true, ours));
  theirs.groups.push_back("servers");
  EXPECT_FALSE(name_and_group.Allows(Flow(kProtoTcp, 1), true, theirs));
}

TEST(FirewallRules, CaNameOrCaShaEitherSuffices) {
  PeerIdentity by_sha_only = Laptop();
  by_sha_only.ca_name = "renamed";
  PeerIdentity by_name_only = Laptop();
  by_name_only.issuer = kOtherCaSha;
  PeerIdentity neither = by_name_only;
  neither.ca_name = "renamed";
  RuleSet rules =
      Inbound({{.port = "any", .proto = "any", .ca_name = "our-team", .ca_sha = kCaSha}});
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 1), true, by_sha_only));
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 1), true, by_name_only));
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 1), true, neither));
}

TEST(FirewallRules, AnyMatchingRuleAllows) {
  RuleSet rules = Inbound({{.port = "22", .proto = "tcp", .host = "admin"},
                           {.port = "80", .proto = "tcp", .groups = {"laptop"}},
                           {.port = "any", .proto = "icmp", .host = "any"}});
  EXPECT_FALSE(rules.Allows(Flow(kProtoTcp, 22), true, Laptop()));
  EXPECT_TRUE(rules.Allows(Flow(kProtoTcp, 80), true, Laptop()));
  EXPECT_TRUE(rules.Allows(Flow(kProtoIcmp, 0), true, Laptop()));
  EXPECT_FALSE(rules.Allows(Flow(kProtoUdp, 80), true, Laptop()));
}

TEST(FirewallRuleErrors, NameDirectionRuleNumberAndLine) {
  EXPECT_EQ(InboundError({.port = "80-", .proto = "tcp", .host = "any"}),
            "firewall.inbound rule 2 (line 57): port \"80-\" is not a port or range");

  FirewallRule bad{.port = "any", .proto = "sctp", .host = "any", .line = 12};
  Result<RuleSet> outbound = RuleSet::Compile({}, {bad});
  ASSERT_FALSE(outbound.ok());
  EXPECT_EQ(outbound.status().message(),
            "firewall.outbound rule 1 (line 12): proto \"sctp\" is not one of any, tcp, udp, "
            "icmp");

  // Without a known line the message still names table and rule.
  EXPECT_EQ(InboundError({.port = "x", .proto = "tcp", .host = "any"}, 0),
            "firewall.inbound rule 2: port \"x\" is not a port or range");
}

TEST(FirewallRuleErrors, EveryBadValueIsNamed) {
  struct Case {
    FirewallRule rule;
    std::string message;
  };
  const std::string prefix = "firewall.inbound rule 2 (line 57): ";
  std::vector<Case> cases = {
      {{.port = "-80", .proto = "tcp", .host = "any"}, "port \"-80\" is not a port or range"},
      {{.port = "80-90-100", .proto = "tcp", .host = "any"},
       "port \"80-90-100\" is not a port or range"},
      {{.port = "http", .proto = "tcp", .host = "any"}, "port \"http\" is not a port or range"},
      {{.port = "70000", .proto = "tcp", .host = "any"}, "port \"70000\" is out of range 0-65535"},
      {{.port = "90-80", .proto = "tcp", .host = "any"},
       "port range \"90-80\" starts after it ends"},
      {{.code = "ping", .proto = "tcp", .host = "any"}, "code \"ping\" is not a port or range"},
      {{.port = "80", .code = "0", .proto = "tcp", .host = "any"},
       "only one of port or code may be given (port \"80\", code \"0\")"},
      {{.proto = "tcp", .host = "any"},
       "port is missing; use any, a number, a range like 200-901, or fragment"},
      {{.port = "80", .host = "any"}, "proto is missing; use any, tcp, udp or icmp"},
      {{.port = "80", .proto = "TCP", .host = "any"},
       "proto \"TCP\" is not one of any, tcp, udp, icmp"},
      {{.port = "80", .proto = "tcp"},
       "needs at least one of host, group, groups, cidr, local_cidr, ca_name or ca_sha"},
      {{.port = "80", .proto = "tcp", .groups = {"a", ""}}, "group name 2 is empty"},
      {{.port = "80", .proto = "tcp", .cidr = "10.0.0.0"},
       "cidr \"10.0.0.0\" is not a CIDR like 192.168.100.0/24 (or any)"},
      {{.port = "80", .proto = "tcp", .cidr = "fd00::/129"},
       "cidr \"fd00::/129\" is not a CIDR like 192.168.100.0/24 (or any)"},
      {{.port = "80", .proto = "tcp", .local_cidr = "10.0.0.0/40"},
       "local_cidr \"10.0.0.0/40\" is not a CIDR like 192.168.100.0/24 (or any)"},
      {{.proto = "udp", .host = "any"},
       "port is missing; use any, a number, a range like 200-901, or fragment"},
      {{.port = "80", .proto = "tcp", .ca_sha = "abc"},
       "ca_sha \"abc\" is not a CA fingerprint (64 hex digits, as nebula-cert print shows)"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(InboundError(c.rule), prefix + c.message);
  }
}

TEST(FirewallRuleErrors, TheFirstBadRuleIsReported) {
  std::vector<FirewallRule> rules = {{.port = "any", .proto = "any", .host = "any", .line = 10},
                                     {.port = "any", .proto = "bogus", .host = "any", .line = 14},
                                     {.port = "bogus", .proto = "any", .host = "any", .line = 18}};
  Result<RuleSet> compiled = RuleSet::Compile(rules, {});
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().message().rfind("firewall.inbound rule 2 (line 14): proto", 0), 0u)
      << compiled.status().message();
}

namespace {

IpAddr V6(const char* text) { return ParseIpAddr(text).value(); }

// Whether an inbound table of just `rule` lets `packet` in from the laptop.
bool Admits(const FirewallRule& rule, const Packet& packet) {
  return Inbound({rule}).Allows(packet, true, Laptop());
}

// The IPv6 twin of Flow: from fd00:100::2 to fd00:100::1 (this host).
Packet Flow6(uint8_t protocol, uint16_t destination_port) {
  Packet packet = Flow(protocol, destination_port);
  packet.local_ip = V6("fd00:100::1");
  packet.remote_ip = V6("fd00:100::2");
  return packet;
}

}  // namespace

TEST(FirewallRulesIpv6, IcmpRulesMatchIcmpv6AsNebulaDoes) {
  // Nebula 1.11.1 files ICMP and ICMPv6 packets under one table: "proto: icmp" is both.
  RuleSet icmp = Inbound({{.port = "any", .proto = "icmp", .host = "any"}});
  Packet echo = Flow6(kProtoIcmpv6, 0);
  echo.remote_port = 0x1234;  // the echo identifier: tracked, never filtered on
  EXPECT_TRUE(icmp.Allows(echo, true, Laptop()));
  EXPECT_TRUE(icmp.Allows(Flow(kProtoIcmp, 0), true, Laptop()));
  EXPECT_FALSE(icmp.Allows(Flow6(kProtoTcp, 22), true, Laptop()));
  // An any-protocol rule with a port does not match ICMPv6 (it has no ports); one with any
  // port does.
  EXPECT_FALSE(Admits({.port = "22", .proto = "any", .host = "any"}, echo));
  EXPECT_TRUE(Admits({.port = "any", .proto = "any", .host = "any"}, echo));
  // tcp and udp rules never match it.
  EXPECT_FALSE(Admits({.port = "any", .proto = "udp", .host = "any"}, echo));
}

TEST(FirewallRulesIpv6, PortsAndFragmentsMatchAsForIpv4) {
  RuleSet ssh = Inbound({{.port = "22", .proto = "tcp", .host = "any"}});
  EXPECT_TRUE(ssh.Allows(Flow6(kProtoTcp, 22), true, Laptop()));
  EXPECT_FALSE(ssh.Allows(Flow6(kProtoTcp, 23), true, Laptop()));
  Packet fragment = Flow6(kProtoTcp, 0);
  fragment.fragment = true;
  fragment.remote_port = fragment.local_port = 0;
  EXPECT_FALSE(ssh.Allows(fragment, true, Laptop()));
  EXPECT_TRUE(Inbound({{.port = "fragment", .proto = "tcp", .host = "any"}})
                  .Allows(fragment, true, Laptop()));
  // A protocol the classifier does not look into (SCTP) only passes proto any, port any.
  Packet sctp = Flow6(132, 0);
  sctp.remote_port = sctp.local_port = 0;
  EXPECT_FALSE(Admits({.port = "0-65535", .proto = "tcp", .host = "any"}, sctp));
  EXPECT_TRUE(Admits({.port = "any", .proto = "any", .host = "any"}, sctp));
}

TEST(FirewallRulesIpv6, CidrAndLocalCidrMatchTheirOwnFamilyOnly) {
  RuleSet v6_peers = Inbound({{.port = "any", .proto = "any", .cidr = "fd00:100::/64"}});
  EXPECT_TRUE(v6_peers.Allows(Flow6(kProtoTcp, 1), true, Laptop()));
  EXPECT_FALSE(v6_peers.Allows(Flow(kProtoTcp, 1), true, Laptop()));
  Packet far = Flow6(kProtoTcp, 1);
  far.remote_ip = V6("fd00:101::2");
  EXPECT_FALSE(v6_peers.Allows(far, true, Laptop()));
  // An IPv4 cidr never matches an IPv6 peer, not even the IPv4-mapped form of one.
  RuleSet v4_peers = Inbound({{.port = "any", .proto = "any", .cidr = "0.0.0.0/0"}});
  EXPECT_FALSE(v4_peers.Allows(Flow6(kProtoTcp, 1), true, Laptop()));
  Packet mapped = Flow6(kProtoTcp, 1);
  mapped.remote_ip = V6("::ffff:192.168.100.2");
  EXPECT_FALSE(v4_peers.Allows(mapped, true, Laptop()));

  RuleSet routed = Inbound({{.port = "any", .proto = "any", .host = "any",
                             .local_cidr = "fd00:9::/48"}});
  Packet to_routed = Flow6(kProtoTcp, 1);
  to_routed.local_ip = V6("fd00:9:0:1::5");
  EXPECT_TRUE(routed.Allows(to_routed, true, Laptop()));
  EXPECT_FALSE(routed.Allows(Flow6(kProtoTcp, 1), true, Laptop()));
  EXPECT_FALSE(routed.Allows(Flow(kProtoTcp, 1), true, Laptop()));
}

TEST(FirewallRulesIpv6, DefaultLocalCidrCoversEveryOverlayNetworkOfTheCertificate) {
  // Nebula 1.10+: with unsafe networks, a rule without local_cidr matches the certificate's
  // networks of both families, and not the unsafe networks of either.
  const std::vector<FirewallRule> inbound = {{.port = "any", .proto = "any", .host = "any"}};
  const std::vector<IpPrefix> overlay = {IpPrefix::From(kMe, 24),
                                         ParseIpPrefix("fd00:100::1/64").value()};
  Packet to_me6 = Flow6(kProtoTcp, 1);
  Packet to_routed6 = to_me6;
  to_routed6.local_ip = V6("fd00:9::5");
  Result<RuleSet> strict = RuleSet::Compile(inbound, {}, RuleDefaults::For(overlay, true, false));
  ASSERT_TRUE(strict.ok());
  EXPECT_TRUE(strict->Allows(to_me6, true, Laptop()));
  EXPECT_TRUE(strict->Allows(Flow(kProtoTcp, 1), true, Laptop()));
  EXPECT_FALSE(strict->Allows(to_routed6, true, Laptop()));
  Result<RuleSet> any = RuleSet::Compile(inbound, {}, RuleDefaults::For(overlay, true, true));
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(any->Allows(to_routed6, true, Laptop()));
}
