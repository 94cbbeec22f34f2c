// FLATNET_CHECK stays live in release builds (this file is built with NDEBUG in
// RelWithDebInfo, where assert would do nothing), and the bounds it guards abort.
#include <gtest/gtest.h>

#include "base/check.h"
#include "net/udp_batch.h"

namespace flatnet {
namespace {

TEST(CheckDeathTest, FailingCheckAbortsNamingTheCondition) {
  int length = 3;
  EXPECT_DEATH(FLATNET_CHECK(length <= 2), "check failed: length <= 2");
}

TEST(CheckDeathTest, PassingCheckDoesNothing) {
  int calls = 0;
  FLATNET_CHECK(++calls == 1);
  EXPECT_EQ(calls, 1);  // the condition is evaluated exactly once
}

TEST(CheckDeathTest, SendBatchRefusesADatagramLongerThanItsBuffer) {
  net::SendBatchBuffers batch(2, 100);
  net::UdpAddr to(IpAddr::V4(0x7f000001), 4242);
  EXPECT_DEATH(batch.Commit(to, 101), "check failed");
  batch.Commit(to, 100);
  EXPECT_EQ(batch.size(), 1u);
}

TEST(CheckDeathTest, SendBatchRefusesACommitWhenFull) {
  net::SendBatchBuffers batch(1, 100);
  net::UdpAddr to(IpAddr::V4(0x7f000001), 4242);
  batch.Commit(to, 10);
  ASSERT_TRUE(batch.full());
  EXPECT_DEATH(batch.Commit(to, 10), "check failed");
}

}  // namespace
}  // namespace flatnet
