// Package uptime is the open uptime check: keepers assigned to a node by rendezvous
// hashing send it signed probes at random times; the node answers each with
// sign(probe ‖ previous answer hash), a per-keeper chain that cannot be answered
// ahead of time or out of order; a node's uptime is the median over its keepers.
package uptime

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/ionet-network/ionet/oracle/wire"
)

// Probe is a keeper's signed question to one node.
type Probe struct {
	Node  ed25519.PublicKey
	Epoch uint64
	Seq   uint64   // per keeper and node within the epoch, from 0
	Nonce [32]byte // unpredictable, so answers cannot be prepared
	// Previous is the hash of the last answer this keeper accepted from the node
	// (Genesis first). Chaining on what the keeper accepted, not on what the node
	// sent, keeps a lost answer from breaking every later link.
	Previous [32]byte
}

// Answer is the node's signed reply, sign(probe ‖ previous answer hash): the exact
// probe message and the hash of the previous answer in this keeper's chain. The
// keeper's observation log is then a hash chain: no answer can be dropped from the
// middle or reordered without breaking it.
type Answer struct {
	Probe    []byte // the signed probe message, verbatim
	Previous [32]byte
}

// SealProbe signs a probe with the keeper's key.
func SealProbe(key ed25519.PrivateKey, p Probe) []byte {
	var w wire.Writer
	w.Fixed(p.Node)
	w.U64(p.Epoch)
	w.U64(p.Seq)
	w.Fixed(p.Nonce[:])
	w.Fixed(p.Previous[:])
	return wire.Seal(wire.KindProbe, key, w.Bytes())
}

// OpenProbe decodes a probe and returns it with its signer.
func OpenProbe(msg []byte) (Probe, ed25519.PublicKey, error) {
	m, err := wire.Open(msg, wire.KindProbe)
	if err != nil {
		return Probe{}, nil, fmt.Errorf("open probe: %w", err)
	}
	r := wire.NewReader(m.Payload)
	p := Probe{Node: make(ed25519.PublicKey, ed25519.PublicKeySize)}
	r.Fixed(p.Node, "node")
	p.Epoch = r.U64("epoch")
	p.Seq = r.U64("seq")
	r.Fixed(p.Nonce[:], "nonce")
	r.Fixed(p.Previous[:], "previous")
	if err := r.Done(); err != nil {
		return Probe{}, nil, fmt.Errorf("open probe: %w", err)
	}
	return p, m.Signer, nil
}

const maxProbeLen = 512

// SealAnswer signs an answer with the node's key.
func SealAnswer(key ed25519.PrivateKey, a Answer) []byte {
	var w wire.Writer
	w.Var(a.Probe)
	w.Fixed(a.Previous[:])
	return wire.Seal(wire.KindProbeAnswer, key, w.Bytes())
}

// OpenAnswer decodes an answer signed by node.
func OpenAnswer(msg []byte, node ed25519.PublicKey) (Answer, error) {
	m, err := wire.OpenFrom(msg, wire.KindProbeAnswer, node)
	if err != nil {
		return Answer{}, fmt.Errorf("open answer: %w", err)
	}
	r := wire.NewReader(m.Payload)
	var a Answer
	a.Probe = r.Var(maxProbeLen, "probe")
	r.Fixed(a.Previous[:], "previous")
	if err := r.Done(); err != nil {
		return Answer{}, fmt.Errorf("open answer: %w", err)
	}
	return a, nil
}

// AnswerHash links answers: the next answer in the chain carries it.
func AnswerHash(answerMsg []byte) [32]byte { return sha256.Sum256(answerMsg) }

// Genesis is the "previous answer" of the first answer to a keeper in an epoch.
func Genesis(epoch uint64, keeper, node ed25519.PublicKey) [32]byte {
	var w wire.Writer
	w.Fixed([]byte("ionet-uptime-v1"))
	w.U64(epoch)
	w.Fixed(keeper)
	w.Fixed(node)
	return sha256.Sum256(w.Bytes())
}
