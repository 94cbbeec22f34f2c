// The control thread's loop: timers fire in deadline order and can be cancelled, other
// threads can hand it work and wake it, readable fds call back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "net/event_loop.h"
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

TEST(EventLoop, RunsTimersPostsAndWatchesThenStops) {
  auto created = EventLoop::Create();
  ASSERT_TRUE(created.ok()) << created.status().message();
  EventLoop& loop = **created;

  std::vector<std::string> log;  // touched only on the loop thread
  auto start = Clock::now();
  Clock::duration fired_after{};
  loop.RunAfter(60ms, [&] {
    log.push_back("timer60");
    fired_after = Clock::now() - start;
  });
  TimerId cancelled = loop.RunAfter(30ms, [&] { log.push_back("cancelled"); });
  EXPECT_TRUE(loop.Cancel(cancelled));

  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  ASSERT_TRUE(loop.WatchReadable(pipe_fds[0],
                                 [&] {
                                   char c;
                                   ASSERT_EQ(read(pipe_fds[0], &c, 1), 1);
                                   log.push_back(std::string("pipe:") + c);
                                   loop.Unwatch(pipe_fds[0]);
                                 })
                  .ok());
  loop.RunAfter(100ms, [&] {
    log.push_back("stop");
    loop.Stop();
  });

  std::thread other([&] {
    std::this_thread::sleep_for(10ms);
    loop.Post([&] { log.push_back("posted"); });  // from another thread, while blocked
    std::this_thread::sleep_for(10ms);
    ASSERT_EQ(write(pipe_fds[1], "x", 1), 1);
  });
  loop.Run();
  other.join();
  close(pipe_fds[0]);
  close(pipe_fds[1]);

  EXPECT_EQ(log, (std::vector<std::string>{"posted", "pipe:x", "timer60", "stop"}));
  EXPECT_GE(fired_after, 60ms);
  EXPECT_LT(fired_after, 60ms + 2s) << "a timer must not wait for unrelated events";
}

TEST(EventLoop, AnEarlierTimerFromAnotherThreadWakesTheLoop) {
  auto loop = std::move(EventLoop::Create()).value();
  loop->RunAfter(10s, [] {});  // the loop sleeps towards this one...
  std::atomic<bool> fired{false};
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);
    loop->RunAfter(1ms, [&] {  // ...until this earlier one arrives
      fired = true;
      loop->Stop();
    });
  });
  auto start = Clock::now();
  loop->Run();
  other.join();
  EXPECT_TRUE(fired);
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(EventLoop, StopFromAnotherThreadEndsRun) {
  auto loop = std::move(EventLoop::Create()).value();
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);
    loop->Stop();
  });
  auto start = Clock::now();
  loop->Run();  // nothing else is pending: returns only because of Stop
  other.join();
  EXPECT_GE(Clock::now() - start, 20ms);
  EXPECT_LT(Clock::now() - start, 5s);
}
