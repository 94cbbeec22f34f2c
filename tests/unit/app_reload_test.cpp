// `flatnet reload` (app/flatnet_reload.h): the daemon's answer file, and the errors a user
// gets when no daemon runs or the config does not load. The full round trip with a running
// daemon is tests/lab/reload_test.sh.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/flatnet_reload.h"

namespace flatnet::app {
namespace {

namespace fs = std::filesystem;

fs::path TempDir() {
  fs::path dir = fs::temp_directory_path() / ("flatnet_reload_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

TEST(AppReload, AnswersRoundTripAndReplaceEachOther) {
  const std::string path = (TempDir() / "sock.reload").string();
  ASSERT_TRUE(WriteReloadAnswer(path, {123, 0, true, {"started"}}).ok());
  ASSERT_TRUE(WriteReloadAnswer(path, {123, 4, false,
                                       {"config.yml:3: pki.cert: cannot read /x: No such file",
                                        "firewall.inbound rule 1 (line 9): port \"80-\" is not a port or range"}})
                  .ok());
  auto answer = ReadReloadAnswer(path);
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(answer->pid, 123);
  EXPECT_EQ(answer->answered, 4u);
  EXPECT_FALSE(answer->accepted);
  ASSERT_EQ(answer->lines.size(), 2u);
  EXPECT_NE(answer->lines[1].find("firewall.inbound rule 1"), std::string::npos);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  std::ofstream(path) << "not an answer\n";
  EXPECT_FALSE(ReadReloadAnswer(path).ok());
  fs::remove_all(TempDir());
}

TEST(AppReload, NoDaemonOnTheSocketIsAClearErrorAndExitOne) {
  const std::string socket = (TempDir() / "nobody.sock").string();
  std::ostringstream out, err;
  EXPECT_EQ(RunReload({"-socket", socket}, out, err), 1);
  EXPECT_NE(err.str().find("no flatnet is running with control socket " + socket),
            std::string::npos)
      << err.str();
  EXPECT_TRUE(out.str().empty());
  fs::remove_all(TempDir());
}

TEST(AppReload, AConfigThatDoesNotLoadIsReportedAndNothingIsSent) {
  const fs::path config = TempDir() / "config.yml";
  std::ofstream(config) << "listen:\n  port: not-a-port\n";
  std::ostringstream out, err;
  EXPECT_EQ(RunReload({"-config", config.string()}, out, err), 1);
  EXPECT_NE(err.str().find("nothing was sent to the daemon"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("listen.port"), std::string::npos) << err.str();
  fs::remove_all(TempDir());
}

TEST(AppReload, StrayArgumentsAreUsageErrors) {
  std::ostringstream out, err;
  EXPECT_EQ(RunReload({"now"}, out, err), 2);
  EXPECT_NE(err.str().find("unexpected argument now"), std::string::npos);
}

}  // namespace
}  // namespace flatnet::app
