#include "app/flatnet_service.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "app/go_flags.h"

namespace flatnet::app {
namespace {

constexpr const char* kUnitName = "flatnet.service";

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// Runs systemctl with `args`; its exit code (or -1).
int Systemctl(const ServiceSystem& system, const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(system.systemctl.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string FlatnetBinaryPath() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : "/usr/bin/flatnet";
}

std::string ServiceUnit(const std::string& binary, const std::string& config) {
  return "# flatnet as a service, from `flatnet service unit` (docs/onboarding.md).\n"
         "[Unit]\n"
         "Description=flatnet mesh VPN (Nebula-compatible)\n"
         "Wants=network-online.target\n"
         "After=network-online.target\n"
         "\n"
         "[Service]\n"
         "Type=notify\n"
         "NotifyAccess=main\n"
         "ExecStartPre=" + binary + " -test -config " + config + "\n"
         "ExecStart=" + binary + " -config " + config + "\n"
         "ExecReload=" + binary + " reload -config " + config + "\n"
         "Restart=on-failure\n"
         "RestartSec=2s\n"
         "\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

int RunService(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
               const ServiceSystem& system) {
  FlagSet flags("service");
  std::string config, binary;
  flags.String(&config, "config", "/etc/flatnet/config.yml", "The config the service runs");
  // The Debian package's unit names /usr/bin/flatnet while it is built elsewhere.
  flags.String(&binary, "binary", FlatnetBinaryPath(), "The flatnet binary the unit runs");
  auto usage = [&] {
    return "Usage of flatnet service unit|install|uninstall|status:\n" + flags.Usage();
  };
  if (args.empty() || args[0].starts_with("-")) {
    err << usage();
    return args.empty() ? 1 : (args[0] == "-h" || args[0] == "-help" ? 0 : 1);
  }
  const std::string action = args[0];
  if (Status s = flags.Parse({args.begin() + 1, args.end()}); !s.ok()) {
    err << s.message() << "\n" << usage();
    return 2;
  }
  auto fail = [&](const std::string& m) {
    err << "Error: service " << action << ": " << m << "\n";
    return 1;
  };
  if (!flags.args().empty()) return fail("unexpected argument " + flags.args()[0]);
  // systemd runs only absolute paths in Exec*= lines.
  if (!binary.starts_with("/")) return fail("-binary " + binary + " is not an absolute path");
  const std::string unit_path = system.unit_dir + "/" + kUnitName;
  const bool systemd = Exists(system.systemd_marker);

  if (action == "unit") {
    out << ServiceUnit(binary, config);
    return 0;
  }
  if (action == "install") {
    if (!Exists(config)) return fail(config + " does not exist (flatnet join writes it)");
    std::string temp = unit_path + ".tmp";
    {
      std::ofstream file(temp, std::ios::trunc);
      file << ServiceUnit(binary, config);
      if (!file.flush()) return fail("cannot write " + temp + ": " + std::strerror(errno));
    }
    if (rename(temp.c_str(), unit_path.c_str()) != 0) {
      int e = errno;
      unlink(temp.c_str());
      return fail("cannot write " + unit_path + ": " + std::strerror(e));
    }
    chmod(unit_path.c_str(), 0644);
    if (!systemd) {
      out << "wrote " << unit_path << "; systemd is not running here, so start flatnet yourself: "
          << binary << " -config " << config << "\n";
      return 0;
    }
    if (Systemctl(system, {"daemon-reload"}) != 0 ||
        Systemctl(system, {"enable", "--now", kUnitName}) != 0) {
      return fail("wrote " + unit_path + ", but systemctl enable --now " + kUnitName + " failed");
    }
    out << "installed and started " << kUnitName << " (systemctl status flatnet)\n";
    return 0;
  }
  if (action == "uninstall") {
    if (!Exists(unit_path)) return fail(unit_path + " is not installed");
    if (systemd) Systemctl(system, {"disable", "--now", kUnitName});
    if (unlink(unit_path.c_str()) != 0) return fail("cannot remove " + unit_path + ": " + std::strerror(errno));
    if (systemd) Systemctl(system, {"daemon-reload"});
    out << "removed " << unit_path << "\n";
    return 0;
  }
  if (action == "status") {
    if (!Exists(unit_path)) {
      out << kUnitName << " is not installed (flatnet service install)\n";
      return 3;
    }
    if (!systemd) {
      out << kUnitName << " is installed at " << unit_path << "; systemd is not running here\n";
      return 3;
    }
    return Systemctl(system, {"status", "--no-pager", kUnitName});
  }
  return fail("unknown action (unit, install, uninstall or status)");
}

}  // namespace flatnet::app
