// listen, punchy, relay, and the engine settings: cipher, preferred_ranges / local_range,
// handshakes, tunnels, timers, routines.
#include <algorithm>

#include "config/sections.h"

namespace flatnet::config {

namespace {

// always, never, private; nebula also takes a boolean here: true = always, false = never.
SendRecvError ParseRecvError(ConfigReader& reader, const char* path) {
  const YamlNode* node = reader.Get(path);
  if (!node) return SendRecvError::kAlways;
  auto text = reader.ToString(*node, path);
  if (!text) return SendRecvError::kAlways;
  if (text == "always") return SendRecvError::kAlways;
  if (text == "never") return SendRecvError::kNever;
  if (text == "private") return SendRecvError::kPrivate;
  if (auto yes = ParseBoolWord(*text)) return *yes ? SendRecvError::kAlways : SendRecvError::kNever;
  reader.Error(node, path, "\"" + *text + "\" is not one of always, never, private");
  return SendRecvError::kAlways;
}

}  // namespace

bool RecvErrorAllowed(SendRecvError policy, const IpAddr& address) {
  switch (policy) {
    case SendRecvError::kAlways:
      return true;
    case SendRecvError::kNever:
      return false;
    case SendRecvError::kPrivate:
      break;
  }
  const auto& b = address.bytes16();
  if (address.is_v6()) return (b[0] & 0xfe) == 0xfc;  // fc00::/7
  const uint32_t v4 = address.v4();
  return v4 >> 24 == 10 || (v4 >> 20) == 0xac1 || (v4 >> 16) == 0xc0a8;
}

void ParseListen(ConfigReader& reader, ListenConfig* listen) {
  listen->host = reader.String("listen.host", "0.0.0.0");
  listen->port = reader.Port("listen.port", 0);
  listen->batch = static_cast<int>(reader.Int("listen.batch", 64, 1, 1024));
  listen->read_buffer = static_cast<int>(reader.Int("listen.read_buffer", 0, 0, INT32_MAX));
  listen->write_buffer = static_cast<int>(reader.Int("listen.write_buffer", 0, 0, INT32_MAX));
  listen->send_recv_error = ParseRecvError(reader, "listen.send_recv_error");
  listen->accept_recv_error = ParseRecvError(reader, "listen.accept_recv_error");
  listen->so_mark = static_cast<uint32_t>(reader.Int("listen.so_mark", 0, 0, UINT32_MAX));
}

void ParsePunchy(ConfigReader& reader, PunchyConfig* punchy) {
  // The legacy forms are top-level booleans; they count only when the new key is absent.
  const YamlNode* legacy_punch = reader.Get("punchy");
  const YamlNode* legacy_respond = reader.Get("punch_back");
  if (reader.IsSet("punchy.punch")) {
    punchy->punch = reader.Bool("punchy.punch", false);
  } else if (legacy_punch && legacy_punch->is_scalar()) {
    punchy->punch = reader.ToBool(*legacy_punch, "punchy").value_or(false);
    reader.Warn(legacy_punch, "punchy", "`punchy: <bool>` is deprecated, use punchy.punch");
  }
  if (reader.IsSet("punchy.respond")) {
    punchy->respond = reader.Bool("punchy.respond", false);
    if (legacy_respond) {
      reader.Warn(legacy_respond, "punch_back", "ignored because punchy.respond is set");
    }
  } else if (legacy_respond) {
    punchy->respond = reader.ToBool(*legacy_respond, "punch_back").value_or(false);
    reader.Warn(legacy_respond, "punch_back", "is deprecated, use punchy.respond");
  }
  punchy->delay = reader.Duration("punchy.delay", std::chrono::seconds(1));
  punchy->early_delay = reader.Duration("punchy.early_delay", std::chrono::milliseconds(100));
  punchy->respond_delay = reader.Duration("punchy.respond_delay", std::chrono::seconds(5));
  punchy->target_all_remotes = reader.Bool("punchy.target_all_remotes", false);
}

void ParseRelay(ConfigReader& reader, RelayConfig* relay) {
  relay->am_relay = reader.Bool("relay.am_relay", false);
  relay->use_relays = reader.Bool("relay.use_relays", true);
  relay->relays = reader.IpList("relay.relays");
  if (relay->am_relay && !relay->relays.empty()) {
    reader.Warn(reader.Get("relay.relays"), "relay.relays",
                "ignored because relay.am_relay is true (a relay cannot use relays)");
    relay->relays.clear();
  }
}

void ParseEngine(ConfigReader& reader, Config* config) {
  if (const YamlNode* node = reader.Get("cipher")) {
    auto name = reader.ToString(*node, "cipher");
    if (name == "aes") {
      config->cipher = Cipher::kAes;
    } else if (name == "chachapoly") {
      config->cipher = Cipher::kChaChaPoly;
    } else if (name) {
      reader.Error(node, "cipher", "\"" + *name + "\" is not a cipher (aes or chachapoly)");
    }
  }

  if (const YamlNode* list = reader.Get("preferred_ranges")) {
    if (!list->is_sequence()) {
      reader.Error(list, "preferred_ranges", "must be a list of CIDRs");
    } else {
      for (const YamlNode& item : list->items) {
        if (auto network = reader.ToNetwork(item, "preferred_ranges")) {
          config->preferred_ranges.push_back(*network);
        }
      }
    }
  }
  // local_range is the single-range ancestor of preferred_ranges; nebula merges it in.
  if (const YamlNode* node = reader.Get("local_range")) {
    reader.Warn(node, "local_range", "is deprecated, use preferred_ranges");
    if (auto network = reader.ToNetwork(*node, "local_range")) {
      auto& ranges = config->preferred_ranges;
      if (std::find(ranges.begin(), ranges.end(), *network) == ranges.end()) {
        ranges.push_back(*network);
      }
    }
  }

  HandshakesConfig& handshakes = config->handshakes;
  handshakes.try_interval =
      reader.Duration("handshakes.try_interval", std::chrono::milliseconds(100));
  if (handshakes.try_interval.count() == 0) {
    reader.Error(reader.Get("handshakes.try_interval"), "handshakes.try_interval",
                 "must be more than 0");
    handshakes.try_interval = std::chrono::milliseconds(100);
  }
  handshakes.retries = static_cast<int>(reader.Int("handshakes.retries", 10, 0, 1000));
  handshakes.trigger_buffer =
      static_cast<int>(reader.Int("handshakes.trigger_buffer", 64, 0, 1 << 20));
  handshakes.query_buffer = static_cast<int>(reader.Int("handshakes.query_buffer", 64, 0, 1 << 20));

  config->tunnels.drop_inactive = reader.Bool("tunnels.drop_inactive", false);
  config->tunnels.inactivity_timeout =
      reader.Duration("tunnels.inactivity_timeout", std::chrono::minutes(10));

  config->timers.connection_alive_interval_seconds =
      static_cast<int>(reader.Int("timers.connection_alive_interval", 5, 1, 24 * 3600));
  config->timers.pending_deletion_interval_seconds =
      static_cast<int>(reader.Int("timers.pending_deletion_interval", 10, 1, 24 * 3600));

  // `routines` wins; the older tun.routines / listen.routines count only without it.
  int routines = static_cast<int>(reader.Int("routines", 0, 0, 1024));
  int tun_queues = static_cast<int>(reader.Int("tun.routines", 1, 1, 1024));
  int udp_queues = static_cast<int>(reader.Int("listen.routines", 1, 1, 1024));
  if (routines == 0) {
    routines = std::max(tun_queues, udp_queues);
    if (routines != 1) {
      const YamlNode* at = reader.Get("tun.routines");
      reader.Warn(at ? at : reader.Get("listen.routines"), "tun.routines/listen.routines",
                  "is deprecated, use routines");
    }
  }
  config->routines = routines;
}

}  // namespace flatnet::config
