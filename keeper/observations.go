package keeper

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/ionet-network/ionet/keeper/challenge"
	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/pow"
)

// journals are the keeper's observation logs on disk, one journal per epoch under
// <data dir>/observations. The challenge duty records into the open epochs; the
// epoch duty seals an epoch when it commits it, after which nothing more is
// recorded for it (a late answer would change the committed log).
type journals struct {
	dir    string
	keeper [32]byte
	mu     sync.Mutex
	open   map[uint64]*epochlog.Journal
	sealed map[uint64]bool
}

// errSealed: the epoch's log was committed; no more observations go into it.
var errSealed = errors.New("observation log already sealed")

func openObservations(k *Keeper) (*journals, error) {
	dir := filepath.Join(k.cfg.DataDir, "observations")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("observation logs %s: %w", dir, err)
	}
	return &journals{dir: dir, keeper: k.cfg.Keypair.PublicKey(), open: map[uint64]*epochlog.Journal{},
		sealed: map[uint64]bool{}}, nil
}

func (j *journals) journal(epoch uint64) (*epochlog.Journal, error) {
	if jr, ok := j.open[epoch]; ok {
		return jr, nil
	}
	jr, err := epochlog.OpenJournal(epochlog.JournalConfig{Dir: j.dir, Epoch: epoch, Keeper: j.keeper})
	if err != nil {
		return nil, fmt.Errorf("observation log of epoch %d: %w", epoch, err)
	}
	j.open[epoch] = jr
	return jr, nil
}

// Record appends o to epoch's log (keeper/challenge's Recorder).
func (j *journals) Record(epoch uint64, o epochlog.Observation) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.sealed[epoch] {
		return fmt.Errorf("epoch %d: %w", epoch, errSealed)
	}
	jr, err := j.journal(epoch)
	if err != nil {
		return err
	}
	return jr.Append(o)
}

// Challenges are this keeper's own challenge observations of node in epoch so far
// (the challenge signed by this keeper, not the answers of others it re-checked),
// for the node's other assigned keepers to re-check (GET /challenges/{epoch}/{node}).
// An epoch with no journal (none recorded, or closed after its commit) has none.
func (j *journals) Challenges(epoch uint64, node [32]byte) []epochlog.Observation {
	j.mu.Lock()
	jr, ok := j.open[epoch]
	j.mu.Unlock()
	if !ok {
		return nil
	}
	self := ed25519.PublicKey(j.keeper[:])
	var out []epochlog.Observation
	for _, o := range jr.Log().Observations {
		if o.Node != node || o.Kind != epochlog.KindChallenge || len(o.Evidence) == 0 {
			continue
		}
		if _, err := pow.OpenChallenge(o.Evidence[challenge.EvidenceChallenge], self); err == nil {
			out = append(out, o)
		}
	}
	return out
}

// Seal closes epoch's log to new observations and returns its canonical bytes and
// its summary's; the same bytes every time (a restarted keeper reopens the journal).
func (j *journals) Seal(epoch uint64) (log, summary []byte, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	jr, err := j.journal(epoch)
	if err != nil {
		return nil, nil, err
	}
	j.sealed[epoch] = true
	l := jr.Log()
	s, err := epochlog.Summarize(l)
	if err != nil {
		return nil, nil, fmt.Errorf("summarize epoch %d: %w", epoch, err)
	}
	// Older epochs' journals are done: close them (their files stay for audits).
	for e, o := range j.open {
		if e < epoch {
			_ = o.Close()
			delete(j.open, e)
		}
	}
	return l.Bytes(), s.Bytes(), nil
}

func (j *journals) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var errs []error
	for e, o := range j.open {
		errs = append(errs, o.Close())
		delete(j.open, e)
	}
	return errors.Join(errs...)
}
