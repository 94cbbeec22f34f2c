// flatnet-cert: creates and inspects Nebula certificates (see docs/flatnet-cert.md).
#include <iostream>
#include <string>
#include <vector>

#include "app/flatnet_cert_cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int code = flatnet::app::RunFlatnetCert(argc > 0 ? argv[0] : "flatnet-cert", args,
                                          flatnet::app::ProcessCertCliIo());
  std::cout.flush();
  return code;
}
