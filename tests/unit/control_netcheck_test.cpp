// `flatnet netcheck`'s judgement and output forms (control/netcheck_report.h): the NAT
// mapping read from what each lighthouse sees for us, the verdict line, the JSON fields
// scripts read and the 80-column text.
#include "control/netcheck_report.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace flatnet::control;

namespace {

NetcheckLighthouse Answering(std::string name, std::vector<std::string> seen) {
  NetcheckLighthouse lh;
  lh.cert_name = std::move(name);
  lh.vpn_ip = "192.168.100.1";
  lh.answered = true;
  lh.rtt_ns = 1'520'000;
  lh.remote = "203.0.113.1:4242";
  lh.seen = std::move(seen);
  return lh;
}

NetcheckLighthouse Silent(std::string name) {
  NetcheckLighthouse lh;
  lh.cert_name = std::move(name);
  lh.vpn_ip = "192.168.100.9";
  lh.remote = "203.0.113.9:4242";
  return lh;
}

struct MappingCase {
  const char* what;
  std::vector<NetcheckLighthouse> lighthouses;
  NatMapping mapping;
  const char* verdict;
};

}  // namespace

TEST(NetcheckVerdict, MappingAndVerdictFromWhatLighthousesSee) {
  const std::vector<std::string> local = {"10.0.0.2:4242"};
  const MappingCase cases[] = {
      {"two lighthouses, one public mapping",
       {Answering("lh1", {"198.51.100.7:4242", "10.0.0.2:4242"}),
        Answering("lh2", {"198.51.100.7:4242", "10.0.0.2:4242"})},
       NatMapping::kOneMapping,
       "our NAT keeps one mapping for all destinations: punching works"},
      {"two lighthouses, a port per destination",
       {Answering("lh1", {"198.51.100.7:1024", "10.0.0.2:4242"}),
        Answering("lh2", {"198.51.100.7:1025", "10.0.0.2:4242"})},
       NatMapping::kPerDestination,
       "symmetric NAT: peers behind another NAT will need a relay"},
      {"the learned address need not come first",
       {Answering("lh1", {"10.0.0.2:4242", "198.51.100.7:1024"}),
        Answering("lh2", {"10.0.0.2:4242", "198.51.100.8:1024"})},
       NatMapping::kPerDestination,
       "symmetric NAT: peers behind another NAT will need a relay"},
      {"both see our own address",
       {Answering("lh1", {"10.0.0.2:4242"}), Answering("lh2", {"10.0.0.2:4242"})},
       NatMapping::kNoNat,
       "no NAT in the way: peers can reach us directly"},
      {"only one lighthouse",
       {Answering("lh1", {"198.51.100.7:4242", "10.0.0.2:4242"})},
       NatMapping::kCannotTell,
       "one lighthouse sees us: cannot tell if punching works (needs two)"},
      {"the second lighthouse is silent",
       {Answering("lh1", {"198.51.100.7:4242"}), Silent("lh2")},
       NatMapping::kCannotTell,
       "1 of 2 lighthouses answer; one lighthouse sees us: cannot tell if punching works "
       "(needs two)"},
      {"a symmetric NAT seen while a third lighthouse is silent",
       {Answering("lh1", {"198.51.100.7:1024"}), Answering("lh2", {"198.51.100.7:1025"}),
        Silent("lh3")},
       NatMapping::kPerDestination,
       "2 of 3 lighthouses answer; symmetric NAT: peers behind another NAT will need a relay"},
      {"IPv4 behind NAT decides even with IPv6 addresses seen",
       {Answering("lh1", {"198.51.100.7:4242", "[2001:db8::2]:4242"}),
        Answering("lh2", {"198.51.100.7:4242", "[2001:db8::2]:4242"})},
       NatMapping::kOneMapping,
       "our NAT keeps one mapping for all destinations: punching works"},
      {"IPv6 only, different mappings",
       {Answering("lh1", {"[2001:db8::7]:1024"}), Answering("lh2", {"[2001:db8::7]:1025"})},
       NatMapping::kPerDestination,
       "symmetric NAT: peers behind another NAT will need a relay"},
      {"no lighthouse answers",
       {Silent("lh1"), Silent("lh2")},
       NatMapping::kCannotTell,
       "no lighthouse answers over UDP: check the firewall and static_host_map"},
      {"no lighthouses at all", {}, NatMapping::kCannotTell,
       "no lighthouses configured (lighthouse.hosts)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    NetcheckReport report;
    report.ipv4 = true;
    report.local_addrs = local;
    report.lighthouses = c.lighthouses;
    EXPECT_EQ(ClassifyMapping(report), c.mapping);
    EXPECT_EQ(NetcheckVerdict(report), c.verdict);
  }
}

TEST(NetcheckReflexive, OnlyAddressesThatAreNotOurOwn) {
  NetcheckReport report;
  report.local_addrs = {"10.0.0.2:4242", "[2001:db8::2]:4242"};
  auto lh = Answering("lh1", {"198.51.100.7:4242", "10.0.0.2:4242", "[2001:db8::2]:4242"});
  EXPECT_EQ(ReflexiveAddresses(report, lh), std::vector<std::string>{"198.51.100.7:4242"});
}

TEST(NetcheckJson, FieldsScriptsRead) {
  NetcheckReport report;
  report.ipv4 = true;
  report.local_addrs = {"10.0.0.2:4242"};
  auto lh1 = Answering("lh1", {"198.51.100.7:4242", "10.0.0.2:4242"});
  lh1.largest_packet = 1400;
  auto lh2 = Silent("lh\"2");
  report.lighthouses = {lh1, lh2};
  EXPECT_EQ(NetcheckToJson(report),
            "{\"ipv4\":true,\"ipv6\":false,\"localAddrs\":[\"10.0.0.2:4242\"],"
            "\"mapping\":\"unknown\",\"verdict\":\"1 of 2 lighthouses answer; one lighthouse "
            "sees us: cannot tell if punching works (needs two)\",\"lighthouses\":["
            "{\"vpnIp\":\"192.168.100.1\",\"certName\":\"lh1\",\"answered\":true,"
            "\"rttUs\":1520,\"remote\":\"203.0.113.1:4242\",\"family\":\"ipv4\","
            "\"seen\":[\"198.51.100.7:4242\",\"10.0.0.2:4242\"],"
            "\"reflexive\":[\"198.51.100.7:4242\"],"
            "\"largestPacket\":1400,\"largestPacketError\":\"\"},"
            "{\"vpnIp\":\"192.168.100.9\",\"certName\":\"lh\\\"2\",\"answered\":false,"
            "\"rttUs\":null,\"remote\":\"203.0.113.9:4242\",\"family\":\"ipv4\","
            "\"seen\":[],\"reflexive\":[],\"largestPacket\":null,\"largestPacketError\":\"\"}]}\n");
}

TEST(NetcheckText, ReadableAndEndsInTheVerdict) {
  NetcheckReport report;
  report.ipv4 = true;
  report.local_addrs = {"10.0.0.2:4242"};
  auto lh1 = Answering("lh1", {"198.51.100.7:1024", "10.0.0.2:4242"});
  auto lh2 = Answering("lh2\x1b[2J", {"198.51.100.7:1025"});
  lh2.vpn_ip = "192.168.100.2";
  lh2.remote = "[2001:db8::1]:4242";
  lh1.largest_packet = 1500;
  lh2.largest_packet_error = "no answer even to 1280-byte probes (listen.send_recv_error off there?)";
  report.lighthouses = {lh1, lh2, Silent("lh3")};
  const std::string text = NetcheckToText(report);
  EXPECT_EQ(text,
            "underlay: IPv4 yes, IPv6 no\n"
            "lighthouse lh1 (192.168.100.1)\n"
            "  answers over UDP in 1.52 ms, at 203.0.113.1:4242 (IPv4)\n"
            "  sees us at 198.51.100.7:1024 (our NAT's mapping)\n"
            "  sees us at 10.0.0.2:4242 (our own address)\n"
            "  largest packet through: 1500 bytes\n"
            "lighthouse lh2\\x1b[2J (192.168.100.2)\n"
            "  answers over UDP in 1.52 ms, at [2001:db8::1]:4242 (IPv6)\n"
            "  sees us at 198.51.100.7:1025 (our NAT's mapping)\n"
            "  largest packet: not measured\n"
            "    no answer even to 1280-byte probes (listen.send_recv_error off there?)\n"
            "lighthouse lh3 (192.168.100.9)\n"
            "  no answer over UDP at 203.0.113.9:4242\n"
            "verdict: 2 of 3 lighthouses answer; symmetric NAT: peers behind another NAT will\n"
            "         need a relay\n");
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_LE(line.size(), 80u) << line;
  }
}
