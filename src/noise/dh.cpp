#include "noise/dh.h"

#include <algorithm>
#include <string>

#include "crypto/p256.h"

namespace flatnet::noise {

std::string_view DhName(DhKind kind) { return kind == DhKind::kP256 ? "P256" : "25519"; }

size_t DhPublicKeySize(DhKind kind) {
  return kind == DhKind::kP256 ? crypto::kP256PublicKeySize : 32;
}

size_t DhPrivateKeySize(DhKind kind) {
  return kind == DhKind::kP256 ? crypto::kP256PrivateKeySize : 32;
}

Result<DhKeyPair> DhGenerate(DhKind kind) {
  if (kind == DhKind::kCurve25519) return DhKeyPair(crypto::X25519Generate());
  auto pair = crypto::GenerateP256KeyPair();
  if (!pair.ok()) return pair.status();
  return DhKeyPair(std::move(pair->private_key), std::move(pair->public_key));
}

Result<Bytes> DhShared(DhKind kind, const DhKeyPair& ours, ByteSpan peer_public) {
  if (kind == DhKind::kP256) return crypto::P256Ecdh(ours.private_key, peer_public);
  if (ours.private_key.size() != 32 || ours.public_key.size() != 32 || peer_public.size() != 32)
    return Status::Error("X25519 keys must be 32 bytes");
  crypto::X25519KeyPair pair;
  crypto::X25519Key peer, shared;
  std::copy_n(ours.private_key.begin(), 32, pair.private_key.begin());
  std::copy_n(ours.public_key.begin(), 32, pair.public_key.begin());
  std::copy_n(peer_public.begin(), 32, peer.begin());
  const bool ok = crypto::X25519Shared(pair, peer, shared);
  pair.private_key.fill(0);
  if (!ok) return Status::Error("the peer's key is invalid (low order)");
  return Bytes(shared.begin(), shared.end());
}

}  // namespace flatnet::noise
