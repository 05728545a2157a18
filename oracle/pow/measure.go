package pow

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/ionet-network/ionet/oracle/classes"
)

// MeasureConfig says how Measure runs.
type MeasureConfig struct {
	// Workers are the prover's and the keeper's host goroutines (GOMAXPROCS when 0).
	Workers int
	// Verify also opens the keeper's sample and checks it, as a keeper does after the
	// commitment: the answer is then known to be right, not only on time.
	Verify bool
}

// Measurement is what Measure saw.
type Measurement struct {
	Result                 // the keeper's: Elapsed, Deadline (RTT 0), TOPS, Flagged
	Block    int           // rows per device call the prover used
	Opening  int           // bytes of the signed openings (Verify only)
	Opened   time.Duration // the prover's time to answer the opening request (Verify only)
	Verified time.Duration // the keeper's time to check it (Verify only)
}

// Measure runs one challenge of class c on backend, challenged and timed by an
// in-process Keeper exactly as a remote keeper times one, without the network (RTT
// 0): from the signed challenge through B, the chains, the row hashes and the tree
// to the signed root; with cfg.Verify, the sample is then opened and checked. A
// worker uses it to choose its speed tier (classes.CPUTierFor) and `ionet-worker
// bench` to tell a supplier whether a machine passes its class. c needs only its
// sizes, a name and a positive peak and reference time (Validate); it need not be a
// registered class. A late commitment returns ErrLate with the measurement filled
// in; a wrong opening returns the keeper's error (ErrWrongRow, ErrProof, …).
func Measure(ctx context.Context, backend Backend, c classes.Class, cfg MeasureConfig) (Measurement, error) {
	if err := c.Validate(); err != nil {
		return Measurement{}, fmt.Errorf("measure: %w", err)
	}
	lookup := func(name string) (classes.Class, error) {
		if name == c.Name {
			return c, nil
		}
		return classes.Class{}, fmt.Errorf("measure: class %q: %w", name, classes.ErrUnknown)
	}
	workerPub, workerKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Measurement{}, err
	}
	keeperPub, keeperKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Measurement{}, err
	}
	keeper, err := NewKeeper(KeeperConfig{Key: keeperKey, Lookup: lookup, Workers: cfg.Workers})
	if err != nil {
		return Measurement{}, err
	}
	prover, err := NewProver(ProverConfig{Key: workerKey, Backend: backend, Lookup: lookup, Workers: cfg.Workers})
	if err != nil {
		return Measurement{}, err
	}
	sess, challenge, err := keeper.Challenge(Params{Worker: workerPub, Class: c.Name})
	if err != nil {
		return Measurement{}, err
	}
	work, commitment, err := prover.Commit(ctx, challenge, keeperPub)
	if err != nil {
		return Measurement{}, fmt.Errorf("measure: %w", err)
	}
	defer work.Close()
	var m Measurement
	var request []byte
	m.Result, request, err = sess.Commitment(commitment, 0)
	m.Block = work.Block()
	if err != nil || !cfg.Verify {
		if err != nil {
			err = fmt.Errorf("measure: %w", err)
		}
		return m, err
	}
	t0 := time.Now()
	openings, err := work.Open(request, keeperPub)
	if err != nil {
		return m, fmt.Errorf("measure: opening: %w", err)
	}
	m.Opened, m.Opening = time.Since(t0), len(openings)
	t0 = time.Now()
	if _, err := sess.Openings(openings); err != nil {
		return m, fmt.Errorf("measure: the keeper refused the opening: %w", err)
	}
	m.Verified = time.Since(t0)
	return m, nil
}
