// Relay legs in the host map, and the relay message codec: what a relay can check (the
// sender, with the via tunnel's key) and what it cannot change.
#include <gtest/gtest.h>

#include "cert/certificate.h"
#include "crypto/random.h"
#include "mesh/host_map.h"
#include "mesh/relay_codec.h"
#include "mesh/seal.h"
#include "mesh/worker.h"
#include "net/udp_batch.h"
#include "wire/header.h"

using namespace flatnet;
using namespace flatnet::mesh;

namespace {

// Two ends of one tunnel: keys mirrored, as a handshake leaves them.
// `via_relay`: A's end runs through that relay.
std::pair<std::shared_ptr<Tunnel>, std::shared_ptr<Tunnel>> TunnelPair(uint32_t a_ip, uint32_t b_ip,
                                                                       uint32_t via_relay = 0) {
  noise::SessionKeys a_keys{crypto::CipherKind::kAes256Gcm, {}, {}};
  crypto::RandomBytes(a_keys.send);
  crypto::RandomBytes(a_keys.receive);
  noise::SessionKeys b_keys{a_keys.cipher, a_keys.receive, a_keys.send};
  auto cert = std::make_shared<const cert::Certificate>();
  auto addr = *net::UdpAddr::Parse("198.51.100.1:4242");
  auto a = std::make_shared<Tunnel>(IpAddr::V4(b_ip), 11, 22, a_keys, cert, firewall::PeerIdentity{}, addr, 1,
                                    true, via_relay ? IpAddr::V4(via_relay) : IpAddr());
  auto b = std::make_shared<Tunnel>(IpAddr::V4(a_ip), 22, 11, b_keys, cert, firewall::PeerIdentity{}, addr, 1,
                                    false);
  return {a, b};
}

}  // namespace

TEST(RelayCodec, WrappedMessageUnwrapsOnTheOtherEndWithTheInnerPacketIntact) {
  auto [a, r] = TunnelPair(1, 2);
  Bytes inner = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  Bytes datagram(16 + inner.size() + 16);
  std::copy(inner.begin(), inner.end(), datagram.begin() + 16);
  long length = WrapRelayed(*a, 0, 777, datagram.data(), datagram.size(), inner.size());
  ASSERT_EQ(length, long(datagram.size()));
  auto header = wire::ParseHeader(datagram);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->subtype, wire::MessageSubType::kRelay);
  EXPECT_EQ(header->remote_index, 777u);
  // The inner packet travels as it is: a relay forwards it unread.
  EXPECT_TRUE(std::equal(inner.begin(), inner.end(), datagram.begin() + 16));
  ByteSpan out;
  ASSERT_EQ(UnwrapRelayed(*r, 0, header->message_counter, datagram, &out), UnwrapResult::kOk);
  EXPECT_EQ(Bytes(out.begin(), out.end()), inner);
  // The same datagram again is a replay.
  EXPECT_EQ(UnwrapRelayed(*r, 0, header->message_counter, datagram, &out), UnwrapResult::kReplay);
}

TEST(RelayCodec, AnyChangedByteOfHeaderOrInnerPacketIsRefused) {
  auto [a, r] = TunnelPair(1, 2);
  Bytes datagram(16 + 32 + 16, 0x42);
  long length = WrapRelayed(*a, 0, 5, datagram.data(), datagram.size(), 32);
  ASSERT_GT(length, 0);
  uint64_t counter = wire::ParseHeader(datagram)->message_counter;
  for (size_t i : {size_t(3), size_t(20), size_t(47), size_t(60)}) {
    Bytes tampered = datagram;
    tampered[i] ^= 1;
    ByteSpan out;
    EXPECT_EQ(UnwrapRelayed(*r, 0, counter, tampered, &out), UnwrapResult::kAuth) << i;
  }
  Bytes truncated(datagram.begin(), datagram.begin() + 20);
  ByteSpan out;
  EXPECT_EQ(UnwrapRelayed(*r, 0, counter, truncated, &out), UnwrapResult::kAuth);
}

