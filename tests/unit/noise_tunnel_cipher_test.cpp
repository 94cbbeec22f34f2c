// TunnelCipher: Nebula's data-path AEAD after an IX handshake. Checks the nonce layout
// (the counter big-endian for AES-GCM, little-endian for ChaChaPoly), that the header is
// authenticated, that each side's keys mirror the other's, and that Seal/Open never allocate.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>

#include "crypto/random.h"
#include "crypto/x25519.h"
#include "noise/cipher_state.h"
#include "noise/handshake_state.h"
#include "noise/tunnel_cipher.h"
#include "sanitizer_allocator.h"

// Allocation counters: every C++ operator new and every OpenSSL allocation in this binary.
namespace {
std::atomic<long> g_allocations{0};

void* CountingMalloc(size_t n, const char*, int) {
  ++g_allocations;
  return std::malloc(n);
}
void* CountingRealloc(void* p, size_t n, const char*, int) {
  ++g_allocations;
  return std::realloc(p, n);
}
void CountingFree(void* p, const char*, int) { std::free(p); }

// OpenSSL accepts new allocator hooks only before its first allocation, so install them
// during static initialisation, before any test touches OpenSSL.
const bool g_openssl_hooked =
    CRYPTO_set_mem_functions(CountingMalloc, CountingRealloc, CountingFree) == 1;
}  // namespace

#if FLATNET_SANITIZER_ALLOCATOR
namespace {
void CountAllocation(const volatile void*, size_t) { ++g_allocations; }
const int g_hooked = InstallSanitizerMallocHook(CountAllocation);
}  // namespace
#else
// GCC cannot see that these operators pair with each other and warns about free().
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
#endif

using namespace flatnet;
using namespace flatnet::noise;
using crypto::CipherKind;

