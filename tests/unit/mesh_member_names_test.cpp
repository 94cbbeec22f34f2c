// MemberNames end to end on the loopback: a member's resolver (names.*) answering from its
// NameBook, asking a lighthouse's DNS responder (a real DnsServer, as lighthouse.serve_dns
// runs it) about the names it does not know, refusing names that are not ours, and its
// counters; and ResolvedLink when no system bus is there.
#include "mesh/member_names.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

#include "dns/dns_message.h"
#include "dns/dns_server.h"
#include "dns/resolved_link.h"
#include "mesh/name_book.h"

namespace flatnet::mesh {
namespace {

IpAddr Ip(const char* text) { return ParseIpAddr(text).value(); }

// Asks 127.0.0.1:port, as `dig @127.0.0.1 -p port` does; nothing after 3 s is a failure.
std::optional<dns::DnsMessage> Ask(uint16_t port, const char* name, uint16_t type) {
  dns::DnsMessage query;
  query.header.id = 0x2222;
  query.header.flags = dns::kFlagRd;
  query.questions.push_back({dns::DnsName::FromDotted(name).value(), type, dns::kClassIn});
  Bytes bytes = dns::EncodeMessage(query).value();
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  Bytes reply(1500);
  ssize_t n = recv(fd, reply.data(), reply.size(), 0);
  close(fd);
  if (n < 0) return std::nullopt;
  reply.resize(size_t(n));
  dns::DnsMessage out;
  out.header = dns::ParseHeader(reply).value();
  dns::DnsBody body = dns::ParseBody(reply, out.header);
  out.questions = body.questions;
  out.answers = body.answers;
  return out;
}

std::string FirstAddress(const dns::DnsMessage& m) {
  if (m.answers.empty()) return "";
  return IpAddr::FromBytes(m.answers[0].rdata).ToString();
}

// The first address answered for `name`; "no reply" when nothing came back.
std::string AddressFor(uint16_t port, const char* name, uint16_t type = dns::kTypeA) {
  auto reply = Ask(port, name, type);
  return reply ? FirstAddress(*reply) : "no reply";
}

class MemberNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The lighthouse: nebula's rules, knowing member3 (which this member has not met).
    dns::DnsServerOptions lighthouse;
    lighthouse.host = "127.0.0.1";
    lighthouse.port = 0;
    lighthouse.responder.own_name = "lighthouse";
    lighthouse.responder.own_addresses = {Ip("192.168.100.1")};
    lighthouse.responder.addresses_for_name = [](std::string_view name) -> std::vector<IpAddr> {
      if (name == "member3") return {Ip("192.168.100.4"), Ip("fd00:100::4")};
      if (name == "member2") return {Ip("192.168.100.3")};
      return {};
    };
    lighthouse.responder.logger = log::Logger([](std::string_view) {});
    lighthouse_ = std::make_unique<dns::DnsServer>(lighthouse);
    ASSERT_TRUE(lighthouse_->Start().ok());

    config_.enabled = true;
    config_.domain = "our-team";
    config_.listen_ip = Ip("127.0.0.1");
    config_.listen_port = 0;
    config_.lighthouse_dns_port = lighthouse_->local_address().port();
    book_.Remember("Member2", {Ip("192.168.100.3")});
  }

  std::unique_ptr<MemberNames> Start() {
    auto names = std::make_unique<MemberNames>(MemberNames::Deps{
        config_, {Ip("127.0.0.1")}, "member1", {ParseIpPrefix("192.168.100.2/24").value()},
        book_, log::Logger([](std::string_view) {})});
    names->Start("", 0);
    return names;
  }

  std::map<std::string, uint64_t> Counters(const MemberNames& names) {
    std::vector<std::pair<std::string, uint64_t>> list;
    names.AppendCounters(&list);
    return {list.begin(), list.end()};
  }

  config::NamesConfig config_;
  NameBook book_;
  std::unique_ptr<dns::DnsServer> lighthouse_;
};

