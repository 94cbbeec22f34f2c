// LoadConfig: files -> merged tree -> sections -> cross-section checks -> Config.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/sections.h"

namespace flatnet::config {
namespace {

// Checks that span sections, as nebula makes them at startup.
void CheckAcrossSections(ConfigReader& reader, Config& config) {
  const LighthouseConfig& lighthouse = config.lighthouse;
  if (lighthouse.am_lighthouse && config.listen.port == 0) {
    reader.Error(reader.Get("lighthouse.am_lighthouse"), "lighthouse.am_lighthouse",
                 "a lighthouse needs a fixed listen.port (not 0)");
  }
  const YamlNode* hosts = reader.Get("lighthouse.hosts");
  if (lighthouse.am_lighthouse && !lighthouse.hosts.empty()) {
    reader.Warn(hosts, "lighthouse.hosts", "should be empty on a lighthouse (am_lighthouse: true)");
  }
  if (!lighthouse.am_lighthouse && lighthouse.hosts.empty()) {
    reader.Warn(reader.Get("lighthouse"), "lighthouse.hosts",
                "is empty: this host can only reach hosts listed in static_host_map");
  }
  for (const IpAddr& host : lighthouse.hosts) {
    bool listed = std::any_of(config.static_host_map.begin(), config.static_host_map.end(),
                              [&](const StaticHost& s) { return s.vpn_ip == host; });
    if (!listed) {
      reader.Error(hosts, "lighthouse.hosts",
                   host.ToString() + " has no static_host_map entry (its public address)");
    }
  }
  if (lighthouse.serve_dns && !lighthouse.am_lighthouse) {
    reader.Warn(reader.Get("lighthouse.serve_dns"), "lighthouse.serve_dns",
                "ignored: only a lighthouse serves DNS");
  }
  if (config.names.enabled && config.tun.disabled) {
    reader.Warn(reader.Get("names.enabled"), "names.enabled",
                "ignored: the names resolver needs the tun device (tun.disabled is true)");
    config.names.enabled = false;
  }
  // nebula's default for several routines, when the key is absent.
  if (config.routines > 1 && !reader.IsSet("firewall.conntrack.routine_cache_timeout")) {
    config.firewall.conntrack.routine_cache_timeout = std::chrono::seconds(1);
  }
}

// Settings nebula honours that flatnet accepts but does not act on yet. Remove an entry when
// the feature lands.
void WarnNotYetSupported(ConfigReader& reader, const Config& config) {
  if (config.sshd.enabled) {
    reader.Warn(reader.Get("sshd.enabled"), "sshd", "not supported by flatnet yet; ignored");
  }
  if (config.stats.type == "graphite") {
    reader.Warn(reader.Get("stats.type"), "stats",
                "graphite is not supported by flatnet yet; ignored (type: prometheus is)");
  }
}

Result<Config> BuildConfig(const YamlNode& root, std::vector<Warning>* warnings) {
  ConfigReader reader(root);
  Config config;
  config.source = root.source;
  ParsePki(reader, &config.pki);
  ParseStaticHostMap(reader, &config.static_host_map);
  ParseStaticMap(reader, &config.static_map);
  ParseLighthouse(reader, &config.lighthouse);
  ParseListen(reader, &config.listen);
  ParsePunchy(reader, &config.punchy);
  ParseEngine(reader, &config);
  ParseRelay(reader, &config.relay);
  ParseTun(reader, &config.tun);
  ParseLogging(reader, &config.logging);
  ParseFirewall(reader, &config.firewall);
  ParseStats(reader, &config.stats);
  ParseSshd(reader, &config.sshd);
  ParseControl(reader, &config.control);
  ParseDashboard(reader, &config.dashboard);
  ParseNames(reader, &config.names);
  CheckAcrossSections(reader, config);
  WarnNotYetSupported(reader, config);
  reader.WarnUnknownKeys();

  if (warnings) {
    warnings->insert(warnings->end(), reader.warnings().begin(), reader.warnings().end());
  }
  if (!reader.errors().empty()) {
    std::string message;
    for (const std::string& error : reader.errors()) {
      if (!message.empty()) message += "\n";
      message += error;
    }
    return Status::Error(message);
  }
  return config;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::Error(path + ": cannot read: " + strerror(errno));
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

bool IsYamlFile(const std::filesystem::path& path) {
  return path.extension() == ".yml" || path.extension() == ".yaml";
}

}  // namespace

Result<Config> LoadConfigFromString(std::string_view text, const std::string& source_name,
                                    std::vector<Warning>* warnings) {
  auto root = ParseYaml(text, source_name, warnings);
  if (!root.ok()) return root.status();
  return BuildConfig(*root, warnings);
}

Result<Config> LoadConfig(const std::string& path, std::vector<Warning>* warnings) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::file_status status = fs::status(path, error);
  if (error) return Status::Error(path + ": cannot read config: " + error.message());

  std::vector<std::string> files;
  if (fs::is_directory(status)) {
    // Like nebula: every *.yml / *.yaml below the directory, in lexical order of full path.
    for (fs::recursive_directory_iterator
             it(path, fs::directory_options::follow_directory_symlink, error),
         end;
         !error && it != end; it.increment(error)) {
      // Like nebula, an entry that cannot be stat'ed (a dangling symlink) is skipped.
      std::error_code stat_error;
      fs::file_status entry = fs::status(it->path(), stat_error);
      if (stat_error || fs::is_directory(entry)) continue;
      if (IsYamlFile(it->path())) files.push_back(it->path().string());
    }
    if (error) return Status::Error(path + ": cannot list config directory: " + error.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) return Status::Error(path + ": no *.yml or *.yaml config files found");
  } else {
    files.push_back(path);
  }

  YamlNode merged;
  bool first = true;
  for (const std::string& file : files) {
    auto text = ReadFile(file);
    if (!text.ok()) return text.status();
    auto tree = ParseYaml(*text, file, warnings);
    if (!tree.ok()) return tree.status();
    if (!first) MergeYaml(*tree, merged);
    merged = std::move(tree.value());
    first = false;
  }
  merged.source = path;
  return BuildConfig(merged, warnings);
}

std::string_view FirewallActionName(FirewallAction action) {
  return action == FirewallAction::kReject ? "reject" : "drop";
}

std::string_view CipherName(Cipher cipher) {
  return cipher == Cipher::kChaChaPoly ? "chachapoly" : "aes";
}

}  // namespace flatnet::config
