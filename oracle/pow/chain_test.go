package pow

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// NextA is the little-endian bytes of C, entry by entry.
func TestNextAIsLittleEndianBytes(t *testing.T) {
	c := []int32{0x01020304, -1, -1 << 31, 0x7f80ff00}
	a := make([]int8, 16)
	NextA(a, c)
	var want []byte
	for _, v := range c {
		want = binary.LittleEndian.AppendUint32(want, uint32(v))
	}
	assert.Equal(t, want, bytesOf(a))
	assert.Panics(t, func() { NextA(make([]int8, 15), c) })
}

// The chain through any GEMM equals the definition written out: link t+1 multiplies
// the bytes of link t.
func TestChainMatchesDefinition(t *testing.T) {
	seed := Seed(sha256.Sum256([]byte("chain")))
	const rows, k, n, links = 7, 32, 8, 4
	gen := NewGenerator(seed)
	b := make([]int8, k*n)
	gen.Rows(MatrixB, 0, k, n, b)
	ref := ChainReference(seed, b, 3, rows, k, n, links)
	// Spelled out: A₀ from the seed, then each next A from the previous C's bytes.
	a := make([]int8, rows*k)
	gen.Rows(MatrixA, 3, rows, k, a)
	for l := range links {
		c := MulReference(a, b, rows, k, n)
		require.Equal(t, c, ref[l], "link %d", l)
		for i, v := range c {
			var x [4]byte
			binary.LittleEndian.PutUint32(x[:], uint32(v))
			for j := range 4 {
				a[4*i+j] = int8(x[j])
			}
		}
	}
	gm, err := ReferenceBackend{}.NewGEMM(b, k, n)
	require.NoError(t, err)
	a0 := make([]int8, rows*k)
	gen.Rows(MatrixA, 3, rows, k, a0)
	got := [][]int32{make([]int32, rows*n), make([]int32, rows*n), make([]int32, rows*n), make([]int32, rows*n)}
	require.NoError(t, Chain(gm, a0, rows, k, n, got))
	assert.Equal(t, ref, got)
	// A chain needs K = 4N.
	assert.Error(t, Chain(gm, make([]int8, 9*rows), rows, 9, n, got))
}

// Block trees give the whole tree's root and proofs, for full and partial last
// blocks and a single block.
func TestRowTreeIsTheMerkleTree(t *testing.T) {
	for _, c := range []struct{ m, block int }{{1, 1}, {1, 8}, {7, 8}, {8, 8}, {9, 8}, {100, 4}, {513, 64}, {1000, 1}, {33, 2}} {
		leaves := make([]merkle.Hash, c.m)
		for i := range leaves {
			leaves[i] = sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
		}
		whole, err := merkle.New(leaves)
		require.NoError(t, err)
		rt, err := newRowTree(c.m, c.block, 3)
		require.NoError(t, err)
		copy(rt.leaves, leaves)
		for b := 0; b*c.block < c.m; b++ {
			rt.done(b)
		}
		root, err := rt.finish()
		require.NoError(t, err)
		require.Equal(t, whole.Root(), root, "%+v", c)
		for i := range c.m {
			want, _ := whole.Proof(i)
			got, err := rt.proof(i)
			require.NoError(t, err)
			require.Equal(t, want, got, "%+v leaf %d", c, i)
		}
		_, err = rt.proof(c.m)
		assert.ErrorIs(t, err, merkle.ErrIndex)
	}
	_, err := newRowTree(10, 6, 1)
	assert.Error(t, err, "a block that is not a power of two")
}

type sizedGEMM struct {
	GEMM
	rows int
}

func (g sizedGEMM) BlockRows() int { return g.rows }

type sizedBackend struct{ rows int }

func (sizedBackend) Name() string { return "sized" }
func (b sizedBackend) NewGEMM(bm []int8, k, n int) (GEMM, error) {
	g, err := ReferenceBackend{}.NewGEMM(bm, k, n)
	return sizedGEMM{g, b.rows}, err
}

