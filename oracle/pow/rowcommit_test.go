package pow

import (
	"context"
	"testing"

	"github.com/ionet-network/ionet/oracle/merkle"
)

// committingBackend is a reference GEMM that, like the CUDA backend, generates A and
// hashes C's rows itself; it counts which path the prover took.
type committingBackend struct{ commits, muls *int }

func (committingBackend) Name() string { return "committing" }

func (b committingBackend) NewGEMM(bm []int8, k, n int) (GEMM, error) {
	g, err := ReferenceBackend{}.NewGEMM(bm, k, n)
	return committingGEMM{GEMM: g, b: bm, k: k, n: n, commits: b.commits, muls: b.muls}, err
}

type committingGEMM struct {
	GEMM
	b             []int8
	k, n          int
	commits, muls *int
}

func (g committingGEMM) Mul(c []int32, a []int8, m int) error {
	*g.muls++
	return g.GEMM.Mul(c, a, m)
}

func (g committingGEMM) CommitRows(hashes []merkle.Hash, seed Seed, first, rows, links int) error {
	*g.commits++
	c := ChainReference(seed, g.b, first, rows, g.k, g.n, links)[links-1]
	for r := range rows {
		hashes[r] = RowHash(first+r, c[r*g.n:(r+1)*g.n])
	}
	return nil
}

func TestProverUsesARowCommittingBackendAndTheKeeperAccepts(t *testing.T) {
	f := newFixture(t)
	worker := testKey("worker")
	sess, chMsg, err := f.keeper.Challenge(params(worker, tiny.Name))
	if err != nil {
		t.Fatal(err)
	}
	var commits, muls int
	p, err := NewProver(ProverConfig{Key: worker, Backend: committingBackend{&commits, &muls}, Lookup: lookup, BlockRows: 64})
	if err != nil {
		t.Fatal(err)
	}
	work, commit, err := p.Commit(context.Background(), chMsg, pub(f.keeperKey))
	if err != nil {
		t.Fatal(err)
	}
	defer work.Close()
	wantBlocks := (tiny.M + 63) / 64
	if commits != wantBlocks || muls != 0 {
		t.Fatalf("prover made %d CommitRows and %d Mul calls, want %d and 0", commits, muls, wantBlocks)
	}
	if work.Block() != 64 {
		t.Fatalf("block %d, configured 64", work.Block())
	}

	// The same challenge through the plain GEMM path gives the same root.
	_, plain, err := newProver(t, worker).Commit(context.Background(), chMsg, pub(f.keeperKey))
	if err != nil {
		t.Fatal(err)
	}
	a, errA := OpenCommitment(commit, pub(worker))
	b, errB := OpenCommitment(plain, pub(worker))
	if errA != nil || errB != nil || a.Root != b.Root {
		t.Fatalf("roots differ: %x vs %x (%v, %v)", a.Root, b.Root, errA, errB)
	}

	f.clock.Advance(tiny.RefTime)
	_, req, err := sess.Commitment(commit, 0)
	if err != nil {
		t.Fatal(err)
	}
	openings, err := work.Open(req, pub(f.keeperKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Openings(openings); err != nil {
		t.Fatal(err)
	}
}
