// `flatnet-cert invite` and `flatnet join` against a JoinService on loopback, in-process:
// a join gets a certificate for a key made on the member and writes the member's files;
// every bad case (used, revoked, expired, mistyped invite, unreachable CA side, a CA side
// that is not the pinned CA, a host that joined already) is one line naming it, exit 1,
// and leaves no member directory behind.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <mutex>
#include <thread>

#include "app/flatnet_cert_cli.h"
#include "app/flatnet_join.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "cert/key_pem.h"
#include "onboard/inventory.h"
#include "onboard/invite.h"
#include "onboard/join_protocol.h"

namespace flatnet::app {
namespace {

namespace fs = std::filesystem;

class Join : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flatnet-join-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    ASSERT_EQ(Cert({"ca", "-name", "our-team", "-out-crt", P("ca.crt"), "-out-key", P("ca.key")}).first, 0);
    std::ofstream(P("team.yml"))
        << "team:\n  network: 192.168.100.0/24\n"
           "static_host_map:\n  \"192.168.100.1\": [\"192.0.2.1:4242\"]\n"
           "lighthouse:\n  hosts: [\"192.168.100.1\"]\n"
           "firewall:\n  inbound: [{port: any, proto: icmp, host: any}]\n";
    StartServer(P("ca.crt"), P("ca.key"), &server_, &address_);
  }
  void TearDown() override {
    stop_ = true;
    for (std::thread& t : threads_) t.join();
    fs::remove_all(dir_);
  }

  std::string P(const std::string& name) const { return dir_ + "/" + name; }
  std::string Read(const std::string& name) const {
    std::ifstream in(P(name), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::pair<int, std::string> Cert(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    int code = RunFlatnetCert("flatnet-cert", args, out, err);
    return {code, out.str() + err.str()};
  }

  // A JoinService for the CA in crt/key, answering on loopback from a thread.
  void StartServer(const std::string& crt, const std::string& key,
                   std::unique_ptr<onboard::TlsServer>* server, std::string* address) {
    Result<std::unique_ptr<onboard::TlsServer>> s = onboard::TlsServer::Listen("127.0.0.1:0");
    ASSERT_TRUE(s.ok()) << s.status().message();
    *server = std::move(*s);
    *address = "127.0.0.1:" + std::to_string((*server)->port());
    std::ifstream c(crt), k(key);
    std::stringstream ca_pem, key_pem;
    ca_pem << c.rdbuf();
    key_pem << k.rdbuf();
    Result<cert::Certificate> ca = cert::ParseCertificatePem(ca_pem.str());
    Result<cert::PrivateKey> ca_key = cert::ParsePrivateKeyPem(key_pem.str());
    ASSERT_TRUE(ca.ok() && ca_key.ok());
    onboard::JoinService service{*ca, ca_pem.str(), ca_key->key, P("team.yml"),
                                 P("inventory.txt"), [] { return int64_t(time(nullptr)); }};
    onboard::TlsServer* raw = server->get();
    threads_.emplace_back([this, raw, service] {
      while (!stop_) {
        auto c = raw->Accept(std::chrono::milliseconds(50), std::chrono::milliseconds(2000));
        if (!c.ok()) {
          std::lock_guard<std::mutex> lock(log_mutex_);
          log_ += c.status().message() + "\n";
        } else if (*c) {
          std::string line = service.Handle(**c, raw->certificate_der()).line;
          std::lock_guard<std::mutex> lock(log_mutex_);
          log_ += line + "\n";
        }
      }
    });
  }

  std::string MakeInvite(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"invite", "-name", name, "-ca-crt", P("ca.crt"), "-team",
                                     P("team.yml"), "-inventory", P("inventory.txt"), "-join",
                                     address_};
    args.insert(args.end(), extra.begin(), extra.end());
    std::ostringstream out, err;
    EXPECT_EQ(RunFlatnetCert("flatnet-cert", args, out, err), 0) << err.str();
    std::string text = out.str();
    return text.substr(0, text.find('\n'));
  }
  std::pair<int, std::string> RunJoinCli(const std::string& invite, const std::string& root) {
    std::ostringstream out, err;
    int code = RunJoin({invite, "-root", P(root), "-timeout", "2s"}, out, err);
    return {code, code == 0 ? out.str() : err.str()};
  }
  // The one-line error of a join that must fail, after checking it left nothing.
  std::string Refused(const std::string& invite, const std::string& root = "member") {
    auto [code, err] = RunJoinCli(invite, root);
    EXPECT_EQ(code, 1);
    EXPECT_FALSE(fs::exists(P(root))) << root << " was left behind";
    EXPECT_EQ(err.find('\n'), err.size() - 1) << err;
    return err.substr(0, err.find('\n'));
  }

  std::string dir_;
  // Servers are the fixture's, never a test's locals: their Accept threads run until
  // TearDown joins them.
  std::unique_ptr<onboard::TlsServer> server_;
  std::unique_ptr<onboard::TlsServer> other_server_;  // another CA's, when a test starts one
  std::string address_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex log_mutex_;
  std::string log_;
  std::string Log() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return log_;
  }
};

