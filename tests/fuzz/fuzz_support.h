// What the fuzz targets share: a silent logger, the real test PKI from tests/unit/data/cert
// (v1 certificates of nebula-cert 1.6.1, and in v11/ v1 and v2 ones of nebula-cert 1.11.1),
// and a loopback pair of tunnels with fixed keys.
//
// Contract: everything here is built once per process, on first use, and aborts if the
// test data is missing (a broken fuzz setup must not look like a clean run). Fuzz inputs
// never reach an abort here. FLATNET_FUZZ_DATA is set by tests/fuzz/CMakeLists.txt.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/log.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "cert/key_pem.h"
#include "crypto/x25519.h"
#include "mesh/host_credentials.h"
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

// The local host and a peer, of two CAs in one pool:
// - host1: v1 certificate (10.64.1.2) of the 1.6.1 CA (ca.crt), its key host1.key; the host
//   that reads handshakes;
// - peer: "dual" (v11/dual.*), one X25519 key with a v1 and a v2 certificate (10.80.3.4) of
//   the 1.11.1 v2 CA (v11/ca_v2.crt), so a handshake may carry either version.
struct Pki {
  cert::CaPool pool;
  cert::Certificate host1, peer_v1, peer_v2;
  crypto::X25519KeyPair host1_keys, peer_keys;
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

inline std::vector<cert::Certificate> CertsFromPem(const std::string& file) {
  auto parsed = cert::ParseCertificatesPem(ReadDataFile(file));
  if (!parsed.ok()) Fail(file + ": " + parsed.status().message());
  return *parsed;
}

inline const Pki& TestPki() {
  static const Pki* pki = [] {
    auto* made = new Pki;
    for (const char* ca : {"ca.crt", "v11/ca_v2.crt"}) {
      for (const cert::Certificate& c : CertsFromPem(ca)) {
        if (Status added = made->pool.AddCa(c); !added.ok()) Fail(ca + (": " + added.message()));
      }
    }
    made->host1 = CertsFromPem("host1.crt").at(0);
    std::vector<cert::Certificate> dual = CertsFromPem("v11/dual.crt");
    if (dual.size() != 2 || dual[0].version != cert::Version::kV1 ||
        dual[1].version != cert::Version::kV2)
      Fail("v11/dual.crt: expected a v1 and a v2 certificate");
    made->peer_v1 = dual[0];
    made->peer_v2 = dual[1];
    made->host1_keys = KeysFromPem("host1.key");
    made->peer_keys = KeysFromPem("v11/dual.key");
    for (const cert::Certificate* c : {&made->host1, &made->peer_v1, &made->peer_v2}) {
      made->now = std::max(made->now, c->not_before + 60);
    }
    for (const cert::Certificate* c : {&made->host1, &made->peer_v1, &made->peer_v2}) {
      if (Status ok = made->pool.Verify(*c, made->now); !ok.ok())
        Fail(c->name + " does not verify at the fuzz time: " + ok.message());
      if (!mesh::OverlayIpOf(*c).ok()) Fail(c->name + " has no networks");
    }
    return made;
  }();
  return *pki;
}

// The tunnel host1 holds to the peer (`inbound`, local index 11) and the peer's end of it
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
  auto peer = std::make_shared<const cert::Certificate>(pki.peer_v2);
  auto host1 = std::make_shared<const cert::Certificate>(pki.host1);
  net::UdpAddr addr(IpAddr::V4(0x7f000001), 4242);
  TunnelPair pair;
  pair.inbound = std::make_shared<mesh::Tunnel>(*mesh::OverlayIpOf(pki.peer_v2), 11, 22, a, peer,
                                                firewall::PeerIdentity{}, addr, 1, false);
  pair.outbound = std::make_shared<mesh::Tunnel>(*mesh::OverlayIpOf(pki.host1), 22, 11, b, host1,
                                                 firewall::PeerIdentity{}, addr, 1, true);
  return pair;
}

}  // namespace flatnet::fuzz
