package pow

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/ionet-network/ionet/oracle/merkle"
)

// rowTree is the commitment's Merkle tree built block by block: the leaves of block b
// (rows b·R … b·R+R−1, R a power of two) form exactly the subtree under node b of
// level log2 R in the whole tree, so the prover hashes each block's subtree as soon as
// the device hands its leaves over, in parallel with the next block, and keeps only
// the leaves (M × 32 bytes) and the tree over block roots. A proof is the path inside
// the block (rebuilt from R leaves) followed by the path of the block's root; it is
// byte-for-byte merkle.Tree's proof over the same leaves.
type rowTree struct {
	leaves []merkle.Hash
	block  int // R
	roots  []merkle.Hash
	top    *merkle.Tree

	jobs chan int
	wg   sync.WaitGroup
}

// newRowTree prepares a tree over m leaves in blocks of block rows (a power of two),
// hashing finished blocks on `workers` goroutines (GOMAXPROCS when ≤ 0).
func newRowTree(m, block, workers int) (*rowTree, error) {
	if m <= 0 || block <= 0 || block&(block-1) != 0 {
		return nil, fmt.Errorf("row tree: %d leaves in blocks of %d (want a power of two)", m, block)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	blocks := (m + block - 1) / block
	t := &rowTree{leaves: make([]merkle.Hash, m), block: block, roots: make([]merkle.Hash, blocks),
		jobs: make(chan int, blocks)}
	for range min(workers, blocks) {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			for b := range t.jobs {
				t.roots[b] = t.blockTree(b).Root()
			}
		}()
	}
	return t, nil
}

// blockLeaves is the slice of leaves of block b.
func (t *rowTree) blockLeaves(b int) []merkle.Hash {
	lo := b * t.block
	return t.leaves[lo:min(lo+t.block, len(t.leaves))]
}

func (t *rowTree) blockTree(b int) *merkle.Tree {
	tr, err := merkle.New(t.blockLeaves(b))
	if err != nil {
		panic(err) // a block is never empty
	}
	return tr
}

// done hands block b, whose leaves are written, to the hashing goroutines.
func (t *rowTree) done(b int) { t.jobs <- b }

// finish waits for every block and builds the tree over their roots. Call it once,
// after done for every block (or to abandon the tree).
func (t *rowTree) finish() (merkle.Hash, error) {
	close(t.jobs)
	t.wg.Wait()
	top, err := merkle.New(t.roots)
	if err != nil {
		return merkle.Hash{}, err
	}
	t.top = top
	return top.Root(), nil
}

// proof is leaf i's Merkle path after finish.
func (t *rowTree) proof(i int) ([]merkle.Hash, error) {
	if i < 0 || i >= len(t.leaves) {
		return nil, fmt.Errorf("row tree proof for leaf %d of %d: %w", i, len(t.leaves), merkle.ErrIndex)
	}
	b := i / t.block
	inner, err := t.blockTree(b).Proof(i - b*t.block)
	if err != nil {
		return nil, err
	}
	outer, err := t.top.Proof(b)
	if err != nil {
		return nil, err
	}
	return append(inner, outer...), nil
}
