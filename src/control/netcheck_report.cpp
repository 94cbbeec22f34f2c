#include "control/netcheck_report.h"

#include <algorithm>
#include <sstream>
#include <string>

#include "control/control_protocol.h"
#include "control/status_json.h"

namespace flatnet::control {

namespace {

// "[2001:db8::1]:4242" is IPv6, "203.0.113.1:4242" IPv4.
bool IsIpv6AddrPort(const std::string& addr_port) {
  return !addr_port.empty() && addr_port[0] == '[';
}

std::string FamilyOf(const std::string& addr_port) {
  if (addr_port.empty()) return "";
  return IsIpv6AddrPort(addr_port) ? "ipv6" : "ipv4";
}

bool IsLocal(const NetcheckReport& report, const std::string& addr) {
  return std::find(report.local_addrs.begin(), report.local_addrs.end(), addr) !=
         report.local_addrs.end();
}

const char* MappingName(NatMapping mapping) {
  switch (mapping) {
    case NatMapping::kNoNat:
      return "none";
    case NatMapping::kOneMapping:
      return "one";
    case NatMapping::kPerDestination:
      return "perDestination";
    case NatMapping::kCannotTell:
      break;
  }
  return "unknown";
}

std::string JsonList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += JsonQuote(items[i]);
  }
  return out + "]";
}

}  // namespace

std::vector<std::string> ReflexiveAddresses(const NetcheckReport& report,
                                            const NetcheckLighthouse& lighthouse) {
  std::vector<std::string> out;
  for (const auto& addr : lighthouse.seen) {
    if (!IsLocal(report, addr)) out.push_back(addr);
  }
  return out;
}

NatMapping ClassifyMapping(const NetcheckReport& report) {
  // Compared within one family: a NAT maps IPv4 and IPv6 separately (IPv6 usually not at
  // all), so an IPv4 mapping and an IPv6 address say nothing about each other. IPv4 first:
  // that is where NATs are.
  for (bool v6 : {false, true}) {
    std::vector<std::string> mapped;  // the first reflexive address each lighthouse sees
    bool sees_local = false;
    for (const auto& lh : report.lighthouses) {
      if (!lh.answered) continue;
      bool has_family = false;
      std::string first_reflexive;
      for (const auto& addr : lh.seen) {
        if (IsIpv6AddrPort(addr) != v6) continue;
        has_family = true;
        if (first_reflexive.empty() && !IsLocal(report, addr)) first_reflexive = addr;
      }
      if (!has_family) continue;
      if (first_reflexive.empty()) {
        sees_local = true;
      } else {
        mapped.push_back(first_reflexive);
      }
    }
    if (mapped.size() >= 2) {
      bool all_same = std::all_of(mapped.begin(), mapped.end(),
                                  [&](const std::string& a) { return a == mapped[0]; });
      return all_same ? NatMapping::kOneMapping : NatMapping::kPerDestination;
    }
    if (mapped.empty() && sees_local) return NatMapping::kNoNat;
    if (!mapped.empty()) return NatMapping::kCannotTell;
  }
  return NatMapping::kCannotTell;
}

std::string NetcheckVerdict(const NetcheckReport& report) {
  if (report.lighthouses.empty()) return "no lighthouses configured (lighthouse.hosts)";
  size_t answered = 0;
  for (const auto& lh : report.lighthouses) answered += lh.answered ? 1 : 0;
  if (answered == 0) {
    return "no lighthouse answers over UDP: check the firewall and static_host_map";
  }
  std::string prefix;
  if (answered < report.lighthouses.size()) {
    prefix = std::to_string(answered) + " of " + std::to_string(report.lighthouses.size()) +
             " lighthouses answer; ";
  }
  switch (ClassifyMapping(report)) {
    case NatMapping::kNoNat:
      return prefix + "no NAT in the way: peers can reach us directly";
    case NatMapping::kOneMapping:
      return prefix + "our NAT keeps one mapping for all destinations: punching works";
    case NatMapping::kPerDestination:
      return prefix + "symmetric NAT: peers behind another NAT will need a relay";
    case NatMapping::kCannotTell:
      break;
  }
  return prefix + "one lighthouse sees us: cannot tell if punching works (needs two)";
}

