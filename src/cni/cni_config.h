// The plugin's network configuration: the JSON a runtime hands flatnet-cni on stdin (CNI
// spec 1.0, "Network configuration"), one plugin of a conflist with the list's cniVersion
// and name filled in:
//
//   {"cniVersion": "1.0.0", "name": "flatnet", "type": "flatnet-cni",
//    "cert": "/etc/flatnet/host.crt",   required: this host's flatnet certificate
//    "subnet": "10.100.2.0/24",         optional: default the cert's first IPv4 unsafe network
//    "bridge": "flatnet0",              optional: the host bridge the containers' veths join
//    "dataDir": "/var/lib/cni/flatnet", optional: where the address files live (ipam_store.h)
//    "routes": [{"dst": "0.0.0.0/0"}],  optional: the container's routes, "gw" defaulting
//                                       to the bridge's address (the subnet's first)
//    "mtu": 1300,                       optional: the veth pair's MTU (default: the kernel's)
//    "dns": {...}}                      optional: passed through into ADD's result
//
// Runtime-set keys are accepted: "args" and "runtimeConfig" (ignored), "capabilities",
// "prevResult" (kept for CHECK), "ipMasq" only when false. Any other key is refused as an
// unsupported field (code 2, naming key and value), so a typo such as "subnett" is not
// silently ignored; "ipam" is refused the same way, since flatnet-cni allocates itself.
//
// Errors: unreadable JSON is a decode failure (6); a cniVersion this plugin does not
// speak is code 1; a missing or malformed field is an invalid network config (7) whose
// message names the field and what it should look like.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/ip_prefix.h"
#include "cni/cni_error.h"

namespace flatnet::cni {

// The versions VERSION reports and ADD/DEL/CHECK accept; 0.4.0 results carry the
// "version" field of each IP that 1.0.0 dropped.
std::span<const std::string_view> SupportedVersions();
bool IsSupportedVersion(std::string_view version);
// What errors are reported as when the input's own version is unknown or unsupported.
inline constexpr std::string_view kDefaultVersion = "1.0.0";

inline constexpr std::string_view kDefaultBridge = "flatnet0";
inline constexpr std::string_view kDefaultDataDir = "/var/lib/cni/flatnet";

struct RouteEntry {
  IpPrefix dst;  // masked
  IpAddr gw;     // invalid: the bridge's gateway address
};

struct PluginConfig {
  std::string cni_version;
  std::string name;  // also the directory under dataDir: starts alphanumeric, then [a-zA-Z0-9_.-]
  std::string type;
  std::string cert_path;
  std::optional<IpPrefix> subnet;  // masked; absent: chosen from the certificate
  std::string bridge{kDefaultBridge};
  std::string data_dir{kDefaultDataDir};
  std::vector<RouteEntry> routes;  // the default (0.0.0.0/0 via the gateway) when not given
  int mtu = 0;                     // 0: leave the kernel's default
  nlohmann::json dns;              // null when absent
  nlohmann::json prev_result;      // null when absent
};

CniResult<PluginConfig> ParsePluginConfig(std::string_view json_text);

// The "cniVersion" of a JSON text if it is one this plugin speaks, else kDefaultVersion:
// the version to report an error in (and what VERSION echoes).
std::string VersionForReply(std::string_view json_text);

// A Linux interface name (1..15 bytes, no '/', ':' or whitespace, not "." or ".."): for
// "bridge" and CNI_IFNAME. Returns what is wrong, or "" when it is fine.
std::string InterfaceNameProblem(std::string_view name);

}  // namespace flatnet::cni