TEST_F(Join, AMemberGetsItsCertificateAndFiles) {
  std::string invite = MakeInvite("alice", {"-groups", "laptops"});
  auto [code, out] = RunJoinCli(invite, "etc");
  ASSERT_EQ(code, 0) << out;
  EXPECT_TRUE(out.starts_with("joined our-team as alice, 192.168.100.2/24; lighthouse 192.168.100.1\n"))
      << out;
  for (const char* f : {"ca.crt", "host.crt", "host.key", "config.yml"}) {
    struct stat st;
    ASSERT_EQ(stat(P(std::string("etc/") + f).c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
  EXPECT_EQ(Read("etc/ca.crt"), Read("ca.crt"));
  Result<cert::Certificate> ca = cert::ParseCertificatePem(Read("ca.crt"));
  Result<cert::Certificate> host = cert::ParseCertificatePem(Read("etc/host.crt"));
  Result<cert::PrivateKey> key = cert::ParsePrivateKeyPem(Read("etc/host.key"));
  ASSERT_TRUE(ca.ok() && host.ok() && key.ok());
  cert::CaPool pool;
  ASSERT_TRUE(pool.AddCa(*ca).ok());
  EXPECT_TRUE(pool.Verify(*host, host->not_before).ok());
  EXPECT_TRUE(host->VerifyPrivateKey(key->curve, key->key).ok());
  EXPECT_EQ(host->name, "alice");
  EXPECT_EQ(host->groups, std::vector<std::string>{"laptops"});
  // Dated back for clock skew (onboard::kClockSkewAllowance), but never before the CA,
  // which is seconds old here.
  EXPECT_EQ(host->not_before, ca->not_before);
  EXPECT_EQ(host->not_after, ca->not_after - 1);
  YAML::Node config = YAML::Load(Read("etc/config.yml"));
  EXPECT_EQ(config["pki"]["key"].as<std::string>(), P("etc/host.key"));
  EXPECT_EQ(config["lighthouse"]["hosts"][0].as<std::string>(), "192.168.100.1");
  EXPECT_FALSE(config["team"]);

  // The inventory has the member, under the fingerprint of what it got; the next invite
  // gets the next address.
  Result<onboard::Inventory> inv = onboard::ReadInventory(P("inventory.txt"));
  ASSERT_TRUE(inv.ok());
  ASSERT_EQ(inv->members.size(), 1u);
  EXPECT_EQ(inv->members[0].fingerprint, host->Fingerprint());
  EXPECT_EQ(inv->invites[0].state, "used");
  MakeInvite("bob");
  EXPECT_EQ(onboard::ReadInventory(P("inventory.txt"))->invites[1].network, "192.168.100.3/24");

  // Removing alice puts her on the blocklist the next member starts with.
  auto [removed, text] = Cert({"inventory", "-inventory", P("inventory.txt"), "-remove", "alice"});
  EXPECT_EQ(removed, 0) << text;
  EXPECT_NE(text.find("    - " + host->Fingerprint()), std::string::npos) << text;
  std::string carol = MakeInvite("carol");
  auto [carol_code, carol_out] = RunJoinCli(carol, "carol");
  ASSERT_EQ(carol_code, 0) << carol_out;
  YAML::Node carol_config = YAML::Load(Read("carol/config.yml"));
  EXPECT_EQ(carol_config["pki"]["blocklist"][0].as<std::string>(), host->Fingerprint());
}

TEST_F(Join, AnInviteWorksOnce) {
  std::string invite = MakeInvite("alice");
  auto [first, first_out] = RunJoinCli(invite, "first");
  ASSERT_EQ(first, 0) << first_out;
  EXPECT_EQ(Refused(invite, "second"),
            "Error: join: the CA side refused the invite: the invite was already used");
}

TEST_F(Join, RevokedExpiredAndMistypedInvitesAreRefused) {
  std::string revoked = MakeInvite("r");
  std::string id = onboard::DecodeInvite(revoked)->IdHex();
  ASSERT_EQ(Cert({"inventory", "-inventory", P("inventory.txt"), "-revoke", id}).first, 0);
  EXPECT_EQ(Refused(revoked), "Error: join: the CA side refused the invite: the invite was revoked");

  // Expired on the CA side's clock (the text still says it is good).
  std::string late = MakeInvite("late");
  std::string late_id = onboard::DecodeInvite(late)->IdHex();
  ASSERT_TRUE(onboard::UpdateInventory(P("inventory.txt"), [&](onboard::Inventory& inv) {
                inv.FindInvite(late_id)->expires = 1000;
                return Status::Ok();
              }).ok());
  EXPECT_EQ(Refused(late),
            "Error: join: the CA side refused the invite: the invite expired at "
            "1970-01-01T00:16:40Z");
  // Expired by its own text: refused before anything is asked.
  onboard::Invite text_expired = *onboard::DecodeInvite(MakeInvite("t"));
  text_expired.expires = 1000;
  EXPECT_EQ(Refused(onboard::EncodeInvite(text_expired)),
            "Error: join: the invite expired at 1970-01-01T00:16:40Z");

  onboard::Invite wrong = *onboard::DecodeInvite(MakeInvite("w"));
  wrong.secret[0] ^= 1;
  EXPECT_EQ(Refused(onboard::EncodeInvite(wrong)),
            "Error: join: the CA side refused the invite: the invite is not valid here "
            "(mistyped, or for another team)");
  EXPECT_EQ(Refused("flatnet-invite:abc"), "Error: join: the invite is damaged: copy all of it again");
}

TEST_F(Join, AnUnreachableOrUnpinnedCaSideIsRefused) {
  onboard::Invite invite = *onboard::DecodeInvite(MakeInvite("alice"));
  onboard::Invite nobody = invite;
  nobody.join_address = "127.0.0.1:1";
  EXPECT_EQ(Refused(onboard::EncodeInvite(nobody)),
            "Error: join: cannot reach 127.0.0.1:1: Connection refused");

  // Another CA answers at the address: its fingerprint is not the pin.
  ASSERT_EQ(Cert({"ca", "-name", "other", "-out-crt", P("o.crt"), "-out-key", P("o.key")}).first, 0);
  std::string other_address;
  StartServer(P("o.crt"), P("o.key"), &other_server_, &other_address);
  onboard::Invite elsewhere = invite;
  elsewhere.join_address = other_address;
  std::string message = Refused(onboard::EncodeInvite(elsewhere));
  Result<cert::Certificate> o = cert::ParseCertificatePem(Read("o.crt"));
  EXPECT_EQ(message, "Error: join: " + other_address + " answers for CA " + o->Fingerprint() +
                         ", not the CA the invite pins (" + invite.FingerprintHex() + ")");
  // The real CA side still has the invite open.
  EXPECT_EQ(onboard::ReadInventory(P("inventory.txt"))->invites[0].state, "open");
}

TEST_F(Join, AHostThatJoinedAlreadyIsRefusedBeforeTheInviteIsSpent) {
  fs::create_directories(P("etc"));
  std::ofstream(P("etc/host.key")) << "mine";
  std::string invite = MakeInvite("alice");
  auto [code, err] = RunJoinCli(invite, "etc");
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err, "Error: join: refusing to overwrite existing key: " + P("etc/host.key") +
                     " (this host has joined already; move " + P("etc") + " away to join again)\n");
  EXPECT_EQ(Read("etc/host.key"), "mine");
  EXPECT_EQ(onboard::ReadInventory(P("inventory.txt"))->invites[0].state, "open");
}

TEST_F(Join, InviteRefusesNamesAndAddressesInUse) {
  MakeInvite("alice");
  auto [code, err] = Cert({"invite", "-name", "alice", "-ca-crt", P("ca.crt"), "-team",
                           P("team.yml"), "-inventory", P("inventory.txt"), "-join", address_});
  EXPECT_EQ(code, 1);
  EXPECT_TRUE(err.starts_with("Error: alice has an open invite already")) << err;
  auto [code2, err2] =
      Cert({"invite", "-name", "bob", "-networks", "192.168.100.1/24", "-ca-crt", P("ca.crt"),
            "-team", P("team.yml"), "-inventory", P("inventory.txt"), "-join", address_});
  EXPECT_EQ(code2, 1);
  EXPECT_EQ(err2, "Error: 192.168.100.1 is taken\n");
}

// Strangers' bytes: not TLS, TLS then garbage, a frame longer than allowed, a silent
// client. Each ends its connection with a line in the log; the next member still joins.
TEST_F(Join, StrangersBytesEndTheirConnectionAndJoinsGoOn) {
  auto raw_connect = [&] {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(server_->port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    return fd;
  };
  int plain = raw_connect();
  ASSERT_EQ(write(plain, "GET / HTTP/1.0\r\n\r\n", 18), 18);
  char buf[256];
  EXPECT_LE(read(plain, buf, sizeof buf), 64);  // a TLS alert at most, then closed
  close(plain);

  for (const std::string& junk :
       {std::string("\xff\xff\xff\xff", 4), std::string("\0\0\0\x05hello", 9)}) {
    auto c = onboard::TlsConnect(address_, std::chrono::milliseconds(2000));
    ASSERT_TRUE(c.ok()) << c.status().message();
    ASSERT_TRUE((*c)->Receive().ok());  // the greeting
    // Raw bytes inside TLS: a frame header claiming 4 GiB, then a malformed frame body.
    ASSERT_TRUE((*c)->SendRaw(junk).ok());
    Result<onboard::Frame> reply = (*c)->Receive();
    EXPECT_TRUE(!reply.ok() || reply->count("error"));
  }
  // Silent: connects, says nothing; the server gives up after its 2 s timeout.
  auto silent = onboard::TlsConnect(address_, std::chrono::milliseconds(2000));
  ASSERT_TRUE(silent.ok());
  silent->reset();

  std::string invite = MakeInvite("alice");
  auto [code, out] = RunJoinCli(invite, "etc");
  EXPECT_EQ(code, 0) << out;
  std::string log = Log();
  EXPECT_NE(log.find("TLS handshake with 127.0.0.1:"), std::string::npos) << log;
  EXPECT_NE(log.find("no request: message too large"), std::string::npos) << log;
  EXPECT_NE(log.find("no request: malformed message"), std::string::npos) << log;
  EXPECT_NE(log.find("alice joined as 192.168.100.2/24"), std::string::npos) << log;
}

}  // namespace
}  // namespace flatnet::app
