// HandshakeState, SymmetricState and CipherState against published Noise test vectors:
// flynn/noise's own vectors.txt (the library Nebula's peers run) and cacophony's, which add
// the handshake hash and four transport messages per vector (so nonces 0 and 1 of both
// transport keys, where AESGCM's big-endian and ChaChaPoly's little-endian nonces differ).
// The files are extracted by tests/unit/data/noise/extract_vectors.py.
#include <gtest/gtest.h>

#include "hex_for_tests.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/x25519.h"
#include "noise/cipher_state.h"
#include "noise/handshake_state.h"

using namespace flatnet;
using namespace flatnet::noise;

namespace {

crypto::X25519KeyPair KeyPairFromPrivateHex(const std::string& hex) {
  crypto::X25519KeyPair pair;
  Bytes b = FromHex(hex);
  EXPECT_EQ(b.size(), 32u) << hex;
  std::copy(b.begin(), b.end(), pair.private_key.begin());
  EXPECT_TRUE(crypto::X25519PublicFromPrivate(pair.private_key, pair.public_key));
  return pair;
}

struct VectorMessage {
  bool from_initiator;
  std::string payload_hex;
  std::string ciphertext_hex;
};

struct Vector {
  int line = 0;
  std::map<std::string, std::string> fields;
  std::vector<VectorMessage> messages;
};

std::vector<Vector> LoadVectors(const std::string& file_name) {
  const char* dir = std::getenv("FLATNET_TEST_DATA");
  std::string path = std::string(dir ? dir : "tests/unit/data") + "/noise/" + file_name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<Vector> vectors;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) {
      ADD_FAILURE() << path << ":" << number << ": no '=' in line";
      continue;
    }
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "handshake") {
      vectors.emplace_back();
      vectors.back().line = number;
    }
    if (vectors.empty()) {
      ADD_FAILURE() << path << ":" << number << ": field before the first handshake=";
      continue;
    }
    if (key == "msg") {
      std::istringstream words(value);
      std::string sender, payload, ciphertext;
      words >> sender >> payload >> ciphertext;
      vectors.back().messages.push_back(
          {sender == "initiator", payload == "-" ? "" : payload, ciphertext});
    } else {
      vectors.back().fields[key] = value;
    }
  }
  return vectors;
}

// Splits "Noise_IX_25519_AESGCM_SHA256" into its pattern and cipher.
void ParseName(const std::string& name, const HandshakePattern*& pattern,
               crypto::CipherKind& cipher) {
  std::vector<std::string> parts;
  std::stringstream ss(name);
  for (std::string part; std::getline(ss, part, '_');) parts.push_back(part);
  ASSERT_EQ(parts.size(), 5u) << name;
  pattern = FindPattern(parts[1]);
  ASSERT_NE(pattern, nullptr) << name;
  ASSERT_TRUE(parts[3] == "AESGCM" || parts[3] == "ChaChaPoly") << name;
  cipher =
      parts[3] == "AESGCM" ? crypto::CipherKind::kAes256Gcm : crypto::CipherKind::kChaCha20Poly1305;
  ASSERT_EQ(ProtocolName(*pattern, cipher), name);
}

