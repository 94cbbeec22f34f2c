// The parser of each config.yml section. Internal to src/config: LoadConfig calls them in
// order; each reads its keys through the ConfigReader, which collects errors and warnings.
#pragma once

#include "config/config.h"
#include "config/config_reader.h"

namespace flatnet::config {

void ParsePki(ConfigReader& reader, PkiConfig* pki);
void ParseStaticHostMap(ConfigReader& reader, std::vector<StaticHost>* hosts);
void ParseStaticMap(ConfigReader& reader, StaticMapConfig* static_map);
void ParseLighthouse(ConfigReader& reader, LighthouseConfig* lighthouse);
void ParseRemoteAllowList(ConfigReader& reader, RemoteAllowList* list);
void ParseLocalAllowList(ConfigReader& reader, LocalAllowList* list);
void ParseListen(ConfigReader& reader, ListenConfig* listen);
void ParsePunchy(ConfigReader& reader, PunchyConfig* punchy);
void ParseRelay(ConfigReader& reader, RelayConfig* relay);
void ParseTun(ConfigReader& reader, TunConfig* tun);
void ParseLogging(ConfigReader& reader, LoggingConfig* logging);
void ParseFirewall(ConfigReader& reader, FirewallConfig* firewall);
void ParseStats(ConfigReader& reader, StatsConfig* stats);
void ParseSshd(ConfigReader& reader, SshdConfig* sshd);
void ParseControl(ConfigReader& reader, ControlConfig* control);
void ParseDashboard(ConfigReader& reader, DashboardConfig* dashboard);
void ParseNames(ConfigReader& reader, NamesConfig* names);
// cipher, preferred_ranges/local_range, handshakes, timers, routines.
void ParseEngine(ConfigReader& reader, Config* config);

}  // namespace flatnet::config
