// metric_counts.h: each message lands in the counter nebula's metric of the same name
// counts, tunnelled packets in none, and undefined pairings as invalid (received) or other
// (sent); firewall refusals count in their direction's total and under nebula's reasons.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "mesh/metric_counts.h"

using namespace flatnet;
using namespace flatnet::mesh;
using wire::MessageSubType;
using wire::MessageType;

namespace {

// The counters that are not zero, by name.
std::map<std::string, uint64_t> NonZero(const Counters& counters) {
  std::map<std::string, uint64_t> out;
  counters.ForEach([&](std::string_view name, uint64_t value) {
    if (value) out[std::string(name)] = value;
  });
  return out;
}

MessageSubType Sub(uint8_t value) { return MessageSubType(value); }

}  // namespace

TEST(MetricCounts, EachMessageTypeHasItsCounterBothWays) {
  struct Case {
    MessageType type;
    MessageSubType subtype;
    const char* rx;
    const char* tx;
  } cases[] = {
      {MessageType::kHandshake, MessageSubType::kIxPsk0, "rx_message_handshake",
       "tx_message_handshake"},
      {MessageType::kRecvError, MessageSubType::kNone, "rx_message_recv_error",
       "tx_message_recv_error"},
      {MessageType::kLightHouse, MessageSubType::kNone, "rx_message_lighthouse",
       "tx_message_lighthouse"},
      {MessageType::kTest, MessageSubType::kTestRequest, "rx_message_test_request",
       "tx_message_test_request"},
      {MessageType::kTest, MessageSubType::kTestReply, "rx_message_test_reply",
       "tx_message_test_reply"},
      {MessageType::kCloseTunnel, MessageSubType::kNone, "rx_message_close_tunnel",
       "tx_message_close_tunnel"},
      {MessageType::kControl, MessageSubType::kNone, "rx_message_other", "tx_message_other"},
      // Pairings nebula does not define.
      {MessageType::kHandshake, Sub(1), "rx_message_invalid", "tx_message_other"},
      {MessageType::kTest, Sub(2), "rx_message_invalid", "tx_message_other"},
      {MessageType::kLightHouse, Sub(1), "rx_message_invalid", "tx_message_other"},
      {MessageType::kMessage, Sub(2), "rx_message_invalid", "tx_message_other"},
      {MessageType(9), MessageSubType::kNone, "rx_message_invalid", "tx_message_other"},
  };
  for (const Case& c : cases) {
    Counters counters;
    CountMessage(counters, Direction::kReceived, c.type, c.subtype);
    CountMessage(counters, Direction::kSent, c.type, c.subtype);
    CountMessage(counters, Direction::kSent, c.type, c.subtype);
    std::map<std::string, uint64_t> want = {{c.rx, 1}, {c.tx, 2}};
    EXPECT_EQ(NonZero(counters), want) << int(c.type) << "/" << int(c.subtype);
  }
}

TEST(MetricCounts, TunnelledPacketsAreNotCountedAsMessages) {
  Counters counters;
  for (auto direction : {Direction::kReceived, Direction::kSent}) {
    CountMessage(counters, direction, MessageType::kMessage, MessageSubType::kNone);
    CountMessage(counters, direction, MessageType::kMessage, MessageSubType::kRelay);
  }
  EXPECT_TRUE(NonZero(counters).empty());
}

TEST(MetricCounts, LighthouseMessagesByKind) {
  Counters counters;
  for (int type : {1, 2, 3, 5, 10, 4, 6, 0, 99}) {
    CountLighthouseMessage(counters, Direction::kReceived, type);
    CountLighthouseMessage(counters, Direction::kSent, type);
  }
  std::map<std::string, uint64_t> want;
  for (const char* kind : {"host_query", "host_query_reply", "host_update_notification",
                           "host_punch_notification", "host_update_notification_ack"}) {
    want[std::string("rx_lighthouse_") + kind] = 1;
    want[std::string("tx_lighthouse_") + kind] = 1;
  }
  // HostMoved (4), Whoami (6), None (0) and unknown kinds: nebula has no metric of their own.
  want["rx_lighthouse_other"] = 4;
  want["tx_lighthouse_other"] = 4;
  EXPECT_EQ(NonZero(counters), want);
}

TEST(MetricCounts, FirewallRefusalsByDirectionAndReason) {
  Counters counters;
  CountFirewallRefusal(counters, Direction::kReceived, firewall::Verdict::kDropNoRule);
  CountFirewallRefusal(counters, Direction::kReceived, firewall::Verdict::kDropRemoteIp);
  CountFirewallRefusal(counters, Direction::kSent, firewall::Verdict::kDropLocalIp);
  CountFirewallRefusal(counters, Direction::kSent, firewall::Verdict::kDropTooShort);
  std::map<std::string, uint64_t> want = {
      {"rx_dropped_firewall", 2},     {"firewall_in_no_rule", 1},
      {"firewall_in_remote_addr", 1}, {"tx_dropped_firewall", 2},
      {"firewall_out_local_addr", 1},
  };
  EXPECT_EQ(NonZero(counters), want);
}
