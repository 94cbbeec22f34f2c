// UdpSessionTable: one session per client, kept in order of last activity, so idle expiry
// and eviction at the cap take the right sessions.
#include <gtest/gtest.h>

#include "forward/udp_session_table.h"

namespace flatnet::forward {
namespace {

using std::chrono::seconds;

SocketAddress Client(int n) { return *SocketAddress::FromIpLiteral("192.0.2.7", 5000 + n); }

UdpSession NewSession(int n, SteadyTime now) {
  UdpSession session;
  session.id = static_cast<uint64_t>(n);
  session.client = Client(n);
  session.started = now;
  session.last_active = now;
  return session;
}

std::vector<uint64_t> Ids(const std::vector<UdpSession>& sessions) {
  std::vector<uint64_t> ids;
  for (const UdpSession& session : sessions) ids.push_back(session.id);
  return ids;
}

TEST(UdpSessionTable, FindsSessionsByClientAddressAndPort) {
  UdpSessionTable table(8);
  SteadyTime t0{};
  table.Insert(NewSession(1, t0));
  table.Insert(NewSession(2, t0));
  ASSERT_NE(table.Find(Client(1)), nullptr);
  EXPECT_EQ(table.Find(Client(1))->id, 1u);
  EXPECT_EQ(table.Find(Client(2))->id, 2u);
  // Same address, other port: another client.
  EXPECT_EQ(table.Find(Client(3)), nullptr);
  EXPECT_EQ(table.Find(*SocketAddress::FromIpLiteral("192.0.2.8", 5001)), nullptr);
  EXPECT_EQ(table.size(), 2u);
}

TEST(UdpSessionTable, IdleSessionsExpireAndActiveOnesStay) {
  UdpSessionTable table(8);
  SteadyTime t0{};
  table.Insert(NewSession(1, t0));
  table.Insert(NewSession(2, t0));
  table.Insert(NewSession(3, t0));
  table.Touch(*table.Find(Client(1)), t0 + seconds(50));  // client 1 spoke again

  EXPECT_TRUE(table.TakeIdle(t0 + seconds(59), seconds(60)).empty());
  EXPECT_EQ(Ids(table.TakeIdle(t0 + seconds(60), seconds(60))), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.Find(Client(2)), nullptr);
  EXPECT_EQ(*table.NextExpiry(seconds(60)), t0 + seconds(110));
  EXPECT_EQ(Ids(table.TakeIdle(t0 + seconds(110), seconds(60))), (std::vector<uint64_t>{1}));
  EXPECT_FALSE(table.NextExpiry(seconds(60)).has_value());
}

TEST(UdpSessionTable, EvictsTheLeastRecentlyActiveAtTheCap) {
  UdpSessionTable table(3);
  SteadyTime t0{};
  table.Insert(NewSession(1, t0));
  table.Insert(NewSession(2, t0 + seconds(1)));
  table.Insert(NewSession(3, t0 + seconds(2)));
  EXPECT_TRUE(table.full());
  table.Touch(*table.Find(Client(1)), t0 + seconds(3));  // 1 is now the most recent
  UdpSession evicted = table.Evict();
  EXPECT_EQ(evicted.id, 2u);
  EXPECT_FALSE(table.full());
  table.Insert(NewSession(4, t0 + seconds(4)));
  EXPECT_EQ(Ids(table.TakeAll()), (std::vector<uint64_t>{3, 1, 4}));
  EXPECT_EQ(table.size(), 0u);
}

// A new client at the cap evicts a session the target never answered (most likely a forged
// source) before any answered one, however recently the unanswered one spoke.
TEST(UdpSessionTable, EvictionTakesNeverAnsweredSessionsFirst) {
  UdpSessionTable table(4);
  SteadyTime t0{};
  for (int n = 1; n <= 4; ++n) table.Insert(NewSession(n, t0 + seconds(n)));
  table.MarkAnswered(*table.Find(Client(1)));
  table.MarkAnswered(*table.Find(Client(3)));
  table.MarkAnswered(*table.Find(Client(3)));  // twice is once
  table.Touch(*table.Find(Client(4)), t0 + seconds(10));
  EXPECT_EQ(table.Evict().id, 2u);  // the older unanswered one
  EXPECT_EQ(table.Evict().id, 4u);  // the last unanswered one, though the most recent
  UdpSession answered = table.Evict();
  EXPECT_EQ(answered.id, 1u);  // only answered ones left: the least recently active
  EXPECT_TRUE(answered.answered);
  EXPECT_EQ(table.Evict().id, 3u);
  EXPECT_EQ(table.size(), 0u);
}

TEST(UdpSessionTable, IdleExpiryAndTakeAllFollowActivityAcrossAnsweredAndNot) {
  UdpSessionTable table(8);
  SteadyTime t0{};
  for (int n = 1; n <= 4; ++n) table.Insert(NewSession(n, t0 + seconds(n)));
  table.MarkAnswered(*table.Find(Client(2)));
  table.MarkAnswered(*table.Find(Client(4)));
  table.Touch(*table.Find(Client(2)), t0 + seconds(20));
  EXPECT_EQ(*table.NextExpiry(seconds(60)), t0 + seconds(61));
  EXPECT_EQ(Ids(table.TakeIdle(t0 + seconds(64), seconds(60))), (std::vector<uint64_t>{1, 3, 4}));
  EXPECT_NE(table.Find(Client(2)), nullptr);
  table.Insert(NewSession(5, t0 + seconds(5)));
  EXPECT_EQ(Ids(table.TakeAll()), (std::vector<uint64_t>{5, 2}));
}

TEST(UdpSessionTable, RemoveTakesOneSessionOut) {
  UdpSessionTable table(4);
  SteadyTime t0{};
  table.Insert(NewSession(1, t0));
  table.Insert(NewSession(2, t0));
  UdpSession* two = table.Find(Client(2));
  two->to_target.Add(100);
  two->to_client.Add(40);
  two->to_client.Add(60);
  UdpSession removed = table.Remove(*two);
  EXPECT_EQ(removed.id, 2u);
  EXPECT_EQ(removed.to_target.packets, 1u);
  EXPECT_EQ(removed.to_target.bytes, 100u);
  EXPECT_EQ(removed.to_client.packets, 2u);
  EXPECT_EQ(removed.to_client.bytes, 100u);
  EXPECT_EQ(table.Find(Client(2)), nullptr);
  EXPECT_NE(table.Find(Client(1)), nullptr);
  // The client may come back as a new session.
  table.Insert(NewSession(2, t0));
  EXPECT_EQ(table.size(), 2u);
}

TEST(UdpSessionTable, ForEachVisitsInActivityOrder) {
  UdpSessionTable table(4);
  SteadyTime t0{};
  for (int n = 1; n <= 3; ++n) table.Insert(NewSession(n, t0));
  table.Touch(*table.Find(Client(2)), t0 + seconds(1));
  std::vector<uint64_t> order;
  table.ForEach([&order](UdpSession& session) { order.push_back(session.id); });
  EXPECT_EQ(order, (std::vector<uint64_t>{1, 3, 2}));
}

}  // namespace
}  // namespace flatnet::forward
