package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/report"
	"github.com/ionet-network/ionet/tests/localnode"
)

// The stories' binaries (ionet-keeper, ionet-worker, the ionet CLI), built once by the
// first story that needs them; TestMain removes them.
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func bin(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(func() { binDir, buildErr = localnode.BuildCommands("ionet-keeper", "ionet-worker", "ionet") })
	require.NoError(t, buildErr)
	return filepath.Join(binDir, name)
}

// usd is one IOSD in base units, and one USD in micro-USD ($IO's io is demo_test.go's).
const usd = 1_000_000

// network is one story's chain: ionet-localnet with 15 s epochs, three ionet-keeper
// daemons laid out for them (localnode.KeeperFlags) that probe hired nodes every
// second (localnode.MarketFlags), and ionet-worker agents in class localnet-cpu.
type network struct {
	*localnode.Node
	t       *testing.T
	g       *localnet.Genesis
	keepers []*localnode.Keeper
	workers []*localnode.Worker
	staking *staking.Client
	rewards *rewards.Client
	hire    *hire.Client
}

// setup is a network's shape: extra ionet-localnet flags, extra flags per keeper (nil:
// none; three keepers), one worker per ask, and how many of the last keepers the
// story starts itself (registered, not started).
type setup struct {
	localnet []string
	keepers  [][]string
	asks     []string
	hold     int
}

// startNetwork starts the chain, registers and stakes every worker and registers
// every keeper (all serve from the next epoch), then starts the workers and the
// keepers. On failure each daemon's log tail is printed.
func startNetwork(t *testing.T, ctx context.Context, s setup) *network {
	t.Helper()
	node := localnode.Start(t, append([]string{"--epoch-seconds", "15"}, s.localnet...)...)
	g, err := localnet.ReadGenesis(node.Genesis)
	require.NoError(t, err)
	n := &network{Node: node, t: t, g: g, staking: staking.New(node.RPCURL), rewards: rewards.New(node.RPCURL),
		hire: hire.New(node.RPCURL)}
	if s.keepers == nil {
		s.keepers = [][]string{nil, nil, nil}
	}
	for _, ask := range s.asks {
		n.workers = append(n.workers, node.WorkerProc(t, ctx, bin(t, "ionet-worker"), ask))
	}
	for _, extra := range s.keepers {
		flags := append(append(append([]string{}, localnode.KeeperFlags...), localnode.MarketFlags...), extra...)
		n.keepers = append(n.keepers, node.KeeperProc(t, ctx, bin(t, "ionet-keeper"), flags...))
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for i, k := range n.keepers {
			t.Logf("keeper %d's log, last 3 kB:\n%s", i, k.Tail(3000))
		}
		for i, w := range n.workers {
			t.Logf("worker %d's log, last 2 kB:\n%s", i, w.Tail(2000))
		}
	})
	for _, w := range n.workers {
		w.Start()
	}
	for _, k := range n.keepers[:len(n.keepers)-s.hold] {
		k.Start()
	}
	return n
}

// alive fails the story if a daemon exited.
func (n *network) alive() {
	n.t.Helper()
	for _, k := range n.keepers {
		if k.Started() {
			k.Alive()
		}
	}
	for _, w := range n.workers {
		w.Alive()
	}
}

func (n *network) balance(ctx context.Context, owner, mint solana.PublicKey) uint64 {
	n.t.Helper()
	b, err := n.staking.TokenBalance(ctx, staking.ATA(owner, mint))
	require.NoError(n.t, err)
	return b
}

// renter is a new wallet with 1 SOL and iosd IOSD base units from the faucet, and its
// keypair file for the CLI.
func (n *network) renter(ctx context.Context, iosd uint64) (solana.PrivateKey, string) {
	n.t.Helper()
	k, _ := n.Fund(n.t, ctx, 1_000_000_000, 0)
	faucet, err := n.g.Faucet()
	require.NoError(n.t, err)
	_, err = n.staking.Send(ctx, []solana.PrivateKey{faucet}, n.g.MintIOSDInstructions(faucet.PublicKey(), k.PublicKey(), iosd)...)
	require.NoError(n.t, err)
	return k, localnode.KeypairFile(n.t, n.t.TempDir(), "renter.json", k)
}

