#include "cni/cni_result.h"

namespace flatnet::cni {

using nlohmann::ordered_json;

std::string AddResultJson(const AddResult& result) {
  ordered_json out;
  out["cniVersion"] = result.cni_version;
  ordered_json interfaces = ordered_json::array();
  for (const ResultInterface& link : result.interfaces) {
    ordered_json entry;
    entry["name"] = link.name;
    if (!link.mac.empty()) entry["mac"] = link.mac;
    if (!link.sandbox.empty()) entry["sandbox"] = link.sandbox;
    interfaces.push_back(entry);
  }
  out["interfaces"] = interfaces;
  ordered_json ip;
  if (result.cni_version == "0.4.0") ip["version"] = "4";
  ip["address"] = result.address.ToString();
  ip["gateway"] = result.gateway.ToString();
  ip["interface"] = result.interface_index;
  out["ips"] = ordered_json::array({ip});
  ordered_json routes = ordered_json::array();
  for (const RouteEntry& route : result.routes) {
    ordered_json entry;
    entry["dst"] = route.dst.ToString();
    if (route.gw.valid()) entry["gw"] = route.gw.ToString();
    routes.push_back(entry);
  }
  out["routes"] = routes;
  if (!result.dns.is_null()) out["dns"] = ordered_json::parse(result.dns.dump());
  return out.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string VersionJson(std::string_view cni_version) {
  ordered_json out;
  out["cniVersion"] = cni_version;
  ordered_json versions = ordered_json::array();
  for (std::string_view version : SupportedVersions()) versions.push_back(version);
  out["supportedVersions"] = versions;
  return out.dump();
}

std::string ErrorJson(std::string_view cni_version, const CniError& error) {
  ordered_json out;
  out["cniVersion"] = cni_version;
  out["code"] = static_cast<int>(error.code);
  out["msg"] = error.msg;
  if (!error.details.empty()) out["details"] = error.details;
  // Messages may quote what the user wrote: replace bytes that are not UTF-8 rather than
  // fail to print the error.
  return out.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

CniResult<std::vector<IpPrefix>> PrevResultAddresses(const nlohmann::json& prev_result) {
  auto bad = [](const std::string& what) {
    return Fail(ErrorCode::kInvalidNetworkConfig, "flatnet-cni config: \"prevResult\" " + what);
  };
  std::vector<IpPrefix> addresses;
  auto ips = prev_result.find("ips");
  if (ips == prev_result.end()) return addresses;
  if (!ips->is_array()) return bad("\"ips\" is not a list");
  for (const auto& ip : *ips) {
    if (!ip.is_object() || !ip.contains("address") || !ip["address"].is_string())
      return bad("has an IP without an \"address\" string");
    auto prefix = ParseIpPrefix(ip["address"].get<std::string>());
    if (!prefix.ok()) return bad("address: " + prefix.status().message());
    addresses.push_back(prefix.value());
  }
  return addresses;
}

}  // namespace flatnet::cni
