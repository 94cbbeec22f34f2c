// tun: disabled, dev, drop_local_broadcast, drop_multicast, tx_queue, mtu, routes,
// unsafe_routes (via one IP or a weighted gateway list, install), use_system_route_table,
// and flatnet's own routes_from_certs.
#include "config/sections.h"

namespace flatnet::config {
namespace {

constexpr int kMinMtu = 500;  // nebula's lower bound for route MTUs
constexpr int kMaxMtu = 65535;

// The list at `path` as map items; reports items that are not maps.
std::vector<const YamlNode*> RouteMaps(ConfigReader& reader, const std::string& path) {
  std::vector<const YamlNode*> maps;
  const YamlNode* list = reader.GetOpaque(path);
  if (!list) return maps;
  if (!list->is_sequence()) {
    reader.Error(list, path, "must be a list of routes (`- route: 10.0.0.0/16` ...)");
    return maps;
  }
  for (const YamlNode& item : list->items) {
    if (item.is_map()) {
      maps.push_back(&item);
    } else if (!item.is_null()) {
      reader.Error(&item, path, "each route must be a map with route: and mtu:");
    }
  }
  return maps;
}

std::optional<int> RouteMtu(ConfigReader& reader, const YamlNode& mtu, const std::string& path) {
  auto value = reader.ToInt(mtu, path, 0, kMaxMtu);
  if (!value) return std::nullopt;
  if (*value < kMinMtu) {
    reader.Error(&mtu, path, std::to_string(*value) + " is below " + std::to_string(kMinMtu));
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

// `via` as a list of gateways: [{gateway: IP, weight: N}], weight 1 by default (ECMP).
bool ParseGateways(ConfigReader& reader, const YamlNode& list, std::vector<Gateway>* out) {
  const std::string path = "tun.unsafe_routes.via";
  if (list.items.empty()) {
    reader.Error(&list, path, "is an empty list; give an overlay IP or [{gateway: IP}]");
    return false;
  }
  bool ok = true;
  for (const YamlNode& item : list.items) {
    if (!item.is_map()) {
      reader.Error(&item, path, "each gateway must be a map with gateway: and weight:");
      ok = false;
      continue;
    }
    reader.WarnUnknownFields(item, path, {"gateway", "weight"});
    Gateway gateway;
    const YamlNode* address = item.Find("gateway");
    if (!address || address->is_null()) {
      reader.Error(&item, path + ".gateway", "is required (the overlay IP to route through)");
      ok = false;
    } else if (auto ip = reader.ToIp(*address, path + ".gateway")) {
      gateway.address = *ip;
    } else {
      ok = false;
    }
    if (const YamlNode* weight = item.Find("weight"); weight && !weight->is_null()) {
      auto value = reader.ToInt(*weight, path + ".weight", 1, INT32_MAX);
      if (value) gateway.weight = static_cast<int>(*value);
      ok = ok && value.has_value();
    }
    out->push_back(gateway);
  }
  return ok;
}

}  // namespace

void ParseTun(ConfigReader& reader, TunConfig* tun) {
  tun->disabled = reader.Bool("tun.disabled", false);
  tun->dev = reader.String("tun.dev", "");
  if (tun->dev.size() >= 16) {  // IFNAMSIZ, including the terminating NUL
    reader.Error(reader.Get("tun.dev"), "tun.dev",
                 "\"" + tun->dev + "\" is longer than 15 characters");
  }
  tun->drop_local_broadcast = reader.Bool("tun.drop_local_broadcast", false);
  tun->drop_multicast = reader.Bool("tun.drop_multicast", false);
  tun->tx_queue = static_cast<int>(reader.Int("tun.tx_queue", 500, 0, INT32_MAX));
  tun->mtu = static_cast<int>(reader.Int("tun.mtu", 1300, kMinMtu, kMaxMtu));

  tun->use_system_route_table = reader.Bool("tun.use_system_route_table", false);
  tun->use_system_route_table_buffer_size =
      static_cast<int>(reader.Int("tun.use_system_route_table_buffer_size", 0, 0, INT32_MAX));
  tun->routes_from_certs = reader.Bool("tun.routes_from_certs", false);

  for (const YamlNode* item : RouteMaps(reader, "tun.routes")) {
    reader.WarnUnknownFields(*item, "tun.routes", {"mtu", "route"});
    Route route;
    route.line = item->line;
    const YamlNode* mtu = item->Find("mtu");
    const YamlNode* network = item->Find("route");
    bool ok = true;
    if (!mtu || mtu->is_null()) {
      reader.Error(item, "tun.routes.mtu", "is required");
      ok = false;
    } else if (auto value = RouteMtu(reader, *mtu, "tun.routes.mtu")) {
      route.mtu = *value;
    } else {
      ok = false;
    }
    if (!network || network->is_null()) {
      reader.Error(item, "tun.routes.route", "is required");
      ok = false;
    } else if (auto value = reader.ToNetwork(*network, "tun.routes.route")) {
      route.network = *value;
    } else {
      ok = false;
    }
    if (ok) tun->routes.push_back(route);
  }

  for (const YamlNode* item : RouteMaps(reader, "tun.unsafe_routes")) {
    reader.WarnUnknownFields(*item, "tun.unsafe_routes",
                             {"mtu", "route", "via", "metric", "install"});
    UnsafeRoute route;
    route.line = item->line;
    bool ok = true;
    if (const YamlNode* mtu = item->Find("mtu"); mtu && !mtu->is_null()) {
      auto value = reader.ToInt(*mtu, "tun.unsafe_routes.mtu", 0, kMaxMtu);
      if (value && *value != 0 && *value < kMinMtu) {
        reader.Error(mtu, "tun.unsafe_routes.mtu",
                     std::to_string(*value) + " is below " + std::to_string(kMinMtu));
        value.reset();
      }
      if (value) route.mtu = static_cast<int>(*value);
      ok = ok && value.has_value();
    }
    if (const YamlNode* metric = item->Find("metric"); metric && !metric->is_null()) {
      auto value = reader.ToInt(*metric, "tun.unsafe_routes.metric", 0, INT32_MAX);
      if (value) route.metric = static_cast<int>(*value);
      ok = ok && value.has_value();
    }
    const YamlNode* via = item->Find("via");
    if (!via || via->is_null()) {
      reader.Error(item, "tun.unsafe_routes.via", "is required (the overlay IP to route through)");
      ok = false;
    } else if (via->is_sequence()) {
      ok = ParseGateways(reader, *via, &route.gateways) && ok;
    } else if (auto value = reader.ToIp(*via, "tun.unsafe_routes.via")) {
      route.gateways.push_back({*value, 1});
    } else {
      ok = false;
    }
    if (!route.gateways.empty()) route.via = route.gateways.front().address;
    if (const YamlNode* install = item->Find("install"); install && !install->is_null()) {
      auto value = reader.ToBool(*install, "tun.unsafe_routes.install");
      if (value) route.install = *value;
      ok = ok && value.has_value();
    }
    const YamlNode* network = item->Find("route");
    if (!network || network->is_null()) {
      reader.Error(item, "tun.unsafe_routes.route", "is required");
      ok = false;
    } else if (auto value = reader.ToNetwork(*network, "tun.unsafe_routes.route")) {
      route.network = *value;
    } else {
      ok = false;
    }
    if (ok) tun->unsafe_routes.push_back(route);
  }
}

}  // namespace flatnet::config
