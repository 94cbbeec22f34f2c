// IpamStore (src/cni/ipam_store.h): addresses handed out once each, released on DEL, kept
// across restarts (a new store on the same directory), exhaustion named, and two
// allocators at once never sharing an address.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "cni/ipam_store.h"

namespace flatnet::cni {
namespace {

namespace fs = std::filesystem;

IpPrefix Subnet(const char* text) { return ParseIpPrefix(text).value(); }

class IpamStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flatnet-ipam-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    dir_ = root_ + "/net/flatnet";  // Open creates the missing levels
  }
  void TearDown() override { fs::remove_all(root_); }
  IpamStore Open() {
    auto store = IpamStore::Open(dir_);
    EXPECT_TRUE(store.ok()) << store.error().msg;
    return std::move(store).value();
  }
  std::string root_, dir_;
};

TEST_F(IpamStoreTest, HandsOutTheSubnetsAddressesInOrderSkippingTheGateway) {
  IpamStore store = Open();
  auto first = store.Allocate(Subnet("10.100.2.0/24"), "c1", "eth0");
  auto second = store.Allocate(Subnet("10.100.2.0/24"), "c2", "eth0");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first.value().ToString(), "10.100.2.2");  // .1 is the bridge's
  EXPECT_EQ(second.value().ToString(), "10.100.2.3");
  EXPECT_EQ(IpamStore::Gateway(Subnet("10.100.2.0/24")).ToString(), "10.100.2.1");
  // The file says who holds the address.
  std::ifstream in(dir_ + "/10.100.2.2");
  std::string id, ifname;
  std::getline(in, id);
  std::getline(in, ifname);
  EXPECT_EQ(id, "c1");
  EXPECT_EQ(ifname, "eth0");
}

TEST_F(IpamStoreTest, TheSameContainerAndInterfaceKeepTheirAddress) {
  IpamStore store = Open();
  auto first = store.Allocate(Subnet("10.100.2.0/24"), "c1", "eth0");
  auto again = store.Allocate(Subnet("10.100.2.0/24"), "c1", "eth0");
  auto other_if = store.Allocate(Subnet("10.100.2.0/24"), "c1", "eth1");
  ASSERT_TRUE(first.ok() && again.ok() && other_if.ok());
  EXPECT_EQ(first.value(), again.value());
  EXPECT_NE(first.value(), other_if.value());
}

TEST_F(IpamStoreTest, ReleaseFreesTheAddressButTheNextOneIsNotReusedAtOnce) {
  IpamStore store = Open();
  const IpPrefix subnet = Subnet("10.100.2.0/29");  // .2 .. .6
  auto a = store.Allocate(subnet, "c1", "eth0");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(store.Release("c1", "eth0").ok());
  EXPECT_FALSE(fs::exists(dir_ + "/10.100.2.2"));
  auto found = store.Find("c1", "eth0");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found.value().has_value());
  // The next allocation moves on from the last one handed out ...
  auto b = store.Allocate(subnet, "c2", "eth0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value().ToString(), "10.100.2.3");
  // ... and wraps round to the released address once the rest is used.
  for (const char* id : {"c3", "c4", "c5"}) ASSERT_TRUE(store.Allocate(subnet, id, "eth0").ok());
  auto wrapped = store.Allocate(subnet, "c6", "eth0");
  ASSERT_TRUE(wrapped.ok()) << wrapped.error().msg;
  EXPECT_EQ(wrapped.value().ToString(), "10.100.2.2");
}

TEST_F(IpamStoreTest, ReleasingWhatIsNotHeldSucceeds) {
  IpamStore store = Open();
  ASSERT_TRUE(store.Allocate(Subnet("10.100.2.0/24"), "c1", "eth0").ok());
  EXPECT_TRUE(store.Release("nobody", "eth0").ok());
  EXPECT_TRUE(store.Release("c1", "eth9").ok());
  EXPECT_TRUE(fs::exists(dir_ + "/10.100.2.2"));  // c1's eth0 untouched
  ASSERT_TRUE(store.Release("c1", "eth0").ok());
  EXPECT_TRUE(store.Release("c1", "eth0").ok());  // DEL twice
}

