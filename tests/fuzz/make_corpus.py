#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/: small, real inputs for each fuzz
target (see each tests/fuzz/<target>_fuzz.cpp for its input layout). Certificates and keys
are the test PKI of tests/unit/data: nebula-cert 1.6.1's v1 files in cert/, 1.11.1's v1 and
v2 (DER) files of both curves in cert/v11/, and key files of every kind, encrypted CA keys
included, in keys/; datagrams are built to Nebula's wire layout (16-byte header, Noise IX
stage 1, protobuf messages, 1.6.1's and 1.10+'s address fields). Run it again after
changing a target's input layout: python3 tests/fuzz/make_corpus.py"""
import base64, os, shutil, struct, sys

ROOT = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(ROOT, "..", "unit", "data")
OUT = os.path.join(ROOT, "corpus")


def read(path):
    with open(os.path.join(DATA, path), "rb") as f:
        return f.read()


def pem_body(text):
    lines = [l for l in text.decode().splitlines() if l and not l.startswith("-----")]
    return base64.b64decode("".join(lines))


# ---- protobuf, by hand (no protobuf module needed) ----
def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field_varint(num, value):
    return varint(num << 3) + varint(value) if value else b""


def field_bytes(num, value):
    return varint(num << 3 | 2) + varint(len(value)) + value


def fields(buf):
    i = 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, kind = key >> 3, key & 7
        start = i
        if kind == 0:
            _, i = read_varint(buf, i)
        elif kind == 2:
            n, i = read_varint(buf, i)
            i += n
        else:
            sys.exit("unexpected wire type %d" % kind)
        yield num, kind, buf[start:i], buf[start:i] if kind == 0 else buf[i - n:i]


def read_varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def cert_without_key(raw):
    """RawNebulaCertificate with Details.PublicKey (7) left out, and that key."""
    out, key = b"", None
    for num, kind, _, value in fields(raw):
        if num == 1:
            details = b""
            for dnum, dkind, encoded, dvalue in fields(value):
                if dnum == 7:
                    key = dvalue
                    continue
                details += varint(dnum << 3 | dkind) + encoded
            out += field_bytes(1, details)
        else:
            out += field_bytes(num, value)
    return out, key


