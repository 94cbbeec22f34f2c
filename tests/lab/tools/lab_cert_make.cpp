// lab-cert-make DIR: writes, for each certificate version (1, 2) and curve (CURVE25519, P256),
// a CA and a host certificate signed by it, made by flatnet's cert library:
// DIR/v<version>_<curve>_ca.crt and DIR/v<version>_<curve>_host.crt. flatnet-cert's own flags
// are still nebula-cert 1.6.1's (v1, Curve25519 only), so cert_interop_test.sh uses this to
// show nebula-cert 1.11.1 reads and verifies every kind flatnet writes.
#include <cstdio>
#include <fstream>
#include <string>

#include "cert/certificate.h"
#include "crypto/ed25519.h"
#include "crypto/p256.h"
#include "crypto/x25519.h"

using namespace flatnet;
using namespace flatnet::cert;

namespace {

IpPrefix Net(const char* text) { return *ParseIpPrefix(text); }

bool Write(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return bool(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: lab-cert-make DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  for (Version version : {Version::kV1, Version::kV2}) {
    for (Curve curve : {Curve::kCurve25519, Curve::kP256}) {
      Certificate ca;
      ca.version = version;
      ca.curve = curve;
      ca.name = "flatnet lab ca";
      ca.is_ca = true;
      ca.groups = {"servers", "laptops"};
      ca.not_before = 1700000000;
      ca.not_after = 4000000000;
      Bytes ca_key;
      if (curve == Curve::kCurve25519) {
        crypto::Ed25519KeyPair pair = crypto::Ed25519Generate();
        ca_key.assign(pair.private_key.begin(), pair.private_key.end());
        ca.public_key.assign(pair.public_key.begin(), pair.public_key.end());
      } else {
        Result<crypto::P256KeyPair> pair = crypto::GenerateP256KeyPair();
        if (!pair.ok()) return 1;
        ca_key = pair->private_key;
        ca.public_key = pair->public_key;
      }
      ca.networks = {Net("10.5.0.0/16")};
      if (version == Version::kV2) ca.networks.push_back(Net("fd00:5::/48"));
      if (Status s = ca.Sign(curve, ca_key); !s.ok()) {
        std::fprintf(stderr, "signing the CA: %s\n", s.message().c_str());
        return 1;
      }

      Certificate host;
      host.version = version;
      host.curve = curve;
      host.name = "flatnet lab host";
      host.networks = {Net("10.5.1.2/16")};
      if (version == Version::kV2) host.networks.push_back(Net("fd00:5::2/64"));
      host.unsafe_networks = {Net("192.168.3.0/24")};
      host.groups = {"servers"};
      host.not_before = 1700000001;
      host.not_after = 3999999999;
      host.issuer = ca.Fingerprint();
      if (curve == Curve::kCurve25519) {
        crypto::X25519KeyPair pair = crypto::X25519Generate();
        host.public_key.assign(pair.public_key.begin(), pair.public_key.end());
      } else {
        Result<crypto::P256KeyPair> pair = crypto::GenerateP256KeyPair();
        if (!pair.ok()) return 1;
        host.public_key = pair->public_key;
      }
      if (Status s = host.Sign(curve, ca_key); !s.ok()) {
        std::fprintf(stderr, "signing the host: %s\n", s.message().c_str());
        return 1;
      }
      std::string stem =
          dir + "/v" + std::to_string(int(version)) + "_" + std::string(CurveName(curve));
      if (!Write(stem + "_ca.crt", ca.MarshalToPem()) ||
          !Write(stem + "_host.crt", host.MarshalToPem())) {
        std::fprintf(stderr, "cannot write %s_*.crt\n", stem.c_str());
        return 1;
      }
      std::printf("%s %s\n", stem.c_str(), host.Fingerprint().c_str());
    }
  }
  return 0;
}
