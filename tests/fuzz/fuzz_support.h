// What the fuzz targets share: a silent logger, the real test PKI from tests/unit/data/cert
// (made by nebula-cert 1.6.1), and a loopback pair of tunnels with fixed keys.
//
// Contract: everything here is built once per process, on first use, and aborts if the
// test data is missing (a broken fuzz setup must not look like a clean run). Fuzz inputs
// never reach an abort here. FLATNET_FUZZ_DATA is set by tests/fuzz/CMakeLists.txt.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "base/log.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "cert/key_pem.h"
#include "crypto/x25519.h"
#include "mesh/tunnel.h"
#include "noise/session_keys.h"

namespace flatnet::fuzz {

inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz setup: %s\n", what.c_str());
  std::abort();
}

// Logging off: targets run millions of inputs, and their log lines are not the point.
inline void SilenceLogs() {
  log::Options options;
  options.level = log::Level::kPanic;
  log::Default().Configure(options);
}

inline std::string ReadDataFile(const std::string& name) {
  std::string path = std::string(FLATNET_FUZZ_DATA) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Two hosts of one CA: host1 (10.64.1.2, its key in host1.key) and host2 (10.64.2.3).
struct Pki {
  cert::CaPool pool;
  cert::Certificate host1, host2;
  crypto::X25519KeyPair host1_keys, host2_keys;
  // A unix time inside every certificate's validity.
  int64_t now = 0;
};

inline crypto::X25519KeyPair KeysFromPem(const std::string& file) {
  auto key = cert::ParseX25519PrivateKeyPem(ReadDataFile(file));
  if (!key.ok()) Fail(file + ": " + key.status().message());
  crypto::X25519KeyPair pair{*key, {}};
  if (!crypto::X25519PublicFromPrivate(pair.private_key, pair.public_key)) Fail(file);
  return pair;
}

inline cert::Certificate CertFromPem(const std::string& file) {
  auto parsed = cert::ParseCertificatePem(ReadDataFile(file));
  if (!parsed.ok()) Fail(file + ": " + parsed.status().message());
  return *parsed;
}

inline const Pki& TestPki() {
  static const Pki* pki = [] {
    auto* made = new Pki;
    auto pool = cert::CaPool::FromPem(ReadDataFile("ca.crt"));
    if (!pool.ok()) Fail("ca.crt: " + pool.status().message());
    made->pool = std::move(*pool);
    made->host1 = CertFromPem("host1.crt");
    made->host2 = CertFromPem("host2.crt");
    made->host1_keys = KeysFromPem("host1.key");
    made->host2_keys = KeysFromPem("host2.key");
    made->now = made->host2.not_before + 60;
    return made;
  }();
  return *pki;
}

// The tunnel host1 holds to host2 (`inbound`, local index 11) and host2's end of it
// (`outbound`): what one seals, the other opens. Replay windows are the tunnels' own, so a
// target that wants every input fresh uses a fresh counter.
struct TunnelPair {
  std::shared_ptr<mesh::Tunnel> inbound, outbound;
};

inline TunnelPair MakeTunnelPair() {
  noise::SessionKeys a{crypto::CipherKind::kAes256Gcm, {}, {}};
  for (size_t i = 0; i < a.send.size(); ++i) {
    a.send[i] = uint8_t(i);
    a.receive[i] = uint8_t(0xA0 + i);
  }
  noise::SessionKeys b{a.cipher, a.receive, a.send};
  const Pki& pki = TestPki();
  auto peer = std::make_shared<const cert::Certificate>(pki.host2);
  net::UdpAddr addr(net::Ipv4(0x7f000001), 4242);
  TunnelPair pair;
  pair.inbound = std::make_shared<mesh::Tunnel>(pki.host2.ips[0].ip, 11, 22, a, peer,
                                                firewall::PeerIdentity{}, addr, 1, false);
  pair.outbound = std::make_shared<mesh::Tunnel>(pki.host1.ips[0].ip, 22, 11, b, peer,
                                                 firewall::PeerIdentity{}, addr, 1, true);
  return pair;
}

}  // namespace flatnet::fuzz