var createdOrder = regexp.MustCompile(`created order (\S+) `)

// ionet runs the CLI against the story's chain.
func (n *network) ionet(ctx context.Context, args ...string) string {
	n.t.Helper()
	out, err := exec.CommandContext(ctx, bin(n.t, "ionet"), append([]string{"--rpc-url", n.RPCURL}, args...)...).CombinedOutput()
	require.NoError(n.t, err, "ionet %v: %s", args, out)
	return string(out)
}

// hireCPU creates an IOSD order with the CLI: gpus GPUs of class localnet-cpu in DE
// for 1 hour at most $0.50 per GPU-hour. It returns the order.
func (n *network) hireCPU(ctx context.Context, keypair string, gpus int) solana.PublicKey {
	n.t.Helper()
	out := n.ionet(ctx, "--keypair", keypair, "hire", "create", "--mint", "iosd", "--gpus", fmt.Sprint(gpus),
		"--hours", "1", "--max-price", "0.50", "--class", "localnet-cpu", "--location", "DE")
	m := createdOrder.FindStringSubmatch(out)
	require.Len(n.t, m, 2, out)
	return solana.MustPublicKeyFromBase58(m[1])
}

// matched waits until the keepers assigned order and returns it with its assignments
// by node.
func (n *network) matched(ctx context.Context, order solana.PublicKey, within time.Duration) (*iohire.HireOrder, map[solana.PublicKey]*iohire.Assignment) {
	n.t.Helper()
	var o *iohire.HireOrder
	as := map[solana.PublicKey]*iohire.Assignment{}
	ok := localnode.Until(func() bool {
		n.alive()
		var err error
		if o, err = n.hire.Order(ctx, order); err != nil || o.Status != iohire.OrderStatus_Active {
			return false
		}
		list, err := n.hire.Assignments(ctx, order)
		if err != nil || len(list) != int(o.OpenAssignments) {
			return false
		}
		for _, a := range list {
			as[a.Assignment.Node] = a.Assignment
		}
		return true
	}, within, 500*time.Millisecond)
	require.True(n.t, ok, "the keepers did not match order %s within %v", order, within)
	return o, as
}

// ended waits until order ended with reason and no assignment is left open.
func (n *network) ended(ctx context.Context, order solana.PublicKey, reason iohire.EndReason, within time.Duration) *iohire.HireOrder {
	n.t.Helper()
	var o *iohire.HireOrder
	require.Eventually(n.t, func() bool {
		var err error
		o, err = n.hire.Order(ctx, order)
		return err == nil && o.Status == iohire.OrderStatus_Ended && o.EndReason != nil && *o.EndReason == reason &&
			o.OpenAssignments == 0
	}, within, 500*time.Millisecond, "order %s did not end %v", order, reason)
	return o
}

// finalAfter waits until an epoch later than after is final on chain.
func (n *network) finalAfter(ctx context.Context, after uint64, within time.Duration) uint64 {
	n.t.Helper()
	var final uint64
	ok := localnode.Until(func() bool {
		n.alive()
		rc, err := n.rewards.Config(ctx)
		if err != nil || rc.FinalEpoch == nil || *rc.FinalEpoch <= after {
			return false
		}
		final = *rc.FinalEpoch
		return true
	}, within, 300*time.Millisecond)
	require.True(n.t, ok, "no epoch after %d became final within %v", after, within)
	return final
}

// leaf is node's leaf in a final report, read from keeper k, checked against the root on chain.
func (n *network) leaf(ctx context.Context, k *localnode.Keeper, epoch uint64, node solana.PublicKey) (report.EpochReport, *report.Leaf) {
	n.t.Helper()
	onChain, err := n.rewards.EpochReport(ctx, epoch)
	require.NoError(n.t, err)
	require.True(n.t, onChain.Finalized)
	rep := k.Report(n.t, epoch)
	require.Equal(n.t, onChain.Root, [32]byte(rep.Root), "keeper %s serves epoch %d's final report", k.Addr, epoch)
	require.Equal(n.t, onChain.EpochEmission, rep.EpochEmission)
	require.Equal(n.t, onChain.CumulativeEmission, rep.CumulativeEmission)
	for i := range rep.Leaves {
		if rep.Leaves[i].Node == node {
			return rep, &rep.Leaves[i]
		}
	}
	return rep, nil
}

