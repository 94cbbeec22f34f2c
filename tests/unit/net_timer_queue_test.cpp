// The timer queue under the control thread's timers (mesh/control_timers.h): timers fire in
// deadline order and can be cancelled; and the waker the TUN device is interrupted with.
#include <gtest/gtest.h>
#include <unistd.h>

#include "net/timer_queue.h"
#include "net/waker.h"

using namespace flatnet::net;
using namespace std::chrono_literals;

TEST(TimerQueue, FiresDueTimersInDeadlineOrderAndSkipsCancelled) {
  TimerQueue q;
  Clock::time_point t0{};
  std::vector<int> fired;
  q.Add(t0 + 30ms, [&] { fired.push_back(30); });
  TimerId cancelled = q.Add(t0 + 10ms, [&] { fired.push_back(10); });
  q.Add(t0 + 20ms, [&] { fired.push_back(20); });
  q.Add(t0 + 20ms, [&] { fired.push_back(21); });  // same deadline: added later, fires later
  q.Add(t0 + 50ms, [&] { fired.push_back(50); });
  EXPECT_TRUE(q.Cancel(cancelled));
  EXPECT_FALSE(q.Cancel(cancelled)) << "a second cancel is a no-op";
  EXPECT_FALSE(q.Cancel(12345));

  EXPECT_EQ(q.NextDeadline(), t0 + 20ms) << "the cancelled 10ms timer is not next";
  EXPECT_EQ(q.RunExpired(t0 + 19ms), 0u);
  EXPECT_EQ(q.RunExpired(t0 + 30ms), 3u);
  EXPECT_EQ(fired, (std::vector<int>{20, 21, 30}));
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.NextDeadline(), t0 + 50ms);
}

TEST(TimerQueue, CallbacksMayAddAndCancelTimers) {
  TimerQueue q;
  Clock::time_point t0{};
  std::vector<int> fired;
  TimerId later = q.Add(t0 + 40ms, [&] { fired.push_back(40); });
  q.Add(t0 + 10ms, [&] {
    fired.push_back(10);
    q.Cancel(later);
    q.Add(t0 + 15ms, [&] { fired.push_back(15); });  // already due: fires this round
    q.Add(t0 + 90ms, [&] { fired.push_back(90); });
  });
  EXPECT_EQ(q.RunExpired(t0 + 50ms), 2u);
  EXPECT_EQ(fired, (std::vector<int>{10, 15}));
  EXPECT_EQ(q.NextDeadline(), t0 + 90ms);
}

TEST(Waker, WakesCoalesceUntilDrained) {
  auto waker = Waker::Create();
  ASSERT_TRUE(waker.ok());
  waker->Wake();
  waker->Wake();
  uint64_t count = 0;
  ASSERT_EQ(read(waker->fd(), &count, sizeof(count)), 8);
  EXPECT_EQ(count, 2u);
  waker->Drain();  // nothing pending: must not block
  EXPECT_EQ(read(waker->fd(), &count, sizeof(count)), -1) << "eventfd is non-blocking";
}
