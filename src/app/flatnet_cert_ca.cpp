// flatnet-cert ca: creates a self-signed CA certificate and its signing key, with nebula-cert
// 1.11.1's flags, defaults (v2, Curve25519, one year, ca.crt, ca.key) and checks, in its
// order. Differences, all refusals: -out-qr is never overwritten either, every output is
// checked before the passphrase is asked for, and -argon-memory is capped at
// cert::kMaxArgon2MemoryKiB so that what flatnet writes flatnet can read.
#include <limits>

#include "app/flatnet_cert_command.h"
#include "app/flatnet_cert_output.h"
#include "cert/certificate.h"
#include "cert/encrypted_key.h"
#include "cert/key_pem.h"
#include "cert/utf8.h"

namespace flatnet::app {
namespace {

struct CaOptions {
  std::string name;
  uint64_t version = 2;
  std::chrono::nanoseconds duration;
  std::string out_key;
  std::string out_crt;
  std::string out_qr;
  std::string groups;
  std::string networks;
  std::string unsafe_networks;
  uint64_t argon_memory = 0;
  uint64_t argon_parallelism = 0;
  uint64_t argon_iterations = 0;
  bool encrypt = false;
  std::string curve;
  std::string ips;      // deprecated -networks
  std::string subnets;  // deprecated -unsafe-networks
};

void DefineFlags(FlagSet& flags, CaOptions* o) {
  flags.String(&o->name, "name", "", "Required: name of the certificate authority");
  flags.Uint(&o->version, "version", 2, "Optional: version of the certificate format to use");
  flags.Duration(&o->duration, "duration", std::chrono::hours(8760),
                 "Optional: amount of time the certificate should be valid for. Valid time units "
                 "are seconds: \"s\", minutes: \"m\", hours: \"h\"");
  flags.String(&o->out_key, "out-key", "ca.key", "Optional: path to write the private key to");
  flags.String(&o->out_crt, "out-crt", "ca.crt", "Optional: path to write the certificate to");
  flags.String(&o->out_qr, "out-qr", "",
               "Optional: output a qr code image (png) of the certificate");
  flags.String(&o->groups, "groups", "",
               "Optional: comma separated list of groups. This will limit which groups "
               "subordinate certs can use");
  flags.String(&o->networks, "networks", "",
               "Optional: comma separated list of ip address and network in CIDR notation. This "
               "will limit which ip addresses and networks subordinate certs can use in networks");
  flags.String(&o->unsafe_networks, "unsafe-networks", "",
               "Optional: comma separated list of ip address and network in CIDR notation. This "
               "will limit which ip addresses and networks subordinate certs can use in unsafe "
               "networks");
  flags.Uint(&o->argon_memory, "argon-memory", cert::kNebulaDefaultArgon2.memory_kib,
             "Optional: Argon2 memory parameter (in KiB) used for encrypted private key "
             "passphrase");
  flags.Uint(&o->argon_parallelism, "argon-parallelism", cert::kNebulaDefaultArgon2.parallelism,
             "Optional: Argon2 parallelism parameter used for encrypted private key passphrase");
  flags.Uint(&o->argon_iterations, "argon-iterations", cert::kNebulaDefaultArgon2.iterations,
             "Optional: Argon2 iterations parameter used for encrypted private key passphrase");
  flags.Bool(&o->encrypt, "encrypt", false,
             "Optional: prompt for passphrase and write out-key in an encrypted format");
  flags.String(&o->curve, "curve", "25519", "EdDSA/ECDSA Curve (25519, P256)");
  flags.String(&o->ips, "ips", "", "Deprecated, see -networks");
  flags.String(&o->subnets, "subnets", "", "Deprecated, see -unsafe-networks");
}

// nebula-cert's bounds (its messages say "be be"), then flatnet's own memory cap.
Result<crypto::Argon2idParams> ArgonParams(const CaOptions& o) {
  constexpr uint64_t kMaxUint32 = std::numeric_limits<uint32_t>::max();
  if (o.argon_memory == 0 || o.argon_memory > kMaxUint32) {
    return Status::Error("-argon-memory must be be greater than 0 and no more than " +
                         std::to_string(kMaxUint32) + " KiB");
  }
  if (o.argon_parallelism == 0 || o.argon_parallelism > 255) {
    return Status::Error("-argon-parallelism must be be greater than 0 and no more than 255");
  }
  if (o.argon_iterations == 0 || o.argon_iterations > kMaxUint32) {
    return Status::Error("-argon-iterations must be be greater than 0 and no more than " +
                         std::to_string(kMaxUint32));
  }
  crypto::Argon2idParams params{.memory_kib = uint32_t(o.argon_memory),
                                .iterations = uint32_t(o.argon_iterations),
                                .parallelism = uint32_t(o.argon_parallelism)};
  if (params.memory_kib > cert::kMaxArgon2MemoryKiB) {
    return Status::Error("-argon-memory must be no more than " +
                         std::to_string(cert::kMaxArgon2MemoryKiB) +
                         " KiB, the most flatnet reads back from a key file");
  }
  if (Status s = cert::ValidateArgon2Params(params); !s.ok()) {
    return s.Wrap("invalid -argon-* parameters");
  }
  return params;
}

// -networks / -unsafe-networks of a CA: any prefix, IPv4 only for a v1 CA.
Result<std::vector<IpPrefix>> CaNetworks(const std::string& list, std::string_view flag,
                                         cert::Version version) {
  Result<std::vector<IpPrefix>> nets = ParseNetList(list, flag);
  if (!nets.ok()) return nets;
  for (const IpPrefix& net : *nets) {
    if (version == cert::Version::kV1 && !net.is_v4()) {
      return Status::Error("invalid -" + std::string(flag) +
                           " definition: v1 certificates can only be ipv4, have " + net.ToString());
    }
  }
  return nets;
}

CommandOutcome RunCa(const std::vector<std::string>& args, const CertCliIo& io) {
  CaOptions o;
  FlagSet flags("ca");
  DefineFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;

  if (o.name.empty()) return Required("name");
  if (o.out_key.empty()) return Required("out-key");
  if (o.out_crt.empty()) return Required("out-crt");
  crypto::Argon2idParams argon;
  if (o.encrypt) {
    Result<crypto::Argon2idParams> params = ArgonParams(o);
    if (!params.ok()) return CommandOutcome::UsageError(params.status().message());
    argon = *params;
  }
  if (o.duration.count() <= 0) {
    return CommandOutcome::UsageError("-duration must be greater than 0");
  }
  if (!cert::IsValidUtf8(o.name)) return CommandOutcome::UsageError("-name is not valid UTF-8");

  cert::Certificate ca;
  ca.name = o.name;
  ca.is_ca = true;
  ca.groups = SplitGroups(o.groups);
  for (const std::string& group : ca.groups) {
    if (!cert::IsValidUtf8(group)) return CommandOutcome::UsageError("-groups is not valid UTF-8");
  }
  if (o.version != 1 && o.version != 2) {
    return CommandOutcome::UsageError("-version must be either 1 or 2");
  }
  ca.version = o.version == 1 ? cert::Version::kV1 : cert::Version::kV2;
  // The deprecated spellings count only when the new flag is empty, as in nebula-cert.
  Result<std::vector<IpPrefix>> networks =
      CaNetworks(o.networks.empty() ? o.ips : o.networks, "networks", ca.version);
  if (!networks.ok()) return CommandOutcome::UsageError(networks.status().message());
  ca.networks = *networks;
  Result<std::vector<IpPrefix>> unsafe_networks = CaNetworks(
      o.unsafe_networks.empty() ? o.subnets : o.unsafe_networks, "unsafe-networks", ca.version);
  if (!unsafe_networks.ok()) return CommandOutcome::UsageError(unsafe_networks.status().message());
  ca.unsafe_networks = *unsafe_networks;

  StdioClaims claims;
  if (Status s = claims.ReserveOutputs(
          {{"out-key", o.out_key}, {"out-crt", o.out_crt}, {"out-qr", o.out_qr}});
      !s.ok()) {
    return CommandOutcome::Error(s.message());
  }
  Result<cert::Curve> curve = ParseCurveFlag(o.curve);
  if (!curve.ok()) return CommandOutcome::Error(curve.status().message());
  ca.curve = *curve;

  OutputFiles outputs;
  outputs.Add("out-key", o.out_key, "CA key");
  outputs.Add("out-crt", o.out_crt, "CA cert");
  if (!o.out_qr.empty()) outputs.Add("out-qr", o.out_qr, "QR code");
  if (Status s = outputs.CheckWritable(); !s.ok()) return CommandOutcome::Error(s.message());

  std::string passphrase;
  if (o.encrypt) {
    passphrase = EnvironmentPassphrase(io);
    if (passphrase.empty()) {
      Result<std::string> typed = AskPassphrase(io);
      if (!typed.ok()) {
        if (typed.status().message() == kNoTerminal) {
          return CommandOutcome::Error("out-key must be encrypted interactively");
        }
        return CommandOutcome::Error("error reading passphrase: " + typed.status().message());
      }
      passphrase = *typed;
      if (passphrase.empty()) {
        return CommandOutcome::Error(
            "no passphrase specified, remove -encrypt flag to write out-key in plaintext");
      }
    }
  }

  Result<GeneratedKey> key = GenerateKey(ca.curve, /*for_ca=*/true);
  if (!key.ok())
    return CommandOutcome::Error("error while generating keys: " + key.status().message());
  WallClock now = Now();
  ca.not_before = now.seconds;
  ca.not_after = SecondsAfter(now, o.duration);
  ca.public_key = key->public_key;
  if (Status s = ca.Sign(ca.curve, key->private_key); !s.ok()) {
    return CommandOutcome::Error("error while signing: " + s.message());
  }

  std::string key_pem;
  if (o.encrypt) {
    Result<std::string> encrypted = cert::FormatEncryptedPrivateKeyPem(
        ca.curve, key->private_key,
        ByteSpan(reinterpret_cast<const uint8_t*>(passphrase.data()), passphrase.size()), argon);
    if (!encrypted.ok()) {
      return CommandOutcome::Error("error while encrypting out-key: " +
                                   encrypted.status().message());
    }
    key_pem = *encrypted;
  } else {
    key_pem = cert::FormatPrivateKeyPem(ca.curve, /*is_ca_key=*/true, key->private_key);
  }
  std::string pem = ca.MarshalToPem();
  outputs.SetContent("out-key", key_pem);
  outputs.SetContent("out-crt", pem);
  if (!o.out_qr.empty()) {
    if (Status qr = outputs.SetQrCode(pem); !qr.ok()) return CommandOutcome::Error(qr.message());
  }
  if (Status s = outputs.Commit(io.out); !s.ok()) return CommandOutcome::Error(s.message());
  return CommandOutcome::Ok();
}

}  // namespace

Subcommand CaSubcommand() {
  return Subcommand{"ca", "ca <flags>: create a self signed certificate authority",
                    [] {
                      CaOptions o;
                      FlagSet flags("ca");
                      DefineFlags(flags, &o);
                      return flags.Usage();
                    },
                    RunCa};
}

}  // namespace flatnet::app
