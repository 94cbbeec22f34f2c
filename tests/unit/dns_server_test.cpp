// DnsServer end to end on the loopback: real UDP queries to an ephemeral port, the
// answers' bytes, the counters, and start/stop behaviour.
#include "dns/dns_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "hex_for_tests.h"
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "dns/dns_message.h"

namespace flatnet::dns {
namespace {

// A client socket on 127.0.0.1 with a receive timeout, so a missing reply fails the
// test instead of hanging it.
class Client {
 public:
  Client() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    timeval tv{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~Client() { close(fd_); }

  // Sends `query` and returns the reply, or nothing after a second.
  std::optional<Bytes> Ask(uint16_t port, const Bytes& query) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sendto(fd_, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    Bytes reply(65536);
    ssize_t n = recv(fd_, reply.data(), reply.size(), 0);
    if (n < 0) return std::nullopt;
    reply.resize(size_t(n));
    return reply;
  }

 private:
  int fd_ = -1;
};

class DnsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }

  static DnsServerOptions Options(std::string host = "127.0.0.1", uint16_t port = 0) {
    DnsServerOptions o;
    o.host = std::move(host);
    o.port = port;
    o.responder.addresses_for_name = [](std::string_view name) -> std::vector<IpAddr> {
      if (name == "host1") return {IpAddr::V4(0xc0a86405)};  // 192.168.100.5
      return {};
    };
    o.responder.cert_for_ip = [](const IpAddr& ip) -> std::optional<CertDetails> {
      if (ip != IpAddr::V4(0xc0a86405)) return std::nullopt;
      CertDetails d;
      d.name = "host1";
      d.ips = {"192.168.100.5/24"};
      d.not_before = 0;
      d.not_after = 86400;
      d.public_key = {0xab, 0xcd};
      d.issuer = "ca";
      return d;
    };
    o.responder.vpn_networks = {ParseIpPrefix("192.168.100.1/24").value()};
    o.responder.logger = log::Logger([](std::string_view) {});
    return o;
  }
};

TEST_F(DnsServerTest, AnswersAQueryOverUdp) {
  DnsServer server(Options());
  ASSERT_TRUE(server.Start().ok());
  const uint16_t port = server.local_address().port();
  ASSERT_NE(port, 0);
  Client client;
  // dig-style: RD and AD set, an OPT record with a cookie.
  auto reply = client.Ask(port, FromHex("beef 0120 0001 0000 0000 0001 05686f737431 00 0001 0001"
                                        " 00 0029 04d0 00000000 000c 000a 0008 0011223344556677"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(ToHex(*reply), ToHex(FromHex("beef 8100 0001 0001 0000 0000"
                                         " 05686f737431 00 0001 0001"
                                         " 05686f737431 00 0001 0001 00000e10 0004 c0a86405")));
  server.Stop();
  DnsCounters c = server.counters();
  EXPECT_EQ(c.queries, 1u);
  EXPECT_EQ(c.answered, 1u);
}

TEST_F(DnsServerTest, UnknownNameIsNxDomainWithoutAnswer) {
  DnsServer server(Options());
  ASSERT_TRUE(server.Start().ok());
  Client client;
  auto reply = client.Ask(server.local_address().port(),
                          FromHex("0001 0100 0001 0000 0000 0000 066e6f686f7374 00 0001 0001"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(ToHex(*reply),
            ToHex(FromHex("0001 8103 0001 0000 0000 0000 066e6f686f7374 00 0001 0001")));
  server.Stop();
  EXPECT_EQ(server.counters().unanswered, 1u);
  EXPECT_EQ(server.counters().answered, 0u);
}

TEST_F(DnsServerTest, TxtFromLoopbackGivesCertDetails) {
  DnsServer server(Options());
  ASSERT_TRUE(server.Start().ok());
  Client client;
  // TXT 192.168.100.5.
  Bytes query =
      FromHex("0002 0100 0001 0000 0000 0000 03313932 03313638 03313030 0135 00 0010 0001");
  auto reply = client.Ask(server.local_address().port(), query);
  ASSERT_TRUE(reply);
  auto header = ParseHeader(*reply);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->ancount, 1);
  std::string text(reply->begin(), reply->end());
  EXPECT_NE(text.find("\x0bName: host1"), std::string::npos);
  EXPECT_NE(text.find("'NotBefore 1970-01-01 00:00:00 +0000 UTC"), std::string::npos);
  EXPECT_NE(text.find("\x0ePublicKey abcd"), std::string::npos);
  server.Stop();
}

TEST_F(DnsServerTest, GarbageIsCountedAndGetsNebulasReplies) {
  DnsServer server(Options());
  ASSERT_TRUE(server.Start().ok());
  const uint16_t port = server.local_address().port();
  Client client;
  // Too short for a header: no reply.
  EXPECT_FALSE(client.Ask(port, FromHex("0102 0304 05")));
  // A pointer loop in the question: FORMERR.
  auto formerr = client.Ask(port, FromHex("0003 0100 0001 0000 0000 0000 c00c 0001 0001"));
  ASSERT_TRUE(formerr);
  EXPECT_EQ(ToHex(*formerr), "000381010000000000000000");
  // A response: ignored.
  EXPECT_FALSE(
      client.Ask(port, FromHex("0004 8100 0001 0000 0000 0000 05686f737431 00 0001 0001")));
  // Opcode STATUS: NOTIMP.
  auto notimp =
      client.Ask(port, FromHex("0005 1000 0001 0000 0000 0000 05686f737431 00 0001 0001"));
  ASSERT_TRUE(notimp);
  EXPECT_EQ(ToHex(*notimp), "000590040000000000000000");
  // An empty datagram.
  EXPECT_FALSE(client.Ask(port, {}));
  // Still serving after all that.
  auto ok = client.Ask(port, FromHex("0006 0000 0001 0000 0000 0000 05686f737431 00 0001 0001"));
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)[7], 1) << "one answer";
  server.Stop();
  DnsCounters c = server.counters();
  EXPECT_EQ(c.queries, 6u);
  EXPECT_EQ(c.malformed, 3u);
  EXPECT_EQ(c.ignored, 1u);
  EXPECT_EQ(c.not_implemented, 1u);
  EXPECT_EQ(c.answered, 1u);
  EXPECT_EQ(c.send_errors, 0u);
}

TEST_F(DnsServerTest, ReadsOnly512BytesOfADatagramAsNebulaDoes) {
  DnsServer server(Options());
  ASSERT_TRUE(server.Start().ok());
  Client client;
  // 600 bytes: a question, then an OPT record whose 562-byte option ends past byte 512.
  Bytes query = FromHex(
      "0007 0100 0001 0000 0000 0001 05686f737431 00 0001 0001"
      " 00 0029 04d0 00000000 0236 fde9 0232");
  query.resize(600, 0);
  ASSERT_TRUE(ParseBody(query, *ParseHeader(query)).error.ok()) << "whole, it is well formed";
  auto reply = client.Ask(server.local_address().port(), query);
  ASSERT_TRUE(reply);
  EXPECT_EQ(ToHex(*reply),
            ToHex(FromHex("0007 8101 0001 0000 0000 0000 05686f737431 00 0001 0001")));
  // The same query cut to 512 bytes by the sender is accepted once the option fits.
  Bytes fitting = FromHex(
      "0008 0100 0001 0000 0000 0001 05686f737431 00 0001 0001"
      " 00 0029 04d0 00000000 01de fde9 01da");
  fitting.resize(512, 0);
  reply = client.Ask(server.local_address().port(), fitting);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)[3] & 0xF, 0) << "NOERROR";
  server.Stop();
}

