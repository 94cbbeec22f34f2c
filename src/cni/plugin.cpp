#include "cni/plugin.h"

#include <algorithm>

#include "cni/cert_subnet.h"
#include "cni/cni_config.h"
#include "cni/cni_result.h"
#include "cni/container_network.h"
#include "cni/ipam_store.h"

namespace flatnet::cni {
namespace {

// What ADD and CHECK work out from the config before touching anything.
struct Plan {
  IpPrefix subnet;
  IpAddr gateway;
  std::vector<RouteEntry> routes;  // gw filled in
};

CniResult<Plan> PlanNetwork(const PluginConfig& config) {
  auto unsafe = CertUnsafeNetworks(config.cert_path);
  if (!unsafe.ok()) return unsafe.error();
  auto subnet = ChooseSubnet(config.subnet, unsafe.value(), config.cert_path);
  if (!subnet.ok()) return subnet.error();
  Plan plan{subnet.value(), IpamStore::Gateway(subnet.value()), config.routes};
  for (size_t i = 0; i < plan.routes.size(); ++i) {
    RouteEntry& route = plan.routes[i];
    if (!route.gw.valid()) {
      route.gw = plan.gateway;
    } else if (!plan.subnet.Contains(route.gw)) {
      return Fail(ErrorCode::kInvalidNetworkConfig,
                  "flatnet-cni config: \"routes[" + std::to_string(i) + "].gw\" " +
                      route.gw.ToString() + " is not in the subnet " +
                      plan.subnet.ToString() + ", so the container cannot reach it");
    }
  }
  return plan;
}

ContainerNetwork NetworkFor(const PluginConfig& config, const CniEnv& env, const Plan& plan,
                            const IpAddr& address) {
  ContainerNetwork network;
  network.bridge = config.bridge;
  network.gateway = IpPrefix::From(plan.gateway, plan.subnet.bits());
  network.host_end = HostEndName(env.container_id, env.ifname);
  network.ifname = env.ifname;
  network.netns_path = env.netns;
  network.address = IpPrefix::From(address, plan.subnet.bits());
  network.routes = plan.routes;
  network.mtu = config.mtu;
  return network;
}

CniResult<IpamStore> StoreFor(const PluginConfig& config) {
  return IpamStore::Open(config.data_dir + "/" + config.name);
}

CniResult<std::string> Add(const PluginConfig& config, const CniEnv& env) {
  auto plan = PlanNetwork(config);
  if (!plan.ok()) return plan.error();
  auto store = StoreFor(config);
  if (!store.ok()) return store.error();
  auto address = store->Allocate(plan->subnet, env.container_id, env.ifname);
  if (!address.ok()) return address.error();
  const ContainerNetwork network = NetworkFor(config, env, plan.value(), address.value());
  auto links = AttachContainer(network);
  if (!links.ok()) {
    store->Release(env.container_id, env.ifname);
    return links.error();
  }
  AddResult result;
  result.cni_version = config.cni_version;
  result.interfaces = {{links->bridge.name, links->bridge.mac, ""},
                       {links->host_end.name, links->host_end.mac, ""},
                       {links->container_end.name, links->container_end.mac, env.netns}};
  result.interface_index = 2;
  result.address = network.address;
  result.gateway = plan->gateway;
  result.routes = plan->routes;
  result.dns = config.dns;
  return AddResultJson(result);
}

CniResult<std::string> Del(const PluginConfig& config, const CniEnv& env) {
  auto store = StoreFor(config);
  if (!store.ok()) return store.error();
  auto detached =
      DetachContainer(HostEndName(env.container_id, env.ifname), env.ifname, env.netns);
  if (!detached.ok()) return detached.error();
  auto released = store->Release(env.container_id, env.ifname);
  if (!released.ok()) return released.error();
  return std::string();
}

CniResult<std::string> Check(const PluginConfig& config, const CniEnv& env) {
  auto plan = PlanNetwork(config);
  if (!plan.ok()) return plan.error();
  auto store = StoreFor(config);
  if (!store.ok()) return store.error();
  auto held = store->Find(env.container_id, env.ifname);
  if (!held.ok()) return held.error();
  if (!held.value())
    return Fail(ErrorCode::kUnknownContainer,
                "flatnet-cni CHECK: no address is handed to container " + env.container_id +
                    " (" + env.ifname + ") in " + store->dir());
  const ContainerNetwork network = NetworkFor(config, env, plan.value(), *held.value());
  if (!config.prev_result.is_null()) {
    auto listed = PrevResultAddresses(config.prev_result);
    if (!listed.ok()) return listed.error();
    if (std::find(listed->begin(), listed->end(), network.address) == listed->end())
      return Fail(ErrorCode::kCheckFailed, "flatnet-cni CHECK: prevResult does not list " +
                                               network.address.ToString() +
                                               ", the address handed to the container");
  }
  auto verified = VerifyContainer(network);
  if (!verified.ok()) return verified.error();
  return std::string();
}

}  // namespace

PluginOutput RunPlugin(const EnvLookup& lookup, std::string_view stdin_text) {
  const std::string reply_version = VersionForReply(stdin_text);
  auto failed = [&](const CniError& error) {
    return PluginOutput{ErrorJson(reply_version, error), 1};
  };
  auto env = ReadCniEnv(lookup);
  if (!env.ok()) return failed(env.error());
  if (env->command == Command::kVersion) return PluginOutput{VersionJson(reply_version), 0};

  auto config = ParsePluginConfig(stdin_text);
  if (!config.ok()) return failed(config.error());
  CniResult<std::string> out = std::string();
  switch (env->command) {
    case Command::kAdd: out = Add(config.value(), env.value()); break;
    case Command::kDel: out = Del(config.value(), env.value()); break;
    case Command::kCheck: out = Check(config.value(), env.value()); break;
    case Command::kVersion: break;
  }
  if (!out.ok()) return failed(out.error());
  return PluginOutput{std::move(out).value(), 0};
}

}  // namespace flatnet::cni
