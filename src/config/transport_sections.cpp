// listen, punchy, relay, and the engine settings: cipher, preferred_ranges / local_range,
// handshakes, timers, routines.
#include <algorithm>

#include "config/sections.h"

namespace flatnet::config {

void ParseListen(ConfigReader& reader, ListenConfig* listen) {
  listen->host = reader.String("listen.host", "0.0.0.0");
  listen->port = reader.Port("listen.port", 0);
  listen->batch = static_cast<int>(reader.Int("listen.batch", 64, 1, 1024));
  listen->read_buffer = static_cast<int>(reader.Int("listen.read_buffer", 0, 0, INT32_MAX));
  listen->write_buffer = static_cast<int>(reader.Int("listen.write_buffer", 0, 0, INT32_MAX));
  if (const YamlNode* node = reader.Get("listen.send_recv_error")) {
    auto text = reader.ToString(*node, "listen.send_recv_error");
    if (text == "always") {
      listen->send_recv_error = SendRecvError::kAlways;
    } else if (text == "never") {
      listen->send_recv_error = SendRecvError::kNever;
    } else if (text == "private") {
      listen->send_recv_error = SendRecvError::kPrivate;
    } else if (text) {
      // nebula also takes a boolean here: true = always, false = never.
      if (auto yes = ParseBoolWord(*text)) {
        listen->send_recv_error = *yes ? SendRecvError::kAlways : SendRecvError::kNever;
      } else {
        reader.Error(node, "listen.send_recv_error",
                     "\"" + *text + "\" is not one of always, never, private");
      }
    }
  }
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
  punchy->respond_delay = reader.Duration("punchy.respond_delay", std::chrono::seconds(5));
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
