// The firewall's packet parser (src/firewall/packet.h) on any IP packet: what comes out of a
// tunnel (incoming) and what the local kernel writes to the TUN (outgoing).
//
// The same packet seen from both sides must give the same flow with local and remote
// swapped, since conntrack relies on it; ICMP and ICMPv6 are the exception packet.h states:
// the identifier is the remote port and the local port is 0 either way, so each ping is a
// flow (ICMP over IPv4, ICMPv6 over IPv6: protocol 58 in an IPv4 packet has its port bytes
// read like any other protocol's). IPv4 and IPv6 packets both, with and without extension
// headers.
#include <cstdint>

#include "firewall/packet.h"
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
  return 0;
}
