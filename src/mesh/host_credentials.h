// HostCredentials: who this host is in the mesh (pki.cert and pki.key) and whom it trusts
// (pki.ca, pki.blocklist), loaded once at start and checked the way nebula checks them.
//
// pki.cert may hold one v1 and one v2 certificate (Nebula 1.11.1 pki.go): both for the same
// key and curve and with the same first network, so a host can move from v1 to v2 while
// peers of either generation reach it. pki.key is an X25519 or P256 host key; its curve is
// the certificates' and picks the handshake's DH (Noise_IX_25519_* or Noise_IX_P256_*).
// pki.initiating_version picks the certificate sent when initiating: by default 1 if there
// is a v1 certificate, else 2; 1 without a v1 certificate is an error; 2 with only a v1 one
// sends v1 (as Nebula does).
//
// Contract: Load fails with one line naming the config key and what is wrong: unreadable or
// malformed PEM, a key that is not the certificates' pair, an expired certificate, two of
// one version, certificates that disagree, a certificate without an IPv4 network (the
// daemon's overlay is the first IPv4 network of the v2 certificate, else of the v1; IPv6
// networks of a v2 certificate are carried and verified but not routed yet), or a CA
// bundle in which every CA has expired.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "config/config.h"
#include "firewall/peer_identity.h"
#include "noise/dh.h"

namespace flatnet::mesh {

// One certificate of this host and what a handshake carries of it.
struct HandshakeCredential {
  std::shared_ptr<const cert::Certificate> certificate;
  Bytes handshake_bytes;  // MarshalForHandshakes(): the key travels as the Noise static key
};

struct HostCredentials {
  // The certificate that defines this host: v2 when there is one (a superset), else v1.
  std::shared_ptr<const cert::Certificate> certificate;
  std::shared_ptr<const HandshakeCredential> v1, v2;  // at least one is set
  cert::Version initiating_version = cert::Version::kV1;
  cert::Curve curve = cert::Curve::kCurve25519;
  noise::DhKind dh = noise::DhKind::kCurve25519;
  noise::DhKeyPair static_keys;  // the certificates' key pair: Noise's static key
  cert::CaPool ca_pool;
  IpAddr vpn_ip;  // the overlay address
  int prefix_length = 0;

  // Is `ip` in our overlay network?
  bool InOurNetwork(const IpAddr& ip) const {
    return IpPrefix::From(vpn_ip, prefix_length).Contains(ip);
  }

  // The credential of `version`, or nullptr when pki.cert has none of it.
  const HandshakeCredential* For(cert::Version version) const;

  static Result<HostCredentials> Load(const config::PkiConfig& pki, const log::Logger& logger);
};

// What the firewall and the logs know of a peer, taken from its verified certificate (its
// IPv4 networks and unsafe networks; the IPv4-only data path has no use for IPv6 ones).
firewall::PeerIdentity IdentityOf(const cert::Certificate& peer, const cert::CaPool& pool);

// A peer's overlay address: its certificate's first IPv4 network's address. A CA may sign a
// certificate without one (none at all, or IPv6 only in v2); that is an error here
// ("certificate has no IPv4 network"), never networks[0] of nothing.
Result<IpAddr> OverlayIpOf(const cert::Certificate& peer);

}  // namespace flatnet::mesh