// The prover takes its block from the device, rounded down to a power of two, and
// the keeper accepts the result.
func TestProverBlockFromTheDevice(t *testing.T) {
	for _, c := range []struct{ device, configured, want int }{{100, 0, 64}, {0, 0, FallbackBlockRows}, {100, 32, 32}, {1 << 20, 0, 512}} {
		f := newFixture(t)
		worker := testKey("worker")
		p, err := NewProver(ProverConfig{Key: worker, Backend: sizedBackend{c.device}, Lookup: lookup, BlockRows: c.configured})
		require.NoError(t, err)
		sess, ch, err := f.keeper.Challenge(params(worker, tiny.Name))
		require.NoError(t, err)
		work, commit, err := p.Commit(context.Background(), ch, pub(f.keeperKey))
		require.NoError(t, err)
		assert.Equal(t, c.want, work.Block(), "%+v", c)
		f.clock.Advance(tiny.RefTime)
		_, req, err := sess.Commitment(commit, 0)
		require.NoError(t, err)
		op, err := work.Open(req, pub(f.keeperKey))
		require.NoError(t, err)
		_, err = sess.Openings(op)
		require.NoError(t, err)
		work.Close()
	}
}

// The prover refuses a class whose leaves exceed its memory bound, before any work.
func TestProverMemoryBound(t *testing.T) {
	f := newFixture(t)
	worker := testKey("worker")
	p, err := NewProver(ProverConfig{Key: worker, Backend: ReferenceBackend{}, Lookup: lookup, MaxLeafBytes: 32*tiny.M - 1})
	require.NoError(t, err)
	_, ch, err := f.keeper.Challenge(params(worker, tiny.Name))
	require.NoError(t, err)
	_, _, err = p.Commit(context.Background(), ch, pub(f.keeperKey))
	assert.ErrorIs(t, err, ErrTooLarge)
	// The default bound holds the largest class.
	big := 0
	for _, c := range classes.All() {
		big = max(big, c.M)
	}
	assert.LessOrEqual(t, 32*big, DefaultMaxLeafBytes)
}

// Openings of the wrong shape are refused before any arithmetic.
func TestOpeningsShapeChecked(t *testing.T) {
	f := newFixture(t)
	worker := testKey("worker")
	for _, mutate := range []func(o *Openings){
		func(o *Openings) { o.Openings[0].Links = o.Openings[0].Links[1:] },              // a link missing
		func(o *Openings) { o.Openings[0].Links[1] = o.Openings[0].Links[1][1:] },        // a short link
		func(o *Openings) { o.Openings[0].Row++ },                                        // another row
		func(o *Openings) { o.Openings = o.Openings[1:] },                                // a row missing
		func(o *Openings) { o.Openings[0].Links = append(o.Openings[0].Links, nil) },     // a link too many
		func(o *Openings) { o.Openings[0].Links[0] = append(o.Openings[0].Links[0], 0) }, // a long link
	} {
		sess, ch, err := f.keeper.Challenge(params(worker, tiny.Name))
		require.NoError(t, err)
		work, commit, err := newProver(t, worker).Commit(context.Background(), ch, pub(f.keeperKey))
		require.NoError(t, err)
		f.clock.Advance(tiny.RefTime)
		_, req, err := sess.Commitment(commit, 0)
		require.NoError(t, err)
		msg, err := work.Open(req, pub(f.keeperKey))
		require.NoError(t, err)
		o, err := OpenOpenings(msg, pub(worker))
		require.NoError(t, err)
		mutate(&o)
		_, err = sess.Openings(SealOpenings(worker, o))
		assert.ErrorIs(t, err, ErrOpenings)
		work.Close()
	}
}

// The opening a keeper downloads for the largest class, with DefaultSamples rows.
func TestOpeningSizeOfTheLargestClass(t *testing.T) {
	h, err := classes.ByName("h100-sxm")
	require.NoError(t, err)
	depth := 0
	for m := h.M; m > 1; m = (m + 1) / 2 {
		depth++
	}
	assert.Equal(t, 22, depth)
	size := OpeningsPayloadSize(DefaultSamples, h.T, h.N, GPULinkWidth, depth)
	// 23.0 MiB: 64 rows × 16 links × 23 KiB (8192 entries of 23 bits), plus 64 paths of 22
	assert.Equal(t, 24_168_484, size)
	t.Logf("h100-sxm opening: %d bytes (%.1f MiB)", size, float64(size)/(1<<20))
}
