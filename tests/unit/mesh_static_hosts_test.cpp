// static_host_map entries by name (mesh/static_hosts.h): lookups by static_map.network, names
// that fail, and the resolver noticing a changed answer and handing it to the AddressBook.
// Names used: "localhost" (in every /etc/hosts) and names under .invalid (RFC 2606: never
// resolve).
#include <gtest/gtest.h>

#include <algorithm>

#include "config/config.h"
#include "mesh/address_book.h"
#include "mesh/static_hosts.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

config::StaticHost Entry(const char* vpn_ip, std::initializer_list<const char*> addresses) {
  config::StaticHost host;
  host.vpn_ip = *config::ParseIp(vpn_ip);
  for (const char* a : addresses) host.addresses.push_back(*config::HostPort::Parse(a));
  return host;
}

bool Holds(const std::vector<net::UdpAddr>& list, const char* addr) {
  return std::find(list.begin(), list.end(), Addr(addr)) != list.end();
}

log::Logger CapturingLogger(std::shared_ptr<std::string> into) {
  return log::Logger([into](std::string_view line) { into->append(line); });
}

}  // namespace

TEST(MeshStaticHosts, LiteralsAreTakenAsWrittenWhateverTheNetwork) {
  config::StaticMapConfig how;
  how.network = config::StaticMapNetwork::kIp4;
  std::vector<std::string> failures;
  auto found = ResolveStaticHost(Entry("10.9.0.1", {"192.0.2.1:4242", "[2001:db8::1]:4242"}), how,
                                 &failures);
  EXPECT_TRUE(failures.empty());
  ASSERT_EQ(found.size(), 2u);
  EXPECT_TRUE(Holds(found, "192.0.2.1:4242"));
  EXPECT_TRUE(Holds(found, "[2001:db8::1]:4242"));
}

TEST(MeshStaticHosts, ANameIsLookedUpForTheConfiguredFamilyOnly) {
  config::StaticMapConfig how;  // ip4, Nebula's default
  std::vector<std::string> failures;
  auto v4 = ResolveStaticHost(Entry("10.9.0.1", {"localhost:4242"}), how, &failures);
  EXPECT_TRUE(failures.empty()) << failures[0];
  EXPECT_TRUE(Holds(v4, "127.0.0.1:4242"));
  EXPECT_TRUE(std::all_of(v4.begin(), v4.end(), [](const net::UdpAddr& a) { return a.is_v4(); }));
}

TEST(MeshStaticHosts, ANameThatFailsIsLeftOutAndReportedByName) {
  config::StaticMapConfig how;
  std::vector<std::string> failures;
  auto found = ResolveStaticHost(Entry("10.9.0.1", {"nowhere.invalid:4242", "192.0.2.1:4242"}), how,
                                 &failures);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_TRUE(failures[0].starts_with("nowhere.invalid: ")) << failures[0];
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(Holds(found, "192.0.2.1:4242"));
}

TEST(MeshStaticHosts, SameAddressesIgnoresOrder) {
  std::vector<net::UdpAddr> a = {Addr("192.0.2.1:1"), Addr("192.0.2.2:1")};
  std::vector<net::UdpAddr> b = {Addr("192.0.2.2:1"), Addr("192.0.2.1:1")};
  EXPECT_TRUE(SameAddresses(a, b));
  EXPECT_FALSE(SameAddresses(a, {Addr("192.0.2.1:1")}));
  EXPECT_FALSE(SameAddresses(a, {Addr("192.0.2.1:1"), Addr("192.0.2.2:2")}));
  EXPECT_TRUE(SameAddresses({}, {}));
}

// What the name resolved to at start (here: an address it no longer has) differs from what
// it resolves to now: the change is queued once, and the AddressBook gets the new list.
TEST(MeshStaticHosts, AChangedAnswerReachesTheAddressBookOnce) {
  config::Config config;
  config.static_host_map = {Entry("10.9.0.1", {"localhost:4242"}),
                            Entry("10.9.0.2", {"192.0.2.2:4242"})};  // literal only: not watched
  auto log = std::make_shared<std::string>();
  StaticHostResolver resolver(config, {{Addr("198.51.100.7:4242")}, {Addr("192.0.2.2:4242")}},
                              CapturingLogger(log));
  resolver.ResolveOnce();
  resolver.ResolveOnce();  // same answer again: nothing more to tell

  config::RemoteAllowList allow;
  AddressBook book(allow, {}, {IpPrefix::From(Ip("10.9.0.9"), 24)});
  book.SetStatic(Ip("10.9.0.1"), {Addr("198.51.100.7:4242")});
  ApplyStaticHostChanges(resolver, book, CapturingLogger(log));
  auto candidates = book.Candidates(Ip("10.9.0.1"));
  EXPECT_TRUE(Holds(candidates, "127.0.0.1:4242"));
  EXPECT_FALSE(Holds(candidates, "198.51.100.7:4242"));
  EXPECT_NE(log->find("DNS results changed for host list"), std::string::npos);
  EXPECT_NE(log->find("198.51.100.7:4242"), std::string::npos);  // origSet

  log->clear();
  resolver.ResolveOnce();
  ApplyStaticHostChanges(resolver, book, CapturingLogger(log));
  EXPECT_EQ(log->find("DNS results changed"), std::string::npos);
}

// A name that stops resolving takes its addresses out, as in Nebula, and says so.
TEST(MeshStaticHosts, ANameThatStopsResolvingIsLoggedAndLosesItsAddresses) {
  config::Config config;
  config.static_host_map = {Entry("10.9.0.1", {"gone.invalid:4242"})};
  auto log = std::make_shared<std::string>();
  StaticHostResolver resolver(config, {{Addr("198.51.100.7:4242")}}, CapturingLogger(log));
  resolver.ResolveOnce();
  EXPECT_NE(log->find("DNS resolution failed for static_map host"), std::string::npos);
  auto changes = resolver.TakeChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].vpn_ip, Ip("10.9.0.1"));
  EXPECT_TRUE(changes[0].after.empty());
}

// Start runs a thread only for named entries, and Stop ends it promptly between rounds.
TEST(MeshStaticHosts, TheThreadStopsBetweenRounds) {
  config::Config config;
  config.static_map.cadence = std::chrono::hours(1);
  config.static_host_map = {Entry("10.9.0.1", {"localhost:4242"})};
  StaticHostResolver resolver(config, {{}}, log::Logger([](std::string_view) {}));
  resolver.Start();
  resolver.Stop();  // must not wait for the hour
  EXPECT_TRUE(resolver.TakeChanges().empty());
}