// Runs one vector end to end; returns how many messages were checked.
int RunVector(const std::string& file, const Vector& v) {
  const std::string where = file + ":" + std::to_string(v.line) + " " + v.fields.at("handshake");
  SCOPED_TRACE(where);
  const HandshakePattern* pattern = nullptr;
  crypto::CipherKind cipher{};
  ParseName(v.fields.at("handshake"), pattern, cipher);
  if (!pattern) return 0;

  HandshakeOptions init, resp;
  init.role = Role::kInitiator;
  resp.role = Role::kResponder;
  init.cipher = resp.cipher = cipher;
  init.pattern = resp.pattern = pattern;
  if (v.fields.count("prologue")) init.prologue = resp.prologue = FromHex(v.fields.at("prologue"));
  if (v.fields.count("init_static"))
    init.static_keys = KeyPairFromPrivateHex(v.fields.at("init_static"));
  if (v.fields.count("resp_static"))
    resp.static_keys = KeyPairFromPrivateHex(v.fields.at("resp_static"));
  init.ephemeral = KeyPairFromPrivateHex(v.fields.at("init_ephemeral"));
  resp.ephemeral = KeyPairFromPrivateHex(v.fields.at("resp_ephemeral"));
  if (pattern->responder_static_premessage) init.remote_static = resp.static_keys.public_key;

  Result<HandshakeState> initiator = HandshakeState::Create(init);
  Result<HandshakeState> responder = HandshakeState::Create(resp);
  EXPECT_TRUE(initiator.ok()) << initiator.status().message();
  EXPECT_TRUE(responder.ok()) << responder.status().message();
  if (!initiator.ok() || !responder.ok()) return 0;

  std::optional<CipherState> init_send, init_receive, resp_send, resp_receive;
  int checked = 0;
  for (size_t i = 0; i < v.messages.size(); ++i) {
    const VectorMessage& m = v.messages[i];
    SCOPED_TRACE("message " + std::to_string(i));
    const Bytes payload = FromHex(m.payload_hex);
    if (!initiator->Complete()) {
      HandshakeState& writer = m.from_initiator ? *initiator : *responder;
      HandshakeState& reader = m.from_initiator ? *responder : *initiator;
      EXPECT_TRUE(writer.MyTurnToWrite());
      Bytes message;
      Status written = writer.WriteMessage(payload, message);
      EXPECT_TRUE(written.ok()) << written.message();
      EXPECT_EQ(ToHex(message), m.ciphertext_hex);
      Result<Bytes> read = reader.ReadMessage(message);
      EXPECT_TRUE(read.ok()) << read.status().message();
      if (read.ok()) {
        EXPECT_EQ(ToHex(*read), m.payload_hex);
      }
      ++checked;
      if (initiator->Complete()) {
        EXPECT_TRUE(responder->Complete());
        EXPECT_EQ(ToHex(initiator->HandshakeHash()), ToHex(responder->HandshakeHash()));
        if (v.fields.count("handshake_hash")) {
          EXPECT_EQ(ToHex(initiator->HandshakeHash()), v.fields.at("handshake_hash"));
        }
        Result<SessionKeys> ik = initiator->Split(), rk = responder->Split();
        EXPECT_TRUE(ik.ok() && rk.ok());
        if (!ik.ok() || !rk.ok()) return checked;
        EXPECT_EQ(ik->send, rk->receive);
        EXPECT_EQ(ik->receive, rk->send);
        EXPECT_NE(ik->send, ik->receive);
        init_send.emplace(cipher);
        init_send->InitializeKey(ik->send);
        init_receive.emplace(cipher);
        init_receive->InitializeKey(ik->receive);
        resp_send.emplace(cipher);
        resp_send->InitializeKey(rk->send);
        resp_receive.emplace(cipher);
        resp_receive->InitializeKey(rk->receive);
      }
      continue;
    }
    // Transport messages: the ordinary Noise CipherState, nonce counting from 0 per key.
    CipherState& sender = m.from_initiator ? *init_send : *resp_send;
    CipherState& receiver = m.from_initiator ? *resp_receive : *init_receive;
    Bytes sealed, opened;
    EXPECT_TRUE(sender.EncryptWithAd({}, payload, sealed).ok());
    EXPECT_EQ(ToHex(sealed), m.ciphertext_hex);
    EXPECT_TRUE(receiver.DecryptWithAd({}, sealed, opened).ok());
    EXPECT_EQ(opened, payload);
    ++checked;
  }
  EXPECT_TRUE(initiator->Complete()) << "vector ended before the handshake did";
  return checked;
}

void RunFile(const std::string& file, size_t min_ix_per_cipher) {
  std::vector<Vector> vectors = LoadVectors(file);
  std::map<std::string, size_t> per_name;
  int messages = 0;
  for (const Vector& v : vectors) {
    per_name[v.fields.at("handshake")]++;
    messages += RunVector(file, v);
  }
  // Guards against a vector file that silently lost its content.
  EXPECT_GE(per_name["Noise_IX_25519_AESGCM_SHA256"], min_ix_per_cipher);
  EXPECT_GE(per_name["Noise_IX_25519_ChaChaPoly_SHA256"], min_ix_per_cipher);
  for (const char* pattern : {"NN", "XX", "IK"}) {
    for (const char* cipher : {"AESGCM", "ChaChaPoly"}) {
      std::string name = std::string("Noise_") + pattern + "_25519_" + cipher + "_SHA256";
      EXPECT_GE(per_name[name], 1u) << name;
    }
  }
  EXPECT_GE(messages, int(vectors.size()) * 4);
}

}  // namespace

TEST(NoiseVectors, FlynnNoiseVectorsMatchEveryMessageAndTransportKey) {
  RunFile("flynn_vectors.txt", 4);
}

TEST(NoiseVectors, CacophonyVectorsMatchMessagesHandshakeHashAndNonces) {
  RunFile("cacophony_vectors.txt", 1);
}

TEST(NoiseNonce, FollowsFlynnNoiseByteOrderPerCipher) {
  EXPECT_EQ(ToHex(NoiseNonce(crypto::CipherKind::kAes256Gcm, 0x0102030405060708)),
            "000000000102030405060708");
  EXPECT_EQ(ToHex(NoiseNonce(crypto::CipherKind::kChaCha20Poly1305, 0x0102030405060708)),
            "000000000807060504030201");
}

TEST(NoiseProtocolName, NamesNebulasTwoSuites) {
  EXPECT_EQ(ProtocolName(PatternIX(), crypto::CipherKind::kAes256Gcm),
            "Noise_IX_25519_AESGCM_SHA256");
  EXPECT_EQ(ProtocolName(PatternIX(), crypto::CipherKind::kChaCha20Poly1305),
            "Noise_IX_25519_ChaChaPoly_SHA256");
  EXPECT_EQ(FindPattern("XK"), nullptr);
}
