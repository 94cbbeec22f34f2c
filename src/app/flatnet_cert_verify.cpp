// flatnet-cert verify: checks every certificate in a file against a file of one or more CAs
// (v1 and v2 alike), as nebula-cert 1.11.1 verify does: exit 0 and no output if all are
// valid now, else one reason per failing certificate in its words.
#include "app/flatnet_cert_command.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "cert/certificate_format.h"
#include "cert/pem.h"

namespace flatnet::app {
namespace {

struct VerifyOptions {
  std::string ca;
  std::string crt;
};

void DefineFlags(FlagSet& flags, VerifyOptions* o) {
  flags.String(&o->ca, "ca", "", "Required: path to a file containing one or more ca certificates");
  flags.String(&o->crt, "crt", "", "Required: path to a file containing a single certificate");
}

CommandOutcome RunVerify(const std::vector<std::string>& args, const CertCliIo& io) {
  VerifyOptions o;
  FlagSet flags("verify");
  DefineFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;
  if (o.ca.empty()) return Required("ca");
  if (o.crt.empty()) return Required("crt");
  StdioClaims claims;
  if (Status s = claims.ReserveInputs({{"ca", o.ca}, {"crt", o.crt}}); !s.ok()) {
    return CommandOutcome::Error(s.message());
  }

  Result<std::string> ca_text = ReadInput(o.ca, io);
  if (!ca_text.ok()) {
    return CommandOutcome::Error("error while reading ca: " + ca_text.status().message());
  }
  // An empty CA file is an empty pool, as in nebula-cert: every certificate then fails to
  // find its CA. Expired CAs stay in the pool and fail what they signed ("root certificate
  // is expired"), as in 1.11.1.
  cert::CaPool pool;
  if (!cert::IsBlank(*ca_text)) {
    Result<cert::CaPool> loaded = cert::CaPool::FromPem(*ca_text);
    if (!loaded.ok()) {
      return CommandOutcome::Error("error while adding ca cert to pool: " +
                                   loaded.status().message());
    }
    pool = std::move(*loaded);
  }

  Result<std::string> crt_text = ReadInput(o.crt, io);
  if (!crt_text.ok()) {
    return CommandOutcome::Error("unable to read crt: " + crt_text.status().message());
  }
  // Every certificate in the file is checked (a host's v1 and v2 pair); all failures are
  // reported, one per line. Unlike nebula-cert, a file with no certificate at all fails.
  int64_t now = Now().seconds;
  std::string failures;
  std::string_view rest = *crt_text;
  do {
    Result<cert::Certificate> c = cert::ParseCertificatePem(rest, &rest);
    if (!c.ok()) {
      return CommandOutcome::Error("error while parsing crt: " + c.status().message());
    }
    Status verified = pool.Verify(*c, now);
    if (verified.ok()) continue;
    if (!failures.empty()) failures += "\n";
    if (verified.message() == "could not find ca for the certificate") {
      failures += "error while verifying certificate v" + std::to_string(int(c->version)) + " " +
                  c->name + " with issuer " + c->issuer + ": " + verified.message();
    } else {
      failures += "error while verifying certificate " + cert::CertificateText(*c) + ": " +
                  verified.message();
    }
  } while (!rest.empty());
  if (!failures.empty()) return CommandOutcome::Error(failures);
  return CommandOutcome::Ok();
}

}  // namespace

Subcommand VerifySubcommand() {
  return Subcommand{"verify",
                    "verify <flags>: verifies a certificate isn't expired and was signed by a "
                    "trusted authority.",
                    [] {
                      VerifyOptions o;
                      FlagSet flags("verify");
                      DefineFlags(flags, &o);
                      return flags.Usage();
                    },
                    RunVerify};
}

}  // namespace flatnet::app
