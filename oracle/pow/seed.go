// Package pow is the proof-of-compute protocol shared by keepers and workers:
// challenge seeds, the seeded int8 matrices, the exact reference product, row
// commitments, Freivalds verification of opened rows, the timing rule and the
// signed challenge, commitment and opening messages.
//
// One challenge (docs/design.md §7):
//
//	keeper                                   worker
//	Keeper.Challenge ── Challenge (signed) ─▶ Prover.Commit: A₀, B from the seed,
//	                                          T chained products per row
//	                                          (chain.go), Merkle root over the
//	                                          last link's row hashes
//	Session.Commitment ◀─ Commitment ──────── (seed, M, root), signed
//	  timing rule on the keeper's clock;
//	  secret rows chosen now
//	  ── OpeningRequest (signed) ───────────▶ Work.Open: every link of each
//	                                          row + Merkle paths
//	Session.Openings ◀── Openings ─────────── signed
//	  Merkle path of the last link, then for every link
//	  C_t[i]·r == A_t[i]·(B·r), A_{t+1}[i] = bytes of C_t[i]
//
// Known limits: a correct, timely answer proves that some hardware of that
// throughput computed it, not that it is the GPU behind the UUID (a relay); only
// synchronized random challenge windows stop one GPU answering for two identities.
package pow

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/ionet-network/ionet/oracle/wire"
)

// Seed keys the matrix generator for one challenge.
type Seed [32]byte

// seedDomain versions the seed derivation; a new derivation gets a new tag.
const seedDomain = "ionet-pow-v2"

// Params are what a challenge binds: a recent slot hash (so it cannot be
// precomputed), the worker identity and GPU (so an answer cannot be reused by
// another identity or device), the class (sizes) and a keeper nonce (so two keepers,
// or two challenges, never share a seed).
type Params struct {
	SlotHash [32]byte
	Worker   ed25519.PublicKey
	GPUUUID  string
	GPUIndex uint32
	Class    string
	Nonce    [32]byte
}

// Limits on variable fields, so decoding never allocates on an attacker's word.
const (
	maxUUIDLen  = 128
	maxClassLen = 64
)

func (p Params) validate() error {
	if len(p.Worker) != ed25519.PublicKeySize {
		return fmt.Errorf("challenge params: worker key has %d bytes", len(p.Worker))
	}
	if len(p.GPUUUID) > maxUUIDLen || len(p.Class) > maxClassLen || p.Class == "" {
		return fmt.Errorf("challenge params: bad uuid or class length")
	}
	return nil
}

// encode writes the params: fixed-size fields raw, strings length-prefixed (u32
// big-endian), integers big-endian. The seed hashes exactly these bytes.
func (p Params) encode(w *wire.Writer) {
	w.Fixed(p.SlotHash[:])
	w.Fixed(p.Worker)
	w.Var([]byte(p.GPUUUID))
	w.U32(p.GPUIndex)
	w.Var([]byte(p.Class))
	w.Fixed(p.Nonce[:])
}

func decodeParams(r *wire.Reader) Params {
	var p Params
	r.Fixed(p.SlotHash[:], "slot hash")
	p.Worker = make(ed25519.PublicKey, ed25519.PublicKeySize)
	r.Fixed(p.Worker, "worker key")
	p.GPUUUID = string(r.Var(maxUUIDLen, "gpu uuid"))
	p.GPUIndex = r.U32("gpu index")
	p.Class = string(r.Var(maxClassLen, "class"))
	r.Fixed(p.Nonce[:], "nonce")
	return p
}

// Seed = SHA256("ionet-pow-v2" ‖ slot hash ‖ worker key ‖ len‖uuid ‖ index ‖
// len‖class ‖ nonce).
func (p Params) Seed() Seed {
	var w wire.Writer
	w.Fixed([]byte(seedDomain))
	p.encode(&w)
	return sha256.Sum256(w.Bytes())
}
