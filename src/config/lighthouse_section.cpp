// static_host_map, static_map and lighthouse: am_lighthouse, serve_dns, dns, interval, hosts,
// advertise_addrs, calculated_remotes (allow lists are in allow_list_section.cpp).
#include "config/sections.h"

namespace flatnet::config {

void ParseStaticHostMap(ConfigReader& reader, std::vector<StaticHost>* hosts) {
  const YamlNode* map = reader.GetOpaque("static_host_map");
  if (!map) return;
  if (!map->is_map()) {
    reader.Error(map, "static_host_map",
                 "must be a map of overlay IP to addresses, like \"192.168.100.1\": "
                 "[\"198.51.100.1:4242\"]");
    return;
  }
  for (const auto& [key, value] : map->entries) {
    std::string path = "static_host_map." + key;
    StaticHost host;
    host.source = value.source;
    host.line = value.line;
    auto vpn_ip = ParseIp(key);
    if (!vpn_ip) {
      reader.Error(&value, "static_host_map", "\"" + key + "\" is not an overlay IP address");
      continue;
    }
    host.vpn_ip = *vpn_ip;
    // nebula accepts one address or a list of them.
    std::vector<const YamlNode*> addresses;
    if (value.is_sequence()) {
      for (const YamlNode& item : value.items) addresses.push_back(&item);
    } else if (value.is_scalar()) {
      addresses.push_back(&value);
    } else {
      reader.Error(&value, path, "must list at least one \"host:port\" address");
      continue;
    }
    for (const YamlNode* address : addresses) {
      if (auto parsed = reader.ToHostPort(*address, path)) {
        host.addresses.push_back(std::move(*parsed));
      }
    }
    if (value.is_sequence() && value.items.empty()) {
      reader.Warn(&value, path, "has no addresses");
    }
    hosts->push_back(std::move(host));
  }
}

void ParseStaticMap(ConfigReader& reader, StaticMapConfig* static_map) {
  static_map->cadence = reader.Duration("static_map.cadence", std::chrono::seconds(30));
  static_map->lookup_timeout =
      reader.Duration("static_map.lookup_timeout", std::chrono::milliseconds(250));
  // Nebula's ticker panics on a zero cadence, and a zero timeout fails every lookup: both are
  // mistakes, said here rather than at run time (negative ones are refused by Duration).
  if (static_map->cadence == Duration::zero()) {
    reader.Error(reader.Get("static_map.cadence"), "static_map.cadence", "must be longer than 0");
    static_map->cadence = std::chrono::seconds(30);
  }
  if (static_map->lookup_timeout == Duration::zero()) {
    reader.Error(reader.Get("static_map.lookup_timeout"), "static_map.lookup_timeout",
                 "must be longer than 0");
    static_map->lookup_timeout = std::chrono::milliseconds(250);
  }
  if (const YamlNode* node = reader.Get("static_map.network")) {
    auto text = reader.ToString(*node, "static_map.network");
    if (text == "ip4") {
      static_map->network = StaticMapNetwork::kIp4;
    } else if (text == "ip6") {
      static_map->network = StaticMapNetwork::kIp6;
    } else if (text == "ip") {
      static_map->network = StaticMapNetwork::kIp;
    } else if (text) {
      reader.Error(node, "static_map.network", "\"" + *text + "\" is not one of ip4, ip6, ip");
    }
  }
}

namespace {

// lighthouse.calculated_remotes: {CIDR: [{mask: CIDR, port: N}, ...]}, the mask of the same
// address family as its CIDR (nebula's check).
void ParseCalculatedRemotes(ConfigReader& reader, std::vector<CalculatedRemotes>* out) {
  const std::string path = "lighthouse.calculated_remotes";
  const YamlNode* map = reader.GetOpaque(path);
  if (!map) return;
  if (!map->is_map()) {
    reader.Error(map, path, "must be a map of overlay CIDR to [{mask: CIDR, port: N}]");
    return;
  }
  for (const auto& [key, value] : map->entries) {
    const std::string entry_path = path + "." + key;
    auto network = ParseNetwork(key);
    if (!network) {
      reader.Error(&value, path, "\"" + key + "\" is not a CIDR (like 10.0.10.0/24)");
      continue;
    }
    CalculatedRemotes entry{*network, {}, value.line};
    if (!value.is_sequence()) {
      reader.Error(&value, entry_path, "must be a list of {mask: CIDR, port: N}");
      continue;
    }
    bool ok = true;
    for (const YamlNode& item : value.items) {
      if (!item.is_map()) {
        reader.Error(&item, entry_path, "each entry must be a map with mask: and port:");
        ok = false;
        continue;
      }
      reader.WarnUnknownFields(item, entry_path, {"mask", "port"});
      CalculatedRemote remote;
      const YamlNode* mask = item.Find("mask");
      const YamlNode* port = item.Find("port");
      if (!mask || mask->is_null()) {
        reader.Error(&item, entry_path + ".mask", "is required");
        ok = false;
      } else if (auto parsed = reader.ToNetwork(*mask, entry_path + ".mask")) {
        if (parsed->addr().is_v6() != network->addr().is_v6()) {
          reader.Error(
              mask, entry_path + ".mask",
              parsed->ToString() + " is not of the same address family as " + network->ToString());
          ok = false;
        }
        remote.mask = *parsed;
      } else {
        ok = false;
      }
      if (!port || port->is_null()) {
        reader.Error(&item, entry_path + ".port", "is required");
        ok = false;
      } else if (auto parsed = reader.ToInt(*port, entry_path + ".port", 0, 65535)) {
        remote.port = static_cast<uint16_t>(*parsed);
      } else {
        ok = false;
      }
      entry.remotes.push_back(remote);
    }
    if (ok) out->push_back(std::move(entry));
  }
}

}  // namespace

void ParseLighthouse(ConfigReader& reader, LighthouseConfig* lighthouse) {
  lighthouse->am_lighthouse = reader.Bool("lighthouse.am_lighthouse", false);
  lighthouse->serve_dns = reader.Bool("lighthouse.serve_dns", false);
  lighthouse->dns_host = reader.String("lighthouse.dns.host", "");
  lighthouse->dns_port = reader.Port("lighthouse.dns.port", 53);
  lighthouse->interval_seconds =
      static_cast<int>(reader.Int("lighthouse.interval", 10, 0, 24 * 3600));
  lighthouse->hosts = reader.IpList("lighthouse.hosts");

  if (const YamlNode* list = reader.Get("lighthouse.advertise_addrs")) {
    if (!list->is_sequence()) {
      reader.Error(list, "lighthouse.advertise_addrs", "must be a list of \"ip:port\"");
    } else {
      for (const YamlNode& item : list->items) {
        if (auto address = reader.ToHostPort(item, "lighthouse.advertise_addrs")) {
          lighthouse->advertise_addrs.push_back(std::move(*address));
        }
      }
    }
  }
  ParseCalculatedRemotes(reader, &lighthouse->calculated_remotes);
  ParseRemoteAllowList(reader, &lighthouse->remote_allow_list);
  ParseLocalAllowList(reader, &lighthouse->local_allow_list);
}

}  // namespace flatnet::config
