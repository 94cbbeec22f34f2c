#include "mesh/invalid_certs.h"

#include <memory>
#include <utility>
#include <vector>

#include "mesh/node.h"
#include "mesh/tunnel.h"

namespace flatnet::mesh {

PeerCertificateCheck CheckPeerCertificate(const cert::Certificate& peer, const cert::CaPool& pool,
                                          int64_t unix_now) {
  using Verdict = PeerCertificateCheck::Verdict;
  // Nebula's order for a cached certificate: blocklist, issuer, CA expiry, expiry.
  if (pool.IsBlocklisted(peer)) return {Verdict::kBlocklisted, "certificate is in the block list"};
  auto ca = pool.GetCaForCert(peer);
  if (!ca.ok()) return {Verdict::kInvalid, ca.status().message()};
  if ((*ca)->Expired(unix_now)) return {Verdict::kInvalid, "root certificate is expired"};
  if (peer.Expired(unix_now)) return {Verdict::kInvalid, "certificate is expired"};
  return {};
}

int CloseInvalidTunnels(Node& node, int64_t unix_now, CertCheckScope scope, size_t first_shard,
                        size_t last_shard) {
  using Verdict = PeerCertificateCheck::Verdict;
  const bool disconnect_invalid = node.config().pki.disconnect_invalid;
  const cert::CaPool& pool = node.credentials().ca_pool;
  // A certificate never outlives its CA (the handshake refuses one that does), so the peer's
  // own expiry catches its CA's; an expired CA in the pool still gets every tunnel the full
  // check, in case a tunnel got in some other way.
  const bool check_all = scope == CertCheckScope::kEverything || !pool.ExpiredCas(unix_now).empty();
  auto snapshot = node.host_map().Current();
  std::vector<std::pair<std::shared_ptr<Tunnel>, PeerCertificateCheck>> closing;
  // By index: candidates too, whose peer could otherwise still promote them.
  snapshot->by_local_index.ForEachInShards(first_shard, last_shard, [&](const auto& entry) {
    const std::shared_ptr<Tunnel>& tunnel = entry.second;
    if (!check_all && !tunnel->peer_cert().Expired(unix_now)) return;
    PeerCertificateCheck check = CheckPeerCertificate(tunnel->peer_cert(), pool, unix_now);
    if (check.verdict == Verdict::kBlocklisted ||
        (check.verdict == Verdict::kInvalid && disconnect_invalid)) {
      closing.emplace_back(tunnel, std::move(check));
    }
  });
  for (auto& [tunnel, check] : closing) {
    node.logger().Info(check.verdict == Verdict::kBlocklisted
                           ? "Remote certificate is blocked, tearing down the tunnel"
                           : "Remote certificate is no longer valid, tearing down the tunnel",
                       {{"vpnIp", tunnel->vpn_ip().ToString()},
                        {"certName", tunnel->peer_cert().name},
                        {"error", check.error},
                        {"fingerprint", tunnel->peer_cert().Fingerprint()}});
    node.SendOnTunnel(*tunnel, wire::MessageType::kCloseTunnel, wire::MessageSubType::kNone, {});
    node.CloseTunnel(*tunnel, "invalid certificate");
  }
  return int(closing.size());
}

}  // namespace flatnet::mesh
