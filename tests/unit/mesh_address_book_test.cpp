// AddressBook: the candidates a handshake is sent to.
#include <gtest/gtest.h>

#include "config/config.h"
#include "mesh/address_book.h"

using namespace flatnet;

namespace {
net::UdpAddr Addr(const char* text) { return *net::UdpAddr::Parse(text); }
IpAddr Vpn(const char* text) { return *ParseIpAddr(text); }

config::Config Parse(const std::string& yaml) {
  auto config = config::LoadConfigFromString(
      "pki: {ca: /x, cert: /x, key: /x}\n" + yaml, "test.yml", nullptr);
  EXPECT_TRUE(config.ok()) << config.status().message();
  return *config;
}
}  // namespace

TEST(AddressBook, MergesSourcesWithoutDuplicatesLearnedFirst) {
  config::Config config = Parse("");
  mesh::AddressBook book(config.lighthouse.remote_allow_list, {}, {IpPrefix::From(Vpn("192.168.100.1"), 24)});
  IpAddr peer = Vpn("192.168.100.7");
  book.SetStatic(peer, {Addr("198.51.100.7:4242")});
  book.SetReported(peer, Vpn("192.168.100.1"), {Addr("198.51.100.7:4242"), Addr("10.1.1.7:4242")});
  net::UdpAddr learned = Addr("203.0.113.9:31000");
  auto all = book.Candidates(peer, &learned);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], learned);
  EXPECT_EQ(all[1], Addr("198.51.100.7:4242"));
  EXPECT_EQ(all[2], Addr("10.1.1.7:4242"));
}

TEST(AddressBook, PreferredRangesComeFirst) {
  config::Config config = Parse("preferred_ranges: [\"10.1.0.0/16\"]\n");
  mesh::AddressBook book(config.lighthouse.remote_allow_list, config.preferred_ranges,
                         {IpPrefix::From(Vpn("192.168.100.1"), 24)});
  IpAddr peer = Vpn("192.168.100.7");
  book.SetReported(peer, peer, {Addr("203.0.113.9:4242"), Addr("10.1.1.7:4242")});
  auto all = book.Candidates(peer);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], Addr("10.1.1.7:4242"));
}

TEST(AddressBook, RefusesOverlayAddressesPortZeroAndWhatTheAllowListDenies) {
  config::Config config = Parse(
      "lighthouse:\n  remote_allow_list:\n    '10.0.0.0/8': false\n");
  mesh::AddressBook book(config.lighthouse.remote_allow_list, {}, {IpPrefix::From(Vpn("192.168.100.1"), 24)});
  IpAddr peer = Vpn("192.168.100.7");
  size_t kept = book.SetReported(peer, peer,
                                 {Addr("192.168.100.9:4242"), Addr("10.2.3.4:4242"),
                                  Addr("198.51.100.1:0"), Addr("198.51.100.1:4242")});
  EXPECT_EQ(kept, 1u);
  EXPECT_EQ(book.Candidates(peer), std::vector<net::UdpAddr>{Addr("198.51.100.1:4242")});
  EXPECT_FALSE(book.Allowed(peer, Addr("10.9.9.9:4242")));
}

TEST(AddressBook, AnOwnerReplacesOnlyItsOwnReport) {
  config::Config config = Parse("");
  mesh::AddressBook book(config.lighthouse.remote_allow_list, {}, {IpPrefix::From(Vpn("192.168.100.1"), 24)});
  IpAddr peer = Vpn("192.168.100.7"), lh1 = Vpn("192.168.100.2"), lh2 = Vpn("192.168.100.3");
  book.SetReported(peer, lh1, {Addr("198.51.100.1:4242")});
  book.SetReported(peer, lh2, {Addr("198.51.100.2:4242")});
  book.SetReported(peer, lh1, {Addr("198.51.100.3:4242")});
  auto all = book.Candidates(peer);
  EXPECT_EQ(all.size(), 2u);
  EXPECT_NE(std::find(all.begin(), all.end(), Addr("198.51.100.2:4242")), all.end());
  EXPECT_NE(std::find(all.begin(), all.end(), Addr("198.51.100.3:4242")), all.end());
  EXPECT_EQ(std::find(all.begin(), all.end(), Addr("198.51.100.1:4242")), all.end());
}