// rewardsPaidOnce checks each worker's availability rewards once the keepers' claims
// settled: what io-rewards recorded as claimed for the node is what reached its
// operator's $IO account (no delegators, so no cut) and the cumulative reward of the
// latest final leaf that covers the node (a claim pays a leaf's cumulative less what
// was claimed, so nothing is paid twice); together they are everything the vault
// emitted. It returns what each node was paid.
func (n *network) rewardsPaidOnce(ctx context.Context, k *localnode.Keeper) []uint64 {
	n.t.Helper()
	var paid []uint64
	var last string
	ok := localnode.Until(func() bool {
		paid = paid[:0]
		var total uint64
		for _, w := range n.workers {
			c, err := n.rewards.NodeClaims(ctx, w.Node)
			if err != nil {
				return false
			}
			got := n.balance(ctx, w.Operator.PublicKey(), n.g.Mints.IO) - w.Staked
			again, err := n.rewards.NodeClaims(ctx, w.Node)
			if err != nil || again.Claimed != c.Claimed {
				return false // a claim landed meanwhile
			}
			if got != c.Claimed {
				last = fmt.Sprintf("node %s: claimed %d, operator received %d", w.Node, c.Claimed, got)
				return false
			}
			if c.LastEpoch != nil {
				_, l := n.leaf(ctx, k, *c.LastEpoch, w.Node)
				if l == nil || l.CumulativeReward != c.Claimed {
					last = fmt.Sprintf("node %s: claimed %d, leaf of epoch %d: %+v", w.Node, c.Claimed, *c.LastEpoch, l)
					return false
				}
			}
			paid = append(paid, c.Claimed)
			total += c.Claimed
		}
		rc, err := n.rewards.Config(ctx)
		if err != nil {
			return false
		}
		if rc.Emitted != total {
			last = fmt.Sprintf("emitted %d, the nodes claimed %d", rc.Emitted, total)
			return false
		}
		return true
	}, 30*time.Second, 500*time.Millisecond)
	if !ok {
		n.t.Fatalf("availability rewards: %s", last)
	}
	return paid
}

// tokens is what an SPL token account holds (0 when it does not exist).
func (n *network) tokens(ctx context.Context, account solana.PublicKey) uint64 {
	n.t.Helper()
	b, err := n.staking.TokenBalance(ctx, account)
	require.NoError(n.t, err)
	return b
}

// epoch is the current epoch on the chain's clock.
func (n *network) epoch(ctx context.Context) uint64 {
	n.t.Helper()
	rc, err := n.rewards.Config(ctx)
	require.NoError(n.t, err)
	now, err := n.staking.Now(ctx)
	require.NoError(n.t, err)
	return rewards.EpochsOf(rc.Params).At(now)
}

// midEpoch waits until the chain's clock is 5 to 9 seconds into an epoch: after
// its challenge lead, before its end.
func (n *network) midEpoch(ctx context.Context) {
	n.t.Helper()
	rc, err := n.rewards.Config(ctx)
	require.NoError(n.t, err)
	epochs := rewards.EpochsOf(rc.Params)
	require.True(n.t, localnode.Until(func() bool {
		now, err := n.staking.Now(ctx)
		require.NoError(n.t, err)
		into := now - epochs.Start(epochs.At(now))
		return into >= 5 && into <= 9
	}, time.Minute, 100*time.Millisecond), "never mid-epoch")
}

// claimedThrough waits until the keepers' claims of node reached final epoch e.
func (n *network) claimedThrough(ctx context.Context, node solana.PublicKey, e uint64) {
	n.t.Helper()
	require.True(n.t, localnode.Until(func() bool {
		n.alive()
		c, err := n.rewards.NodeClaims(ctx, node)
		require.NoError(n.t, err)
		return c.LastEpoch != nil && *c.LastEpoch >= e
	}, time.Minute, 300*time.Millisecond), "node %s's claims did not reach epoch %d", node, e)
}
