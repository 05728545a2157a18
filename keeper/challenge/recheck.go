package challenge

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
)

// ErrEvidence is returned by Recheck for an observation whose evidence is not a
// passed challenge's four messages, or whose messages do not belong together.
var ErrEvidence = errors.New("challenge: evidence incomplete or inconsistent")

// Evidence of a challenge observation, in this order: the challenger's signed
// challenge, the worker's signed commitment, the challenger's signed opening request
// and the worker's signed openings (a failed exchange logs the prefix it got).
const (
	EvidenceChallenge = iota
	EvidenceCommitment
	EvidenceRequest
	EvidenceOpenings
	evidenceLen
)

// RecheckConfig configures Recheck.
type RecheckConfig struct {
	Lookup  func(string) (classes.Class, error) // classes.ByName when nil
	Rand    io.Reader                           // the re-checker's secret randomness; crypto/rand when nil
	Workers int                                 // goroutines for B·r; 1 when 0
}

// Recheck is the cross-check of another assigned keeper (docs/design.md §7): it verifies
// a challenge observation from challenger's log about the node whose worker key is
// worker, with the re-checker's own secret Freivalds vector r. It checks that the
// challenge is challenger's and names worker, the commitment answers that
// challenge's seed with the class's M rows, the request is challenger's for that
// seed, and each opening is the requested row, its last link is under the
// committed root and every link passes C_t[i]·r = A_t[i]·(B·r). Cost: K·N to
// regenerate B and compute B·r, then s·T·(K+N). Errors: ErrEvidence, or the
// oracle/wire and oracle/pow errors of the first failed check (Reason classifies
// them).
func Recheck(o epochlog.Observation, challenger, worker ed25519.PublicKey, cfg RecheckConfig) error {
	if cfg.Lookup == nil {
		cfg.Lookup = classes.ByName
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if o.Kind != epochlog.KindChallenge || len(o.Evidence) != evidenceLen {
		return fmt.Errorf("recheck: kind %d with %d evidence messages: %w", o.Kind, len(o.Evidence), ErrEvidence)
	}
	ch, err := pow.OpenChallenge(o.Evidence[EvidenceChallenge], challenger)
	if err != nil {
		return fmt.Errorf("recheck challenge: %w", err)
	}
	if !ch.Worker.Equal(worker) {
		return fmt.Errorf("recheck: challenge names another worker: %w", ErrEvidence)
	}
	class, err := cfg.Lookup(ch.Class)
	if err != nil {
		return fmt.Errorf("recheck: %w", err)
	}
	if err := class.Validate(); err != nil {
		return fmt.Errorf("recheck: %w", err)
	}
	seed := ch.Seed()
	c, err := pow.OpenCommitment(o.Evidence[EvidenceCommitment], worker)
	if err != nil {
		return fmt.Errorf("recheck commitment: %w", err)
	}
	if c.Seed != seed {
		return fmt.Errorf("recheck commitment: %w", pow.ErrSeedMismatch)
	}
	if c.M != uint64(class.M) {
		return fmt.Errorf("recheck commitment: %d rows, class %s has %d: %w", c.M, class.Name, class.M, pow.ErrShape)
	}
	req, err := pow.OpenOpeningRequest(o.Evidence[EvidenceRequest], challenger)
	if err != nil {
		return fmt.Errorf("recheck request: %w", err)
	}
	if req.Seed != seed || len(req.Rows) == 0 {
		return fmt.Errorf("recheck: request for another seed or no rows: %w", ErrEvidence)
	}
	ops, err := pow.OpenOpenings(o.Evidence[EvidenceOpenings], worker)
	if err != nil {
		return fmt.Errorf("recheck openings: %w", err)
	}
	if ops.Seed != seed {
		return fmt.Errorf("recheck openings: %w", pow.ErrSeedMismatch)
	}
	if len(ops.Openings) != len(req.Rows) {
		return fmt.Errorf("recheck: %d openings for %d rows: %w", len(ops.Openings), len(req.Rows), pow.ErrOpenings)
	}
	for i, op := range ops.Openings {
		if op.Row != req.Rows[i] || op.Row >= c.M || len(op.Links) != class.T {
			return fmt.Errorf("recheck: opening %d is row %d with %d links, want row %d with %d: %w",
				i, op.Row, len(op.Links), req.Rows[i], class.T, pow.ErrOpenings)
		}
		for t, l := range op.Links {
			if len(l) != class.N {
				return fmt.Errorf("recheck: opening %d link %d has %d entries: %w", i, t, len(l), pow.ErrOpenings)
			}
		}
	}
	r, err := pow.RandomVector(cfg.Rand, class.N)
	if err != nil {
		return fmt.Errorf("recheck: %w", err)
	}
	gen := pow.NewGenerator(seed)
	v := pow.BTimesR(gen, class.K, class.N, r, cfg.Workers)
	errs := make([]error, len(ops.Openings))
	var wg sync.WaitGroup
	workers := max(1, min(cfg.Workers, len(ops.Openings)))
	for w := range workers {
		wg.Go(func() {
			a := make([]int8, class.K)
			for i := w; i < len(ops.Openings); i += workers {
				errs[i] = checkOpening(gen, a, c.Root, ops.Openings[i], r, v)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// checkOpening checks one well-shaped opening against root and v = B·r; a is
// scratch for A_t.
func checkOpening(gen *pow.Generator, a []int8, root merkle.Hash, op pow.Opening, r, v []uint64) error {
	last := op.Links[len(op.Links)-1]
	if !merkle.Verify(root, pow.RowHash(int(op.Row), last), op.Proof) {
		return fmt.Errorf("recheck row %d: %w", op.Row, pow.ErrProof)
	}
	gen.Row(pow.MatrixA, int(op.Row), a)
	for t, c := range op.Links {
		if t > 0 {
			pow.NextA(a, op.Links[t-1])
		}
		if !pow.CheckRow(a, c, r, v) {
			return fmt.Errorf("recheck row %d link %d: %w", op.Row, t, pow.ErrWrongRow)
		}
	}
	return nil
}
