// lighthouse.remote_allow_list, lighthouse.remote_allow_ranges, lighthouse.local_allow_list.
#include <regex>

#include "config/sections.h"

namespace flatnet::config {
namespace {

// Parses a map of CIDR -> bool at `path`. `skip` names a key handled by the caller.
AllowList ParseCidrMap(ConfigReader& reader, const YamlNode& map, const std::string& path,
                       std::string_view skip = {}) {
  AllowList list;
  struct Family {
    bool any = false, first_value = false, mixed = false, has_default = false;
  } v4, v6;
  for (const auto& [key, value] : map.entries) {
    if (!skip.empty() && key == skip) continue;
    auto network = ParseNetwork(key);
    if (!network) {
      reader.Error(&value, path, "\"" + key + "\" is not a CIDR (like 10.0.0.0/8)");
      continue;
    }
    auto allow = reader.ToBool(value, path + "." + key);
    if (!allow) continue;
    list.rules.push_back({*network, *allow, value.line});
    Family& family = network->addr().is_v6() ? v6 : v4;
    if (!family.any) {
      family.any = true;
      family.first_value = *allow;
    } else if (family.first_value != *allow) {
      family.mixed = true;
    }
    if (network->bits() == 0) family.has_default = true;
  }
  // nebula: a family whose rules all agree gets the opposite as its default; mixed rules
  // need an explicit one. A family with no rules at all is allowed.
  auto add_default = [&](Family& family, const char* zero) {
    if (family.has_default) return;
    if (family.mixed) {
      reader.Error(&map, path,
                   std::string("has both true and false rules but no default; add \"") + zero +
                       "\": true or false");
      return;
    }
    list.rules.push_back({*ParseNetwork(zero), !(family.any && family.first_value), 0});
  };
  add_default(v4, "0.0.0.0/0");
  add_default(v6, "::/0");
  return list;
}

}  // namespace

void ParseRemoteAllowList(ConfigReader& reader, RemoteAllowList* list) {
  const std::string path = "lighthouse.remote_allow_list";
  if (const YamlNode* map = reader.GetOpaque(path)) {
    if (map->is_map()) {
      list->list = ParseCidrMap(reader, *map, path);
    } else {
      reader.Error(map, path, "must be a map of CIDR to true/false");
    }
  }
  const std::string ranges_path = "lighthouse.remote_allow_ranges";
  const YamlNode* ranges = reader.GetOpaque(ranges_path);
  if (!ranges) return;
  if (!ranges->is_map()) {
    reader.Error(ranges, ranges_path,
                 "must be a map of overlay CIDR to a map of CIDR to true/false");
    return;
  }
  for (const auto& [key, value] : ranges->entries) {
    auto inside = ParseNetwork(key);
    if (!inside) {
      reader.Error(&value, ranges_path, "\"" + key + "\" is not a CIDR (like 10.0.0.0/8)");
      continue;
    }
    std::string range_path = ranges_path + "." + key;
    if (!value.is_map()) {
      reader.Error(&value, range_path, "must be a map of CIDR to true/false");
      continue;
    }
    list->ranges.push_back({*inside, ParseCidrMap(reader, value, range_path)});
  }
}

void ParseLocalAllowList(ConfigReader& reader, LocalAllowList* list) {
  const std::string path = "lighthouse.local_allow_list";
  const YamlNode* map = reader.GetOpaque(path);
  if (!map) return;
  if (!map->is_map()) {
    reader.Error(map, path, "must be a map of CIDR to true/false, and `interfaces:`");
    return;
  }
  list->list = ParseCidrMap(reader, *map, path, "interfaces");
  const YamlNode* interfaces = map->Find("interfaces");
  if (!interfaces || interfaces->is_null()) return;
  const std::string interfaces_path = path + ".interfaces";
  if (!interfaces->is_map()) {
    reader.Error(interfaces, interfaces_path,
                 "must be a map of interface name pattern to true/false");
    return;
  }
  for (const auto& [pattern, value] : interfaces->entries) {
    auto allow = reader.ToBool(value, interfaces_path + "." + pattern);
    if (!allow) continue;
    try {
      std::regex check("^(?:" + pattern + ")$");
    } catch (const std::regex_error& e) {
      reader.Error(&value, interfaces_path,
                   "\"" + pattern + "\" is not a valid regular expression: " + e.what());
      continue;
    }
    if (!list->interfaces.empty() && list->interfaces.front().allow != *allow) {
      reader.Error(&value, interfaces_path,
                   "rules must all be true or all be false (the default is the opposite)");
      continue;
    }
    list->interfaces.push_back({pattern, *allow});
  }
}

}  // namespace flatnet::config
