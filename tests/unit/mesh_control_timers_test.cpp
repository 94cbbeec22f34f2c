// The control thread's one timer queue: expiries get the time they run at, in due order,
// and may arm and cancel timers, as the managers' timers do (control_timers.h).
#include <gtest/gtest.h>

#include <vector>

#include "mesh/control_timers.h"

using namespace flatnet::mesh;

TEST(ControlTimers, DueTimersRunInOrderWithTheTimeTheyRunAt) {
  ControlTimers timers;
  std::vector<std::pair<int, int64_t>> ran;
  timers.At(300, [&](int64_t now) { ran.push_back({3, now}); });
  TimerId cancelled = timers.At(100, [&](int64_t now) { ran.push_back({1, now}); });
  timers.At(200, [&](int64_t now) { ran.push_back({2, now}); });
  timers.Cancel(cancelled);
  timers.Cancel(cancelled);  // twice: ignored
  EXPECT_EQ(timers.NextDue(), 200);
  EXPECT_EQ(timers.RunDue(199), 0u);
  EXPECT_EQ(timers.RunDue(250), 1u);
  EXPECT_EQ(timers.RunDue(400), 1u);
  EXPECT_EQ(ran, (std::vector<std::pair<int, int64_t>>{{2, 250}, {3, 400}}));
  EXPECT_EQ(timers.NextDue(), std::nullopt);
}

TEST(ControlTimers, AnExpiryMayReArmItselfAndWhatIsAlreadyDueRunsInTheSamePass) {
  ControlTimers timers;
  int runs = 0;
  std::function<void(int64_t)> every_100 = [&](int64_t now) {
    ++runs;
    timers.At(now + 100, every_100);
  };
  timers.At(0, every_100);
  timers.At(50, [&](int64_t now) { timers.At(now - 10, [&](int64_t) { runs += 10; }); });
  EXPECT_EQ(timers.RunDue(60), 3u);  // the periodic one, the one at 50, and its due child
  EXPECT_EQ(runs, 11);
  EXPECT_EQ(timers.NextDue(), 160);
  EXPECT_EQ(timers.armed(), 1u);
}
