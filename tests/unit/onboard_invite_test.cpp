// Invites and the inventory: an invite survives its text form, a damaged or foreign paste
// is named as such, and the inventory round-trips, picks the next free address, locks out
// nothing it should not, and keeps the old file when a change fails.
#include "onboard/invite.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "onboard/inventory.h"

namespace flatnet::onboard {
namespace {

const std::string kFingerprint(64, 'c');

TEST(Invite, RoundTripsAndIsShortEnoughToPaste) {
  Invite invite = NewInvite(1800000000, kFingerprint, "203.0.113.2:4243");
  std::string text = EncodeInvite(invite);
  EXPECT_TRUE(text.starts_with("flatnet-invite:"));
  EXPECT_LT(text.size(), 140u) << text;
  Result<Invite> back = DecodeInvite("  " + text + "\n");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->expires, 1800000000);
  EXPECT_EQ(back->FingerprintHex(), kFingerprint);
  EXPECT_EQ(back->id, invite.id);
  EXPECT_EQ(back->secret, invite.secret);
  EXPECT_EQ(back->join_address, "203.0.113.2:4243");
  // Two invites never share an id or a secret.
  Invite other = NewInvite(1800000000, kFingerprint, "203.0.113.2:4243");
  EXPECT_NE(other.id, invite.id);
  EXPECT_NE(other.secret, invite.secret);
}

TEST(Invite, DamagedOrForeignTextIsNamed) {
  std::string text = EncodeInvite(NewInvite(1800000000, kFingerprint, "lh.example.com:4243"));
  auto error = [](const std::string& t) {
    Result<Invite> r = DecodeInvite(t);
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  EXPECT_EQ(error("hello"), "not a flatnet invite (it starts with flatnet-invite:)");
  const std::string damaged = "the invite is damaged: copy all of it again";
  EXPECT_EQ(error(text.substr(0, text.size() - 3)), damaged);
  std::string flipped = text;
  flipped[40] = flipped[40] == 'A' ? 'B' : 'A';
  EXPECT_EQ(error(flipped), damaged);
  EXPECT_EQ(error(text + "AAAA"), damaged);
  EXPECT_EQ(error("flatnet-invite:!!!!"), damaged);
  EXPECT_EQ(error("flatnet-invite:"), damaged);
}

class InventoryFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flatnet-inventory-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_ + "/inventory.txt"; }
  std::string dir_;
};

TEST_F(InventoryFile, RoundTripsAndPicksTheNextFreeAddress) {
  ASSERT_TRUE(UpdateInventory(path(), [](Inventory& inv) {
                inv.invites.push_back({"0011", "alice", "10.9.0.2/24", {"a", "b"}, 100, "ff", "open"});
                inv.invites.push_back({"0022", "old", "10.9.0.3/24", {}, 100, "ee", "revoked"});
                inv.members.push_back({"ab", "bob", "10.9.0.4/24", {}, 200, "join", "removed"});
                return Status::Ok();
              }).ok());
  EXPECT_EQ(std::filesystem::status(path()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Result<Inventory> inv = ReadInventory(path());
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  ASSERT_EQ(inv->invites.size(), 2u);
  EXPECT_EQ(inv->invites[0].groups, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(inv->members[0].state, "removed");
  EXPECT_EQ(inv->Blocklist(), std::vector<std::string>{"ab"});
  // .1 is the lighthouse, .2 alice's open invite, .3 a revoked invite's (free again), .4
  // a removed member's (never reused: its certificate may still be out there).
  IpPrefix net = *ParseIpPrefix("10.9.0.0/24");
  Result<IpPrefix> next = inv->NextFree(net, {*ParseIpAddr("10.9.0.1")});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->ToString(), "10.9.0.3/24");
  Result<IpPrefix> full = inv->NextFree(*ParseIpPrefix("10.9.0.0/30"),
                                        {*ParseIpAddr("10.9.0.1"), *ParseIpAddr("10.9.0.3")});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().message(), "team.network 10.9.0.0/30 is full");
}

TEST_F(InventoryFile, AFailedChangeKeepsTheFileAndBadLinesAreNamed) {
  ASSERT_TRUE(UpdateInventory(path(), [](Inventory& inv) {
                inv.members.push_back({"ab", "bob", "10.9.0.4/24", {}, 200, "join", "active"});
                return Status::Ok();
              }).ok());
  Status s = UpdateInventory(path(), [](Inventory& inv) {
    inv.members.clear();
    return Status::Error("no");
  });
  EXPECT_EQ(s.message(), "no");
  EXPECT_EQ(ReadInventory(path())->members.size(), 1u);

  std::ofstream(path()) << "member\tab\tbob\n";
  Result<Inventory> bad = ReadInventory(path());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), path() + ": line 1: a member record has 8 fields");
}

}  // namespace
}  // namespace flatnet::onboard
