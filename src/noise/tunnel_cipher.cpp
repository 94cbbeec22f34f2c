#include "noise/tunnel_cipher.h"

namespace flatnet::noise {

TunnelCipher::TunnelCipher(const SessionKeys& keys)
    : send_(keys.cipher, keys.send), receive_(keys.cipher, keys.receive) {}

}  // namespace flatnet::noise
