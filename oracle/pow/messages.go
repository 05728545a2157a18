package pow

import (
	"crypto/ed25519"
	"fmt"

	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/wire"
)

// Challenge is what a keeper sends a worker; the keeper signs it.
type Challenge struct {
	Params
}

// Commitment is the worker's signed answer: the seed it worked on, the number of
// rows and the root over the row hashes.
type Commitment struct {
	Seed Seed
	M    uint64
	Root merkle.Hash
}

// OpeningRequest names the rows the keeper wants opened, chosen after the root
// arrived so the worker cannot know them in advance.
type OpeningRequest struct {
	Seed Seed
	Rows []uint64
}

// Opening is one row's chain: Links[t] = C_t[Row] for t = 0…T−1 (N int32 each), and
// the Merkle proof of the last link's leaf, RowHash(Row, Links[T−1]).
type Opening struct {
	Row   uint64
	Links [][]int32
	Proof []merkle.Hash
}

// Openings is the worker's signed reply to an OpeningRequest.
type Openings struct {
	Seed     Seed
	Openings []Opening
}

// Decoding bounds: far above any class, far below memory trouble.
const (
	maxOpenRows = 1024
	maxRowLen   = 1 << 20 // entries
	maxProofLen = 64
	maxLinks    = 256
)

// SealChallenge signs a challenge with the keeper's key.
func SealChallenge(key ed25519.PrivateKey, c Challenge) ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	var w wire.Writer
	c.encode(&w)
	return wire.Seal(wire.KindChallenge, key, w.Bytes()), nil
}

// OpenChallenge decodes a challenge signed by keeper.
func OpenChallenge(msg []byte, keeper ed25519.PublicKey) (Challenge, error) {
	m, err := wire.OpenFrom(msg, wire.KindChallenge, keeper)
	if err != nil {
		return Challenge{}, fmt.Errorf("open challenge: %w", err)
	}
	r := wire.NewReader(m.Payload)
	c := Challenge{Params: decodeParams(r)}
	if err := r.Done(); err != nil {
		return Challenge{}, fmt.Errorf("open challenge: %w", err)
	}
	if err := c.validate(); err != nil {
		return Challenge{}, fmt.Errorf("open challenge: %w: %w", wire.ErrPayload, err)
	}
	return c, nil
}

// SealCommitment signs a commitment with the worker's key.
func SealCommitment(key ed25519.PrivateKey, c Commitment) []byte {
	var w wire.Writer
	w.Fixed(c.Seed[:])
	w.U64(c.M)
	w.Fixed(c.Root[:])
	return wire.Seal(wire.KindCommitment, key, w.Bytes())
}

// OpenCommitment decodes a commitment signed by worker.
func OpenCommitment(msg []byte, worker ed25519.PublicKey) (Commitment, error) {
	m, err := wire.OpenFrom(msg, wire.KindCommitment, worker)
	if err != nil {
		return Commitment{}, fmt.Errorf("open commitment: %w", err)
	}
	r := wire.NewReader(m.Payload)
	var c Commitment
	r.Fixed(c.Seed[:], "seed")
	c.M = r.U64("rows")
	r.Fixed(c.Root[:], "root")
	if err := r.Done(); err != nil {
		return Commitment{}, fmt.Errorf("open commitment: %w", err)
	}
	return c, nil
}

// SealOpeningRequest signs a request with the keeper's key.
func SealOpeningRequest(key ed25519.PrivateKey, q OpeningRequest) []byte {
	var w wire.Writer
	w.Fixed(q.Seed[:])
	w.U32(uint32(len(q.Rows)))
	for _, i := range q.Rows {
		w.U64(i)
	}
	return wire.Seal(wire.KindOpeningRequest, key, w.Bytes())
}

// OpenOpeningRequest decodes a request signed by keeper.
func OpenOpeningRequest(msg []byte, keeper ed25519.PublicKey) (OpeningRequest, error) {
	m, err := wire.OpenFrom(msg, wire.KindOpeningRequest, keeper)
	if err != nil {
		return OpeningRequest{}, fmt.Errorf("open opening request: %w", err)
	}
	r := wire.NewReader(m.Payload)
	var q OpeningRequest
	r.Fixed(q.Seed[:], "seed")
	n := r.U32("row count")
	if n > maxOpenRows {
		r.Fail(fmt.Errorf("%d rows requested, at most %d: %w", n, maxOpenRows, wire.ErrPayload))
		n = 0
	}
	for range n {
		q.Rows = append(q.Rows, r.U64("row"))
	}
	if err := r.Done(); err != nil {
		return OpeningRequest{}, fmt.Errorf("open opening request: %w", err)
	}
	return q, nil
}

// SealOpenings signs openings with the worker's key. Payload: seed, count (u32),
// then per opening the row (u64), the link count (u32), each link bit-packed
// (linkcodec.go), the proof length (u32) and the proof's hashes. Size:
// OpeningsPayloadSize.
func SealOpenings(key ed25519.PrivateKey, o Openings) []byte {
	var w wire.Writer
	w.Fixed(o.Seed[:])
	w.U32(uint32(len(o.Openings)))
	for _, op := range o.Openings {
		w.U64(op.Row)
		w.U32(uint32(len(op.Links)))
		for _, l := range op.Links {
			writeLink(&w, l)
		}
		w.U32(uint32(len(op.Proof)))
		for _, h := range op.Proof {
			w.Fixed(h[:])
		}
	}
	return wire.Seal(wire.KindOpenings, key, w.Bytes())
}

// OpeningsPayloadSize is the payload bytes of s openings of T links of n entries,
// each packed at width bits (LinkWidth), with proofs of depth hashes: what a keeper
// downloads per challenge, before the signed envelope's fixed overhead.
func OpeningsPayloadSize(s, t, n, width, depth int) int {
	return 32 + 4 + s*(8+4+t*PackedLinkSize(n, width)+4+32*depth)
}

// OpenOpenings decodes openings signed by worker.
func OpenOpenings(msg []byte, worker ed25519.PublicKey) (Openings, error) {
	m, err := wire.OpenFrom(msg, wire.KindOpenings, worker)
	if err != nil {
		return Openings{}, fmt.Errorf("open openings: %w", err)
	}
	r := wire.NewReader(m.Payload)
	var o Openings
	r.Fixed(o.Seed[:], "seed")
	n := r.U32("opening count")
	if n > maxOpenRows {
		r.Fail(fmt.Errorf("%d openings, at most %d: %w", n, maxOpenRows, wire.ErrPayload))
		n = 0
	}
	for range n {
		var op Opening
		op.Row = r.U64("row")
		ln := r.U32("link count")
		if ln > maxLinks {
			r.Fail(fmt.Errorf("%d links, at most %d: %w", ln, maxLinks, wire.ErrPayload))
			break
		}
		for range ln {
			op.Links = append(op.Links, readLink(r, maxRowLen))
		}
		pn := r.U32("proof length")
		if pn > maxProofLen {
			r.Fail(fmt.Errorf("proof of %d hashes: %w", pn, wire.ErrPayload))
			break
		}
		op.Proof = make([]merkle.Hash, pn)
		for i := range op.Proof {
			r.Fixed(op.Proof[i][:], "proof hash")
		}
		o.Openings = append(o.Openings, op)
	}
	if err := r.Done(); err != nil {
		return Openings{}, fmt.Errorf("open openings: %w", err)
	}
	return o, nil
}
