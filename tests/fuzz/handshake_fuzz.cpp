// Noise IX stage 1 and stage 2 as they arrive from a stranger, with their certificates.
//
// Input: byte 0 picks the stage, the rest is
//   stage 1 (even): a whole stage-1 datagram, read by host1 as responder;
//   stage 2 (odd):  the NebulaHandshake payload of a stage 2. The peer (fuzz_support.h's
//                   "dual", holding a v1 and a v2 certificate) answers a real stage 1 of
//                   host1 with it (encrypted, as a peer would), and host1 reads it back
//                   through the same chain. The fuzzer cannot forge AEAD tags, so this is the
//                   only way its bytes reach the stage-2 payload parser; the same bytes are
//                   also given raw to host1 as a stage-2 Noise message, which must fail.
#include <cstdint>

#include "tests/fuzz/handshake_chain.h"

using namespace flatnet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool setup = (fuzz::SilenceLogs(), fuzz::TestPki(), true);
  (void)setup;
  if (size < 1) return 0;
  ByteSpan input(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    fuzz::HandleStage1Datagram(input);
    return 0;
  }
  if (input.size() > noise::kMaxPayloadSize) return 0;
  const fuzz::Pki& pki = fuzz::TestPki();
  noise::HandshakeState initiator(crypto::CipherKind::kAes256Gcm, noise::Role::kInitiator,
                                  pki.host1_keys);
  noise::HandshakeState responder(crypto::CipherKind::kAes256Gcm, noise::Role::kResponder,
                                  pki.peer_keys);
  Bytes stage1, stage2;
  if (!initiator.WriteMessage({}, stage1).ok()) fuzz::Fail("stage 1 write");
  if (!responder.ReadMessage(stage1).ok()) fuzz::Fail("stage 1 read");
  // A stranger's bytes as a stage-2 Noise message: the tag check refuses them and, by the
  // state's contract, leaves the initiator able to read the genuine one.
  if (initiator.ReadMessage(input).ok()) fuzz::Fail("forged stage 2 accepted");
  if (!responder.WriteMessage(input, stage2).ok()) fuzz::Fail("stage 2 write");
  fuzz::ReadHandshakePayload(initiator, stage2);
  return 0;
}
