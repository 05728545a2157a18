package agent

import (
	"log/slog"
	"sync"
	"time"

	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
)

// Progress wraps a proof-of-compute backend so that a long commitment logs how far
// it got every Every (a GPU class takes about 20 s, a CPU class longer): the
// operations done so far and the rate. It keeps the optional interfaces of the
// backend and of its GEMMs (pow.SeededBackend, pow.RowCommitter, pow.BlockSizer) so
// the prover takes the same paths as without it.
func Progress(b pow.Backend, every time.Duration, log *slog.Logger) pow.Backend {
	if every <= 0 {
		return b
	}
	p := progressBackend{inner: b, every: every, log: log}
	if _, ok := b.(pow.SeededBackend); ok {
		return seededProgress{p}
	}
	return p
}

type progressBackend struct {
	inner pow.Backend
	every time.Duration
	log   *slog.Logger
}

func (p progressBackend) Name() string { return p.inner.Name() }

func (p progressBackend) NewGEMM(b []int8, k, n int) (pow.GEMM, error) {
	g, err := p.inner.NewGEMM(b, k, n)
	if err != nil {
		return nil, err
	}
	return p.wrap(g, k, n), nil
}

type seededProgress struct{ progressBackend }

func (p seededProgress) NewSeededGEMM(seed pow.Seed, k, n int) (pow.GEMM, error) {
	g, err := p.inner.(pow.SeededBackend).NewSeededGEMM(seed, k, n)
	if err != nil {
		return nil, err
	}
	return p.wrap(g, k, n), nil
}

func (p progressBackend) wrap(g pow.GEMM, k, n int) pow.GEMM {
	t := &tracker{every: p.every, log: p.log, backend: p.inner.Name(), k: k, n: n, start: time.Now()}
	t.last = t.start
	base := progressGEMM{inner: g, t: t}
	if _, ok := g.(pow.RowCommitter); ok {
		return rowProgressGEMM{base}
	}
	return base
}

// tracker counts one GEMM's operations and logs them at most every `every`.
type tracker struct {
	every   time.Duration
	log     *slog.Logger
	backend string
	k, n    int

	mu    sync.Mutex
	start time.Time
	last  time.Time
	ops   float64
	rows  int
}

func (t *tracker) add(rows int, links int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ops += 2 * float64(rows) * float64(t.k) * float64(t.n) * float64(links)
	t.rows += rows
	now := time.Now()
	if now.Sub(t.last) < t.every {
		return
	}
	t.last = now
	el := now.Sub(t.start)
	t.log.Info("challenge in progress", "backend", t.backend, "rows", t.rows, "tera_ops", t.ops/1e12,
		"elapsed", el.Round(time.Millisecond), "tops", t.ops/1e12/el.Seconds())
}

type progressGEMM struct {
	inner pow.GEMM
	t     *tracker
}

func (g progressGEMM) Mul(c []int32, a []int8, m int) error {
	err := g.inner.Mul(c, a, m)
	if err == nil {
		g.t.add(m, 1)
	}
	return err
}

func (g progressGEMM) Close() error { return g.inner.Close() }

// BlockRows is the inner GEMM's (0 when it does not say: the prover's fallback).
func (g progressGEMM) BlockRows() int {
	if s, ok := g.inner.(pow.BlockSizer); ok {
		return s.BlockRows()
	}
	return 0
}

type rowProgressGEMM struct{ progressGEMM }

func (g rowProgressGEMM) CommitRows(hashes []merkle.Hash, seed pow.Seed, first, rows, links int) error {
	err := g.inner.(pow.RowCommitter).CommitRows(hashes, seed, first, rows, links)
	if err == nil {
		g.t.add(rows, links)
	}
	return err
}
