package api

import (
	"context"
	"crypto/ed25519"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/pow"
)

// memJournal is a Journal in memory.
type memJournal struct {
	mu      sync.Mutex
	entries map[pow.Seed][3][]byte
}

func (j *memJournal) Committed(seed pow.Seed, challenge []byte, keeper ed25519.PublicKey, commitment []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries[seed] = [3][]byte{challenge, keeper, commitment}
	return nil
}

func (j *memJournal) Done(seed pow.Seed) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.entries, seed)
}

func (j *memJournal) len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries)
}

// A commitment journaled by one server is restored by another (a restarted worker)
// and its openings verify; one whose root differs from what was sent is refused.
func TestRestoreJournaledCommitment(t *testing.T) {
	j := &memJournal{entries: map[pow.Seed][3][]byte{}}
	first := newFixture(t, func(c *Config) { c.Journal = j })
	ctx := context.Background()
	sess, msg, err := first.pk.Challenge(pow.Params{Worker: pub(first.worker), Class: tiny.Name, GPUUUID: "GPU-test-0"})
	require.NoError(t, err)
	commitment, err := first.client.Challenge(ctx, first.url, msg)
	require.NoError(t, err)
	_, req, err := sess.Commitment(commitment, 0)
	require.NoError(t, err)
	require.Equal(t, 1, j.len())

	second := newFixture(t, func(c *Config) { c.Journal = j })
	for _, e := range j.entries {
		require.NoError(t, <-second.srv.Restore(ctx, e[0], e[1], e[2]))
	}
	openings, err := second.client.Open(ctx, second.url, req)
	require.NoError(t, err)
	_, err = sess.Openings(openings)
	require.NoError(t, err)
	assert.Zero(t, j.len(), "opened: out of the journal")

	// A commitment sent for another challenge does not match: refused.
	third := newFixture(t, nil)
	_, other, err := first.pk.Challenge(pow.Params{Worker: pub(first.worker), Class: tiny.Name, GPUUUID: "GPU-test-0", SlotHash: [32]byte{1}})
	require.NoError(t, err)
	otherCommitment, err := third.client.Challenge(ctx, third.url, other)
	require.NoError(t, err)
	err = <-second.srv.Restore(ctx, msg, pub(first.keeper), otherCommitment)
	assert.ErrorContains(t, err, "differs")
	// A challenge for another worker cannot be restored.
	_, foreign, err := first.pk.Challenge(pow.Params{Worker: pub(first.other), Class: tiny.Name})
	require.NoError(t, err)
	assert.Error(t, <-second.srv.Restore(ctx, foreign, pub(first.keeper), commitment))
}