TEST(HostMapRelays, LegsAreFoundByIndexAndByRouteAndLeaveWithTheirTunnel) {
  HostMap map;
  auto [to_relay, unused] = TunnelPair(1, 2);
  map.Add(to_relay);  // our tunnel to the relay, overlay IP 2
  Relay leg{RelayType::kTerminal, RelayState::kEstablished, 1234, 99, /*via=*/IpAddr::V4(2), /*peer=*/IpAddr::V4(3)};
  map.SetRelay(leg);
  auto snapshot = map.Current();
  ASSERT_NE(snapshot->FindRelay(1234), nullptr);
  ASSERT_NE(snapshot->FindRelay(IpAddr::V4(2), IpAddr::V4(3)), nullptr);
  EXPECT_EQ(snapshot->FindRelay(IpAddr::V4(2), IpAddr::V4(3))->remote_index, 99u);
  EXPECT_TRUE(map.RelayIndexInUse(1234));

  // A new leg for the same route replaces the old one entirely.
  Relay newer = leg;
  newer.local_index = 5678;
  map.SetRelay(newer);
  snapshot = map.Current();
  EXPECT_EQ(snapshot->FindRelay(1234), nullptr);
  EXPECT_EQ(snapshot->FindRelay(IpAddr::V4(2), IpAddr::V4(3))->local_index, 5678u);

  // Removing the tunnel to the relay removes the legs that ran over it.
  map.Remove(*to_relay);
  snapshot = map.Current();
  EXPECT_EQ(snapshot->FindRelay(5678), nullptr);
  EXPECT_EQ(snapshot->FindRelay(IpAddr::V4(2), IpAddr::V4(3)), nullptr);
}

// The fault lab's relay restart: our tunnel to the relay is replaced by a new session (the
// relay came back with no legs). Legs kept from the old session named indexes the new relay
// never made, so everything sent through them was dropped and the path never came back.
TEST(HostMapRelays, LegsLeaveWhenTheTunnelToTheRelayIsReplaced) {
  HostMap map;
  auto [to_relay, unused] = TunnelPair(1, 2);
  map.Add(to_relay);
  map.SetRelay(
      Relay{RelayType::kTerminal, RelayState::kEstablished, 1234, 99, /*via=*/IpAddr::V4(2), /*peer=*/IpAddr::V4(3)});
  map.SetRelay(
      Relay{RelayType::kTerminal, RelayState::kEstablished, 4321, 98, /*via=*/IpAddr::V4(5), /*peer=*/IpAddr::V4(3)});

  map.Add(to_relay);  // the same tunnel again: nothing changed, the legs stay
  ASSERT_NE(map.Current()->FindRelay(IpAddr::V4(2), IpAddr::V4(3)), nullptr);

  auto [new_session, unused2] = TunnelPair(1, 2);
  EXPECT_EQ(map.Add(new_session), to_relay);
  auto snapshot = map.Current();
  EXPECT_EQ(snapshot->FindRelay(1234), nullptr);
  EXPECT_EQ(snapshot->FindRelay(IpAddr::V4(2), IpAddr::V4(3)), nullptr);
  EXPECT_FALSE(map.RelayIndexInUse(1234));
  // Legs through another relay are not touched.
  ASSERT_NE(snapshot->FindRelay(IpAddr::V4(5), IpAddr::V4(3)), nullptr);
  EXPECT_EQ(snapshot->FindRelay(IpAddr::V4(5), IpAddr::V4(3))->local_index, 4321u);
}

