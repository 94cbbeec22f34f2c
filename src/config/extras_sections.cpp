// stats and sshd: parsed and checked as nebula does. flatnet serves stats.type prometheus
// (src/control/metrics_server.h); graphite and sshd are accepted with a warning. control
// and dashboard are flatnet's own keys (the dashboard's address is checked against the
// certificate at start: src/control/dashboard_server.h).
#include "config/sections.h"

namespace flatnet::config {

void ParseControl(ConfigReader& reader, ControlConfig* control) {
  control->socket = reader.String("control.socket", "");
}

void ParseDashboard(ConfigReader& reader, DashboardConfig* dashboard) {
  dashboard->listen = reader.String("dashboard.listen", "");
}

void ParseStats(ConfigReader& reader, StatsConfig* stats) {
  stats->type = reader.String("stats.type", "");
  stats->interval = reader.Duration("stats.interval", Duration(0));
  stats->prefix = reader.String("stats.prefix", "nebula");
  stats->protocol = reader.String("stats.protocol", "tcp");
  stats->host = reader.String("stats.host", "");
  stats->listen = reader.String("stats.listen", "");
  stats->path = reader.String("stats.path", "");
  stats->namespace_name = reader.String("stats.namespace", "");
  stats->subsystem = reader.String("stats.subsystem", "");
  stats->message_metrics = reader.Bool("stats.message_metrics", false);
  stats->lighthouse_metrics = reader.Bool("stats.lighthouse_metrics", false);

  const YamlNode* type = reader.Get("stats.type");
  if (stats->type.empty() || stats->type == "none") return;
  if (stats->type != "graphite" && stats->type != "prometheus") {
    reader.Error(type, "stats.type",
                 "\"" + stats->type + "\" is not a stats type (graphite, prometheus or none)");
    return;
  }
  if (stats->interval.count() == 0) {
    reader.Error(type, "stats.interval", "is required when stats.type is set (e.g. \"10s\")");
  }
  if (stats->type == "graphite" && stats->host.empty()) {
    reader.Error(type, "stats.host", "is required for graphite (host:port)");
  }
  if (stats->type == "prometheus") {
    if (stats->listen.empty()) reader.Error(type, "stats.listen", "is required for prometheus");
    if (stats->path.empty()) reader.Error(type, "stats.path", "is required for prometheus");
  }
}

void ParseSshd(ConfigReader& reader, SshdConfig* sshd) {
  sshd->enabled = reader.Bool("sshd.enabled", false);
  sshd->listen = reader.String("sshd.listen", "");
  sshd->host_key = reader.String("sshd.host_key", "");
  const YamlNode* users = reader.GetOpaque("sshd.authorized_users");
  if (users && !users->is_sequence()) {
    reader.Error(users, "sshd.authorized_users", "must be a list of {user:, keys:}");
  } else if (users) {
    for (const YamlNode& item : users->items) {
      const std::string path = "sshd.authorized_users";
      if (!item.is_map()) {
        reader.Error(&item, path, "each entry must be a map with user: and keys:");
        continue;
      }
      reader.WarnUnknownFields(item, path, {"user", "keys"});
      SshAuthorizedUser user;
      const YamlNode* name = item.Find("user");
      if (!name || !name->is_scalar()) {
        reader.Error(&item, path + ".user", "is required");
        continue;
      }
      user.user = name->scalar;
      const YamlNode* keys = item.Find("keys");
      if (keys && keys->is_scalar()) {
        user.keys.push_back(keys->scalar);
      } else if (keys && keys->is_sequence()) {
        for (const YamlNode& key : keys->items) {
          if (auto text = reader.ToString(key, path + ".keys")) user.keys.push_back(*text);
        }
      } else {
        reader.Error(&item, path + ".keys", "is required (one key or a list of keys)");
        continue;
      }
      sshd->authorized_users.push_back(std::move(user));
    }
  }
  if (!sshd->enabled) return;
  const YamlNode* enabled = reader.Get("sshd.enabled");
  if (sshd->listen.empty()) {
    reader.Error(enabled, "sshd.listen", "is required when sshd.enabled is true");
  } else if (auto address = HostPort::Parse(sshd->listen); !address.ok()) {
    reader.Error(reader.Get("sshd.listen"), "sshd.listen",
                 "\"" + sshd->listen + "\" is not host:port (" + address.status().message() + ")");
  } else if (address->port == 22) {
    reader.Error(reader.Get("sshd.listen"), "sshd.listen", "cannot use port 22");
  }
  if (sshd->host_key.empty()) {
    reader.Error(enabled, "sshd.host_key", "is required when sshd.enabled is true");
  }
}

}  // namespace flatnet::config
