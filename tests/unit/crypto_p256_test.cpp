// P-256 ECDSA and ECDH as Nebula uses them: known answers from RFC 5903 and the generator,
// the high-s/low-s swap Nebula relies on for alternate fingerprints, and refusals.
#include <gtest/gtest.h>

#include <string>

#include "crypto/p256.h"
#include "hex_for_tests.h"

using namespace flatnet;
using namespace flatnet::crypto;

namespace {
const Bytes kMessage = {'n', 'e', 'b', 'u', 'l', 'a'};
const std::string kOrderHex = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

P256KeyPair MustGenerate() {
  auto pair = GenerateP256KeyPair();
  EXPECT_TRUE(pair.ok()) << pair.status().message();
  return pair.ok() ? *pair : P256KeyPair{};
}
}  // namespace

TEST(P256, ScalarOneGivesTheGenerator) {
  Bytes one(32, 0);
  one[31] = 1;
  auto pub = P256PublicKeyFromPrivate(one);
  ASSERT_TRUE(pub.ok()) << pub.status().message();
  EXPECT_EQ(ToHex(*pub),
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
            "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
}

TEST(P256, GeneratedKeysHaveNebulasSizesAndPublicMatchesPrivate) {
  auto pair = MustGenerate();
  ASSERT_EQ(pair.private_key.size(), kP256PrivateKeySize);
  ASSERT_EQ(pair.public_key.size(), kP256PublicKeySize);
  EXPECT_EQ(pair.public_key[0], 0x04);
  auto derived = P256PublicKeyFromPrivate(pair.private_key);
  ASSERT_TRUE(derived.ok()) << derived.status().message();
  EXPECT_EQ(*derived, pair.public_key);
  EXPECT_NE(MustGenerate().private_key, pair.private_key);
}

TEST(P256, Rfc5903EcdhKnownAnswer) {
  Bytes i = FromHex("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433");
  Bytes r = FromHex("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53");
  Bytes gi = FromHex(
      "04DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
      "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3");
  Bytes gr = FromHex(
      "04D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
      "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB");
  EXPECT_EQ(*P256PublicKeyFromPrivate(i), gi);
  EXPECT_EQ(*P256PublicKeyFromPrivate(r), gr);
  auto a = P256Ecdh(i, gr);
  auto b = P256Ecdh(r, gi);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(ToHex(*a), "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de");
  EXPECT_EQ(*a, *b);
}

TEST(P256, EcdhAgreesBothWays) {
  auto alice = MustGenerate();
  auto bob = MustGenerate();
  auto ab = P256Ecdh(alice.private_key, bob.public_key);
  auto ba = P256Ecdh(bob.private_key, alice.public_key);
  ASSERT_TRUE(ab.ok()) << ab.status().message();
  ASSERT_TRUE(ba.ok()) << ba.status().message();
  EXPECT_EQ(ab->size(), 32u);
  EXPECT_EQ(*ab, *ba);
  auto carol = MustGenerate();
  EXPECT_NE(*P256Ecdh(alice.private_key, carol.public_key), *ab);
}

TEST(P256, SignVerifiesAndSwappedSignatureVerifiesToo) {
  auto pair = MustGenerate();
  auto sig = EcdsaP256Sign(pair.private_key, kMessage);
  ASSERT_TRUE(sig.ok()) << sig.status().message();
  EXPECT_EQ((*sig)[0], 0x30);
  EXPECT_TRUE(EcdsaP256Verify(pair.public_key, kMessage, *sig));

  auto swapped = EcdsaP256SwapSignature(*sig);
  ASSERT_TRUE(swapped.ok()) << swapped.status().message();
  EXPECT_NE(*swapped, *sig);
  EXPECT_TRUE(EcdsaP256Verify(pair.public_key, kMessage, *swapped));
  auto back = EcdsaP256SwapSignature(*swapped);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *sig);
}

TEST(P256, SwapIsNMinusS) {
  // r = 1, s = 1 -> s' = n - 1 (33 bytes in DER: a leading zero keeps it positive).
  Bytes sig = FromHex("3006020101020101");
  auto swapped = EcdsaP256SwapSignature(sig);
  ASSERT_TRUE(swapped.ok()) << swapped.status().message();
  Bytes n_minus_1 = FromHex(kOrderHex);
  n_minus_1.back() -= 1;
  Bytes expected = FromHex("3026020101022100");
  expected.insert(expected.end(), n_minus_1.begin(), n_minus_1.end());
  EXPECT_EQ(ToHex(*swapped), ToHex(expected));
}