# ---- DER, by hand: the v2 certificate's outer SEQUENCE ----
def der_elements(buf):
    i = 0
    while i < len(buf):
        tag, n = buf[i], buf[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(buf[i:i + k], "big")
            i += k
        yield tag, buf[i:i + n]
        i += n


def der(tag, contents):
    n = len(contents)
    if n < 128:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + contents


def v2_without_key(raw):
    """A v2 certificate as a handshake carries it (no curve [1], no public key [2]), and the key."""
    (tag, body), = list(der_elements(raw))
    assert tag == 0x30
    out, key = b"", None
    for t, contents in der_elements(body):
        if t == 0x82:
            key = contents
        elif t != 0x81:
            out += der(t, contents)
    return der(0x30, out), key


# ---- Nebula's header ----
def header(mtype, subtype=0, remote_index=0, counter=0):
    return struct.pack(">BBHIQ", 0x10 | mtype, subtype, 0, remote_index, counter)


# ---- IPv4 / TCP / UDP ----
def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, payload, src=0x0A400203, dst=0x0A400102, ident=1, frag=0x4000):
    h = struct.pack(">BBHHHBBHII", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack(">H", csum(h)) + h[12:]
    return h + payload


def pseudo(src, dst, proto, length):
    return struct.pack(">IIBBH", src, dst, 0, proto, length)


def tcp(payload, seq=1000, flags=0x10, sport=40000, dport=80, src=0x0A400203, dst=0x0A400102):
    t = struct.pack(">HHIIBBHHH", sport, dport, seq, 5000, 5 << 4, flags, 65535, 0, 0) + payload
    c = csum(pseudo(src, dst, 6, len(t)) + t)
    return t[:16] + struct.pack(">H", c) + t[18:]


def udp(payload, sport=5353, dport=53, src=0x0A400203, dst=0x0A400102):
    u = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(pseudo(src, dst, 17, len(u)) + u) or 0xFFFF
    return u[:6] + struct.pack(">H", c) + u[8:]


def icmp_echo():
    body = struct.pack(">BBHHH", 8, 0, 0, 7, 1) + b"flatnet-ping"
    return body[:2] + struct.pack(">H", csum(body)) + body[4:]


def ipv6_udp():
    u = struct.pack(">HHHH", 1000, 2000, 12, 0) + b"six!"
    return struct.pack(">IHBB", 0x60000000, len(u), 17, 64) + bytes(15) + b"\1" + bytes(15) + b"\2" + u


def ipv6_with(next_header, rest):
    return struct.pack(">IHBB", 0x60000000, len(rest), next_header, 64) + bytes(15) + b"\1" + bytes(15) + b"\2" + rest


def vnet(flags=0, gso_type=0, hdr_len=0, gso_size=0, csum_start=0, csum_offset=0):
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


# ---- DNS ----
def dns_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(name, qtype, ident=0x1234, flags=0x0100, opt=False):
    q = dns_name(name) + struct.pack(">HH", qtype, 1)
    ar = b""
    if opt:  # EDNS0 OPT with a 1232-byte UDP size
        ar = b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)
    return struct.pack(">HHHHHH", ident, flags, 1, 0, 0, 1 if opt else 0) + q + ar


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    seeds = {}

    def add(target, name, data):
        seeds.setdefault(target, []).append((name, data))

    ca_raw = pem_body(read("cert/ca.crt"))
    host1_raw = pem_body(read("cert/host1.crt"))
    host1_nokey, host1_key = cert_without_key(host1_raw)
    # The peer of fuzz_support.h: "dual", one key with a v1 and a v2 certificate.
    dual = read("cert/v11/dual.crt").decode()
    split = dual.index("-----BEGIN", 1)
    peer_v1_raw, peer_v2_raw = pem_body(dual[:split].encode()), pem_body(dual[split:].encode())
    peer_v1_nokey, peer_key = cert_without_key(peer_v1_raw)
    peer_v2_nokey, peer_key_v2 = v2_without_key(peer_v2_raw)
    assert peer_key == peer_key_v2 and len(peer_key) == 32

    # The stage 1 the peer sends host1: e || s || NebulaHandshake{Details{cert, index, time,
    # CertVersion (8; 1.6.1 sends none, meaning v1)}}.
    ephemeral = bytes(range(1, 33))
    stage1 = {}
    for version, nokey in [(1, peer_v1_nokey), (2, peer_v2_nokey)]:
        details = field_bytes(1, nokey) + field_varint(2, 0x01020304) + field_varint(5, 1795000000000000000)
        if version == 2:
            details += field_varint(8, 2)
        stage1[version] = header(0, 0, 0, 1) + ephemeral + peer_key + field_bytes(1, details)
        add("handshake", "stage1_v%d" % version, b"\0" + stage1[version])
        stage2_details = field_bytes(1, nokey) + field_varint(2, 0x01020304) + field_varint(3, 0x0A0B0C0D) + field_varint(5, 1795000000000000000)
        if version == 2:
            stage2_details += field_varint(8, 2)
        add("handshake", "stage2_payload_v%d" % version, b"\1" + field_bytes(1, stage2_details))
    handshake = stage1[2][16 + 64:]

    meta_query = field_varint(1, 1) + field_bytes(2, field_varint(1, 0x0A400203))
    ip4 = field_bytes(2, field_varint(1, 0xCB007102) + field_varint(2, 4242))
    ip6 = field_bytes(4, field_varint(1, 0x20010DB800000000) + field_varint(2, 1) + field_varint(3, 4242))
    meta_reply = field_varint(1, 2) + field_bytes(2, field_varint(1, 0x0A400203) + ip4 + ip6)
    meta_update = field_varint(1, 3) + field_bytes(2, field_varint(1, 0x0A400102) + ip4 + field_varint(3, 7))
    meta_punch = field_varint(1, 5) + field_bytes(2, field_varint(1, 0x0A400203) + ip4)
    control = field_varint(1, 1) + field_varint(2, 77) + field_varint(4, 0x0A400203) + field_varint(5, 0x0A400102)

    # 1.10+ fields (wire/proto/nebula.proto): Addr{hi = 1, lo = 2}, IPv4 as ::ffff:a.b.c.d.
    def addr(v4=None, hi=0, lo=0):
        if v4 is not None:
            hi, lo = 0, 0xFFFF00000000 | v4
        return field_varint(1, hi) + field_varint(2, lo)
    meta_query_v2 = field_varint(1, 1) + field_bytes(2, field_bytes(6, addr(0x0A500304)))
    meta_reply_v2 = field_varint(1, 2) + field_bytes(2, field_bytes(6, addr(0x0A500304)) + ip4 + ip6 +
                                                         field_bytes(7, addr(0x0A500101)) +
                                                         field_bytes(7, addr(hi=0xFD00008000000000, lo=1)))
    meta_update_v6 = field_varint(1, 3) + field_bytes(2, field_bytes(6, addr(hi=0xFD00008000000000, lo=0x30004)) + ip6)
    control_v2 = field_varint(1, 1) + field_varint(2, 77) + field_bytes(6, addr(0x0A500304)) + field_bytes(7, addr(0x0A400102))
    ping = field_varint(1, 0) + field_varint(2, 123456789)
    for name, m in [("meta_query", meta_query), ("meta_reply", meta_reply),
                    ("meta_update", meta_update), ("meta_punch", meta_punch)]:
        add("wire_messages", name, b"\0" + m)
    for name, m in [("meta_query_v2", meta_query_v2), ("meta_reply_v2", meta_reply_v2),
                    ("meta_update_v6", meta_update_v6)]:
        add("wire_messages", name, b"\0" + m)
    add("wire_messages", "control_request_v2", b"\1" + control_v2)
    add("wire_messages", "control_request", b"\1" + control)
    add("wire_messages", "ping", b"\2" + ping)
    add("wire_messages", "handshake", b"\3" + handshake)
    # Route hints (flatnet's own lighthouse messages, mesh/route_hint_codec.h): a query and a
    # reply naming 192.168.100.3 with 10.100.3.0/24 and fd00:3::/64.
    hints_query = field_varint(1, 100) + field_bytes(2, b"") + field_bytes(100, field_varint(1, 7))
    hint_host = field_bytes(1, bytes([192, 168, 100, 3])) + \
        field_bytes(2, field_bytes(1, bytes([10, 100, 3, 0])) + field_varint(2, 24)) + \
        field_bytes(2, field_bytes(1, bytes([0xfd, 0, 0, 3]) + bytes(12)) + field_varint(2, 64))
    hints_reply = field_varint(1, 101) + field_bytes(2, b"") + field_bytes(
        100, field_varint(1, 7) + field_varint(3, 1) + field_bytes(4, hint_host))
    add("wire_messages", "route_hints_query", b"\4" + hints_query)
    add("wire_messages", "route_hints_reply", b"\4" + hints_reply)

    # datagram_fuzz seals everything after the header itself: seeds carry the plaintext.
    tcp_syn = ipv4(6, tcp(b"", flags=0x02))
    add("datagram", "handshake_stage1_v1", stage1[1])
    add("datagram", "handshake_stage1_v2", stage1[2])
    add("datagram", "lighthouse_reply_v2", header(3, 0, 11, 11) + meta_reply_v2)
    add("datagram", "control_relay_request_v2", header(6, 0, 11, 12) + control_v2)
    add("datagram", "message_icmp", header(1, 0, 11, 3) + ipv4(1, icmp_echo()))
    add("datagram", "message_tcp", header(1, 0, 11, 4) + tcp_syn)
    add("datagram", "lighthouse_reply", header(3, 0, 11, 5) + meta_reply)
    add("datagram", "control_relay_request", header(6, 0, 11, 6) + control)
    add("datagram", "test_request", header(4, 0, 11, 7) + b"\x01\x02")
    add("datagram", "close_tunnel", header(5, 0, 11, 8))
    add("datagram", "relayed_message", header(1, 1, 11, 9) + header(1, 0, 11, 10) + ipv4(1, icmp_echo()))
    add("datagram", "recv_error", header(2, 0, 11, 0))
    add("datagram", "punch", b"\0")

    # cert_fuzz byte 0: bit 0 version (v2), bits 1-2 entry (0 parse, 1 with key, 2 verify),
    # bit 3 a P256 key.
    add("cert", "ca", b"\0" + ca_raw)
    add("cert", "host1", b"\0" + host1_raw)
    add("cert", "peer_v1_with_key", b"\2" + peer_v1_nokey)
    add("cert", "peer_v1_verify", b"\4" + peer_v1_nokey)
    add("cert", "peer_v2_with_key", b"\3" + peer_v2_nokey)
    add("cert", "peer_v2_verify", b"\5" + peer_v2_nokey)
    for name in ["ca_v2", "host_v2", "ca_p256_v2", "host_p256_v2", "host_v6only"]:
        add("cert", name, b"\1" + pem_body(read("cert/v11/%s.crt" % name)))
    for name in ["ca_p256_v1", "host_p256_v1", "host_v1_of_v2ca"]:
        add("cert", name, b"\0" + pem_body(read("cert/v11/%s.crt" % name)))
    p256_nokey, _ = v2_without_key(pem_body(read("cert/v11/host_p256_v2.crt")))
    add("cert", "p256_v2_with_key", b"\x0b" + p256_nokey)

    for f in ["ca.crt", "ca.key", "host1.crt", "host1.key", "host2.pub", "bundle.crt"]:
        add("pem", f.replace(".", "_"), read("cert/" + f))
    for f in ["ca_v2.crt", "ca_v2.key", "host_v2.crt", "host_v2.key", "ca_p256_v2.crt",
              "ca_p256_v2.key", "host_p256_v2.key", "ca_p256_v1.crt", "dual.crt", "dual.pub",
              "mixed_bundle.crt", "noncontig.crt"]:
        add("pem", "v11_" + f.replace(".", "_"), read("cert/v11/" + f))
    for f in ["enc_ed25519_ca.key", "enc_p256_ca.key", "p256_ca.key", "p256_host.key",
              "p256_host.pub", "x25519_host.pub"]:
        add("pem", "keys_" + f.replace(".", "_"), read("keys/" + f))

    # der_fuzz: any DER; the v2 certificates and a P256 signature are the real ones.
    for name in ["ca_v2", "host_v2", "host_p256_v2"]:
        add("der", name, pem_body(read("cert/v11/%s.crt" % name)))
    # The curve's default written out (der_fuzz found it parsing and re-marshalling without it).
    host_v2 = pem_body(read("cert/v11/host_v2.crt"))
    (_, body), = list(der_elements(host_v2))
    fields = list(der_elements(body))
    add("der", "curve_default_written_out",
        der(0x30, der(*fields[0]) + der(0x81, b"\0") + b"".join(der(t, c) for t, c in fields[1:])))
    add("der", "integers", der(0x30, der(0x02, b"\x00\x80") + der(0x02, b"\xff\x7f") + der(0x85, b"\x65\x4f\x2b\x00")))

    add("dns", "a_host1", b"\0" + dns_query("host1.", 1))
    add("dns", "txt_ip_edns", b"\1" + dns_query("10.64.1.2.", 16, opt=True))
    add("dns", "aaaa_stranger", b"\2" + dns_query("Host1.", 28))
    add("dns", "notify", b"\0" + dns_query("host1.", 1, flags=0x2000))
    # A member's resolver (role 1): a known name under the domain, one to forward, a foreign one.
    add("dns", "member_a_host1_domain", b"\4" + dns_query("host1.our-team.", 1))
    add("dns", "member_forward", b"\6" + dns_query("member3.", 28))
    add("dns", "member_foreign", b"\4" + dns_query("www.example.com.", 1, opt=True))
    # A lighthouse's reply (role 2) to the forwarded "member3" A: one answer.
    reply_question = dns_name("member3.") + struct.pack(">HH", 1, 1)
    reply_answer = dns_name("member3.") + struct.pack(">HHIH", 1, 1, 3600, 4) + bytes([10, 64, 1, 3])
    add("dns", "lighthouse_reply", b"\x08" + struct.pack(">HHHHHH", 0x1234, 0x8000, 1, 1, 0, 0)
        + reply_question + reply_answer)

    add("firewall_packet", "tcp_syn", tcp_syn)
    add("firewall_packet", "udp", ipv4(17, udp(b"query")))
    add("firewall_packet", "icmp", ipv4(1, icmp_echo()))
    add("firewall_packet", "fragment", ipv4(17, b"later-fragment", frag=0x0010))
    add("firewall_packet", "ipv6", ipv6_udp())
    add("firewall_packet", "ipv6_hop_by_hop_tcp", ipv6_with(0, b"\x06\x00" + bytes(6) + struct.pack(">HH", 40000, 22) + bytes(16)))
    add("firewall_packet", "ipv6_later_fragment", ipv6_with(44, b"\x11\x00" + struct.pack(">H", 8 << 3) + bytes(4) + bytes(16)))
    add("firewall_packet", "ipv6_icmpv6_echo", ipv6_with(58, b"\x80\x00\x00\x00\x12\x34\x00\x01"))

    # A 3-segment TCP super-packet with a partial checksum, as a TUN with TSO hands it over.
    payload = bytes(range(256)) * 6
    t = struct.pack(">HHIIBBHHH", 40000, 80, 1000, 5000, 5 << 4, 0x18, 65535, 0, 0) + payload
    partial = csum(pseudo(0x0A400203, 0x0A400102, 6, len(t))) ^ 0xFFFF
    t = t[:16] + struct.pack(">H", partial) + t[18:]
    add("tun_segment", "tcp4_tso", vnet(1, 1, 40, 512, 20, 16) + ipv4(6, t))
    u = struct.pack(">HHHH", 5000, 6000, 8 + 900, 0) + bytes(900)
    add("tun_segment", "udp4_uso", vnet(1, 5, 28, 300, 20, 6) + ipv4(17, u))
    add("tun_segment", "plain", vnet() + tcp_syn)

    segs = b""
    for i in range(3):
        seg = ipv4(6, tcp(bytes([i]) * 100, seq=1000 + 100 * i), ident=10 + i)
        segs += struct.pack(">H", len(seg)) + seg
    add("tun_coalesce", "three_segments", segs + b"\0\0")
    add("tun_coalesce", "syn_then_data", struct.pack(">H", len(tcp_syn)) + tcp_syn + segs)

    add("config", "nebula_example", read("config/nebula_example.yml"))
    add("config", "nebula_1_11_1_example", read("config/nebula_1.11.1_example.yml"))
    add("config", "small", b"""pki:
  ca: /etc/nebula/ca.crt
  cert: /etc/nebula/host.crt
  key: /etc/nebula/host.key
static_host_map:
  "192.168.100.1": ["203.0.113.2:4242"]
lighthouse:
  hosts: ["192.168.100.1"]
listen: {host: 0.0.0.0, port: 4242}
tun: {dev: nebula1}
firewall:
  outbound: [{port: any, proto: any, host: any}]
  inbound: [{port: 22, proto: tcp, groups: [admins, servers]}]
""")

    for target, items in seeds.items():
        os.makedirs(os.path.join(OUT, target))
        for name, data in items:
            with open(os.path.join(OUT, target, name), "wb") as f:
                f.write(data)
    print("wrote", sum(len(v) for v in seeds.values()), "seeds for", len(seeds), "targets in", OUT)


main()
