// tun: disabled, dev, drop_local_broadcast, drop_multicast, tx_queue, mtu, routes,
// unsafe_routes.
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
    reader.WarnUnknownFields(*item, "tun.unsafe_routes", {"mtu", "route", "via", "metric"});
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
    } else if (auto value = reader.ToIp(*via, "tun.unsafe_routes.via")) {
      route.via = *value;
    } else {
      ok = false;
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