TEST(HostMap, ReadersKeepTheirSnapshotUntilTheyRefresh) {
  HostMap map;
  SnapshotReader reader(map);
  auto [tunnel, unused] = TunnelPair(1, 7);
  map.Add(tunnel);
  EXPECT_EQ(reader->FindByVpnIp(IpAddr::V4(7)), nullptr);  // not refreshed yet: no half-made view
  reader.Refresh();
  ASSERT_NE(reader->FindByVpnIp(IpAddr::V4(7)), nullptr);
  EXPECT_EQ(reader->FindByIndex(11), tunnel.get());
  map.Remove(*tunnel);
  // The old snapshot still holds the tunnel alive until the reader moves on.
  EXPECT_NE(reader->FindByVpnIp(IpAddr::V4(7)), nullptr);
  reader.Refresh();
  EXPECT_EQ(reader->FindByVpnIp(IpAddr::V4(7)), nullptr);
}

// Finding 1: a test request as large as a peer may send, arriving directly on a tunnel that
// runs through a relay, is answered (same payload) and wrapped for the relay. The reply must
// fit the worker's reply buffer, and nothing may be written past a buffer too small for it.
TEST(RelayCodec, ReplyToTheLargestTestRequestThroughARelayFitsTheReplyBuffer) {
  auto [to_peer, peer] = TunnelPair(1, 3, /*via_relay=*/2);  // end to end, through the relay
  auto [to_relay, relay] = TunnelPair(1, 2);                 // our tunnel to the relay
  auto relay_address = *net::UdpAddr::Parse("203.0.113.2:4242");
  to_relay->RoamTo(relay_address, 1, 0);
  HostMap map;
  map.Add(to_relay);
  map.Add(to_peer);
  map.SetRelay({RelayType::kTerminal, RelayState::kEstablished, 1234, 99, /*via=*/IpAddr::V4(2), /*peer=*/IpAddr::V4(3)});
  auto tunnels = map.Current();
  const size_t largest_request =
      net::kMaxDatagramSize - wire::kHeaderSize - noise::TunnelCipher::kTagSize;
  Bytes payload(largest_request, 0x5a);
  constexpr size_t kGuard = 64;
  Bytes buffer(Worker::kReplyBufferSize + kGuard, 0xee);
  SealedDatagram sealed =
      SealForPeer(*tunnels, *to_peer, 0, wire::MessageType::kTest, wire::MessageSubType::kTestReply,
                  payload, MutableByteSpan(buffer.data(), Worker::kReplyBufferSize));
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed.length, largest_request + 2 * kRelayOverhead);
  EXPECT_EQ(sealed.to, relay_address);  // to the relay, not the peer
  EXPECT_TRUE(
      std::all_of(buffer.end() - kGuard, buffer.end(), [](uint8_t b) { return b == 0xee; }));
  // The relay authenticates it, the peer opens the reply inside with the payload intact.
  ByteSpan datagram(buffer.data(), sealed.length), inner;
  EXPECT_EQ(wire::ParseHeader(datagram)->remote_index, 99u);  // our leg's index at the relay
  ASSERT_EQ(
      UnwrapRelayed(*relay, 0, wire::ParseHeader(datagram)->message_counter, datagram, &inner),
      UnwrapResult::kOk);
  auto header = wire::ParseHeader(inner);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->subtype, wire::MessageSubType::kTestReply);
  Bytes opened(inner.size());
  long plain = peer->CipherFor(0).Open(header->message_counter, inner.first(wire::kHeaderSize),
                                       inner.subspan(wire::kHeaderSize), opened.data());
  ASSERT_EQ(plain, long(largest_request));
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), opened.begin()));

  // One byte less room: refused as a failed wrap, and not a byte written past it.
  Bytes small(Worker::kReplyBufferSize - 1 + kGuard, 0xee);
  EXPECT_EQ(
      SealForPeer(*tunnels, *to_peer, 0, wire::MessageType::kTest, wire::MessageSubType::kTestReply,
                  payload, MutableByteSpan(small.data(), Worker::kReplyBufferSize - 1))
          .error,
      SealError::kWrap);
  EXPECT_TRUE(std::all_of(small.end() - kGuard, small.end(), [](uint8_t b) { return b == 0xee; }));
}

