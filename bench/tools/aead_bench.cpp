// aead-bench: what sealing and opening one tunnel packet costs with each AEAD back end
// flatnet could use, in one run on one core: OpenSSL 3's EVP interface (crypto::Aead, what
// the data path uses) and libsodium's precomputed-key interface (crypto_aead_*_afternm for
// AES-256-GCM, the IETF ChaCha20-Poly1305). Packets carry Nebula's 16-byte header as
// associated data and a counter nonce, as the data path does.
//
//   aead-bench [--seconds S] [--sizes "64 1400 8960"]
//
// Prints, per cipher and packet size, ns per seal+open pair and Gbit/s of plaintext for each
// back end, and the ratio libsodium / OpenSSL (above 1: libsodium is faster). Every opened
// packet is compared with what was sealed, so a back end that is fast because it is wrong
// fails the run (exit 1).
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/aead.h"

namespace {

using Clock = std::chrono::steady_clock;
using flatnet::ByteSpan;
using flatnet::crypto::AeadKey;
using flatnet::crypto::AeadNonce;
using flatnet::crypto::CipherKind;

constexpr size_t kHeader = 16, kTag = 16;

AeadNonce NonceFor(uint64_t counter) {
  AeadNonce nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = uint8_t(counter >> (56 - 8 * i));
  return nonce;
}

// One seal and one open of a `size`-byte packet; false if the opened bytes differ.
using RoundTrip = std::function<bool(uint64_t counter, std::vector<uint8_t>& packet,
                                     std::vector<uint8_t>& sealed, std::vector<uint8_t>& opened)>;

struct Figure {
  double ns_per_pair = 0;
  double gbits = 0;
  bool correct = true;
};

Figure Measure(const RoundTrip& round_trip, size_t size, double seconds) {
  std::vector<uint8_t> packet(kHeader + size), sealed(kHeader + size + kTag),
      opened(kHeader + size);
  for (size_t i = 0; i < packet.size(); ++i) packet[i] = uint8_t(i * 7 + 3);
  Figure figure;
  uint64_t pairs = 0;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  // Check the clock every 256 pairs so reading it costs nothing measurable.
  while (Clock::now() < until) {
    for (int i = 0; i < 256; ++i, ++pairs) {
      packet[kHeader] = uint8_t(pairs);
      if (!round_trip(pairs, packet, sealed, opened)) figure.correct = false;
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  figure.ns_per_pair = elapsed * 1e9 / double(pairs);
  figure.gbits = double(pairs) * double(size) * 8 / elapsed / 1e9;
  return figure;
}

RoundTrip OpenSslRoundTrip(CipherKind kind, const AeadKey& key) {
  auto sealer = std::make_shared<flatnet::crypto::Aead>(kind, key,
                                                        flatnet::crypto::AeadUse::kSealOnly);
  auto opener = std::make_shared<flatnet::crypto::Aead>(kind, key,
                                                        flatnet::crypto::AeadUse::kOpenOnly);
  return [sealer, opener](uint64_t counter, std::vector<uint8_t>& packet,
                          std::vector<uint8_t>& sealed, std::vector<uint8_t>& opened) {
    const AeadNonce nonce = NonceFor(counter);
    ByteSpan ad(packet.data(), kHeader);
    ByteSpan body(packet.data() + kHeader, packet.size() - kHeader);
    long n = sealer->Seal(nonce, ad, body, sealed.data() + kHeader);
    if (n < 0) return false;
    long m = opener->Open(nonce, ad, ByteSpan(sealed.data() + kHeader, size_t(n)),
                          opened.data() + kHeader);
    return m == long(body.size()) &&
           std::memcmp(opened.data() + kHeader, body.data(), body.size()) == 0;
  };
}

// libsodium's detached calls, one signature for both ciphers: (out, tag, in, len, ad, nonce)
// seals and (out, in, len, tag, ad, nonce) opens, returning 0 when the tag verifies.
using SodiumSeal = std::function<void(uint8_t*, uint8_t*, const uint8_t*, size_t,
                                      const uint8_t*, const uint8_t*)>;
using SodiumOpen = std::function<int(uint8_t*, const uint8_t*, size_t, const uint8_t*,
                                     const uint8_t*, const uint8_t*)>;

RoundTrip SodiumRoundTrip(SodiumSeal seal, SodiumOpen open) {
  return [seal, open](uint64_t counter, std::vector<uint8_t>& packet,
                      std::vector<uint8_t>& sealed, std::vector<uint8_t>& opened) {
    const AeadNonce nonce = NonceFor(counter);
    const size_t body = packet.size() - kHeader;
    uint8_t* out = sealed.data() + kHeader;
    seal(out, out + body, packet.data() + kHeader, body, packet.data(), nonce.data());
    if (open(opened.data() + kHeader, out, body, out + body, packet.data(), nonce.data()) != 0)
      return false;
    return std::memcmp(opened.data() + kHeader, packet.data() + kHeader, body) == 0;
  };
}

RoundTrip SodiumAesRoundTrip(const AeadKey& key) {
  auto state = std::make_shared<crypto_aead_aes256gcm_state>();
  crypto_aead_aes256gcm_beforenm(state.get(), key.data());
  return SodiumRoundTrip(
      [state](uint8_t* out, uint8_t* tag, const uint8_t* in, size_t len, const uint8_t* ad,
              const uint8_t* nonce) {
        crypto_aead_aes256gcm_encrypt_detached_afternm(out, tag, nullptr, in, len, ad, kHeader,
                                                       nullptr, nonce, state.get());
      },
      [state](uint8_t* out, const uint8_t* in, size_t len, const uint8_t* tag, const uint8_t* ad,
              const uint8_t* nonce) {
        return crypto_aead_aes256gcm_decrypt_detached_afternm(out, nullptr, in, len, tag, ad,
                                                              kHeader, nonce, state.get());
      });
}

RoundTrip SodiumChaChaRoundTrip(const AeadKey& key) {
  return SodiumRoundTrip(
      [key](uint8_t* out, uint8_t* tag, const uint8_t* in, size_t len, const uint8_t* ad,
            const uint8_t* nonce) {
        crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, tag, nullptr, in, len, ad,
                                                           kHeader, nullptr, nonce, key.data());
      },
      [key](uint8_t* out, const uint8_t* in, size_t len, const uint8_t* tag, const uint8_t* ad,
            const uint8_t* nonce) {
        return crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, nullptr, in, len, tag, ad,
                                                                  kHeader, nonce, key.data());
      });
}

int Usage(const char* why) {
  std::fprintf(stderr, "aead-bench: %s\nusage: aead-bench [--seconds S] [--sizes \"64 1400\"]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  std::vector<size_t> sizes = {64, 1400, 8960};
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) return Usage(("missing value for " + flag).c_str());
    std::string value = argv[++i];
    if (flag == "--seconds") {
      char* end = nullptr;
      seconds = std::strtod(value.c_str(), &end);
      if (*end || seconds <= 0 || seconds > 600) return Usage("--seconds: not in (0, 600]");
    } else if (flag == "--sizes") {
      sizes.clear();
      std::istringstream in(value);
      long size = 0;
      while (in >> size) {
        if (size < 1 || size > 65000) return Usage("--sizes: each in [1, 65000]");
        sizes.push_back(size_t(size));
      }
      if (sizes.empty() || !in.eof()) return Usage("--sizes: a list of byte counts");
    } else {
      return Usage(("unknown flag " + flag).c_str());
    }
  }
  if (sodium_init() < 0) return Usage("libsodium failed to initialise");
  const bool sodium_aes = crypto_aead_aes256gcm_is_available() != 0;

