package pow

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"

	"github.com/ionet-network/ionet/oracle/classes"
)

// Measure runs one commitment of class c on backend, challenged and timed by an
// in-process Keeper exactly as a remote keeper times one, without the network (RTT
// 0): from the signed challenge through B, the chains, the row hashes and the tree
// to the signed root. It returns the keeper's Result: Elapsed and TOPS =
// 2·M·K·N·T / Elapsed. Workers are the prover's host goroutines (GOMAXPROCS when
// 0). A worker uses it to choose its speed tier (classes.CPUTierFor) before it
// answers real challenges. c needs only its sizes, a name and a positive peak and
// reference time (Validate); it need not be a registered class.
func Measure(ctx context.Context, backend Backend, c classes.Class, workers int) (Result, error) {
	if err := c.Validate(); err != nil {
		return Result{}, fmt.Errorf("measure: %w", err)
	}
	lookup := func(name string) (classes.Class, error) {
		if name == c.Name {
			return c, nil
		}
		return classes.Class{}, fmt.Errorf("measure: class %q: %w", name, classes.ErrUnknown)
	}
	_, workerKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Result{}, err
	}
	keeperPub, keeperKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Result{}, err
	}
	keeper, err := NewKeeper(KeeperConfig{Key: keeperKey, Lookup: lookup})
	if err != nil {
		return Result{}, err
	}
	prover, err := NewProver(ProverConfig{Key: workerKey, Backend: backend, Lookup: lookup, Workers: workers})
	if err != nil {
		return Result{}, err
	}
	sess, challenge, err := keeper.Challenge(Params{Worker: workerKey.Public().(ed25519.PublicKey), Class: c.Name})
	if err != nil {
		return Result{}, err
	}
	work, commitment, err := prover.Commit(ctx, challenge, keeperPub)
	if err != nil {
		return Result{}, fmt.Errorf("measure: %w", err)
	}
	defer work.Close()
	res, _, err := sess.Commitment(commitment, 0)
	if err != nil {
		return res, fmt.Errorf("measure: %w", err)
	}
	return res, nil
}
