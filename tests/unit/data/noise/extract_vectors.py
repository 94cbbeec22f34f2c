#!/usr/bin/env python3
"""Regenerates the Noise test vectors in this directory from their upstream sources.

  flynn_vectors.txt      <- flynn/noise vectors.txt (the library Nebula 1.6.1 uses)
  cacophony_vectors.txt  <- haskell-cryptography/cacophony vectors/cacophony.txt

Only the suites flatnet implements are kept: DH 25519, hash SHA256, ciphers AESGCM and
ChaChaPoly, patterns NN, XX, IK and IX, no PSK. Both sources are rewritten into one flat
format so the C++ test needs no JSON parser:

  handshake=<protocol name>           starts a vector
  init_static / resp_static=<hex>     private keys (public halves are derived)
  init_ephemeral / resp_ephemeral=<hex>  private ephemeral keys
  prologue=<hex>                      empty when absent
  handshake_hash=<hex>                only where the source gives it (cacophony)
  msg=<initiator|responder> <payload hex or -> <ciphertext hex>

Message senders follow each source's convention, made explicit here: handshake messages
alternate starting with the initiator. After the handshake, cacophony keeps alternating;
flynn's vector_test.go encrypts the k-th transport message with the first Split() key
(initiator to responder) when k is even and the second when k is odd.

Usage: extract_vectors.py <flynn vectors.txt> <cacophony.txt> <output dir>
"""
import json
import sys

PATTERN_LENGTHS = {"NN": 2, "XX": 3, "IK": 2, "IX": 2}
CIPHERS = ("AESGCM", "ChaChaPoly")


def wanted(name):
    parts = name.split("_")
    return (len(parts) == 5 and parts[1] in PATTERN_LENGTHS and parts[2] == "25519"
            and parts[3] in CIPHERS and parts[4] == "SHA256")


def emit(out, v):
    out.write("handshake=%s\n" % v["name"])
    for key in ("init_static", "resp_static", "init_ephemeral", "resp_ephemeral", "prologue",
                "handshake_hash"):
        if v.get(key) is not None:
            out.write("%s=%s\n" % (key, v[key]))
    for sender, payload, ciphertext in v["messages"]:
        out.write("msg=%s %s %s\n" % (sender, payload or "-", ciphertext))
    out.write("\n")


def flynn(path):
    vectors, cur, payload = [], None, None
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, value = line.split("=", 1)
        if key == "handshake":
            cur = {"name": value, "messages": [], "prologue": "", "skip": not wanted(value)}
            vectors.append(cur)
        elif key in ("init_static", "resp_static"):
            cur[key] = value
        elif key in ("gen_init_ephemeral", "gen_resp_ephemeral"):
            cur[key[4:]] = value
        elif key == "prologue":
            cur["prologue"] = value
        elif key == "preshared_key":
            cur["skip"] = True
        elif key.endswith("_payload"):
            payload = value
        elif key.endswith("_ciphertext"):
            i = int(key.split("_")[1])
            n = PATTERN_LENGTHS.get(cur["name"].split("_")[1], 0)
            if i < n:
                sender = "initiator" if i % 2 == 0 else "responder"
            else:
                sender = "initiator" if (i - n) % 2 == 0 else "responder"
            cur["messages"].append((sender, payload, value))
    return [v for v in vectors if not v["skip"]]


def cacophony(path):
    out = []
    for x in json.load(open(path))["vectors"]:
        name = x["protocol_name"]
        if not wanted(name) or x.get("init_psks") or x.get("resp_psks") or x.get("fail"):
            continue
        assert x["init_prologue"] == x["resp_prologue"]
        msgs = [("initiator" if i % 2 == 0 else "responder", m["payload"], m["ciphertext"])
                for i, m in enumerate(x["messages"])]
        out.append({"name": name, "init_static": x.get("init_static"),
                    "resp_static": x.get("resp_static"),
                    "init_ephemeral": x["init_ephemeral"], "resp_ephemeral": x["resp_ephemeral"],
                    "prologue": x["init_prologue"], "handshake_hash": x["handshake_hash"],
                    "messages": msgs})
    return out


def main():
    flynn_path, cacophony_path, out_dir = sys.argv[1:4]
    for file_name, source, vectors in (
            ("flynn_vectors.txt", "flynn/noise vectors.txt", flynn(flynn_path)),
            ("cacophony_vectors.txt", "cacophony vectors/cacophony.txt", cacophony(cacophony_path))):
        with open("%s/%s" % (out_dir, file_name), "w") as out:
            out.write("# Noise test vectors from %s, rewritten by extract_vectors.py.\n\n" % source)
            for v in vectors:
                emit(out, v)


if __name__ == "__main__":
    main()