TEST(SealForPeer, EachFailureHasItsReasonAndItsCounter) {
  auto [to_peer, peer] = TunnelPair(1, 3, /*via_relay=*/2);
  auto [to_relay, relay] = TunnelPair(1, 2);
  HostMap map;
  map.Add(to_relay);
  map.Add(to_peer);
  Bytes payload(100, 1), buffer(400);
  Counters counters;
  // No leg through the relay yet: no route.
  SealedDatagram sealed =
      SealForPeer(*map.Current(), *to_peer, 0, wire::MessageType::kMessage,
                  wire::MessageSubType::kNone, payload, MutableByteSpan(buffer));
  EXPECT_EQ(sealed.error, SealError::kNoRelayPath);
  CountSealFailure(counters, sealed.error);
  EXPECT_EQ(counters.tx_dropped_no_route.load(), 1u);
  // A leg that is still being set up is no route either.
  map.SetRelay({RelayType::kTerminal, RelayState::kRequested, 1234, 0, /*via=*/IpAddr::V4(2), /*peer=*/IpAddr::V4(3)});
  EXPECT_EQ(SealForPeer(*map.Current(), *to_peer, 0, wire::MessageType::kMessage,
                        wire::MessageSubType::kNone, payload, MutableByteSpan(buffer))
                .error,
            SealError::kNoRelayPath);
  map.SetRelay({RelayType::kTerminal, RelayState::kEstablished, 1234, 99, /*via=*/IpAddr::V4(2), /*peer=*/IpAddr::V4(3)});
  // Room for the sealed message (16 + 100 + 16, behind the relay header) but not for the
  // relay tag (16 + 132 + 16 = 164): a failed wrap.
  sealed = SealForPeer(*map.Current(), *to_peer, 0, wire::MessageType::kMessage,
                       wire::MessageSubType::kNone, payload, MutableByteSpan(buffer.data(), 150));
  EXPECT_EQ(sealed.error, SealError::kWrap);
  CountSealFailure(counters, sealed.error);
  EXPECT_EQ(counters.tx_dropped_wrap.load(), 1u);
  // Not even room for the sealed message: a failed seal.
  sealed = SealForPeer(*map.Current(), *to_peer, 0, wire::MessageType::kMessage,
                       wire::MessageSubType::kNone, payload, MutableByteSpan(buffer.data(), 100));
  EXPECT_EQ(sealed.error, SealError::kSeal);
  CountSealFailure(counters, sealed.error);
  EXPECT_EQ(counters.tx_dropped_seal.load(), 1u);
  // A direct tunnel goes to its peer's address.
  sealed = SealForPeer(*map.Current(), *to_relay, 0, wire::MessageType::kMessage,
                       wire::MessageSubType::kNone, payload, MutableByteSpan(buffer));
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed.length, 16 + payload.size() + 16);
  EXPECT_EQ(sealed.to, to_relay->remote());
}

TEST(RelayCodec, WrapAndSealRefuseWhatDoesNotFitTheirBuffer) {
  auto [a, r] = TunnelPair(1, 2);
  Bytes datagram(16 + 32 + 16 + 8, 0x42);
  EXPECT_EQ(WrapRelayed(*a, 0, 5, datagram.data(), 16 + 32 + 15, 32), -1);
  EXPECT_EQ(WrapRelayed(*a, 0, 5, datagram.data(), 16 + 32 + 16, 32), 64);
  Bytes payload(32, 1);
  EXPECT_EQ(a->SealMessage(0, wire::MessageType::kMessage, wire::MessageSubType::kNone, payload,
                           datagram.data(), 63),
            -1);
  EXPECT_EQ(a->SealMessage(0, wire::MessageType::kMessage, wire::MessageSubType::kNone, payload,
                           datagram.data(), 64),
            64);
}
