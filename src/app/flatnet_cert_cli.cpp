#include "app/flatnet_cert_cli.h"

#include "app/flatnet_cert_command.h"
#include "app/go_flags.h"

#ifndef FLATNET_VERSION
#error "FLATNET_VERSION must be defined by the build (see src/app/CMakeLists.txt)"
#endif

namespace flatnet::app {
namespace {

std::vector<Subcommand> AllSubcommands() {
  return {CaSubcommand(), KeygenSubcommand(), SignSubcommand(), PrintSubcommand(),
          VerifySubcommand()};
}

void PrintHelp(std::string_view program, std::string_view error, std::ostream& err) {
  if (!error.empty()) err << "Error: " << error << "\n\n";
  err << "Usage of " << program << " <global flags> <mode>:\n"
      << "  Global flags:\n"
      << "    -version: Prints the version\n"
      << "    -h, -help: Prints this help message\n\n"
      << "  Modes:\n";
  for (const Subcommand& mode : AllSubcommands()) err << "    " << mode.summary << "\n";
}

void PrintModeHelp(std::string_view program, const Subcommand& mode, std::ostream& err) {
  err << "Usage of " << program << " " << mode.summary << "\n" << mode.flag_usage();
}

}  // namespace

int RunFlatnetCert(std::string_view program, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err) {
  bool version = false, help = false, h = false;
  FlagSet global("flatnet-cert");
  global.Bool(&version, "version", false, "Print version");
  global.Bool(&help, "help", false, "Print command line usage");
  global.Bool(&h, "h", false, "Print command line usage");
  if (Status s = global.Parse(args); !s.ok()) {
    PrintHelp(program, s.message(), err);
    return 1;
  }
  if (version) {
    out << "Version: " << FLATNET_VERSION << "\n";
    return 0;
  }
  const std::vector<std::string>& rest = global.args();
  if (rest.empty()) {
    PrintHelp(program, help || h ? "" : "No mode was provided", err);
    return help || h ? 0 : 1;
  }

  std::vector<Subcommand> modes = AllSubcommands();
  const Subcommand* mode = nullptr;
  for (const Subcommand& m : modes) {
    if (m.name == rest[0]) mode = &m;
  }
  if (!mode) {
    err << "Error: unknown mode: " << rest[0] << "\n";
    return 1;
  }
  if (help || h) {  // "flatnet-cert -h sign" shows sign's flags
    PrintModeHelp(program, *mode, err);
    return 0;
  }

  CommandOutcome outcome = mode->run(std::vector<std::string>(rest.begin() + 1, rest.end()), out);
  switch (outcome.kind) {
    case CommandOutcome::Kind::kOk:
      return 0;
    case CommandOutcome::Kind::kHelp:
      PrintModeHelp(program, *mode, err);
      return 0;
    case CommandOutcome::Kind::kUsageError:
      err << "Error: " << outcome.message << "\n";
      PrintModeHelp(program, *mode, err);
      return 1;
    case CommandOutcome::Kind::kError:
      err << "Error: " << outcome.message << "\n";
      return 1;
  }
  return 1;
}

}  // namespace flatnet::app
