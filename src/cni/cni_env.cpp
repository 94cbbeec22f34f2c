#include "cni/cni_env.h"

#include <algorithm>

#include "cni/cni_config.h"

namespace flatnet::cni {
namespace {

CniError BadEnv(std::string msg) {
  return Fail(ErrorCode::kInvalidEnvironment, "flatnet-cni: " + std::move(msg));
}

}  // namespace

CniResult<CniEnv> ReadCniEnv(const EnvLookup& lookup) {
  auto get = [&](const char* name) { return lookup(name).value_or(""); };
  CniEnv env;
  const std::string command = get("CNI_COMMAND");
  if (command == "ADD") {
    env.command = Command::kAdd;
  } else if (command == "DEL") {
    env.command = Command::kDel;
  } else if (command == "CHECK") {
    env.command = Command::kCheck;
  } else if (command == "VERSION") {
    env.command = Command::kVersion;
    return env;
  } else if (command.empty()) {
    return BadEnv("CNI_COMMAND is not set (ADD, DEL, CHECK or VERSION)");
  } else {
    return BadEnv("CNI_COMMAND \"" + command +
                  "\" is not one flatnet-cni knows (ADD, DEL, CHECK, VERSION)");
  }

  env.container_id = get("CNI_CONTAINERID");
  env.netns = get("CNI_NETNS");
  env.ifname = get("CNI_IFNAME");
  env.args = get("CNI_ARGS");
  env.path = get("CNI_PATH");

  if (env.container_id.empty()) return BadEnv("CNI_CONTAINERID is not set");
  // The id is written into the address files one per line: no line breaks in it.
  if (std::any_of(env.container_id.begin(), env.container_id.end(),
                  [](char c) { return c == '\n' || c == '\r' || c == '\0'; }))
    return BadEnv("CNI_CONTAINERID holds a line break");
  if (env.ifname.empty()) return BadEnv("CNI_IFNAME is not set");
  std::string problem = InterfaceNameProblem(env.ifname);
  if (!problem.empty()) return BadEnv("CNI_IFNAME \"" + env.ifname + "\" " + problem);
  if (env.command != Command::kDel) {
    if (env.netns.empty()) return BadEnv("CNI_NETNS is not set");
    if (env.netns.front() != '/')
      return BadEnv("CNI_NETNS \"" + env.netns + "\" is not an absolute path");
  }
  return env;
}

}  // namespace flatnet::cni
