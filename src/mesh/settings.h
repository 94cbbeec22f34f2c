// NodeSettings: what the packet path and the control thread's managers read of the
// Config, derived once at start (Node's SettingsFrom) in the units they want.
#pragma once

#include <cstdint>

#include "config/config.h"
#include "crypto/aead.h"
#include "firewall/local_drops.h"

namespace flatnet::mesh {

// Settings derived once from the Config, in the units the packet path wants.
struct NodeSettings {
  crypto::CipherKind cipher = crypto::CipherKind::kAes256Gcm;
  int64_t handshake_try_interval_ns = 100'000'000;
  int handshake_retries = 10;
  int64_t alive_interval_ns = 5'000'000'000;
  int64_t pending_deletion_interval_ns = 10'000'000'000;
  int routines = 1;
  int batch = 64;
  firewall::LocalDrops local_drops;
  config::SendRecvError send_recv_error = config::SendRecvError::kAlways;
  config::SendRecvError accept_recv_error = config::SendRecvError::kAlways;
  // firewall.inbound_action / outbound_action: reject answers a refused packet (a TCP RST or
  // ICMP prohibited, firewall/reject.h): inbound ones through the tunnel to the peer,
  // outbound ones into our TUN device.
  bool inbound_reject = false;
  bool outbound_reject = false;
  bool drop_inactive = false;  // tunnels.drop_inactive / inactivity_timeout
  int64_t inactivity_timeout_ns = 600'000'000'000;
};

}  // namespace flatnet::mesh
