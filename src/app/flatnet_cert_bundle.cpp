// flatnet-cert bundle: the per-member zip for a member running stock Nebula (Windows members
// today), in one command. It signs the member's certificate as `sign` does (same flags,
// checks, messages and -duration warning; the key pair is made here, so the zip carries the
// private key: hand it over as you would the key itself), renders config.yml from the
// team's template (onboard/member_config.h), and packs, under one folder NAME/:
//
//     config.yml  ca.crt  host.crt  host.key (0600)  start.bat | start.sh
//     nebula.exe  nebula-cert.exe  dist/windows/wintun/bin/ARCH/wintun.dll  (Windows)
//     nebula      nebula-cert                                               (Linux, macOS)
//
// taken from -nebula-dir, an unpacked Nebula release: nebula.exe looks for wintun.dll at
// dist/windows/wintun/bin/<GOARCH>/ beside itself (Nebula 1.11.1 overlay/tun_windows.go),
// which is the release zip's own layout. The zip is written all or nothing (OutputFiles),
// never over an existing file, and the member is recorded in the inventory (-inventory).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "app/flatnet_cert_command.h"
#include "app/flatnet_cert_output.h"
#include "cert/certificate.h"
#include "onboard/inventory.h"
#include "onboard/member_config.h"
#include "onboard/zip_writer.h"

