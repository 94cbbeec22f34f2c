// flatnet-cni's commands, as a runtime invokes them (CNI spec 1.0): the command and the
// container in the environment, the network configuration on stdin, the answer on stdout.
//
//   ADD      an address from the host's certificate subnet (ipam_store.h), the container
//            attached to the host's bridge (container_network.h), the result JSON
//   DEL      the container detached and its address released; nothing printed. Succeeds
//            when both are gone already, and needs neither the certificate nor the netns
//   CHECK    the container's address still handed to it, and its links, address and
//            routes as ADD left them (and as prevResult lists, when the runtime gives it)
//   VERSION  the versions this plugin speaks
//
// Contract: RunPlugin never throws and never exits; it returns what to print and the exit
// status (0, or 1 with the error JSON of cni_result.h). Every check of the environment and
// config comes before anything is changed, and an ADD that fails after taking an address
// releases it again.
#pragma once

#include <string>
#include <string_view>

#include "cni/cni_env.h"

namespace flatnet::cni {

struct PluginOutput {
  std::string stdout_text;  // without a trailing newline
  int exit_code = 0;
};

PluginOutput RunPlugin(const EnvLookup& env, std::string_view stdin_text);

}  // namespace flatnet::cni
