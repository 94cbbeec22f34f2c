// The environment a runtime runs a CNI plugin with (CNI spec 1.0, "Parameters"):
// CNI_COMMAND (ADD, DEL, CHECK, VERSION), CNI_CONTAINERID, CNI_NETNS (a path such as
// /var/run/netns/NAME or /proc/PID/ns/net), CNI_IFNAME, CNI_ARGS, CNI_PATH.
//
// Contract: ReadCniEnv takes a lookup function (getenv in the binary, a map in tests) and
// checks what the command needs: VERSION nothing; ADD and CHECK a container id, a netns and
// an interface name; DEL a container id and an interface name (its netns may be gone
// already, so an empty one is allowed). A missing or malformed variable is code 4 naming
// it. CNI_ARGS and CNI_PATH are read but flatnet-cni needs neither (it calls no other
// plugin). An unknown command (a CNI 1.1 runtime's GC or STATUS) is code 4 too: VERSION
// says which versions, and so which commands, this plugin speaks.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "cni/cni_error.h"

namespace flatnet::cni {

enum class Command { kAdd, kDel, kCheck, kVersion };

struct CniEnv {
  Command command = Command::kVersion;
  std::string container_id;
  std::string netns;
  std::string ifname;
  std::string args;
  std::string path;
};

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

CniResult<CniEnv> ReadCniEnv(const EnvLookup& lookup);

}  // namespace flatnet::cni
