// Package keeper_test runs real ionet-keeper processes against ionet-localnet and
// breaks things: a keeper killed with SIGKILL mid-epoch, the RPC node down for 30
// seconds, a worker (ionet-worker) answering a wrong row. A keeper voting a wrong root
// on purpose (--lie) is tests/e2e's TestStoryALyingKeeperIsOutvoted, with the money.
package keeper_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/report"
	"github.com/ionet-network/ionet/tests/localnode"
)

// bin and workerBin are the ionet-keeper and ionet-worker binaries TestMain builds.
var bin, workerBin string

func TestMain(m *testing.M) {
	dir, err := localnode.BuildCommands("ionet-keeper", "ionet-worker")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, workerBin = filepath.Join(dir, "ionet-keeper"), filepath.Join(dir, "ionet-worker")
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one ionet-keeper process (or ionet-worker's); its log goes to a file in
// its data directory.
type proc = localnode.Keeper

// keeperProc registers a funded keeper serving at a free port and returns its
// process description, not started.
func keeperProc(t *testing.T, ctx context.Context, node *localnode.Node, extra ...string) *proc {
	t.Helper()
	return node.KeeperProc(t, ctx, bin, extra...)
}

// threeKeepers registers three keepers and starts them.
func threeKeepers(t *testing.T, ctx context.Context, node *localnode.Node) []*proc {
	t.Helper()
	ps := []*proc{keeperProc(t, ctx, node), keeperProc(t, ctx, node), keeperProc(t, ctx, node)}
	for _, p := range ps {
		p.Start()
	}
	return ps
}

// finalAfter waits until an epoch later than after is final and returns it.
func finalAfter(t *testing.T, ctx context.Context, client *rewards.Client, after *uint64, within time.Duration) (uint64, *iorewards.EpochReport) {
	t.Helper()
	var final uint64
	require.Eventually(t, func() bool {
		rc, err := client.Config(ctx)
		if err != nil || rc.FinalEpoch == nil || (after != nil && *rc.FinalEpoch <= *after) {
			return false
		}
		final = *rc.FinalEpoch
		return true
	}, within, 200*time.Millisecond, "no epoch finalized after %v", after)
	r, err := client.EpochReport(ctx, final)
	require.NoError(t, err)
	return final, r
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestAKeeperKilledMidEpochRestartsWithoutRepeatingItself(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet and ionet-keeper processes")
	}
	ctx := ctxFor(t)
	node := localnode.Start(t, "--epoch-seconds", "6")
	client := rewards.New(node.RPCURL)
	ps := threeKeepers(t, ctx, node)
	first, _ := finalAfter(t, ctx, client, nil, 2*time.Minute)

	// SIGKILL mid-epoch, then start again on the same data directory.
	victim := ps[0]
	victim.Kill()
	victim.Start()
	second, _ := finalAfter(t, ctx, client, &first, time.Minute)
	third, _ := finalAfter(t, ctx, client, &second, time.Minute)
	for _, p := range ps {
		p.Alive()
	}
	// The restarted keeper took part again, and none of its transactions was
	// refused (a repeated commit or vote would be: AlreadyCommitted, AlreadyVoted).
	r, err := client.EpochReport(ctx, third)
	require.NoError(t, err)
	assert.Contains(t, keysOf(r.Commits), victim.Key.PublicKey(), victim.Output())
	assert.Zero(t, victim.Metric(`ionet_keeper_votes_total{result="failed"}`), victim.Output())
	assert.Zero(t, victim.Metric(`ionet_keeper_commits_total{result="failed"}`), victim.Output())
	assert.NotContains(t, victim.Output(), "AlreadyVoted")
	assert.NotContains(t, victim.Output(), "AlreadyCommitted")
}

func keysOf(commits []iorewards.Commit) []solana.PublicKey {
	out := make([]solana.PublicKey, len(commits))
	for i, c := range commits {
		out[i] = c.Keeper
	}
	return out
}

func TestKeepersRideOutTheRPCNodeBeingDownFor30Seconds(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet and ionet-keeper processes")
	}
	ctx := ctxFor(t)
	node := localnode.Start(t, "--epoch-seconds", "6")
	client := rewards.New(node.RPCURL)
	ps := threeKeepers(t, ctx, node)
	first, _ := finalAfter(t, ctx, client, nil, 2*time.Minute)
	node.Kill()
	time.Sleep(30 * time.Second) // the outage itself, not an assertion
	for _, p := range ps {
		p.Alive()
	}
	node.Restart(t)
	finalAfter(t, ctx, client, &first, 2*time.Minute)
	for _, p := range ps {
		p.Alive()
		assert.Positive(t, p.Metric(`ionet_keeper_follower_events_total{event="error"}`), "the follower saw the outage")
	}
}

// A worker that opens a wrong row: every keeper's challenge fails with the reason
// wrong-row in its metrics, and the final report gives the node no TOPS while its
// answered probes still count as uptime.
func TestAWorkerAnsweringAWrongRowEarnsNoTOPS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet, ionet-keeper and ionet-worker processes")
	}
	ctx := ctxFor(t)
	node := localnode.Start(t, "--epoch-seconds", "15")
	client := rewards.New(node.RPCURL)

	workerKey := solana.NewWallet().PrivateKey
	waddr := localnode.FreeAddr(t)
	address := node.WorkerNode(t, ctx, workerKey, classes.LocalnetCPU.ID, "http://"+waddr)
	dir := t.TempDir()
	keyFile := localnode.KeypairFile(t, dir, "worker.json", workerKey)
	// The worker agent with its hidden test fault: it corrupts an opened row.
	worker := localnode.NewProc(t, workerBin, filepath.Join(dir, "worker.log"), waddr, "--worker-keypair", keyFile,
		"--data-dir", filepath.Join(dir, "worker"), "--rpc-url", node.RPCURL, "--localnet-classes",
		"run", "--listen", waddr, "--class", classes.LocalnetCPU.Name, "--keeper-refresh", "1s", "--fault", "wrong-row")

	ps := []*proc{keeperProc(t, ctx, node, localnode.KeeperFlags...), keeperProc(t, ctx, node, localnode.KeeperFlags...),
		keeperProc(t, ctx, node, localnode.KeeperFlags...)}
	worker.Start()
	for _, p := range ps {
		p.Start()
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("first keeper's log, last 6 kB:\n%s", ps[0].Tail(6000))
		}
	})
	const wrongRow = `ionet_keeper_challenges_total{reason="wrong-row",result="failed"}`
	require.Eventually(t, func() bool {
		for _, p := range ps {
			p.Alive()
			if p.Metric(wrongRow) < 1 {
				return false
			}
		}
		worker.Alive()
		return true
	}, 2*time.Minute, 500*time.Millisecond, "every keeper challenges the worker once an epoch")
	for _, p := range ps {
		assert.Zero(t, p.Metric(`ionet_keeper_challenges_total{reason="",result="passed"}`), "no challenge of it passes")
	}

	// The first final epoch, committed by all three, whose report covers the node.
	var leaf *report.Leaf
	var after *uint64
	for deadline := time.Now().Add(2 * time.Minute); leaf == nil; {
		require.True(t, time.Now().Before(deadline), "no final report covers the node")
		e, r := finalAfter(t, ctx, client, after, time.Minute)
		after = &e
		if len(r.Commits) < 3 {
			continue // an epoch before every keeper served
		}
		var rep report.EpochReport
		require.Eventually(t, func() bool {
			resp, err := http.Get(fmt.Sprintf("http://%s/reports/%d", ps[0].Addr, e))
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&rep) == nil
		}, 30*time.Second, 200*time.Millisecond, "the keeper serves the final report of epoch %d", e)
		require.Equal(t, r.Root, [32]byte(rep.Root), "the keeper serves the final report")
		for i := range rep.Leaves {
			if rep.Leaves[i].Node == address {
				leaf = &rep.Leaves[i]
			}
		}
	}
	assert.Equal(t, classes.LocalnetCPU.ID, leaf.Class)
	assert.Zero(t, leaf.TOPSMilli, "a wrong row earns no TOPS")
	assert.Equal(t, uint16(10_000), leaf.UptimeBps, "its probes were answered")
}
