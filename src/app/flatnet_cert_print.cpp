// flatnet-cert print: shows every certificate in a file (or standard input, -path -), as text
// or as one JSON array, byte for byte as nebula-cert 1.11.1 prints them (see
// cert/certificate_format.h), and can write them all as one QR code.
#include "app/flatnet_cert_command.h"
#include "app/flatnet_cert_output.h"
#include "cert/certificate.h"
#include "cert/certificate_format.h"
#include "cert/pem.h"

namespace flatnet::app {
namespace {

struct PrintOptions {
  bool json = false;
  std::string out_qr;
  std::string path;
};

void DefineFlags(FlagSet& flags, PrintOptions* o) {
  flags.Bool(&o->json, "json", false, "Optional: outputs certificates in json format");
  flags.String(&o->out_qr, "out-qr", "",
               "Optional: output a qr code image (png) of the certificate");
  flags.String(&o->path, "path", "", "Required: path to the certificate");
}

CommandOutcome RunPrint(const std::vector<std::string>& args, const CertCliIo& io) {
  PrintOptions o;
  FlagSet flags("print");
  DefineFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;
  if (o.path.empty()) return Required("path");

  StdioClaims claims;
  if (Status s = claims.ReserveInputs({{"path", o.path}}); !s.ok()) {
    return CommandOutcome::Error(s.message());
  }
  if (Status s = claims.ReserveOutputs({{"out-qr", o.out_qr}}); !s.ok()) {
    return CommandOutcome::Error(s.message());
  }
  OutputFiles outputs;
  if (!o.out_qr.empty()) {
    outputs.Add("out-qr", o.out_qr, "QR code");
    if (Status s = outputs.CheckWritable(); !s.ok()) return CommandOutcome::Error(s.message());
  }

  Result<std::string> text = ReadInput(o.path, io);
  if (!text.ok()) return CommandOutcome::Error("unable to read cert; " + text.status().message());

  // A QR code on stdout replaces the text, so the PNG is not mixed with it.
  bool qr_to_stdout = o.out_qr == kStdioPath;
  // Like nebula-cert, print each certificate's text as it is read: a bad block later in the
  // file still shows the good ones before it, then fails. JSON is one array at the end.
  std::string qr_text;
  std::vector<cert::Certificate> certs;
  std::string_view rest = *text;
  do {
    Result<cert::Certificate> c = cert::ParseCertificatePem(rest, &rest);
    if (!c.ok()) {
      io.out.flush();
      return CommandOutcome::Error("error while unmarshaling cert: " + c.status().message());
    }
    if (!o.json && !qr_to_stdout) io.out << cert::CertificateText(*c) << "\n";
    qr_text += c->MarshalToPem();
    certs.push_back(std::move(*c));
  } while (!cert::IsBlank(rest));
  if (o.json && !qr_to_stdout) io.out << cert::CertificatesJson(certs) << "\n";
  io.out.flush();

  if (!o.out_qr.empty()) {
    if (Status qr = outputs.SetQrCode(qr_text); !qr.ok())
      return CommandOutcome::Error(qr.message());
    if (Status s = outputs.Commit(io.out); !s.ok()) return CommandOutcome::Error(s.message());
  }
  return CommandOutcome::Ok();
}

}  // namespace

Subcommand PrintSubcommand() {
  return Subcommand{"print", "print <flags>: prints details about a certificate",
                    [] {
                      PrintOptions o;
                      FlagSet flags("print");
                      DefineFlags(flags, &o);
                      return flags.Usage();
                    },
                    RunPrint};
}

}  // namespace flatnet::app
