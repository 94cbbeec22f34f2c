#include "noise/tunnel_cipher.h"

namespace flatnet::noise {

TunnelCipher::TunnelCipher(const SessionKeys& keys)
    : send_(keys.cipher, keys.send, crypto::AeadUse::kSealOnly),
      receive_(keys.cipher, keys.receive, crypto::AeadUse::kOpenOnly) {}

}  // namespace flatnet::noise
