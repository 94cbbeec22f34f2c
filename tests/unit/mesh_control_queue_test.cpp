// The control queue's budgets: strangers (handshakes, punches, recv_errors) have their own
// bounded share and cannot crowd out authenticated control traffic or our own packets.
#include <gtest/gtest.h>

#include "mesh/control_queue.h"

using namespace flatnet::mesh;
using Kind = ControlEvent::Kind;

namespace {

ControlEvent Of(Kind kind) {
  ControlEvent event;
  event.kind = kind;
  return event;
}

size_t PushUntilRefused(ControlQueue& queue, Kind kind, size_t at_most = 100000) {
  size_t accepted = 0;
  while (accepted < at_most && queue.Push(Of(kind))) ++accepted;
  return accepted;
}

}  // namespace

// Finding 4: a flood of unauthenticated punches and recv_errors used to share one budget with
// authenticated lighthouse, relay and close messages.
TEST(ControlQueue, StrangersFloodLeavesRoomForAuthenticatedAndLocalEvents) {
  ControlQueue queue;
  size_t strangers = PushUntilRefused(queue, Kind::kPunch) +
                     PushUntilRefused(queue, Kind::kRecvError) +
                     PushUntilRefused(queue, Kind::kHandshake);
  EXPECT_EQ(strangers, ControlQueue::kMaxStrangers);
  EXPECT_EQ(PushUntilRefused(queue, Kind::kAuthenticated), ControlQueue::kMaxAuthenticated);
  EXPECT_EQ(PushUntilRefused(queue, Kind::kOutbound), ControlQueue::kMaxOutbound);
  EXPECT_TRUE(queue.Push(Of(Kind::kWake)));  // stopping is never refused
}

TEST(ControlQueue, HandshakesHaveTheirOwnCapWithinTheStrangersShare) {
  ControlQueue queue;
  EXPECT_EQ(PushUntilRefused(queue, Kind::kHandshake), ControlQueue::kMaxHandshakes);
  EXPECT_EQ(PushUntilRefused(queue, Kind::kPunch),
            ControlQueue::kMaxStrangers - ControlQueue::kMaxHandshakes);
}

TEST(ControlQueue, PoppingFreesTheBudgetOfTheEventsClass) {
  ControlQueue queue;
  PushUntilRefused(queue, Kind::kPunch);
  ASSERT_FALSE(queue.Push(Of(Kind::kRecvError)));
  ControlEvent out;
  ASSERT_TRUE(queue.PopUntil(std::chrono::steady_clock::now(), out));
  EXPECT_EQ(out.kind, Kind::kPunch);
  EXPECT_TRUE(queue.Push(Of(Kind::kRecvError)));
  EXPECT_FALSE(queue.Push(Of(Kind::kPunch)));
}
