package pow

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/merkle"
)

// GEMM multiplies row blocks of A by a B fixed when it was created.
type GEMM interface {
	// Mul sets c (m×n) to a (m×k) · B, exactly.
	Mul(c []int32, a []int8, m int) error
	Close() error
}

// RowCommitter is a GEMM that also generates A from the seed and hashes C's rows
// itself, as a GPU does to keep A and C on the device; the prover then receives only
// the leaf hashes, hashes[r] = RowHash(first+r, C[first+r]) for r < rows.
type RowCommitter interface {
	CommitRows(hashes []merkle.Hash, seed Seed, first, rows int) error
}

// Backend is a compute device able to run the challenge's GEMM.
type Backend interface {
	Name() string
	NewGEMM(b []int8, k, n int) (GEMM, error)
}

// ErrNotForMe is returned for a challenge addressed to another worker key.
var ErrNotForMe = errors.New("pow: challenge is for another worker")

// ProverConfig configures the worker side.
type ProverConfig struct {
	Key       ed25519.PrivateKey
	Backend   Backend
	Lookup    func(string) (classes.Class, error) // classes.ByName when nil
	BlockRows int                                 // rows of A per GEMM call; 256 when 0
	Logger    *slog.Logger                        // slog.Default() when nil
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
	if cfg.Lookup == nil {
		cfg.Lookup = classes.ByName
	}
	if cfg.BlockRows <= 0 {
		cfg.BlockRows = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Prover{cfg: cfg}, nil
}

// Work is a committed challenge kept to answer the opening request. Only the row
// hashes and B are kept; opened rows are recomputed, which costs one row each.
type Work struct {
	p     *Prover
	seed  Seed
	class classes.Class
	gen   *Generator
	gemm  GEMM
	tree  *merkle.Tree
}

// Commit computes C = A·B block by block, hashes every row and returns the signed
// commitment.
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
	seed := ch.Seed()
	gen := NewGenerator(seed)
	b := make([]int8, class.K*class.N)
	gen.Rows(MatrixB, 0, class.K, class.N, b)
	gemm, err := p.cfg.Backend.NewGEMM(b, class.K, class.N)
	if err != nil {
		return nil, nil, fmt.Errorf("commit on %s: %w", p.cfg.Backend.Name(), err)
	}
	hashes := make([]merkle.Hash, class.M)
	bs := min(p.cfg.BlockRows, class.M)
	a := make([]int8, bs*class.K)
	c := make([]int32, bs*class.N)
	for first := 0; first < class.M; first += bs {
		if err := ctx.Err(); err != nil {
			gemm.Close()
			return nil, nil, fmt.Errorf("commit: %w", err)
		}
		rows := min(bs, class.M-first)
		if rc, ok := gemm.(RowCommitter); ok {
			if err := rc.CommitRows(hashes[first:first+rows], seed, first, rows); err != nil {
				gemm.Close()
				return nil, nil, fmt.Errorf("commit on %s: %w", p.cfg.Backend.Name(), err)
			}
			continue
		}
		gen.Rows(MatrixA, first, rows, class.K, a)
		if err := gemm.Mul(c[:rows*class.N], a[:rows*class.K], rows); err != nil {
			gemm.Close()
			return nil, nil, fmt.Errorf("commit on %s: %w", p.cfg.Backend.Name(), err)
		}
		for r := range rows {
			hashes[first+r] = RowHash(first+r, c[r*class.N:(r+1)*class.N])
		}
	}
	tree, err := merkle.New(hashes)
	if err != nil {
		gemm.Close()
		return nil, nil, err
	}
	p.cfg.Logger.Debug("pow commitment", "class", class.Name, "rows", class.M, "backend", p.cfg.Backend.Name())
	msg := SealCommitment(p.cfg.Key, Commitment{Seed: seed, M: uint64(class.M), Root: tree.Root()})
	return &Work{p: p, seed: seed, class: class, gen: gen, gemm: gemm, tree: tree}, msg, nil
}

// Open answers a signed opening request from keeper.
func (w *Work) Open(request []byte, keeper ed25519.PublicKey) ([]byte, error) {
	q, err := OpenOpeningRequest(request, keeper)
	if err != nil {
		return nil, err
	}
	if q.Seed != w.seed {
		return nil, fmt.Errorf("open rows: %w", ErrSeedMismatch)
	}
	a := make([]int8, w.class.K)
	out := Openings{Seed: w.seed}
	for _, i := range q.Rows {
		if i >= uint64(w.class.M) {
			return nil, fmt.Errorf("open row %d of %d: %w", i, w.class.M, ErrOpenings)
		}
		w.gen.Row(MatrixA, int(i), a)
		c := make([]int32, w.class.N)
		if err := w.gemm.Mul(c, a, 1); err != nil {
			return nil, fmt.Errorf("open row %d: %w", i, err)
		}
		proof, err := w.tree.Proof(int(i))
		if err != nil {
			return nil, err
		}
		out.Openings = append(out.Openings, Opening{Row: i, C: c, Proof: proof})
	}
	return SealOpenings(w.p.cfg.Key, out), nil
}

// Close releases the backend's resources.
func (w *Work) Close() error { return w.gemm.Close() }
