// The two transport keys a finished handshake yields, seen from one side: the key this side
// seals with and the key it opens with. Nebula calls them eKey and dKey.
#pragma once

#include "crypto/aead.h"

namespace flatnet::noise {

struct SessionKeys {
  crypto::CipherKind cipher;
  crypto::AeadKey send;
  crypto::AeadKey receive;
};

}  // namespace flatnet::noise
