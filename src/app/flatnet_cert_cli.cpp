#include "app/flatnet_cert_cli.h"

#include <sstream>

#include "app/flatnet_cert_command.h"
#include "app/go_flags.h"

#ifndef FLATNET_VERSION
#error "FLATNET_VERSION must be defined by the build (see src/app/CMakeLists.txt)"
#endif

namespace flatnet::app {
namespace {

// Shown under each mode's usage line, as nebula-cert 1.11.1 does.
constexpr std::string_view kStdioHelp =
    "  Pass \"-\" to any path flag to read from stdin or write to stdout.\n";

std::vector<Subcommand> AllSubcommands() {
  return {CaSubcommand(),     KeygenSubcommand(),    SignSubcommand(),
          PrintSubcommand(),  VerifySubcommand(),    BundleSubcommand(),
          InviteSubcommand(), InventorySubcommand(), ServeSubcommand()};
}
// nebula-cert's own modes come first; the rest are flatnet's onboarding modes.
constexpr size_t kNebulaModes = 5;

// Run under nebula-cert's name (a drop-in), the help lists nebula-cert's modes only, so it
// stays byte-equal to nebula-cert 1.11.1's; flatnet's own modes still run.
bool NebulaNamed(std::string_view program) {
  size_t slash = program.rfind('/');
  return program.substr(slash == std::string_view::npos ? 0 : slash + 1) == "nebula-cert";
}

void PrintHelp(std::string_view program, std::string_view error, std::ostream& err) {
  if (!error.empty()) err << "Error: " << error << "\n\n";
  err << "Usage of " << program << " <global flags> <mode>:\n"
      << "  Global flags:\n"
      << "    -version: Prints the version\n"
      << "    -h, -help: Prints this help message\n\n"
      << "  Modes:\n";
  std::vector<Subcommand> modes = AllSubcommands();
  if (NebulaNamed(program)) modes.resize(kNebulaModes);
  for (const Subcommand& mode : modes) err << "    " << mode.summary << "\n";
  err << "\n  To see usage for a given mode, use " << program << " <mode> -h\n";
}

void PrintModeHelp(std::string_view program, const Subcommand& mode, std::ostream& err) {
  err << "Usage of " << program << " " << mode.summary << "\n" << kStdioHelp << mode.flag_usage();
}

}  // namespace

int RunFlatnetCert(std::string_view program, const std::vector<std::string>& args,
                   const CertCliIo& io) {
  bool version = false, help = false, h = false;
  FlagSet global("flatnet-cert");
  global.Bool(&version, "version", false, "Print version");
  global.Bool(&help, "help", false, "Print command line usage");
  global.Bool(&h, "h", false, "Print command line usage");
  if (Status s = global.Parse(args); !s.ok()) {
    // Go's flag package prints the reason, then the usage, which exits 1.
    io.err << s.message() << "\n";
    PrintHelp(program, "", io.err);
    return 1;
  }
  if (version) {
    io.out << "Version: " << FLATNET_VERSION << "\n";
    return 0;
  }
  const std::vector<std::string>& rest = global.args();
  if (rest.empty()) {
    PrintHelp(program, help || h ? "" : "No mode was provided", io.err);
    return help || h ? 0 : 1;
  }

  std::vector<Subcommand> modes = AllSubcommands();
  const Subcommand* mode = nullptr;
  for (const Subcommand& m : modes) {
    if (m.name == rest[0]) mode = &m;
  }
  if (help || h) {  // "flatnet-cert -h sign" shows sign's flags; an unknown mode shows nothing
    if (mode) PrintModeHelp(program, *mode, io.err);
    return 0;
  }
  if (!mode) {
    io.err << "Error: unknown mode: " << rest[0] << "\n";
    return 1;
  }

  CommandOutcome outcome = mode->run(std::vector<std::string>(rest.begin() + 1, rest.end()), io);
  io.out.flush();
  switch (outcome.kind) {
    case CommandOutcome::Kind::kOk:
      return 0;
    case CommandOutcome::Kind::kHelp:
      PrintModeHelp(program, *mode, io.err);
      return 0;
    case CommandOutcome::Kind::kUsageError:
      io.err << "Error: " << outcome.message << "\n";
      PrintModeHelp(program, *mode, io.err);
      return 1;
    case CommandOutcome::Kind::kFlagError:
      io.err << outcome.message << "\n";
      [[fallthrough]];
    case CommandOutcome::Kind::kError:
      io.err << "Error: " << outcome.message << "\n";
      return 1;
  }
  return 1;
}

int RunFlatnetCert(std::string_view program, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err) {
  std::istringstream no_input;
  CertCliIo io{no_input, out, err, nullptr, nullptr};
  return RunFlatnetCert(program, args, io);
}

}  // namespace flatnet::app
