package pow

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"runtime"
	"sync"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/merkle"
)

// GEMM multiplies row blocks of A by a B fixed when it was created.
type GEMM interface {
	// Mul sets c (m×n) to a (m×k) · B, exactly.
	Mul(c []int32, a []int8, m int) error
	Close() error
}

// RowCommitter is a GEMM that also generates A₀ from the seed, runs the chain and
// hashes the last link's rows itself, as a GPU does to keep A and C on the device;
// the prover then receives only the leaf hashes:
// hashes[r] = RowHash(first+r, C_{links−1}[first+r]) for r < rows.
type RowCommitter interface {
	CommitRows(hashes []merkle.Hash, seed Seed, first, rows, links int) error
}

// BlockSizer is a GEMM that knows how many rows of A per call keep its device busy
// (a GPU: enough rows for every SM, as many as its memory holds).
type BlockSizer interface {
	BlockRows() int
}

// SeededBackend is a Backend that generates B from the seed itself (on the device),
// so B never exists on the host.
type SeededBackend interface {
	NewSeededGEMM(seed Seed, k, n int) (GEMM, error)
}

// Backend is a compute device able to run the challenge's GEMM.
type Backend interface {
	Name() string
	NewGEMM(b []int8, k, n int) (GEMM, error)
}

// ErrNotForMe is returned for a challenge addressed to another worker key.
var ErrNotForMe = errors.New("pow: challenge is for another worker")

// ErrTooLarge is returned for a class whose leaves exceed the prover's memory bound.
var ErrTooLarge = errors.New("pow: challenge exceeds the prover's memory bound")

// Prover defaults.
const (
	// FallbackBlockRows is the block for a GEMM that does not size its own.
	FallbackBlockRows = 256
	// DefaultMaxLeafBytes bounds the host memory of a commitment: the leaves, M × 32
	// bytes (the largest class, h100-sxm, needs 3,225,403 × 32 = 98.4 MiB), plus
	// the per-block trees, which are transient.
	DefaultMaxLeafBytes = 1 << 30
)

// ProverConfig configures the worker side.
type ProverConfig struct {
	Key     ed25519.PrivateKey
	Backend Backend
	Lookup  func(string) (classes.Class, error) // classes.ByName when nil
	// BlockRows is the rows of A per device call, rounded down to a power of two
	// (the block trees must be whole subtrees). 0: the GEMM's BlockSizer, else
	// FallbackBlockRows.
	BlockRows    int
	MaxLeafBytes int          // DefaultMaxLeafBytes when 0
	Workers      int          // host goroutines for B and the tree; GOMAXPROCS when 0
	Logger       *slog.Logger // slog.Default() when nil
}

// Prover answers challenges.
type Prover struct {
	cfg ProverConfig
}