namespace flatnet::app {
namespace {

struct BundleOptions {
  std::string name, networks, unsafe_networks, groups, ca_crt, ca_key, team, nebula_dir, arch,
      out, inventory;
  std::string duration;
  uint64_t version = 0;
};

void DefineFlags(FlagSet& flags, BundleOptions* o) {
  flags.String(&o->name, "name", "", "Required: name of the member's cert, usually a hostname");
  flags.String(&o->networks, "networks", "",
               "Required: the member's overlay address and network in CIDR notation");
  flags.String(&o->groups, "groups", "", "Optional: comma separated list of groups");
  flags.String(&o->unsafe_networks, "unsafe-networks", "",
               "Optional: comma separated list of networks this member routes for");
  flags.String(&o->duration, "duration", "",
               "Optional: how long the cert is valid (default: until 1 second before the CA)");
  flags.Uint(&o->version, "version", 0,
             "Optional: certificate version (default: the CA's; 1 for Nebula before 1.10)");
  flags.String(&o->ca_crt, "ca-crt", "ca.crt", "Optional: path to the signing CA cert");
  flags.String(&o->ca_key, "ca-key", "ca.key", "Optional: path to the signing CA key");
  flags.String(&o->team, "team", "team.yml",
               "Optional: the team's member config template (docs/onboarding.md)");
  flags.String(&o->nebula_dir, "nebula-dir", "",
               "Required: an unpacked Nebula release (nebula.exe and dist\\windows\\wintun, or "
               "nebula) to put in the bundle");
  flags.String(&o->arch, "arch", "amd64",
               "Optional: the Windows architecture whose wintun.dll to include (amd64, arm64, "
               "x86, arm)");
  flags.String(&o->out, "out", "", "Optional: path to write the zip to (default: NAME.zip)");
  flags.String(&o->inventory, "inventory", "inventory.txt",
               "Optional: the CA side's record of members, where the member is added");
}

constexpr std::string_view kStartBat =
    "@echo off\r\n"
    "rem Starts Nebula with this folder's config.yml. Run it as administrator: Nebula\r\n"
    "rem creates its network adapter with wintun.\r\n"
    "net session >nul 2>&1 || (echo Run start.bat as administrator. & pause & exit /b 1)\r\n"
    "cd /d \"%~dp0\"\r\n"
    "nebula.exe -config config.yml\r\n"
    "pause\r\n";
constexpr std::string_view kStartSh =
    "#!/bin/sh\n"
    "# Starts Nebula with this folder's config.yml (as root: it creates a TUN device).\n"
    "cd \"$(dirname \"$0\")\" && exec ./nebula -config config.yml\n";

// Signs with `sign` into a private temporary directory, so the bundle gets exactly what
// `sign` would have written; returns the certificate and key PEM.
CommandOutcome SignMember(const BundleOptions& o, const CertCliIo& io, std::string* crt,
                          std::string* key) {
  char pattern[] = "/tmp/flatnet-bundle-XXXXXX";
  if (!mkdtemp(pattern)) return CommandOutcome::Error(SystemError("mkdir", pattern, errno));
  std::string dir = pattern;
  std::vector<std::string> args = {"-name",    o.name,     "-networks", o.networks,
                                   "-ca-crt",  o.ca_crt,   "-ca-key",   o.ca_key,
                                   "-out-crt", dir + "/c", "-out-key",  dir + "/k",
                                   "-version", std::to_string(o.version)};
  if (!o.groups.empty()) args.insert(args.end(), {"-groups", o.groups});
  if (!o.unsafe_networks.empty()) args.insert(args.end(), {"-unsafe-networks", o.unsafe_networks});
  if (!o.duration.empty()) args.insert(args.end(), {"-duration", o.duration});
  CommandOutcome signed_ = SignSubcommand().run(args, io);
  if (signed_.kind == CommandOutcome::Kind::kOk) {
    Result<std::string> c = ReadWholeFile(dir + "/c");
    Result<std::string> k = ReadWholeFile(dir + "/k");
    if (c.ok() && k.ok()) {
      *crt = *c;
      *key = *k;
    } else {
      signed_ = CommandOutcome::Error("cannot read back the signed certificate");
    }
  } else if (signed_.kind != CommandOutcome::Kind::kError) {
    signed_ = CommandOutcome::Error(signed_.message);  // a usage error is ours, not sign's
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return signed_;
}

// The Nebula files to pack from an unpacked release, as (path in the release, mode).
Result<std::vector<std::pair<std::string, uint32_t>>> ReleaseFiles(const BundleOptions& o,
                                                                    bool* windows) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(o.nebula_dir, ec)) {
    return Status::Error("-nebula-dir " + o.nebula_dir + " is not a directory");
  }
  std::vector<std::pair<std::string, uint32_t>> files;
  auto has = [&](const std::string& rel) { return fs::is_regular_file(o.nebula_dir + "/" + rel, ec); };
  *windows = has("nebula.exe");
  if (*windows) {
    std::string dll = "dist/windows/wintun/bin/" + o.arch + "/wintun.dll";
    if (!has(dll)) {
      return Status::Error("-nebula-dir " + o.nebula_dir + " has nebula.exe but no " + dll +
                           " (unpack the whole Nebula release zip, or set -arch)");
    }
    files = {{"nebula.exe", 0755}, {dll, 0644}};
    if (has("nebula-cert.exe")) files.push_back({"nebula-cert.exe", 0755});
    if (has("dist/windows/wintun/LICENSE.txt")) {
      files.push_back({"dist/windows/wintun/LICENSE.txt", 0644});
    }
  } else if (has("nebula")) {
    files = {{"nebula", 0755}};
    if (has("nebula-cert")) files.push_back({"nebula-cert", 0755});
  } else {
    return Status::Error("-nebula-dir " + o.nebula_dir +
                         " holds neither nebula.exe nor nebula (an unpacked Nebula release)");
  }
  return files;
}

CommandOutcome RunBundle(const std::vector<std::string>& args, const CertCliIo& io) {
  BundleOptions o;
  FlagSet flags("bundle");
  DefineFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;
  if (o.name.empty()) return Required("name");
  if (o.networks.empty()) return Required("networks");
  if (o.nebula_dir.empty()) return Required("nebula-dir");
  if (o.name.find('/') != std::string::npos || o.name == "." || o.name == "..") {
    return CommandOutcome::UsageError("-name must not contain '/' (it names the bundle's folder)");
  }
  if (o.out.empty()) o.out = o.name + ".zip";

  OutputFiles outputs;
  outputs.Add("out", o.out, "bundle");
  if (Status s = outputs.CheckWritable(); !s.ok()) return CommandOutcome::Error(s.message());
  Result<onboard::TeamTemplate> team = onboard::LoadTeamTemplate(o.team);
  if (!team.ok()) return CommandOutcome::Error(team.status().message());
  bool windows = false;
  Result<std::vector<std::pair<std::string, uint32_t>>> release = ReleaseFiles(o, &windows);
  if (!release.ok()) return CommandOutcome::Error(release.status().message());
  Result<std::string> ca_pem = ReadWholeFile(o.ca_crt);
  if (!ca_pem.ok()) {
    return CommandOutcome::Error("error while reading ca-crt: " + ca_pem.status().message());
  }
  Result<std::string> config =
      onboard::RenderMemberConfig(*team, o.name, {"ca.crt", "host.crt", "host.key"}, {});
  if (!config.ok()) return CommandOutcome::Error(config.status().message());

  std::string crt, key;
  if (CommandOutcome s = SignMember(o, io, &crt, &key); s.kind != CommandOutcome::Kind::kOk) {
    return s;
  }

  onboard::ZipWriter zip;
  const std::string top = o.name + "/";
  std::vector<std::tuple<std::string, std::string, uint32_t>> entries = {
      {"config.yml", *config, 0644},
      {"ca.crt", *ca_pem, 0644},
      {"host.crt", crt, 0644},
      {"host.key", key, 0600},
      {windows ? "start.bat" : "start.sh", std::string(windows ? kStartBat : kStartSh), 0755}};
  for (const auto& [rel, mode] : *release) {
    Result<std::string> content = ReadWholeFile(o.nebula_dir + "/" + rel);
    if (!content.ok()) return CommandOutcome::Error(content.status().message());
    entries.emplace_back(rel, std::move(*content), mode);
  }
  for (const auto& [rel, content, mode] : entries) {
    if (Status s = zip.Add(top + rel, content, mode); !s.ok()) {
      return CommandOutcome::Error(s.message());
    }
  }
  outputs.SetContent("out", zip.Finish());
  Result<cert::Certificate> issued = cert::ParseCertificatePem(crt);
  if (!issued.ok()) return CommandOutcome::Error("cannot read back the signed certificate");
  if (Status s = outputs.Commit(io.out); !s.ok()) return CommandOutcome::Error(s.message());
  // Recorded after the zip is in place; if recording fails the zip goes again, so the
  // inventory never misses a member who has a bundle.
  Status recorded = onboard::UpdateInventory(o.inventory, [&](onboard::Inventory& inv) {
    inv.members.push_back(onboard::MemberRecord{issued->Fingerprint(), o.name,
                                                issued->networks.at(0).ToString(),
                                                issued->groups, issued->not_after, "bundle",
                                                "active"});
    return Status::Ok();
  });
  if (!recorded.ok()) {
    unlink(o.out.c_str());
    return CommandOutcome::Error(recorded.message());
  }
  io.err << "wrote " << o.out << ": " << o.name << " (" << o.networks << ") for "
         << (windows ? "Nebula on Windows: unzip, run start.bat as administrator"
                     : "Nebula: unzip, run start.sh as root")
         << "\n";
  return CommandOutcome::Ok();
}

}  // namespace

Subcommand BundleSubcommand() {
  return Subcommand{"bundle",
                    "bundle <flags>: sign a member's cert and zip it with its config.yml and "
                    "Nebula, for members running stock Nebula",
                    [] {
                      BundleOptions o;
                      FlagSet flags("bundle");
                      DefineFlags(flags, &o);
                      return flags.Usage();
                    },
                    RunBundle};
}

}  // namespace flatnet::app