std::string NetcheckToJson(const NetcheckReport& report) {
  std::string out = "{\"ipv4\":";
  out += report.ipv4 ? "true" : "false";
  out += ",\"ipv6\":";
  out += report.ipv6 ? "true" : "false";
  out += ",\"localAddrs\":" + JsonList(report.local_addrs);
  out += ",\"mapping\":" + JsonQuote(MappingName(ClassifyMapping(report)));
  out += ",\"verdict\":" + JsonQuote(NetcheckVerdict(report));
  out += ",\"lighthouses\":[";
  for (size_t i = 0; i < report.lighthouses.size(); ++i) {
    const auto& lh = report.lighthouses[i];
    if (i) out += ",";
    out += "{\"vpnIp\":" + JsonQuote(lh.vpn_ip);
    out += ",\"certName\":" + JsonQuote(lh.cert_name);
    out += ",\"answered\":";
    out += lh.answered ? "true" : "false";
    out += ",\"rttUs\":";
    out += lh.answered ? std::to_string(lh.rtt_ns / 1000) : "null";
    out += ",\"remote\":" + JsonQuote(lh.remote);
    out += ",\"family\":" + JsonQuote(FamilyOf(lh.remote));
    out += ",\"seen\":" + JsonList(lh.seen);
    out += ",\"reflexive\":" + JsonList(ReflexiveAddresses(report, lh));
    out += ",\"largestPacket\":";
    out += lh.largest_packet ? std::to_string(lh.largest_packet) : "null";
    out += ",\"largestPacketError\":" + JsonQuote(lh.largest_packet_error);
    out += "}";
  }
  return out + "]}\n";
}

std::string NetcheckToText(const NetcheckReport& report) {
  std::string out = "underlay: IPv4 ";
  out += report.ipv4 ? "yes" : "no";
  out += ", IPv6 ";
  out += report.ipv6 ? "yes" : "no";
  out += "\n";
  for (const auto& lh : report.lighthouses) {
    out += "lighthouse ";
    out += lh.cert_name.empty() ? lh.vpn_ip
                                : Printable(lh.cert_name) + " (" + lh.vpn_ip + ")";
    out += "\n";
    if (!lh.answered) {
      out += "  no answer over UDP";
      if (!lh.remote.empty()) out += " at " + lh.remote;
      out += "\n";
      continue;
    }
    out += "  answers over UDP in " + FormatRtt(lh.rtt_ns);
    if (!lh.remote.empty()) {
      out += ", at " + lh.remote + (IsIpv6AddrPort(lh.remote) ? " (IPv6)" : " (IPv4)");
    }
    out += "\n";
    // One address a line: an IPv6 address and its note can fill most of a line.
    if (lh.seen.empty()) out += "  lists no address for us\n";
    for (const auto& addr : lh.seen) {
      out += "  sees us at " + addr +
             (IsLocal(report, addr) ? " (our own address)" : " (our NAT's mapping)") + "\n";
    }
    if (lh.largest_packet)
      out += "  largest packet through: " + std::to_string(lh.largest_packet) + " bytes\n";
    else if (!lh.largest_packet_error.empty())
      out += "  largest packet: not measured\n    " + Printable(lh.largest_packet_error) + "\n";
  }
  // The verdict wraps at word boundaries, continued under its first word.
  const std::string kLead = "verdict: ";
  std::string line = kLead;
  std::istringstream words(NetcheckVerdict(report));
  for (std::string word; words >> word;) {
    if (line.size() > kLead.size() && line.size() + 1 + word.size() > 80) {
      out += line + "\n";
      line = std::string(kLead.size(), ' ');
    } else if (line.size() > kLead.size()) {
      line += ' ';
    }
    line += word;
  }
  return out + line + "\n";
}

}  // namespace flatnet::control
