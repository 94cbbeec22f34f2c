// flatnet-cert keygen: creates an X25519 host key pair, so a host's private key never has
// to leave it (the public key goes to `sign -in-pub`).
#include "app/flatnet_cert_command.h"
#include "app/flatnet_cert_output.h"
#include "cert/key_pem.h"
#include "crypto/x25519.h"

namespace flatnet::app {
namespace {

struct KeygenOptions {
  std::string out_key;
  std::string out_pub;
};

void DefineFlags(FlagSet& flags, KeygenOptions* o) {
  flags.String(&o->out_pub, "out-pub", "", "Required: path to write the public key to");
  flags.String(&o->out_key, "out-key", "", "Required: path to write the private key to");
}

CommandOutcome RunKeygen(const std::vector<std::string>& args, std::ostream&) {
  KeygenOptions o;
  FlagSet flags("keygen");
  DefineFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;
  if (o.out_key.empty()) return Required("out-key");
  if (o.out_pub.empty()) return Required("out-pub");

  // nebula-cert overwrites here; flatnet-cert refuses, as for every other output.
  OutputFiles outputs;
  outputs.Add("out-key", o.out_key, "key");
  outputs.Add("out-pub", o.out_pub, "public key");
  if (Status s = outputs.CheckWritable(); !s.ok()) return CommandOutcome::Error(s.message());

  crypto::X25519KeyPair pair = crypto::X25519Generate();
  outputs.SetContent("out-key", cert::FormatX25519PrivateKeyPem(pair.private_key));
  outputs.SetContent("out-pub", cert::FormatX25519PublicKeyPem(pair.public_key));
  if (Status s = outputs.Commit(); !s.ok()) return CommandOutcome::Error(s.message());
  return CommandOutcome::Ok();
}

}  // namespace

Subcommand KeygenSubcommand() {
  return Subcommand{"keygen",
                    "keygen <flags>: create a public/private key pair. the public key can be "
                    "passed to `flatnet-cert sign`",
                    [] {
                      KeygenOptions o;
                      FlagSet flags("keygen");
                      DefineFlags(flags, &o);
                      return flags.Usage();
                    },
                    RunKeygen};
}

}  // namespace flatnet::app
