// The forwarder's LISTEN/TARGET syntax and the address a cmd: target's output names.
#include <gtest/gtest.h>

#include "forward/endpoint_syntax.h"

namespace flatnet::forward {
namespace {

TEST(ForwardSyntax, ProtocolIsUdpOrTcp) {
  EXPECT_EQ(*ParseProtocol("udp"), Protocol::kUdp);
  EXPECT_EQ(*ParseProtocol("tcp"), Protocol::kTcp);
  Result<Protocol> bad = ParseProtocol("sctp");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "unknown protocol \"sctp\" (want udp or tcp)");
  EXPECT_FALSE(ParseProtocol("UDP").ok());
}

TEST(ForwardSyntax, SplitHostPortForms) {
  HostPort v4 = *SplitHostPort("192.0.2.1:4242");
  EXPECT_EQ(v4.host, "192.0.2.1");
  EXPECT_EQ(v4.port, 4242);
  HostPort name = *SplitHostPort("lighthouse.example");
  EXPECT_EQ(name.host, "lighthouse.example");
  EXPECT_FALSE(name.port.has_value());
  HostPort v6 = *SplitHostPort("[2001:db8::1]:53");
  EXPECT_EQ(v6.host, "2001:db8::1");
  EXPECT_EQ(v6.port, 53);
  HostPort bare_v6 = *SplitHostPort("2001:db8::1");
  EXPECT_EQ(bare_v6.host, "2001:db8::1");
  EXPECT_FALSE(bare_v6.port.has_value());
  HostPort only_port = *SplitHostPort(":4242");
  EXPECT_EQ(only_port.host, "");
  EXPECT_EQ(only_port.port, 4242);
}

TEST(ForwardSyntax, SplitHostPortRejectsBadPorts) {
  for (const char* text : {"h:", "h:0", "h:65536", "h:12a", "h:-1", "h:123456", "[::1]:x"}) {
    Result<HostPort> parts = SplitHostPort(text);
    EXPECT_FALSE(parts.ok()) << text;
    if (!parts.ok()) {
      EXPECT_NE(parts.status().message().find("1..65535"), std::string::npos);
    }
  }
  EXPECT_FALSE(SplitHostPort("[::1").ok());
  EXPECT_FALSE(SplitHostPort("[::1]4242").ok());
  EXPECT_FALSE(SplitHostPort("").ok());
}

TEST(ForwardSyntax, ListenTakesAnAddressAndPort) {
  EXPECT_EQ(ParseListen("0.0.0.0:4242")->ToString(), "0.0.0.0:4242");
  EXPECT_EQ(ParseListen(":4242")->ToString(), "0.0.0.0:4242");
  EXPECT_EQ(ParseListen("127.0.0.1:1")->ToString(), "127.0.0.1:1");
  EXPECT_EQ(ParseListen("[::]:4242")->ToString(), "[::]:4242");
}

TEST(ForwardSyntax, ListenErrorsNameTheArgument) {
  Result<SocketAddress> no_port = ParseListen("4242");
  ASSERT_FALSE(no_port.ok());
  EXPECT_EQ(no_port.status().message(),
            "LISTEN \"4242\": want ADDRESS:PORT, e.g. 0.0.0.0:4242 or :4242");
  Result<SocketAddress> name = ParseListen("localhost:4242");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().message(),
            "LISTEN \"localhost:4242\": \"localhost\" is not an IP address (LISTEN takes an "
            "address, not a host name)");
  Result<SocketAddress> bad_port = ParseListen("0.0.0.0:99999");
  ASSERT_FALSE(bad_port.ok());
  EXPECT_EQ(bad_port.status().message(),
            "LISTEN \"0.0.0.0:99999\": port \"99999\" is not a number in 1..65535");
  EXPECT_FALSE(ParseListen("300.1.1.1:4242").ok());
}

TEST(ForwardSyntax, TargetAddressWithAndWithoutPort) {
  TargetSpec with_port = *ParseTarget("172.20.1.2:5000", std::nullopt, 4242);
  EXPECT_EQ(with_port.kind, TargetSpec::Kind::kAddress);
  EXPECT_EQ(with_port.host, "172.20.1.2");
  EXPECT_EQ(with_port.port, 5000);
  EXPECT_FALSE(with_port.changes());

  // No port: LISTEN's, unless -target-port says otherwise.
  EXPECT_EQ(ParseTarget("172.20.1.2", std::nullopt, 4242)->port, 4242);
  EXPECT_EQ(ParseTarget("172.20.1.2", 4343, 4242)->port, 4343);
  EXPECT_EQ(ParseTarget("[2001:db8::7]", std::nullopt, 4242)->host, "2001:db8::7");
}

