// `flatnet service unit|install|uninstall|status [-config FILE] [-binary PATH]`: flatnet as a
// systemd service (-binary: the flatnet the unit runs, by default this one; the Debian
// package's unit, cmake/packaging.cmake, is `service unit -binary /usr/bin/flatnet`). The unit (Type=notify: the daemon sends READY=1 once its tun and sockets are up,
// sd_notify.h) checks the config with `flatnet -test` before each start, restarts on
// failure, and runs `flatnet reload` for `systemctl reload` (SIGHUP, and the reload
// fails when the daemon refuses the new config: flatnet_reload.h). install writes
// /etc/systemd/system/flatnet.service and, only when systemd is running
// (/run/systemd/system exists), enables and starts it; otherwise it says so and how to
// start flatnet by hand. uninstall stops and disables it (when systemd runs) and removes
// the file.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace flatnet::app {

// This flatnet binary's path (/proc/self/exe): what the unit and `join -start` run.
std::string FlatnetBinaryPath();

// The unit file for `flatnet_binary` running `config`.
std::string ServiceUnit(const std::string& flatnet_binary, const std::string& config);

// Where install writes and what it may run; the defaults are the real system's, tests
// point them at a temporary directory.
struct ServiceSystem {
  std::string unit_dir = "/etc/systemd/system";
  std::string systemd_marker = "/run/systemd/system";  // exists while systemd runs
  std::string systemctl = "systemctl";
};

int RunService(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
               const ServiceSystem& system = {});

}  // namespace flatnet::app
