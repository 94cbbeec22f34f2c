// The certificates of the lighthouse load generator (lighthouse_load.cpp), all made in
// process by flatnet's cert library: v1, Curve25519, as nebula-cert 1.6.1 and later read them.
//
//   WriteTeamPki   a CA whose only network is `network` (10.64.0.0/10: room for 4 million
//                  hosts) and the lighthouse's certificate for the network's first address,
//                  written as DIR/ca.crt, DIR/ca.key, DIR/lighthouse.crt, DIR/lighthouse.key
//                  (keys 0600): what the lighthouse's config names.
//   LoadTeamCa     that CA back from its two files (any v1 Curve25519 CA with one IPv4
//                  network will do; a nebula-cert 1.6.1 CA too).
//   MakeHosts      N host identities signed by it: host i has the network's address
//                  2 + i (the lighthouse has 1) with the network's prefix length, and its
//                  own X25519 key.
//
// Validity: the CA from an hour ago for two years, hosts from a minute ago for one year, so
// a host never outlives its CA (Nebula refuses that) and clocks a little apart agree.
// Errors name the file or the host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/ip_prefix.h"
#include "base/status.h"
#include "cert/certificate.h"
#include "crypto/x25519.h"

namespace flatnet::bench {

struct TeamCa {
  cert::Certificate certificate;
  Bytes private_key;  // Ed25519, Go's seed || public layout
  IpPrefix network;   // the CA's one IPv4 network, masked
};

// One simulated host's identity: what its handshake needs.
struct HostIdentity {
  uint32_t vpn_ip = 0;  // host order
  crypto::X25519KeyPair keys;
  Bytes handshake_cert;  // the certificate as a handshake carries it (no public key)
};

Status WriteTeamPki(const std::string& dir, const IpPrefix& network);
Result<TeamCa> LoadTeamCa(const std::string& crt_path, const std::string& key_path);
// Fails when `count` hosts do not fit the CA's network.
Result<std::vector<HostIdentity>> MakeHosts(const TeamCa& ca, size_t count);

}  // namespace flatnet::bench
