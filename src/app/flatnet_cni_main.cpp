// flatnet-cni: the CNI plugin a container runtime (Podman, containerd, ...) runs from its
// CNI_PATH, with the command in CNI_COMMAND and the network config on stdin (docs/cni.md).
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "cni/plugin.h"

int main() {
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto env = [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (!value) return std::nullopt;
    return std::string(value);
  };
  flatnet::cni::PluginOutput out = flatnet::cni::RunPlugin(env, input);
  if (!out.stdout_text.empty()) std::cout << out.stdout_text << "\n";
  std::cout.flush();
  return out.exit_code;
}