TEST_F(IpamStoreTest, ANewStoreOnTheSameDirectorySeesEverything) {
  {
    IpamStore before = Open();
    ASSERT_TRUE(before.Allocate(Subnet("10.100.2.0/24"), "c1", "eth0").ok());
    ASSERT_TRUE(before.Allocate(Subnet("10.100.2.0/24"), "c2", "eth0").ok());
    ASSERT_TRUE(before.Release("c1", "eth0").ok());
  }
  IpamStore after = Open();  // the host restarted
  auto c2 = after.Find("c2", "eth0");
  ASSERT_TRUE(c2.ok() && c2.value().has_value());
  EXPECT_EQ(c2.value()->ToString(), "10.100.2.3");
  // Neither c2's address nor (yet) the released one is handed out next.
  auto c3 = after.Allocate(Subnet("10.100.2.0/24"), "c3", "eth0");
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(c3.value().ToString(), "10.100.2.4");
}

TEST_F(IpamStoreTest, AnExhaustedSubnetIsAnErrorNamingIt) {
  IpamStore store = Open();
  const IpPrefix subnet = Subnet("10.100.2.252/30");  // one container address: .254
  EXPECT_EQ(IpamStore::UsableCount(subnet), 1u);
  auto only = store.Allocate(subnet, "c1", "eth0");
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(only.value().ToString(), "10.100.2.254");
  auto none = store.Allocate(subnet, "c2", "eth0");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kSubnetExhausted);
  EXPECT_NE(none.error().msg.find("10.100.2.252/30 is exhausted"), std::string::npos)
      << none.error().msg;
  EXPECT_NE(none.error().msg.find("all 1 of its"), std::string::npos) << none.error().msg;
  // Released, it is there again.
  ASSERT_TRUE(store.Release("c1", "eth0").ok());
  auto back = store.Allocate(subnet, "c2", "eth0");
  ASSERT_TRUE(back.ok()) << back.error().msg;
  EXPECT_EQ(back.value().ToString(), "10.100.2.254");
}

TEST_F(IpamStoreTest, FilesThatAreNotAddressesAreIgnoredAndForeignAddressesStayTaken) {
  fs::create_directories(dir_);
  std::ofstream(dir_ + "/README") << "not an address\n";
  std::ofstream(dir_ + "/10.100.2.2") << "";  // unreadable holder: still taken
  IpamStore store = Open();
  auto a = store.Allocate(Subnet("10.100.2.0/24"), "c1", "eth0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value().ToString(), "10.100.2.3");
}

TEST_F(IpamStoreTest, TwoAllocatorsAtOnceNeverShareAnAddress) {
  // Two stores (as two plugin processes: separate lock descriptors) allocating for 40
  // containers each at the same time in a /25 (125 addresses).
  const IpPrefix subnet = Subnet("10.100.2.0/25");
  std::vector<std::string> got[2];
  std::thread workers[2];
  for (int w = 0; w < 2; ++w) {
    workers[w] = std::thread([&, w] {
      IpamStore store = IpamStore::Open(dir_).value();
      for (int i = 0; i < 40; ++i) {
        auto address = store.Allocate(subnet, "w" + std::to_string(w) + "-" + std::to_string(i),
                                      "eth0");
        if (address.ok()) got[w].push_back(address.value().ToString());
      }
    });
  }
  for (auto& worker : workers) worker.join();
  ASSERT_EQ(got[0].size(), 40u);
  ASSERT_EQ(got[1].size(), 40u);
  std::set<std::string> all(got[0].begin(), got[0].end());
  all.insert(got[1].begin(), got[1].end());
  EXPECT_EQ(all.size(), 80u) << "an address was handed out twice";
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_))
    files += ParseIpAddr(entry.path().filename().string()).ok();
  EXPECT_EQ(files, 80u);
}

}  // namespace
}  // namespace flatnet::cni
