// ReplayWindow: Nebula's 1024-packet acceptance rule, its counts, and agreement with a
// straightforward reference model over long random sequences of reordered, duplicated and
// jumping counters.
#include "wire/replay_window.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

using flatnet::wire::ReplayWindow;

namespace {

// Marks what Nebula marks when it sets a tunnel up: 0 (never sent) and the two handshake
// packets.
ReplayWindow TunnelWindow() {
  ReplayWindow w;
  for (uint64_t c : {0, 1, 2}) EXPECT_TRUE(w.Update(c));
  return w;
}

TEST(ReplayWindow, AcceptsEachCounterOnceInOrder) {
  ReplayWindow w = TunnelWindow();
  for (uint64_t c = 3; c < 5000; ++c) {
    ASSERT_TRUE(w.Check(c)) << c;
    ASSERT_TRUE(w.Update(c)) << c;
    ASSERT_FALSE(w.Check(c)) << c;
  }
  EXPECT_EQ(w.highest(), 4999u);
  EXPECT_EQ(w.lost(), 0u);
  EXPECT_EQ(w.duplicates(), 0u);
  EXPECT_EQ(w.out_of_window(), 0u);
}

TEST(ReplayWindow, HandshakeCountersAreNeverAcceptedOnTheTunnel) {
  ReplayWindow w = TunnelWindow();
  for (uint64_t c : {0, 1, 2}) {
    EXPECT_FALSE(w.Check(c));
    EXPECT_FALSE(w.Update(c));
  }
  EXPECT_EQ(w.duplicates(), 3u);
  EXPECT_TRUE(w.Update(3));  // the first data packet
}

TEST(ReplayWindow, DuplicatesAreRefusedAndCounted) {
  ReplayWindow w = TunnelWindow();
  for (uint64_t c = 3; c <= 10; ++c) ASSERT_TRUE(w.Update(c));
  EXPECT_FALSE(w.Update(10));  // the newest again
  EXPECT_FALSE(w.Update(5));   // an older one again
  EXPECT_FALSE(w.Update(5));
  EXPECT_EQ(w.duplicates(), 3u);
  EXPECT_EQ(w.out_of_window(), 0u);
  EXPECT_EQ(w.highest(), 10u);
}

TEST(ReplayWindow, ReorderingWithinTheWindowIsAccepted) {
  ReplayWindow w = TunnelWindow();
  ASSERT_TRUE(w.Update(1026));  // the window now holds 3 .. 1026
  for (uint64_t c = 1025; c >= 3; --c) {
    ASSERT_TRUE(w.Check(c)) << c;
    ASSERT_TRUE(w.Update(c)) << c;
  }
  EXPECT_EQ(w.highest(), 1026u);
  EXPECT_EQ(w.lost(), 0u);
  EXPECT_EQ(w.duplicates(), 0u);
}

TEST(ReplayWindow, CountersOlderThan1024BelowTheHighestAreOutOfWindow) {
  ReplayWindow w = TunnelWindow();
  ASSERT_TRUE(w.Update(5000));
  EXPECT_TRUE(w.Check(5000 - 1023));  // the oldest counter still inside
  EXPECT_FALSE(w.Check(5000 - 1024));
  EXPECT_FALSE(w.Check(3));
  EXPECT_EQ(w.out_of_window(), 0u) << "Check must not count: its input is unauthenticated";
  EXPECT_TRUE(w.Update(5000 - 1023));
  EXPECT_FALSE(w.Update(5000 - 1024));
  EXPECT_FALSE(w.Update(3));
  EXPECT_EQ(w.out_of_window(), 2u);
  EXPECT_EQ(w.highest(), 5000u);
}

TEST(ReplayWindow, FarJumpsSlideTheWholeWindowAndCountTheSkippedAsLost) {
  ReplayWindow w = TunnelWindow();
  for (uint64_t c = 3; c <= 10; ++c) ASSERT_TRUE(w.Update(c));
  ASSERT_TRUE(w.Update(1000000));
  // Everything up to 1000000-1024 is gone for good: 11 .. 998976 were never received.
  EXPECT_EQ(w.lost(), 1000000u - 1024 - 10);
  EXPECT_TRUE(w.Check(1000000 - 1));
  EXPECT_TRUE(w.Check(1000000 - 1023));
  EXPECT_FALSE(w.Check(1000000 - 1024));
  EXPECT_FALSE(w.Check(10));
  EXPECT_FALSE(w.Check(1000000));
}

TEST(ReplayWindow, SurvivesTheLargestCounter) {
  ReplayWindow w = TunnelWindow();
  const uint64_t max = ~uint64_t{0};
  ASSERT_TRUE(w.Update(max - 5));
  ASSERT_TRUE(w.Update(max));  // a short slide ending at 2^64-1 must terminate
  EXPECT_FALSE(w.Update(max));
  EXPECT_TRUE(w.Update(max - 1));
  EXPECT_FALSE(w.Check(0));
  EXPECT_FALSE(w.Check(max - 1024));
  EXPECT_TRUE(w.Check(max - 1023));
}

TEST(ReplayWindow, LateArrivalsInsideTheWindowAreNotLost) {
  ReplayWindow w = TunnelWindow();
  for (uint64_t c = 3; c <= 100; ++c) {
    if (c == 50 || c == 60) continue;
    ASSERT_TRUE(w.Update(c));
  }
  ASSERT_TRUE(w.Update(50));  // late but in time
  for (uint64_t c = 101; c <= 3000; ++c) ASSERT_TRUE(w.Update(c));
  EXPECT_EQ(w.lost(), 1u);  // only 60 left the window unseen
}

TEST(ReplayWindow, GapsAreLostOnlyOnceTheyLeaveTheWindow) {
  ReplayWindow w = TunnelWindow();
  ASSERT_TRUE(w.Update(500));  // 3 .. 499 missing but still acceptable
  EXPECT_EQ(w.lost(), 0u);
  ASSERT_TRUE(w.Update(1026));  // window 3 .. 1026: nothing has left yet
  EXPECT_EQ(w.lost(), 0u);
  ASSERT_TRUE(w.Update(1030));  // 3, 4, 5, 6 leave unseen
  EXPECT_EQ(w.lost(), 4u);
}

TEST(ReplayWindow, AFreshWindowAcceptsCounterZeroOnce) {
  ReplayWindow w;
  EXPECT_TRUE(w.Check(0));
  EXPECT_TRUE(w.Update(0));
  EXPECT_FALSE(w.Update(0));
  EXPECT_EQ(w.duplicates(), 1u);
}

// The rule written as plainly as possible, with a set instead of a bitmap.
struct ReferenceWindow {
  std::set<uint64_t> accepted;
  uint64_t highest = 0;
  uint64_t duplicates = 0, out_of_window = 0;

