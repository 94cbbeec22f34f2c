#include "cni/cni_config.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace flatnet::cni {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 2> kSupported = {"0.4.0", "1.0.0"};

// Keys a runtime may add to any plugin's config; ignored unless named in PluginConfig.
constexpr std::array<std::string_view, 3> kRuntimeKeys = {"args", "runtimeConfig",
                                                          "capabilities"};
constexpr std::array<std::string_view, 12> kOwnKeys = {
    "cniVersion", "name", "type",   "cert", "subnet",     "bridge",
    "dataDir",    "routes", "mtu", "dns",  "prevResult", "ipMasq"};

CniError Invalid(std::string msg) {
  return Fail(ErrorCode::kInvalidNetworkConfig, "flatnet-cni config: " + std::move(msg));
}

// A value as the user wrote it, shortened, for messages.
std::string Shown(const json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

CniResult<std::string> RequiredString(const json& config, const char* key,
                                      std::string_view example) {
  auto it = config.find(key);
  if (it == config.end())
    return Invalid(std::string("\"") + key + "\" is missing (e.g. \"" + key + "\": \"" +
                   std::string(example) + "\")");
  if (!it->is_string() || it->get_ref<const std::string&>().empty())
    return Invalid(std::string("\"") + key + "\" must be a non-empty string like \"" +
                   std::string(example) + "\", not " + Shown(*it));
  return it->get<std::string>();
}

// nullopt: absent. An error when present but not a non-empty string.
CniResult<std::optional<std::string>> OptionalString(const json& config, const char* key,
                                                     std::string_view example) {
  if (!config.contains(key)) return std::optional<std::string>();
  auto value = RequiredString(config, key, example);
  if (!value.ok()) return value.error();
  return std::optional<std::string>(std::move(value).value());
}

bool ValidNetworkName(std::string_view name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

CniResult<IpPrefix> V4Cidr(const json& value, const std::string& where) {
  if (!value.is_string())
    return Invalid("\"" + where + "\" must be a string like \"10.100.2.0/24\", not " +
                   Shown(value));
  auto prefix = ParseIpPrefix(value.get_ref<const std::string&>());
  if (!prefix.ok())
    return Invalid("\"" + where + "\": " + Shown(value) + " is not a CIDR like " +
                   "\"10.100.2.0/24\" (" + prefix.status().message() + ")");
  if (!prefix->is_v4())
    return Invalid("\"" + where + "\": " + Shown(value) +
                   " is IPv6; flatnet-cni hands out IPv4 addresses only");
  return prefix->Masked();
}

CniResult<std::vector<RouteEntry>> Routes(const json& value) {
  if (!value.is_array())
    return Invalid("\"routes\" must be a list like [{\"dst\": \"0.0.0.0/0\"}], not " +
                   Shown(value));
  std::vector<RouteEntry> routes;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string where = "routes[" + std::to_string(i) + "]";
    const json& route = value[i];
    if (!route.is_object())
      return Invalid("\"" + where + "\" must be an object like {\"dst\": \"0.0.0.0/0\"}, not " +
                     Shown(route));
    for (const auto& [key, field] : route.items()) {
      if (key != "dst" && key != "gw")
        return Fail(ErrorCode::kUnsupportedField, "flatnet-cni config: \"" + where + "." + key +
                                                      "\" (" + Shown(field) +
                                                      ") is not a route field (dst, gw)");
    }
    if (!route.contains("dst"))
      return Invalid("\"" + where + ".dst\" is missing (e.g. \"dst\": \"0.0.0.0/0\")");
    auto dst = V4Cidr(route["dst"], where + ".dst");
    if (!dst.ok()) return dst.error();
    RouteEntry entry{dst.value(), IpAddr()};
    if (route.contains("gw")) {
      const json& gw = route["gw"];
      auto addr = gw.is_string() ? ParseIpAddr(gw.get_ref<const std::string&>())
                                 : Result<IpAddr>(Status::Error("not a string"));
      if (!addr.ok() || !addr->is_v4())
        return Invalid("\"" + where + ".gw\": " + Shown(gw) +
                       " is not an IPv4 address like \"10.100.2.1\"");
      entry.gw = addr.value();
    }
    routes.push_back(entry);
  }
  return routes;
}

CniResult<PluginConfig> FromJson(const json& config) {
  if (!config.is_object())
    return Fail(ErrorCode::kDecodeFailure,
                "flatnet-cni config: stdin must be a JSON object, not " + Shown(config));
  for (const auto& [key, value] : config.items()) {
    auto known = [&key = key](std::string_view k) { return k == key; };
    if (std::any_of(kOwnKeys.begin(), kOwnKeys.end(), known) ||
        std::any_of(kRuntimeKeys.begin(), kRuntimeKeys.end(), known))
      continue;
    std::string why = key == "ipam" ? " (flatnet-cni allocates addresses itself, in dataDir)"
                                    : " (see docs/cni.md for the fields)";
    return Fail(ErrorCode::kUnsupportedField,
                "flatnet-cni config: unsupported field \"" + key + "\": " + Shown(value) + why);
  }

  PluginConfig out;
  auto version = RequiredString(config, "cniVersion", "1.0.0");
  if (!version.ok()) return version.error();
  if (!IsSupportedVersion(version.value()))
    return Fail(ErrorCode::kIncompatibleVersion,
                "flatnet-cni config: cniVersion \"" + version.value() +
                    "\" is not supported (flatnet-cni speaks 0.4.0 and 1.0.0)");
  out.cni_version = version.value();

  auto name = RequiredString(config, "name", "flatnet");
  if (!name.ok()) return name.error();
  if (!ValidNetworkName(name.value()))
    return Invalid("\"name\": \"" + name.value() +
                   "\" must start with a letter or digit, then only letters, digits, _ . -");
  out.name = name.value();

  auto type = RequiredString(config, "type", "flatnet-cni");
  if (!type.ok()) return type.error();
  out.type = type.value();

  auto cert = RequiredString(config, "cert", "/etc/flatnet/host.crt");
  if (!cert.ok()) return cert.error();
  out.cert_path = cert.value();

  if (config.contains("subnet")) {
    auto subnet = V4Cidr(config["subnet"], "subnet");
    if (!subnet.ok()) return subnet.error();
    if (subnet->bits() > 30)
      return Invalid("\"subnet\": " + subnet->ToString() +
                     " is too small: a /30 is the smallest (the gateway and one container)");
    out.subnet = subnet.value();
  }

  auto bridge = OptionalString(config, "bridge", "flatnet0");
  if (!bridge.ok()) return bridge.error();
  if (bridge.value()) {
    std::string problem = InterfaceNameProblem(*bridge.value());
    if (!problem.empty())
      return Invalid("\"bridge\": \"" + *bridge.value() + "\" " + problem);
    out.bridge = *bridge.value();
  }

  auto data_dir = OptionalString(config, "dataDir", "/var/lib/cni/flatnet");
  if (!data_dir.ok()) return data_dir.error();
  if (data_dir.value()) {
    if (data_dir.value()->front() != '/')
      return Invalid("\"dataDir\": \"" + *data_dir.value() + "\" must be an absolute path");
    out.data_dir = *data_dir.value();
  }

  if (config.contains("routes")) {
    auto routes = Routes(config["routes"]);
    if (!routes.ok()) return routes.error();
    out.routes = std::move(routes).value();
  } else {
    out.routes.push_back(RouteEntry{IpPrefix::From(IpAddr::V4(0u), 0), IpAddr()});
  }

  if (config.contains("mtu")) {
    const json& mtu = config["mtu"];
    if (!mtu.is_number_integer() || mtu.get<int64_t>() < 576 || mtu.get<int64_t>() > 65535)
      return Invalid("\"mtu\" must be a whole number from 576 to 65535 (e.g. 1300, the " +
                     std::string("overlay's tun.mtu), not ") + Shown(mtu));
    out.mtu = mtu.get<int>();
  }

  if (config.contains("ipMasq")) {
    const json& masq = config["ipMasq"];
    if (!masq.is_boolean())
      return Invalid("\"ipMasq\" must be true or false, not " + Shown(masq));
    if (masq.get<bool>())
      return Fail(ErrorCode::kUnsupportedField,
                  "flatnet-cni config: unsupported field \"ipMasq\": true (containers keep "
                  "their addresses across the overlay; nothing is masqueraded)");
  }

  if (config.contains("dns")) {
    if (!config["dns"].is_object())
      return Invalid("\"dns\" must be an object like {\"nameservers\": [\"10.100.2.1\"]}, not " +
                     Shown(config["dns"]));
    out.dns = config["dns"];
  }
  if (config.contains("prevResult")) {
    if (!config["prevResult"].is_object())
      return Invalid("\"prevResult\" must be an object (a previous result), not " +
                     Shown(config["prevResult"]));
    out.prev_result = config["prevResult"];
  }
  return out;
}

}  // namespace

std::span<const std::string_view> SupportedVersions() { return kSupported; }

bool IsSupportedVersion(std::string_view version) {
  return std::find(kSupported.begin(), kSupported.end(), version) != kSupported.end();
}

CniResult<PluginConfig> ParsePluginConfig(std::string_view json_text) {
  json config;
  try {
    config = json::parse(json_text);
  } catch (const json::parse_error& e) {
    return Fail(ErrorCode::kDecodeFailure, "flatnet-cni config: stdin is not valid JSON",
                e.what());
  }
  return FromJson(config);
}

std::string VersionForReply(std::string_view json_text) {
  json config = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (config.is_object()) {
    auto it = config.find("cniVersion");
    if (it != config.end() && it->is_string() && IsSupportedVersion(it->get<std::string>()))
      return it->get<std::string>();
  }
  return std::string(kDefaultVersion);
}

std::string InterfaceNameProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > 15) return "is longer than 15 characters (Linux's limit for interface names)";
  if (name == "." || name == "..") return "is not an interface name";
  for (char c : name) {
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) || c == '\0')
      return "may not hold '/', ':' or whitespace";
  }
  return "";
}

}  // namespace flatnet::cni
