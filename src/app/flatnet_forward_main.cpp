// flatnet-forward (flatnet-forward.exe on Windows): `flatnet forward` as a program of its
// own, for a Windows host that forwards ports to a flatnet lighthouse inside WSL2.
#include <string>
#include <vector>

#include "app/flatnet_forward_cli.h"

int main(int argc, char** argv) {
  return flatnet::app::RunForward(std::vector<std::string>(argv + 1, argv + argc),
                                  "flatnet-forward");
}
