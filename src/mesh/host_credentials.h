// HostCredentials: who this host is in the mesh (pki.cert and pki.key) and whom it trusts
// (pki.ca, pki.blocklist), loaded once at start and checked the way nebula checks them.
//
// Contract: Load fails with one line naming the config key and what is wrong: unreadable or
// malformed PEM, a key that is not this certificate's pair, an expired certificate, a
// certificate without an IPv4 address or whose
// first IP's mask is not a prefix, or a CA bundle in which every CA has expired.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "config/config.h"
#include "crypto/x25519.h"
#include "firewall/peer_identity.h"

namespace flatnet::mesh {

struct HostCredentials {
  std::shared_ptr<const cert::Certificate> certificate;
  crypto::X25519KeyPair static_keys;  // the certificate's key pair: Noise's static key
  Bytes certificate_without_key;      // what the handshake carries (see cert/recombine.h)
  cert::CaPool ca_pool;
  uint32_t vpn_ip = 0;  // the certificate's first IP, host order
  int prefix_length = 0;

  static Result<HostCredentials> Load(const config::PkiConfig& pki, const log::Logger& logger);
};

// What the firewall and the logs know of a peer, taken from its verified certificate (its
// IPv4 networks and unsafe networks; the IPv4-only data path has no use for IPv6 ones).
firewall::PeerIdentity IdentityOf(const cert::Certificate& peer, const cert::CaPool& pool);

// A peer's overlay address: its certificate's first IPv4 network's address. A CA may sign a
// certificate without one (none at all, or IPv6 only in v2); that is an error here
// ("certificate has no IPv4 network"), never networks[0] of nothing.
Result<uint32_t> OverlayIpOf(const cert::Certificate& peer);

}  // namespace flatnet::mesh