  AeadKey key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = uint8_t(i + 1);
  std::printf("%-18s %6s %14s %14s %14s %14s %8s\n", "cipher", "bytes", "openssl ns", "openssl Gb/s",
              "sodium ns", "sodium Gb/s", "ratio");
  bool correct = true;
  for (CipherKind kind : {CipherKind::kAes256Gcm, CipherKind::kChaCha20Poly1305}) {
    const bool aes = kind == CipherKind::kAes256Gcm;
    for (size_t size : sizes) {
      Figure openssl = Measure(OpenSslRoundTrip(kind, key), size, seconds);
      Figure sodium;
      if (aes && !sodium_aes) {
        std::printf("%-18s %6zu %14.0f %14.2f %14s %14s %8s\n", "aes-256-gcm", size,
                    openssl.ns_per_pair, openssl.gbits, "-", "-", "-");
      } else {
        sodium = Measure(aes ? SodiumAesRoundTrip(key) : SodiumChaChaRoundTrip(key), size,
                         seconds);
        std::printf("%-18s %6zu %14.0f %14.2f %14.0f %14.2f %8.2f\n",
                    aes ? "aes-256-gcm" : "chacha20-poly1305", size, openssl.ns_per_pair,
                    openssl.gbits, sodium.ns_per_pair, sodium.gbits,
                    openssl.ns_per_pair / sodium.ns_per_pair);
      }
      if (!openssl.correct || !sodium.correct) {
        std::fprintf(stderr, "aead-bench: %s %zu bytes: an opened packet differs from the sealed one\n",
                     aes ? "aes-256-gcm" : "chacha20-poly1305", size);
        correct = false;
      }
    }
  }
  if (!sodium_aes)
    std::printf("libsodium's AES-256-GCM needs AES-NI and PCLMUL, which this CPU lacks\n");
  return correct ? 0 : 1;
}
