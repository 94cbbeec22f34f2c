// flatnet-cert keygen: creates a host key pair (X25519, or P256 with -curve P256), so a host's
// private key never has to leave it (the public key goes to `sign -in-pub`). Flags and
// checks are nebula-cert 1.11.1's; unlike it, existing files are never overwritten.
#include "app/flatnet_cert_command.h"
#include "app/flatnet_cert_output.h"
#include "cert/key_pem.h"

namespace flatnet::app {
namespace {

struct KeygenOptions {
  std::string out_key;
  std::string out_pub;
  std::string curve;
};

void DefineFlags(FlagSet& flags, KeygenOptions* o) {
  flags.String(&o->out_pub, "out-pub", "", "Required: path to write the public key to");
  flags.String(&o->out_key, "out-key", "", "Required: path to write the private key to");
  flags.String(&o->curve, "curve", "25519", "ECDH Curve (25519, P256)");
}

CommandOutcome RunKeygen(const std::vector<std::string>& args, const CertCliIo& io) {
  KeygenOptions o;
  FlagSet flags("keygen");
  DefineFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;
  if (o.out_key.empty()) return Required("out-key");
  if (o.out_pub.empty()) return Required("out-pub");
  Result<cert::Curve> curve = ParseCurveFlag(o.curve);
  if (!curve.ok()) return CommandOutcome::Error(curve.status().message());
  StdioClaims claims;
  if (Status s = claims.ReserveOutputs({{"out-key", o.out_key}, {"out-pub", o.out_pub}}); !s.ok()) {
    return CommandOutcome::Error(s.message());
  }

  // nebula-cert overwrites here; flatnet-cert refuses, as for every other output.
  OutputFiles outputs;
  outputs.Add("out-key", o.out_key, "key");
  outputs.Add("out-pub", o.out_pub, "public key");
  if (Status s = outputs.CheckWritable(); !s.ok()) return CommandOutcome::Error(s.message());

  Result<GeneratedKey> pair = GenerateKey(*curve, /*for_ca=*/false);
  if (!pair.ok()) {
    return CommandOutcome::Error("error while generating keys: " + pair.status().message());
  }
  outputs.SetContent("out-key", cert::FormatPrivateKeyPem(*curve, false, pair->private_key));
  outputs.SetContent("out-pub", cert::FormatPublicKeyPem(*curve, false, pair->public_key));
  if (Status s = outputs.Commit(io.out); !s.ok()) return CommandOutcome::Error(s.message());
  return CommandOutcome::Ok();
}

}  // namespace

Subcommand KeygenSubcommand() {
  return Subcommand{"keygen",
                    "keygen <flags>: create a public/private key pair. the public key can be "
                    "passed to `nebula-cert sign`",
                    [] {
                      KeygenOptions o;
                      FlagSet flags("keygen");
                      DefineFlags(flags, &o);
                      return flags.Usage();
                    },
                    RunKeygen};
}

}  // namespace flatnet::app