TEST_F(MemberNamesTest, AnswersPeersItKnowsAndAsksTheLighthouseAboutTheRest) {
  auto names = Start();
  ASSERT_TRUE(names->running());
  const uint16_t port = names->local_address().port();

  EXPECT_EQ(AddressFor(port, "member2"), "192.168.100.3");
  EXPECT_EQ(AddressFor(port, "member2.our-team"), "192.168.100.3");
  EXPECT_EQ(AddressFor(port, "member1.our-team"), "192.168.100.2");

  // member3 only the lighthouse knows: its answer, under the name as asked.
  auto learned = Ask(port, "member3.our-team", dns::kTypeA);
  ASSERT_TRUE(learned);
  EXPECT_EQ(learned->header.rcode(), dns::kRcodeNoError);
  EXPECT_EQ(FirstAddress(*learned), "192.168.100.4");
  EXPECT_EQ(learned->answers[0].name.ToText(), "member3.our-team.");
  EXPECT_EQ(learned->header.id, 0x2222);
  EXPECT_EQ(AddressFor(port, "member3", dns::kTypeAaaa), "fd00:100::4");
  EXPECT_EQ(AddressFor(port, "lighthouse.our-team"), "192.168.100.1");

  // Nobody knows it: the lighthouse's NXDOMAIN.
  auto unknown = Ask(port, "nobody.our-team", dns::kTypeA);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->header.rcode(), dns::kRcodeNxDomain);
  // Not ours to answer, and never asked of the lighthouse.
  auto foreign = Ask(port, "www.example.com", dns::kTypeA);
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->header.rcode(), dns::kRcodeRefused);

  std::map<std::string, uint64_t> c = Counters(*names);
  EXPECT_EQ(c["names_queries"], 8u);
  EXPECT_EQ(c["names_forwarded"], 4u);
  EXPECT_EQ(c["names_answered"], 6u);
  EXPECT_EQ(c["names_unanswered"], 1u);
  EXPECT_EQ(c["names_not_ours"], 1u);
  EXPECT_EQ(c["names_forward_failed"], 0u);
  EXPECT_EQ(lighthouse_->counters().queries, 4u) << "only names of ours reach the lighthouse";
}

TEST_F(MemberNamesTest, ASilentLighthouseIsServfailAfterTheTimeout) {
  lighthouse_->Stop();
  auto names = Start();
  auto reply = Ask(names->local_address().port(), "member3.our-team", dns::kTypeA);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->header.rcode(), dns::kRcodeServFail);
  // What it knows itself it still answers.
  EXPECT_EQ(AddressFor(names->local_address().port(), "member2.our-team"), "192.168.100.3");
  EXPECT_EQ(Counters(*names)["names_forward_failed"], 1u);
}

TEST_F(MemberNamesTest, AListenAddressInUseIsLoggedAndNothingRuns) {
  auto first = Start();
  config_.listen_port = first->local_address().port();
  std::vector<std::string> lines;
  log::Logger logger([&](std::string_view line) { lines.emplace_back(line); });
  MemberNames second(MemberNames::Deps{
      config_, {}, "member1", {ParseIpPrefix("192.168.100.2/24").value()}, book_, logger});
  second.Start("", 0);
  EXPECT_FALSE(second.running());
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("Failed to start the names resolver"), std::string::npos)
      << lines.back();
  EXPECT_NE(lines.back().find("names.listen"), std::string::npos) << lines.back();
  second.Stop();  // idempotent with nothing running
}

TEST(ResolvedLink, NoSystemBusIsAbsentAndChangesNothing) {
  const char* saved = getenv("DBUS_SYSTEM_BUS_ADDRESS");
  std::string saved_value = saved ? saved : "";
  setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/flatnet-test-bus", 1);
  dns::ResolvedLink link;
  std::string why;
  auto state = link.Register(1, net::UdpAddr::ParseIp("192.168.100.2", 53).value(), "our-team",
                             &why);
  if (saved) setenv("DBUS_SYSTEM_BUS_ADDRESS", saved_value.c_str(), 1);
  else unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
  ASSERT_TRUE(state.ok()) << state.status().message();
  EXPECT_EQ(*state, dns::ResolvedState::kAbsent);
  EXPECT_NE(why.find("no system bus"), std::string::npos) << why;
  EXPECT_FALSE(link.registered());
  EXPECT_TRUE(link.Revert().ok()) << "nothing to revert";
}

}  // namespace
}  // namespace flatnet::mesh