// NewProver validates the configuration.
func NewProver(cfg ProverConfig) (*Prover, error) {
	if len(cfg.Key) != ed25519.PrivateKeySize || cfg.Backend == nil {
		return nil, errors.New("pow prover: key and backend are required")
	}
	if cfg.BlockRows < 0 || cfg.MaxLeafBytes < 0 || cfg.Workers < 0 {
		return nil, errors.New("pow prover: negative block rows, memory bound or workers")
	}
	if cfg.Lookup == nil {
		cfg.Lookup = classes.ByName
	}
	if cfg.MaxLeafBytes == 0 {
		cfg.MaxLeafBytes = DefaultMaxLeafBytes
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Prover{cfg: cfg}, nil
}

// Work is a committed challenge kept to answer the opening request: B on the
// backend, the leaves and the tree over block roots. Opened rows are recomputed,
// which costs T row products each.
type Work struct {
	p     *Prover
	seed  Seed
	class classes.Class
	gen   *Generator
	gemm  GEMM
	tree  *rowTree
	block int
}

// Block is the rows per device call this commitment used.
func (w *Work) Block() int { return w.block }

// powerOfTwoFloor is the largest power of two ≤ v (v ≥ 1).
func powerOfTwoFloor(v int) int { return 1 << (bits.Len(uint(v)) - 1) }

// Commit generates B, runs every row's chain block by block, hashes the last links
// into the Merkle tree and returns the signed commitment.
func (p *Prover) Commit(ctx context.Context, challenge []byte, keeper ed25519.PublicKey) (*Work, []byte, error) {
	ch, err := OpenChallenge(challenge, keeper)
	if err != nil {
		return nil, nil, err
	}
	if !sameKey(ch.Worker, p.cfg.Key.Public().(ed25519.PublicKey)) {
		return nil, nil, fmt.Errorf("commit: %w", ErrNotForMe)
	}
	class, err := p.cfg.Lookup(ch.Class)
	if err != nil {
		return nil, nil, fmt.Errorf("commit: %w", err)
	}
	if err := class.Validate(); err != nil {
		return nil, nil, fmt.Errorf("commit: %w", err)
	}
	if class.M > p.cfg.MaxLeafBytes/32 {
		return nil, nil, fmt.Errorf("commit: %s needs %d bytes of leaves, bound %d: %w",
			class.Name, 32*class.M, p.cfg.MaxLeafBytes, ErrTooLarge)
	}
	seed := ch.Seed()
	gen := NewGenerator(seed)
	gemm, err := p.newGEMM(seed, gen, class)
	if err != nil {
		return nil, nil, fmt.Errorf("commit on %s: %w", p.cfg.Backend.Name(), err)
	}
	w := &Work{p: p, seed: seed, class: class, gen: gen, gemm: gemm, block: p.blockRows(gemm, class.M)}
	root, err := w.commitRows(ctx)
	if err != nil {
		gemm.Close()
		return nil, nil, fmt.Errorf("commit on %s: %w", p.cfg.Backend.Name(), err)
	}
	p.cfg.Logger.Debug("pow commitment", "class", class.Name, "rows", class.M, "links", class.T,
		"block", w.block, "backend", p.cfg.Backend.Name())
	msg := SealCommitment(p.cfg.Key, Commitment{Seed: seed, M: uint64(class.M), Root: root})
	return w, msg, nil
}

// blockRows picks the rows per call: configured, else the device's, else the
// fallback; a power of two, at most the first power of two ≥ m.
func (p *Prover) blockRows(gm GEMM, m int) int {
	r := p.cfg.BlockRows
	if r == 0 {
		r = FallbackBlockRows
		if s, ok := gm.(BlockSizer); ok && s.BlockRows() > 0 {
			r = s.BlockRows()
		}
	}
	r = powerOfTwoFloor(r)
	for r > 1 && r/2 >= m {
		r /= 2
	}
	return r
}

// newGEMM prepares B: on the device when the backend generates it, otherwise on the
// host, rows split across the workers.
func (p *Prover) newGEMM(seed Seed, gen *Generator, c classes.Class) (GEMM, error) {
	if sb, ok := p.cfg.Backend.(SeededBackend); ok {
		return sb.NewSeededGEMM(seed, c.K, c.N)
	}
	return p.cfg.Backend.NewGEMM(GenerateB(gen, c.K, c.N, p.cfg.Workers), c.K, c.N)
}

// GenerateB returns B (k×n, row-major) from gen, its rows split across `workers`
// goroutines (at least one): the host side of B for a backend that cannot generate
// it itself.
func GenerateB(gen *Generator, k, n, workers int) []int8 {
	b := make([]int8, k*n)
	workers = max(1, min(workers, k))
	var wg sync.WaitGroup
	per := (k + workers - 1) / workers
	for lo := 0; lo < k; lo += per {
		hi := min(k, lo+per)
		wg.Add(1)
		go func() {
			defer wg.Done()
			gen.Rows(MatrixB, lo, hi-lo, n, b[lo*n:hi*n])
		}()
	}
	wg.Wait()
	return b
}

// commitRows runs the blocks and returns the root. Host memory: the leaves (M × 32
// bytes) and, on the host path, one block's A and T links.
func (w *Work) commitRows(ctx context.Context) (merkle.Hash, error) {
	c := w.class
	tree, err := newRowTree(c.M, w.block, w.p.cfg.Workers)
	if err != nil {
		return merkle.Hash{}, err
	}
	rc, onDevice := w.gemm.(RowCommitter)
	var a []int8
	var links [][]int32
	if !onDevice {
		a = make([]int8, w.block*c.K)
		links = [][]int32{make([]int32, w.block*c.N), make([]int32, w.block*c.N)}
	}
	for b, first := 0, 0; first < c.M; b, first = b+1, first+w.block {
		if err := ctx.Err(); err != nil {
			tree.finish()
			return merkle.Hash{}, err
		}
		rows := min(w.block, c.M-first)
		hashes := tree.leaves[first : first+rows]
		if onDevice {
			err = rc.CommitRows(hashes, w.seed, first, rows, c.T)
		} else {
			err = w.commitRowsHost(hashes, a[:rows*c.K], links, first, rows)
		}
		if err != nil {
			tree.finish()
			return merkle.Hash{}, err
		}
		tree.done(b)
	}
	root, err := tree.finish()
	if err != nil {
		return merkle.Hash{}, err
	}
	w.tree = tree
	return root, nil
}

// commitRowsHost is one block of the chain through Mul, two link buffers used in turn.
func (w *Work) commitRowsHost(hashes []merkle.Hash, a []int8, buf [][]int32, first, rows int) error {
	c := w.class
	w.gen.Rows(MatrixA, first, rows, c.K, a)
	var last []int32
	for t := range c.T {
		out := buf[t%2][:rows*c.N]
		if t > 0 {
			NextA(a, last)
		}
		if err := w.gemm.Mul(out, a, rows); err != nil {
			return fmt.Errorf("link %d: %w", t, err)
		}
		last = out
	}
	for r := range rows {
		hashes[r] = RowHash(first+r, last[r*c.N:(r+1)*c.N])
	}
	return nil
}

// Open answers a signed opening request from keeper: every link of each requested
// row, recomputed as one block, with the row's Merkle path.
func (w *Work) Open(request []byte, keeper ed25519.PublicKey) ([]byte, error) {
	q, err := OpenOpeningRequest(request, keeper)
	if err != nil {
		return nil, err
	}
	if q.Seed != w.seed {
		return nil, fmt.Errorf("open rows: %w", ErrSeedMismatch)
	}
	c := w.class
	n := len(q.Rows)
	out := Openings{Seed: w.seed}
	if n == 0 {
		return SealOpenings(w.p.cfg.Key, out), nil
	}
	a := make([]int8, n*c.K)
	for r, i := range q.Rows {
		if i >= uint64(c.M) {
			return nil, fmt.Errorf("open row %d of %d: %w", i, c.M, ErrOpenings)
		}
		w.gen.Row(MatrixA, int(i), a[r*c.K:(r+1)*c.K])
	}
	links := make([][]int32, c.T)
	for t := range links {
		links[t] = make([]int32, n*c.N)
	}
	if err := Chain(w.gemm, a, n, c.K, c.N, links); err != nil {
		return nil, fmt.Errorf("open rows: %w", err)
	}
	for r, i := range q.Rows {
		proof, err := w.tree.proof(int(i))
		if err != nil {
			return nil, err
		}
		op := Opening{Row: i, Links: make([][]int32, c.T), Proof: proof}
		for t := range links {
			op.Links[t] = links[t][r*c.N : (r+1)*c.N]
		}
		out.Openings = append(out.Openings, op)
	}
	return SealOpenings(w.p.cfg.Key, out), nil
}

// Close releases the backend's resources.
func (w *Work) Close() error { return w.gemm.Close() }
