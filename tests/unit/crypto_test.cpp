// Known-answer tests from the RFCs, so the OpenSSL wrappers are proven, not assumed.
#include <gtest/gtest.h>

#include "hex_for_tests.h"

#include <string>

#include "crypto/aead.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/x25519.h"

using namespace flatnet;
using namespace flatnet::crypto;

namespace {
template <size_t N>
std::array<uint8_t, N> ArrayFromHex(const std::string& hex) {
  Bytes b = FromHex(hex);
  std::array<uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}
}  // namespace

TEST(X25519, Rfc7748DiffieHellman) {
  auto alice = ArrayFromHex<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  auto bob_pub = ArrayFromHex<32>("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  X25519Key alice_pub, shared;
  ASSERT_TRUE(X25519PublicFromPrivate(alice, alice_pub));
  EXPECT_EQ(ToHex(alice_pub), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  ASSERT_TRUE(X25519Shared(alice, bob_pub, shared));
  EXPECT_EQ(ToHex(shared), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

TEST(X25519, KeyPairFormGivesTheSameSecret) {
  auto ours = X25519Generate();
  auto theirs = X25519Generate();
  X25519Key from_private, from_pair;
  ASSERT_TRUE(X25519Shared(ours.private_key, theirs.public_key, from_private));
  ASSERT_TRUE(X25519Shared(ours, theirs.public_key, from_pair));
  EXPECT_EQ(from_private, from_pair);
  X25519Key zero{};
  EXPECT_FALSE(X25519Shared(ours, zero, from_pair));
}

TEST(X25519, RejectsLowOrderPeerKey) {
  auto pair = X25519Generate();
  X25519Key zero{}, shared;
  EXPECT_FALSE(X25519Shared(pair.private_key, zero, shared));
}

TEST(Ed25519, Rfc8032Test1SignsAndVerifies) {
  Ed25519PrivateKey key{};
  auto seed = FromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto pub = FromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  std::copy(seed.begin(), seed.end(), key.begin());
  std::copy(pub.begin(), pub.end(), key.begin() + 32);
  ASSERT_TRUE(Ed25519KeyIsConsistent(key));
  Ed25519Signature sig;
  ASSERT_TRUE(Ed25519Sign(key, ByteSpan(), sig));
  EXPECT_EQ(ToHex(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  Ed25519PublicKey public_key;
  std::copy(pub.begin(), pub.end(), public_key.begin());
  EXPECT_TRUE(Ed25519Verify(public_key, ByteSpan(), sig));
  Bytes other = {1};
  EXPECT_FALSE(Ed25519Verify(public_key, other, sig));
}

TEST(Ed25519, InconsistentKeyIsDetected) {
  auto pair = Ed25519Generate();
  EXPECT_TRUE(Ed25519KeyIsConsistent(pair.private_key));
  pair.private_key[40] ^= 1;
  EXPECT_FALSE(Ed25519KeyIsConsistent(pair.private_key));
}

TEST(Sha256, KnownDigests) {
  std::string abc = "abc";
  EXPECT_EQ(ToHex(Sha256(ByteSpan(reinterpret_cast<const uint8_t*>(abc.data()), 3))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  std::string key = "Jefe", data = "what do ya want for nothing?";
  EXPECT_EQ(ToHex(HmacSha256(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                             ByteSpan(reinterpret_cast<const uint8_t*>(data.data()), data.size()))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Aead, ChaCha20Poly1305Rfc8439) {
  auto key = ArrayFromHex<32>("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  auto nonce = ArrayFromHex<12>("070000004041424344454647");
  Bytes ad = FromHex("50515253c0c1c2c3c4c5c6c7");
  std::string text = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
  Bytes buf(text.begin(), text.end());
  buf.resize(text.size() + 16);
  Aead aead(CipherKind::kChaCha20Poly1305, key);
  long n = aead.Seal(nonce, ad, ByteSpan(buf.data(), text.size()), buf.data());
  ASSERT_EQ(n, long(text.size() + 16));
  EXPECT_EQ(ToHex(ByteSpan(buf.data() + text.size(), 16)), "1ae10b594f09e26a7e902ecbd0600691");
  long m = aead.Open(nonce, ad, ByteSpan(buf.data(), size_t(n)), buf.data());
  ASSERT_EQ(m, long(text.size()));
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + m), text);
}

TEST(Aead, AOneDirectionAeadDoesThatDirectionOnlyAndInteroperates) {
  AeadKey key{};
  key[3] = 9;
  AeadNonce nonce{};
  for (CipherKind kind : {CipherKind::kAes256Gcm, CipherKind::kChaCha20Poly1305}) {
    Aead sealer(kind, key, AeadUse::kSealOnly), opener(kind, key, AeadUse::kOpenOnly);
    ASSERT_TRUE(sealer.valid());
    ASSERT_TRUE(opener.valid());
    Bytes ad = {1, 2}, buf = {5, 6, 7};
    buf.resize(3 + 16);
    ASSERT_EQ(sealer.Seal(nonce, ad, ByteSpan(buf.data(), 3), buf.data()), 19);
    Bytes copy = buf;
    EXPECT_EQ(opener.Open(nonce, ad, copy, copy.data()), 3);
    EXPECT_EQ(copy[0], 5);
    // The direction it was not made for fails instead of using an unkeyed context.
    EXPECT_EQ(sealer.Open(nonce, ad, buf, buf.data()), -1);
    EXPECT_EQ(opener.Seal(nonce, ad, ByteSpan(buf.data(), 3), buf.data()), -1);
  }
}

TEST(Aead, AesGcmRoundTripAndTamperDetection) {
  AeadKey key{};
  key[0] = 7;
  AeadNonce nonce{};
  Aead aead(CipherKind::kAes256Gcm, key);
  Bytes ad = {1, 2, 3}, buf = {10, 20, 30, 40};
  buf.resize(4 + 16);
  long n = aead.Seal(nonce, ad, ByteSpan(buf.data(), 4), buf.data());
  ASSERT_EQ(n, 20);
  Bytes copy = buf;
  EXPECT_EQ(aead.Open(nonce, ad, copy, copy.data()), 4);
  EXPECT_EQ(copy[0], 10);
  buf[1] ^= 1;
  EXPECT_EQ(aead.Open(nonce, ad, buf, buf.data()), -1);
  nonce[11] = 1;
  EXPECT_EQ(aead.Open(nonce, ad, copy, copy.data()), -1);
}
