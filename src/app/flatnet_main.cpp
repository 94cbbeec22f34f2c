#include <string>
#include <vector>

#include "app/flatnet_daemon.h"

int main(int argc, char** argv) {
  return flatnet::app::RunFlatnet(std::vector<std::string>(argv + 1, argv + argc));
}