TEST(ForwardSyntax, TargetHostName) {
  TargetSpec spec = *ParseTarget("wsl.local:4242", std::nullopt, 1);
  EXPECT_EQ(spec.kind, TargetSpec::Kind::kHostName);
  EXPECT_EQ(spec.host, "wsl.local");
  EXPECT_EQ(spec.port, 4242);
  EXPECT_TRUE(spec.changes());
}

TEST(ForwardSyntax, TargetCommandTakesItsPortFromFlagOrListen) {
  TargetSpec spec = *ParseTarget("cmd:wsl hostname -I", std::nullopt, 4242);
  EXPECT_EQ(spec.kind, TargetSpec::Kind::kCommand);
  EXPECT_EQ(spec.command, "wsl hostname -I");
  EXPECT_EQ(spec.port, 4242);
  EXPECT_EQ(spec.text, "cmd:wsl hostname -I");
  EXPECT_TRUE(spec.changes());
  EXPECT_EQ(ParseTarget("cmd:cat addr", 8080, 4242)->port, 8080);
  // A colon inside the command is part of the command, not a port.
  EXPECT_EQ(ParseTarget("cmd:type C:\\addr.txt", std::nullopt, 7)->command, "type C:\\addr.txt");
}

TEST(ForwardSyntax, TargetErrors) {
  auto message = [](std::string_view text, std::optional<uint16_t> port = std::nullopt) {
    Result<TargetSpec> spec = ParseTarget(text, port, 4242);
    return spec.ok() ? std::string("(accepted)") : spec.status().message();
  };
  EXPECT_EQ(message("cmd:"), "TARGET \"cmd:\": no command after cmd:");
  EXPECT_EQ(message("cmd:   "), "TARGET \"cmd:   \": no command after cmd:");
  EXPECT_EQ(message(":4242"), "TARGET \":4242\": no address or host name before the port");
  EXPECT_EQ(message("192.0.2.1:80", 81),
            "TARGET \"192.0.2.1:80\" has a port and -target-port is set too; give only one");
  EXPECT_EQ(message("wsl hostname -I"),
            "TARGET \"wsl hostname -I\": \"wsl hostname -I\" is neither an IP address nor a "
            "host name (to run a command, write cmd:COMMAND)");
  EXPECT_EQ(message("host:http"),
            "TARGET \"host:http\": port \"http\" is not a number in 1..65535");
  EXPECT_EQ(message(""), "TARGET \"\": is empty");
}

TEST(ForwardSyntax, FirstAddressTokenOfCommandOutput) {
  // `hostname -I` in WSL2: the eth0 address first, then e.g. docker's bridge.
  EXPECT_EQ(FirstAddressToken("172.28.1.5 172.17.0.1 \n"), "172.28.1.5");
  // `ip -4 -o addr show eth0`: the address carries its prefix length.
  EXPECT_EQ(FirstAddressToken("2: eth0    inet 172.28.1.5/20 brd 172.28.15.255 scope global eth0"),
            "172.28.1.5");
  EXPECT_EQ(FirstAddressToken("fd00::5 10.0.0.1"), "fd00::5");
  EXPECT_EQ(FirstAddressToken("\r\n  10.1.2.3\r\n"), "10.1.2.3");  // cmd.exe line ends
  // wsl.exe writes its own messages in UTF-16: NULs between the ASCII bytes.
  std::string utf16(
      "1\0"
      "0\0"
      ".\0"
      "9\0"
      ".\0"
      "8\0"
      ".\0"
      "7\0"
      "\n\0",
      18);
  EXPECT_EQ(FirstAddressToken(utf16), "10.9.8.7");
  EXPECT_FALSE(FirstAddressToken("").has_value());
  EXPECT_FALSE(FirstAddressToken("no address here 300.1.1.1 1.2.3").has_value());
  EXPECT_FALSE(FirstAddressToken("10.0.0.1/abc 10.0.0.2/").has_value());
  EXPECT_EQ(FirstAddressToken("10.0.0.1/abc 10.0.0.2/24"), "10.0.0.2");
}

}  // namespace
}  // namespace flatnet::forward
