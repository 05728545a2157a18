package rewards

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ionet-network/ionet/bindings/iorewards"
)

func TestExitWaitFollowsDeregisterKeepersRule(t *testing.T) {
	p := iorewards.RewardsParams{GenesisTs: 1000, EpochSeconds: 3600, VoteWindowSeconds: 1800, KeeperUnbondingSeconds: 604_800}
	k := &iorewards.Keeper{}
	_, ok := ExitWaitOf(k, p)
	assert.False(t, ok, "no exit announced")

	exitFrom, voted := uint64(5), uint64(4)
	k.ExitFrom, k.ExitAnnouncedAt = &exitFrom, 20_000
	w, ok := ExitWaitOf(k, p)
	assert.True(t, ok)
	assert.Equal(t, int64(20_000+604_800), w.UnbondedAt)
	u, v := w.Left(20_000)
	assert.Equal(t, int64(604_800), u)
	assert.Zero(t, v, "never voted")
	u, _ = w.Left(20_000 + 604_800)
	assert.Zero(t, u, "now ≥ unbonded_at is enough")

	// Voted in epoch 4: its window closes at the end of epoch 4 + 1,800 s, and the
	// program wants now strictly after it.
	k.LastVoteEpoch = &voted
	w, _ = ExitWaitOf(k, p)
	closes := int64(1000 + 5*3600 + 1800)
	assert.Equal(t, closes, w.VotesClosedAt)
	_, v = w.Left(closes)
	assert.Equal(t, int64(1), v)
	_, v = w.Left(closes + 1)
	assert.Zero(t, v)
}