namespace {

struct Keys {
  SessionKeys initiator, responder;
};

Keys Handshake(CipherKind cipher) {
  HandshakeState i(cipher, Role::kInitiator, crypto::X25519Generate());
  HandshakeState r(cipher, Role::kResponder, crypto::X25519Generate());
  Bytes m1, m2;
  EXPECT_TRUE(i.WriteMessage({}, m1).ok());
  EXPECT_TRUE(r.ReadMessage(m1).ok());
  EXPECT_TRUE(r.WriteMessage({}, m2).ok());
  EXPECT_TRUE(i.ReadMessage(m2).ok());
  return Keys{*i.Split(), *r.Split()};
}

Bytes DataHeader(uint32_t remote_index, uint64_t counter) {
  Bytes h(16, 0);
  h[0] = 0x11;  // version 1, type message
  StoreBig32(h.data() + 4, remote_index);
  StoreBig64(h.data() + 8, counter);
  return h;
}

class Tunnel : public ::testing::TestWithParam<CipherKind> {
 protected:
  Keys keys_ = Handshake(GetParam());
  TunnelCipher initiator_{keys_.initiator};
  TunnelCipher responder_{keys_.responder};
};

INSTANTIATE_TEST_SUITE_P(BothCiphers, Tunnel,
                         ::testing::Values(CipherKind::kAes256Gcm, CipherKind::kChaCha20Poly1305),
                         [](const auto& info) {
                           return info.param == CipherKind::kAes256Gcm ? "AesGcm" : "ChaChaPoly";
                         });

TEST_P(Tunnel, PacketsCrossInBothDirectionsWithTheHeaderAsAssociatedData) {
  ASSERT_TRUE(initiator_.valid() && responder_.valid());
  const Bytes plain(1400, 0x5a);
  for (uint64_t counter : {3ull, 4ull, 1000000ull}) {
    Bytes header = DataHeader(77, counter), sealed(plain.size() + 16), opened(plain.size());
    ASSERT_EQ(initiator_.Seal(counter, header, plain, sealed.data()), long(plain.size() + 16));
    ASSERT_EQ(responder_.Open(counter, header, sealed, opened.data()), long(plain.size()));
    EXPECT_EQ(opened, plain);
    ASSERT_EQ(responder_.Seal(counter, header, plain, sealed.data()), long(plain.size() + 16));
    ASSERT_EQ(initiator_.Open(counter, header, sealed, opened.data()), long(plain.size()));
    EXPECT_EQ(opened, plain);
  }
}

TEST_P(Tunnel, NonceIsTheCounterInTheByteOrderNebulaUsesForTheCipher) {
  // nebula 1.6.1 main.go: big-endian for aes, little-endian for chachapoly. Both happen to
  // equal flynn/noise's own nonce for that cipher.
  EXPECT_EQ(ToHex(TunnelNonce(CipherKind::kAes256Gcm, 0x0102030405060708)),
            "000000000102030405060708");
  EXPECT_EQ(ToHex(TunnelNonce(CipherKind::kChaCha20Poly1305, 0x0102030405060708)),
            "000000000807060504030201");
  const uint64_t counter = 0x0102030405060708;
  const Bytes header = DataHeader(1, counter), plain = {1, 2, 3, 4, 5};
  Bytes tunnel(plain.size() + 16), noise(plain.size() + 16);
  ASSERT_GT(initiator_.Seal(counter, header, plain, tunnel.data()), 0);
  crypto::Aead reference(GetParam(), keys_.initiator.send);
  ASSERT_GT(reference.Seal(NoiseNonce(GetParam(), counter), header, plain, noise.data()), 0);
  EXPECT_EQ(ToHex(tunnel), ToHex(noise));
}

TEST_P(Tunnel, AnyChangeToHeaderCounterOrCiphertextIsRejected) {
  const Bytes plain(200, 7);
  const Bytes header = DataHeader(9, 42);
  Bytes sealed(plain.size() + 16), out(plain.size());
  ASSERT_GT(initiator_.Seal(42, header, plain, sealed.data()), 0);
  for (size_t i = 0; i < header.size(); ++i) {
    Bytes h = header;
    h[i] ^= 0x04;
    EXPECT_EQ(responder_.Open(42, h, sealed, out.data()), -1) << "header byte " << i;
  }
  EXPECT_EQ(responder_.Open(43, header, sealed, out.data()), -1);
  for (size_t i = 0; i < sealed.size(); i += 13) {
    Bytes s = sealed;
    s[i] ^= 0x01;
    EXPECT_EQ(responder_.Open(42, header, s, out.data()), -1) << "sealed byte " << i;
  }
  EXPECT_EQ(responder_.Open(42, header, ByteSpan(sealed).first(15), out.data()), -1);
  EXPECT_EQ(responder_.Open(42, header, ByteSpan(sealed).first(sealed.size() - 1), out.data()), -1);
  // A side cannot open what it sealed itself: the two directions have different keys.
  EXPECT_EQ(initiator_.Open(42, header, sealed, out.data()), -1);
  EXPECT_EQ(responder_.Open(42, header, sealed, out.data()), long(plain.size()));
}

TEST_P(Tunnel, SealsAndOpensInPlace) {
  const Bytes plain(64, 0x33);
  const Bytes header = DataHeader(5, 3);
  Bytes buffer = plain;
  buffer.resize(plain.size() + 16);
  ASSERT_EQ(initiator_.Seal(3, header, ByteSpan(buffer).first(plain.size()), buffer.data()), 80);
  ASSERT_EQ(responder_.Open(3, header, buffer, buffer.data()), 64);
  EXPECT_EQ(Bytes(buffer.begin(), buffer.begin() + 64), plain);
}

TEST_P(Tunnel, SealAndOpenNeverAllocate) {
  // Under a sanitizer its malloc hook sees OpenSSL's allocations too (OpenSSL allocates with
  // malloc), and OpenSSL may have allocated before our static initialiser ran (it has under
  // TSan), so only a plain build needs OpenSSL's own hooks.
  ASSERT_TRUE(g_openssl_hooked || FLATNET_SANITIZER_ALLOCATOR)
      << "OpenSSL allocated before the hooks could be installed";
  Bytes plain(1400, 1), sealed(1416), opened(1400), header = DataHeader(3, 0);
  // Warm up once: OpenSSL may set up lazily on first use.
  ASSERT_GT(initiator_.Seal(3, header, plain, sealed.data()), 0);
  ASSERT_GT(responder_.Open(3, header, sealed, opened.data()), 0);
  const long before = g_allocations.load();
  for (uint64_t counter = 4; counter < 1004; ++counter) {
    StoreBig64(header.data() + 8, counter);
    ASSERT_GT(initiator_.Seal(counter, header, plain, sealed.data()), 0);
    ASSERT_GT(responder_.Open(counter, header, sealed, opened.data()), 0);
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  // Both hooks really see allocations, so zero above is a measurement, not a dead hook.
  long probe = g_allocations.load();
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EXPECT_GT(g_allocations.load(), probe);
  EVP_CIPHER_CTX_free(ctx);
  probe = g_allocations.load();
  // Kept in a global: clang may elide a new/delete pair whose pointer never escapes.
  static std::unique_ptr<int> boxed;
  boxed = std::make_unique<int>(1);
  EXPECT_GT(g_allocations.load(), probe);
}

}  // namespace