TEST(P256, VerifyRejectsWrongKeyMessageAndTamperedSignature) {
  auto pair = MustGenerate();
  auto other = MustGenerate();
  Bytes sig = *EcdsaP256Sign(pair.private_key, kMessage);
  EXPECT_FALSE(EcdsaP256Verify(other.public_key, kMessage, sig));
  Bytes changed = kMessage;
  changed[0] ^= 1;
  EXPECT_FALSE(EcdsaP256Verify(pair.public_key, changed, sig));
  Bytes flipped = sig;
  flipped[flipped.size() - 1] ^= 1;
  EXPECT_FALSE(EcdsaP256Verify(pair.public_key, kMessage, flipped));
  EXPECT_FALSE(EcdsaP256Verify(pair.public_key, kMessage, {}));
}

TEST(P256, VerifyAndSwapRejectBadDer) {
  auto pair = MustGenerate();
  Bytes sig = *EcdsaP256Sign(pair.private_key, kMessage);
  Bytes trailing = sig;
  trailing.push_back(0);
  EXPECT_FALSE(EcdsaP256Verify(pair.public_key, kMessage, trailing));
  EXPECT_FALSE(EcdsaP256SwapSignature(trailing).ok());
  Bytes truncated(sig.begin(), sig.end() - 1);
  EXPECT_FALSE(EcdsaP256Verify(pair.public_key, kMessage, truncated));
  EXPECT_FALSE(EcdsaP256SwapSignature(truncated).ok());
  // Long-form length where short form is required: BER, not DER.
  Bytes ber = {0x30, 0x81, uint8_t(sig.size() - 2)};
  ber.insert(ber.end(), sig.begin() + 2, sig.end());
  EXPECT_FALSE(EcdsaP256Verify(pair.public_key, kMessage, ber));
  EXPECT_FALSE(EcdsaP256SwapSignature(ber).ok());
  EXPECT_FALSE(EcdsaP256SwapSignature(FromHex("3006020100020101")).ok());  // r = 0
  EXPECT_FALSE(EcdsaP256SwapSignature(FromHex("3006020101020100")).ok());  // s = 0
  EXPECT_FALSE(EcdsaP256SwapSignature(FromHex("30060201010201ff")).ok());  // s < 0
  Bytes s_is_n = FromHex("3026020101022100" + kOrderHex);
  EXPECT_FALSE(EcdsaP256SwapSignature(s_is_n).ok());
  EXPECT_FALSE(EcdsaP256SwapSignature(FromHex("04020101")).ok());
}

TEST(P256, RejectsBadPrivateKeys) {
  Bytes zero(32, 0);
  Bytes n = FromHex(kOrderHex);
  Bytes short_key(31, 1);
  auto peer = MustGenerate();
  for (const Bytes& bad : {zero, n, short_key, Bytes(33, 1)}) {
    EXPECT_FALSE(P256PublicKeyFromPrivate(bad).ok()) << ToHex(bad);
    EXPECT_FALSE(EcdsaP256Sign(bad, kMessage).ok()) << ToHex(bad);
    EXPECT_FALSE(P256Ecdh(bad, peer.public_key).ok()) << ToHex(bad);
  }
  Bytes n_minus_1 = n;
  n_minus_1.back() -= 1;
  EXPECT_TRUE(P256PublicKeyFromPrivate(n_minus_1).ok());
}

TEST(P256, RejectsBadPublicPoints) {
  auto ours = MustGenerate();
  auto peer = MustGenerate();
  Bytes sig = *EcdsaP256Sign(peer.private_key, kMessage);
  Bytes off_curve = peer.public_key;
  off_curve.back() ^= 1;
  Bytes compressed(peer.public_key.begin(), peer.public_key.begin() + 33);
  compressed[0] = uint8_t(0x02 | (peer.public_key.back() & 1));
  Bytes wrong_prefix = peer.public_key;
  wrong_prefix[0] = 0x06;
  Bytes infinity(65, 0);
  // X = p (the field prime) is out of range even if some Y would fit mod p.
  Bytes x_is_p = FromHex(
      "04ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
      "0000000000000000000000000000000000000000000000000000000000000000");
  for (const Bytes& bad : {off_curve, compressed, wrong_prefix, infinity, x_is_p, Bytes{}}) {
    EXPECT_FALSE(P256Ecdh(ours.private_key, bad).ok()) << ToHex(bad);
    EXPECT_FALSE(EcdsaP256Verify(bad, kMessage, sig)) << ToHex(bad);
  }
}
