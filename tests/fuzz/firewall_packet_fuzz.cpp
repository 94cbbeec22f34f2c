// The firewall's packet parser (src/firewall/packet.h) on any IP packet: what comes out of a
// tunnel (incoming) and what the local kernel writes to the TUN (outgoing).
//
// The same packet seen from both sides must give the same flow with local and remote
// swapped, since conntrack relies on it; ICMP and ICMPv6 are the exception packet.h states:
// the identifier is the remote port and the local port is 0 either way, so each ping is a
// flow (ICMP over IPv4, ICMPv6 over IPv6: protocol 58 in an IPv4 packet has its port bytes
// read like any other protocol's). IPv4 and IPv6 packets both, with and without extension
// headers. And the reject answering each (reject.h) parses and goes back to its sender.
#include <cstdint>

#include "firewall/packet.h"
#include "firewall/reject.h"
#include "tests/fuzz/fuzz_support.h"

using namespace flatnet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan bytes(data, size);
  firewall::Packet in, out;
  firewall::Verdict in_verdict = firewall::ParsePacket(bytes, /*incoming=*/true, &in);
  firewall::Verdict out_verdict = firewall::ParsePacket(bytes, /*incoming=*/false, &out);
  if (in_verdict != out_verdict) fuzz::Fail("the verdict depends on the direction");
  if (in_verdict != firewall::Verdict::kAllow) return 0;
  if (in.local_ip != out.remote_ip || in.remote_ip != out.local_ip || in.protocol != out.protocol ||
      in.fragment != out.fragment)
    fuzz::Fail("incoming and outgoing views of one packet disagree");
  if (in.fragment) {
    if (in.local_port || in.remote_port || out.local_port || out.remote_port)
      fuzz::Fail("a fragment has ports");
  } else if (in.protocol == (in.local_ip.is_v4() ? firewall::kProtoIcmp : firewall::kProtoIcmpv6)) {
    if (in.local_port || out.local_port || in.remote_port != out.remote_port)
      fuzz::Fail("an ICMP packet's identifier is not its remote port both ways");
  } else if (in.local_port != out.remote_port || in.remote_port != out.local_port) {
    fuzz::Fail("incoming and outgoing views of one packet disagree on ports");
  }
  // The answer firewall.*_action: reject would give it (reject.h) is itself a packet from
  // its destination back to its source, within kMaxRejectSize.
  static uint8_t answer[firewall::kMaxRejectSize + 1];
  const size_t length = firewall::BuildReject(bytes, MutableByteSpan(answer, sizeof(answer)));
  if (length > firewall::kMaxRejectSize) fuzz::Fail("a reject is larger than kMaxRejectSize");
  if (length == 0) return 0;
  firewall::Packet reply;
  if (firewall::ParsePacket(ByteSpan(answer, length), /*incoming=*/false, &reply) !=
      firewall::Verdict::kAllow)
    fuzz::Fail("a reject does not parse");
  if (reply.local_ip != in.local_ip || reply.remote_ip != in.remote_ip)
    fuzz::Fail("a reject does not go from the refused packet's destination to its source");
  return 0;
}