TEST_F(DnsServerTest, EmptyHostListensOnBothFamilies) {
  // nebula's default lighthouse.dns.host "" listens like Go's ":port": IPv4 askers on a
  // dual-stack socket must still count as 127.0.0.1 for TXT.
  DnsServer server(Options(""));
  ASSERT_TRUE(server.Start().ok());
  Client client;
  auto reply = client.Ask(server.local_address().port(),
                          FromHex("0009 0100 0001 0000 0000 0000 03313932 03313638 03313030 0135"
                                  " 00 0010 0001"));
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)[7], 1) << "TXT answered to 127.0.0.1 arriving as ::ffff:127.0.0.1";
  server.Stop();
}

TEST_F(DnsServerTest, PortInUseIsAnErrorNamingTheAddress) {
  DnsServer first(Options());
  ASSERT_TRUE(first.Start().ok());
  const uint16_t port = first.local_address().port();
  DnsServer second(Options("127.0.0.1", port));
  Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("in use"), std::string::npos) << s.message();
  EXPECT_FALSE(second.running());
}

TEST_F(DnsServerTest, HostMustBeAnIpLiteral) {
  DnsServer server(Options("dns.example", 5353));
  Status s = server.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("lighthouse.dns.host \"dns.example\" is not an IP address"),
            std::string::npos)
      << s.message();
}

TEST_F(DnsServerTest, StopJoinsAndStartWorksAgain) {
  DnsServer server(Options());
  ASSERT_TRUE(server.Start().ok());
  EXPECT_FALSE(server.Start().ok()) << "already running";
  server.Stop();
  EXPECT_FALSE(server.running());
  server.Stop();  // idempotent
  ASSERT_TRUE(server.Start().ok());
  Client client;
  EXPECT_TRUE(client.Ask(server.local_address().port(),
                         FromHex("000a 0100 0001 0000 0000 0000 05686f737431 00 0001 0001")));
  // The destructor stops it.
}

TEST_F(DnsServerTest, LogsStartingWithNebulasListenerText) {
  std::vector<std::string> lines;
  DnsServerOptions o = Options();
  o.responder.logger = log::Logger([&](std::string_view line) { lines.emplace_back(line); });
  log::Options log_options;
  log_options.disable_timestamp = true;
  o.responder.logger.Configure(log_options);
  DnsServer server(o);
  ASSERT_TRUE(server.Start().ok());
  server.Stop();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "level=info msg=\"Starting DNS responder\" dnsListener=\"127.0.0.1:0\"\n");
}

}  // namespace
}  // namespace flatnet::dns
