// What flatnet-cni prints on stdout (CNI spec 1.0, "Success" and "Error"; 0.4.0 on request):
//
//   ADD:     {"cniVersion", "interfaces": [{"name", "mac", "sandbox"?}...],
//             "ips": [{"address": "10.100.2.2/24", "gateway": "10.100.2.1", "interface": 2}],
//             "routes": [{"dst": "0.0.0.0/0", "gw": "10.100.2.1"}...], "dns": {...}}
//            (0.4.0 adds "version": "4" to each IP). The interfaces are the bridge, the
//            veth's host end and the container's end (the one with the sandbox), which the
//            IP's "interface" index points at.
//   VERSION: {"cniVersion", "supportedVersions": [...]}
//   error:   {"cniVersion", "code", "msg", "details"?}
//
// PrevResultAddresses reads back the IPs of a result a runtime hands CHECK as prevResult.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/ip_prefix.h"
#include "cni/cni_config.h"
#include "cni/cni_error.h"

namespace flatnet::cni {

struct ResultInterface {
  std::string name;
  std::string mac;      // "aa:bb:cc:dd:ee:ff"
  std::string sandbox;  // the netns path for the container's interface, else empty
};

struct AddResult {
  std::string cni_version;
  std::vector<ResultInterface> interfaces;
  IpPrefix address;           // the container's address with the subnet's length
  IpAddr gateway;
  int interface_index = 0;    // into interfaces: the container's end
  std::vector<RouteEntry> routes;  // gw filled in
  nlohmann::json dns;         // null: left out
};

std::string AddResultJson(const AddResult& result);
std::string VersionJson(std::string_view cni_version);
std::string ErrorJson(std::string_view cni_version, const CniError& error);

CniResult<std::vector<IpPrefix>> PrevResultAddresses(const nlohmann::json& prev_result);

}  // namespace flatnet::cni
