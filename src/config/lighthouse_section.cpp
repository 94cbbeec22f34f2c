// static_host_map and lighthouse: am_lighthouse, serve_dns, dns, interval, hosts,
// advertise_addrs (allow lists are in allow_list_section.cpp).
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
    auto vpn_ip = IpAddress::Parse(key);
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
  ParseRemoteAllowList(reader, &lighthouse->remote_allow_list);
  ParseLocalAllowList(reader, &lighthouse->local_allow_list);
}

}  // namespace flatnet::config
