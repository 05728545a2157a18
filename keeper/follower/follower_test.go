package follower_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/tests/localnode"
)

type events struct {
	mu sync.Mutex
	n  map[string]int
}

func (e *events) add(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n[name]++
}

func (e *events) get(name string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n[name]
}

// eventually waits for cond over the follower's snapshots.
func eventually(t *testing.T, f *follower.Follower, what string, cond func(*follower.Snapshot) bool) {
	t.Helper()
	require.Eventually(t, func() bool { return cond(f.Snapshot()) }, time.Minute, 20*time.Millisecond, what)
}

func TestFollowerCatchesUpFollowsAndSurvivesARestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	before := node.Keeper(t, ctx, "http://keeper-a:7070")

	ev := &events{n: map[string]int{}}
	f, err := follower.New(follower.Config{
		RPCURL: node.RPCURL, WSURL: node.WSURL, Backoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler), OnEvent: ev.add,
	})
	require.NoError(t, err)
	assert.False(t, f.Snapshot().Synced)
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- f.Run(runCtx) }()

	// Catch-up: the configs and the keeper registered before the follower started.
	select {
	case <-f.Synced():
	case <-ctx.Done():
		t.Fatal("no catch-up")
	}
	s := f.Snapshot()
	require.NotNil(t, s.RewardsConfig)
	require.NotNil(t, s.StakingConfig)
	require.NotNil(t, s.HireConfig)
	require.Contains(t, s.Keepers, rewards.KeeperAddress(before.PublicKey()))
	assert.Equal(t, "http://keeper-a:7070", s.Keepers[rewards.KeeperAddress(before.PublicKey())].Endpoint)
	held := s

	// A keeper registered now arrives by notification; the snapshot a reader held
	// does not change under it.
	after := node.Keeper(t, ctx, "http://keeper-b:7070")
	eventually(t, f, "notified keeper", func(s *follower.Snapshot) bool {
		_, ok := s.Keepers[rewards.KeeperAddress(after.PublicKey())]
		return ok
	})
	assert.NotContains(t, held.Keepers, rewards.KeeperAddress(after.PublicKey()))
	assert.Positive(t, ev.get("notification"))

	// The chain crashes and comes back on its ledger: the follower resynchronizes
	// and keeps following.
	resyncs := ev.get("resync")
	node.Kill()
	require.Eventually(t, func() bool { return ev.get("error") > 0 }, time.Minute, 20*time.Millisecond)
	node.Restart(t)
	require.Eventually(t, func() bool { return ev.get("resync") > resyncs }, time.Minute, 20*time.Millisecond)
	third := node.Keeper(t, ctx, "http://keeper-c:7070")
	eventually(t, f, "keeper after restart", func(s *follower.Snapshot) bool {
		_, ok := s.Keepers[rewards.KeeperAddress(third.PublicKey())]
		return ok && len(s.Keepers) == 3
	})

	stop()
	require.ErrorIs(t, <-ran, context.Canceled)
}
