// The `flatnet` command: nebula's command line (-config FILE, -test, -version) plus
// flatnet's subcommands (`flatnet status`).
#pragma once

#include <string>
#include <vector>

namespace flatnet::app {

// Runs the command line (arguments after the program name); returns the exit code.
int RunFlatnet(const std::vector<std::string>& args);

}  // namespace flatnet::app
