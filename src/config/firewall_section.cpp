// firewall: inbound_action/outbound_action, default_local_cidr_any, conntrack timeouts and
// the inbound/outbound rule lists. Rules stay text here; src/firewall parses ports,
// protocols and CIDRs and blames FirewallRule::line.
#include "config/sections.h"

namespace flatnet::config {
namespace {

void ParseRules(ConfigReader& reader, const std::string& path, std::vector<FirewallRule>* out) {
  const YamlNode* list = reader.GetOpaque(path);
  if (!list) return;
  if (!list->is_sequence()) {
    reader.Error(list, path, "must be a list of rules (`- port: 443` ...)");
    return;
  }
  for (size_t i = 0; i < list->items.size(); ++i) {
    const YamlNode& item = list->items[i];
    std::string rule_path = path + "[" + std::to_string(i) + "]";
    if (!item.is_map()) {
      reader.Error(&item, rule_path, "a rule must be a map (port:, proto:, host: ...)");
      continue;
    }
    reader.WarnUnknownFields(item, path,
                             {"port", "code", "proto", "host", "group", "groups", "cidr",
                              "local_cidr", "ca_name", "ca_sha"});
    FirewallRule rule;
    rule.line = item.line;
    bool ok = true;
    auto text = [&](const char* key, std::string* field) {
      const YamlNode* node = item.Find(key);
      if (!node || node->is_null()) return;
      if (auto value = reader.ToString(*node, rule_path + "." + key)) {
        *field = *value;
      } else {
        ok = false;
      }
    };
    text("port", &rule.port);
    text("code", &rule.code);
    text("proto", &rule.proto);
    text("host", &rule.host);
    text("cidr", &rule.cidr);
    text("local_cidr", &rule.local_cidr);
    text("ca_name", &rule.ca_name);
    text("ca_sha", &rule.ca_sha);

    const YamlNode* group = item.Find("group");
    const YamlNode* groups = item.Find("groups");
    if (group && !group->is_null()) {
      if (group->is_sequence()) {
        // nebula takes a one-item list (with a warning) and refuses longer ones.
        if (group->items.size() == 1 && group->items[0].is_scalar()) {
          reader.Warn(group, rule_path + ".group",
                      "is a list with one value; use `group: name` (or `groups:` for several)");
          rule.groups.push_back(group->items[0].scalar);
        } else {
          reader.Error(group, rule_path + ".group",
                       "must be a single group name; use `groups:` to require several");
          ok = false;
        }
      } else if (auto name = reader.ToString(*group, rule_path + ".group")) {
        rule.groups.push_back(*name);
      } else {
        ok = false;
      }
    }
    if (groups && !groups->is_null()) {
      if (!rule.groups.empty()) {
        reader.Error(groups, rule_path, "has both group and groups; use only one");
        ok = false;
      } else if (groups->is_sequence()) {
        for (const YamlNode& name : groups->items) {
          if (auto value = reader.ToString(name, rule_path + ".groups")) {
            rule.groups.push_back(*value);
          } else {
            ok = false;
          }
        }
      } else if (auto name = reader.ToString(*groups, rule_path + ".groups")) {
        rule.groups.push_back(*name);
      } else {
        ok = false;
      }
    }
    // Nebula 1.11 ignores a port (or code) on an icmp rule, with a warning: ICMP has no ports.
    if (ok && rule.proto == "icmp" && (!rule.port.empty() || !rule.code.empty())) {
      const bool code = rule.port.empty();
      const std::string& value = code ? rule.code : rule.port;
      if (value != "any" && value != "0") {
        reader.Warn(item.Find(code ? "code" : "port"), rule_path + (code ? ".code" : ".port"),
                    "\"" + value + "\" is ignored: icmp rules match every ICMP packet");
      }
    }
    if (ok) out->push_back(std::move(rule));
  }
}

FirewallAction ParseAction(ConfigReader& reader, const char* path) {
  const YamlNode* node = reader.Get(path);
  if (!node) return FirewallAction::kDrop;
  auto text = reader.ToString(*node, path);
  if (text == "drop") return FirewallAction::kDrop;
  if (text == "reject") return FirewallAction::kReject;
  // Nebula warns and drops; flatnet refuses, like every value it cannot read.
  if (text) reader.Error(node, path, "\"" + *text + "\" is not one of drop, reject");
  return FirewallAction::kDrop;
}

}  // namespace

void ParseFirewall(ConfigReader& reader, FirewallConfig* firewall) {
  firewall->inbound_action = ParseAction(reader, "firewall.inbound_action");
  firewall->outbound_action = ParseAction(reader, "firewall.outbound_action");
  firewall->default_local_cidr_any = reader.Bool("firewall.default_local_cidr_any", false);
  ConntrackConfig& conntrack = firewall->conntrack;
  conntrack.tcp_timeout =
      reader.Duration("firewall.conntrack.tcp_timeout", std::chrono::minutes(12));
  conntrack.udp_timeout =
      reader.Duration("firewall.conntrack.udp_timeout", std::chrono::minutes(3));
  conntrack.default_timeout =
      reader.Duration("firewall.conntrack.default_timeout", std::chrono::minutes(10));
  conntrack.routine_cache_timeout =
      reader.Duration("firewall.conntrack.routine_cache_timeout", Duration(0));
  ParseRules(reader, "firewall.outbound", &firewall->outbound);
  ParseRules(reader, "firewall.inbound", &firewall->inbound);
}

}  // namespace flatnet::config
