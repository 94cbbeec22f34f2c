// Generates a Noise IX handshake vector with Nebula 1.11.1's P256 DH (noiseutil.DHP256) and
// flynn/noise v1.1.0, as Nebula builds it (pki.go newCipherSuite, handshake/credential.go):
// fixed static and ephemeral keys, so flatnet's tests can reproduce every byte.
//
// Run with tests/unit/data/noise/p256_ix_vector/generate.sh (needs Go and the nebula v1.11.1
// module in the Go module cache; no network).
package main

import (
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/flynn/noise"
	"github.com/slackhq/nebula/noiseutil"
)

// A deterministic P256 key from a label (SHA-256 of it is below the group order).
func key(label string) noise.DHKey {
	d := sha256.Sum256([]byte(label))
	k, err := ecdh.P256().NewPrivateKey(d[:])
	if err != nil {
		panic(err)
	}
	return noise.DHKey{Private: k.Bytes(), Public: k.PublicKey().Bytes()}
}

// Nebula's DHP256 with the ephemeral key pinned: flynn/noise draws the ephemeral key from
// GenerateKeypair whatever its Config says, and Go's ecdh ignores custom randomness. DH,
// DHLen and DHName are Nebula's own.
type pinned struct {
	noise.DHFunc
	e noise.DHKey
}

func (p pinned) GenerateKeypair(io.Reader) (noise.DHKey, error) { return p.e, nil }

func main() {
	for _, c := range []struct {
		name   string
		cipher noise.CipherFunc
	}{{"AESGCM", noiseutil.CipherAESGCM}, {"ChaChaPoly", noise.CipherChaChaPoly}} {
		is, rs := key("flatnet initiator static"), key("flatnet responder static")
		ie, re := key("flatnet initiator ephemeral "+c.name), key("flatnet responder ephemeral "+c.name)
		suite := noise.NewCipherSuite(noiseutil.DHP256, c.cipher, noise.HashSHA256)
		conf := func(initiator bool, s, e noise.DHKey) noise.Config {
			pinnedSuite := noise.NewCipherSuite(pinned{noiseutil.DHP256, e}, c.cipher, noise.HashSHA256)
			return noise.Config{CipherSuite: pinnedSuite, Pattern: noise.HandshakeIX, Initiator: initiator,
				StaticKeypair: s, PresharedKey: []byte{}, PresharedKeyPlacement: 0}
		}
		i, err := noise.NewHandshakeState(conf(true, is, ie))
		if err != nil {
			panic(err)
		}
		r, err := noise.NewHandshakeState(conf(false, rs, re))
		if err != nil {
			panic(err)
		}
		p1, p2 := []byte("stage one payload"), []byte("stage two payload")
		m1, _, _, err := i.WriteMessage(nil, p1)
		if err != nil {
			panic(err)
		}
		if _, _, _, err = r.ReadMessage(nil, m1); err != nil {
			panic(err)
		}
		// flynn returns the Split() pair in Noise's order: initiator->responder first.
		m2, i2r, r2i, err := r.WriteMessage(nil, p2)
		if err != nil {
			panic(err)
		}
		if _, _, _, err = i.ReadMessage(nil, m2); err != nil {
			panic(err)
		}
		k1, k2 := i2r.UnsafeKey(), r2i.UnsafeKey()
		fmt.Printf("protocol_name=Noise_IX_%s\n", suite.Name())
		fmt.Printf("init_static=%x\nresp_static=%x\n", is.Private, rs.Private)
		fmt.Printf("init_ephemeral=%x\nresp_ephemeral=%x\n", ie.Private, re.Private)
		fmt.Printf("payload1=%x\nmsg1=%x\npayload2=%x\nmsg2=%x\n", p1, m1, p2, m2)
		fmt.Printf("handshake_hash=%x\n", r.ChannelBinding())
		fmt.Printf("key_i2r=%s\nkey_r2i=%s\n\n", hex.EncodeToString(k1[:]), hex.EncodeToString(k2[:]))
	}
}