  bool Check(uint64_t c) const {
    if (c > highest) return true;
    return highest - c < 1024 && !accepted.count(c);
  }
  bool Update(uint64_t c) {
    if (c > highest) {
      highest = c;
      accepted.insert(c);
      return true;
    }
    if (highest - c >= 1024) {
      ++out_of_window;
      return false;
    }
    if (!accepted.insert(c).second) {
      ++duplicates;
      return false;
    }
    return true;
  }
  // Counters that left the window (0 .. highest-1024) without being accepted.
  uint64_t Lost() const {
    if (highest < 1024) return 0;
    uint64_t gone = highest - 1024 + 1, seen = 0;
    for (uint64_t c : accepted) seen += c <= highest - 1024;
    return gone - seen;
  }
};

TEST(ReplayWindow, AgreesWithAReferenceModelOnRandomTraffic) {
  std::mt19937_64 rng(20240611);
  for (int round = 0; round < 20; ++round) {
    ReplayWindow w;
    ReferenceWindow ref;
    uint64_t sent = 0;
    for (int i = 0; i < 20000; ++i) {
      uint64_t c;
      const int kind = int(rng() % 100);
      if (kind < 60) {
        c = ++sent;  // in order
      } else if (kind < 85) {
        c = sent > 0 ? sent - rng() % std::min<uint64_t>(sent, 1500) : 0;  // reordered or old
      } else if (kind < 97) {
        c = sent + rng() % 1100;  // ahead, within about a window
        sent = std::max(sent, c);
      } else {
        c = sent + 1024 + rng() % 5000;  // far jump
        sent = c;
      }
      ASSERT_EQ(w.Check(c), ref.Check(c)) << "round " << round << " step " << i << " c " << c;
      ASSERT_EQ(w.Update(c), ref.Update(c)) << "round " << round << " step " << i << " c " << c;
    }
    EXPECT_EQ(w.highest(), ref.highest);
    EXPECT_EQ(w.duplicates(), ref.duplicates);
    EXPECT_EQ(w.out_of_window(), ref.out_of_window);
    EXPECT_EQ(w.lost(), ref.Lost());
  }
}

}  // namespace
