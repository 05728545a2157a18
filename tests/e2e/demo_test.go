// Package e2e runs `make demo`'s script as a user would and checks what it did on the
// chain, so the demo stays integrated and working.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/tests/localnode"
)

// freePort is the first of two consecutive free ports: RPC and websockets.
func freePort(t *testing.T) int { return freePorts(t, 2) }

// freePorts is the first of n consecutive ports free at the time of the call.
func freePorts(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := l.Addr().(*net.TCPAddr).Port
		held := []net.Listener{l}
		for i := 1; i < n; i++ {
			li, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+i))
			if err != nil {
				break
			}
			held = append(held, li)
		}
		for _, h := range held {
			h.Close()
		}
		if len(held) == n {
			return port
		}
	}
	t.Fatalf("no %d consecutive free ports", n)
	return 0
}

func TestDemoStory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts ionet-localnet")
	}
	root, err := localnode.Root()
	require.NoError(t, err)
	bin, err := localnode.Bin()
	require.NoError(t, err)
	port, kport, wport, gport := freePort(t), freePorts(t, 3), freePorts(t, 4), freePorts(t, 1)
	ledger := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "demo"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "IONET_LOCALNET_BIN="+bin, "IONET_LEDGER="+ledger,
		"IONET_DEMO_PORT="+strconv.Itoa(port), "IONET_DEMO_EXIT=1",
		"IONET_DEMO_KEEPER_PORT="+strconv.Itoa(kport), "IONET_DEMO_WORKER_PORT="+strconv.Itoa(wport),
		"IONET_DEMO_GATEWAY_PORT="+strconv.Itoa(gport))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "scripts/demo:\n%s", out)
	text := string(out)
	for _, step := range []string{
		"funded ", "registered keeper ", "verdict    passes", "staked: node ", "the network goes live",
		"$IO of availability rewards through epoch", "delegated ", "room for 0 $IO more",
		"escrowed     1.025 IOSD", "assignments  2 open", "exited 0", "extended order ", "cancelled order ",
		"Ended (Cancelled)", "price        2 USD per $IO", "Ended (NodeFailed)", "(second period)",
		"claimed delegator rewards", "network at slot", "(cap − emitted: checked)", "burned in the ledger (checked)",
		"the demo is done: the story took ",
		fmt.Sprintf("the network explorer: http://127.0.0.1:%d/", gport),
	} {
		assert.Contains(t, text, step)
	}
	for _, standIn := range []string{"ionet dev epoch", "ionet dev assign", "ionet dev attest", "ionet dev warp", "MISMATCH"} {
		assert.NotContains(t, text, standIn, "live daemons only; the supply ledger adds up")
	}
	took := regexp.MustCompile(`the story took (\d+) s after the build`).FindStringSubmatch(text)
	require.Len(t, took, 2)
	t.Logf("the demo's story took %s s after the build", took[1])

	// The script stopped everything it started: the chain, the keepers, the workers.
	for _, p := range []int{port, kport, kport + 1, kport + 2, wport, wport + 1, wport + 2, wport + 3, gport} {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(p), time.Second); err == nil {
			c.Close()
			t.Errorf("port %d still answers after the demo exited", p)
		}
	}

	nodes := regexp.MustCompile(`registered node (\S+)`).FindAllStringSubmatch(text, -1)
	require.Len(t, nodes, 4, "the two CPU nodes ($0.10, $0.20), then the mock H100 and A100 nodes")
	node1, node2 := solana.MustPublicKeyFromBase58(nodes[0][1]), solana.MustPublicKeyFromBase58(nodes[1][1])
	orders := regexp.MustCompile(`created order (\S+) `).FindAllStringSubmatch(text, -1)
	require.Len(t, orders, 2, "the IOSD order, then the $IO one")

	// The 2-node job: each node ran its rank, ranked by node key, and the renter read
	// both outputs.
	rank0, rank1 := node1, node2
	if bytes.Compare(rank0[:], rank1[:]) > 0 {
		rank0, rank1 = rank1, rank0
	}
	assert.Contains(t, text, "rank 0 of 2 on node "+rank0.String()+", peers: 127.0.0.1")
	assert.Contains(t, text, "rank 1 of 2 on node "+rank1.String()+", peers: 127.0.0.1")

	// Read the chain the demo left.
	n := restart(t, ledger)
	c := staking.New(n)
	r := &rewards.Client{Staking: c}
	h := &hire.Client{Staking: c}
	rc, err := r.Config(ctx)
	require.NoError(t, err)
	cfg, err := h.Config(ctx)
	require.NoError(t, err)

	// The halving: io-rewards' period is the demo's 4 epochs, and the keepers finalized
	// epochs on both sides of it, three keepers with a quorum of 2, each within its
	// budget, the one past it at half the first period's emission.
	require.Equal(t, uint64(4), rc.Params.HalvingEpochs)
	require.NotNil(t, rc.FinalEpoch)
	require.GreaterOrEqual(t, *rc.FinalEpoch, uint64(4))
	schedule := rewards.Schedule(rc.Params)
	e0 := rc.Params.InitialEpochEmission
	require.Equal(t, e0/2, schedule.EpochEmission(4))
	// Before the halving, an epoch in which both CPU nodes were up emitted all of E0
	// (the failed node forfeits the epoch it stopped in); after it, at most E0 / 2.
	var before uint64
	after := 0
	for e := uint64(1); e <= *rc.FinalEpoch; e++ {
		er, err := r.EpochReport(ctx, e)
		if err != nil || !er.Finalized {
			continue
		}
		assert.Equal(t, uint32(3), er.KeeperCount)
		assert.Equal(t, uint32(2), er.Quorum)
		assert.GreaterOrEqual(t, len(er.Voters), 2)
		assert.LessOrEqual(t, er.EpochEmission, schedule.EpochEmission(e), "epoch %d", e)
		if er.EpochEmission == 0 {
			continue
		}
		if e < 4 {
			before = max(before, er.EpochEmission)
		} else {
			after++
			assert.LessOrEqual(t, er.EpochEmission, e0/2, "epoch %d: halved", e)
		}
	}
	assert.Greater(t, before, e0/2, "a final epoch before the halving emitted more than the halved budget")
	assert.Positive(t, after, "a final epoch after the halving emitted")

	// The IOSD order: matched to both CPU nodes at their asks, extended, cancelled and
	// settled; every unit of the escrow accounted for.
	byUSD, err := h.Order(ctx, solana.MustPublicKeyFromBase58(orders[0][1]))
	require.NoError(t, err)
	assert.Equal(t, iohire.OrderStatus_Ended, byUSD.Status)
	require.NotNil(t, byUSD.EndReason)
	assert.Equal(t, iohire.EndReason_Cancelled, *byUSD.EndReason)
	assert.True(t, byUSD.Extended)
	assert.Equal(t, uint32(2), byUSD.Spec.Hours, "1 h, extended by 1 h")
	// 1.025 IOSD escrowed at $0.50; the asks ($0.10 + $0.20) × 1.025 kept, 0.3075 IOSD
	// more for the extra hour.
	assert.Equal(t, uint64(1_025_000+307_500), byUSD.Deposited)
	assert.Positive(t, byUSD.Paid, "the nodes earned for the seconds they ran")
	assert.Equal(t, byUSD.Deposited, byUSD.Paid+byUSD.Fees+byUSD.Refunded, "the escrow is empty")
	assert.Zero(t, byUSD.OpenAssignments)

	// The $IO order: at the keepers' $2.00, matched to the $0.10 node, whose worker
	// stopped: the failure votes slashed it (burned) and refunded the renter.
	byIO, err := h.Order(ctx, solana.MustPublicKeyFromBase58(orders[1][1]))
	require.NoError(t, err)
	assert.Equal(t, iohire.OrderStatus_Ended, byIO.Status)
	require.NotNil(t, byIO.EndReason)
	assert.Equal(t, iohire.EndReason_NodeFailed, *byIO.EndReason)
	assert.Equal(t, uint64(2_000_000), byIO.IoUsdPrice)
	assert.Equal(t, byIO.Deposited, byIO.Paid+byIO.Fees+byIO.Refunded, "the escrow is empty")
	assert.Greater(t, byIO.Refunded, byIO.Deposited*9/10, "refunded all but the seconds it ran")
	for _, o := range orders {
		left, err := c.TokenBalance(ctx, hire.EscrowAddress(solana.MustPublicKeyFromBase58(o[1])))
		require.NoError(t, err)
		assert.Zero(t, left)
	}
	n1, err := c.Node(ctx, node1)
	require.NoError(t, err)
	n2, err := c.Node(ctx, node2)
	require.NoError(t, err)
	assert.Positive(t, n1.SlashedTotal)
	assert.Zero(t, n2.SlashedTotal)
	assert.Zero(t, n1.HiredGpus)
	assert.Zero(t, n2.HiredGpus)
	assert.Greater(t, staking.OperatorStake(n1), uint64(100*io), "the slash left the node staked")

	// The supply ledger: the slash is the only burn; supply = 800M − burned, vault =
	// 300M − emitted.
	assert.Equal(t, n1.SlashedTotal, rc.Burned)
	supply, err := c.RPC.GetTokenSupply(ctx, rc.IoMint, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	assert.Equal(t, strconv.FormatUint(staking.GenesisSupply-rc.Burned, 10), supply.Value.Amount)
	vault, err := c.TokenBalance(ctx, rewards.VaultAddress())
	require.NoError(t, err)
	assert.Equal(t, rc.Params.EmissionCap-rc.Emitted, vault)

	// Claims: both CPU operators claimed (the $0.20 node's last claim past the
	// halving), and the staker its delegators' share.
	for _, node := range []solana.PublicKey{node1, node2} {
		cl, err := r.NodeClaims(ctx, node)
		require.NoError(t, err)
		require.NotNil(t, cl.LastEpoch, "node %s claimed", node)
		assert.Positive(t, cl.Claimed)
	}
	cl2, err := r.NodeClaims(ctx, node2)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, *cl2.LastEpoch, uint64(4))
	assert.Equal(t, uint32(1), n2.Delegations)
	balance := func(name string, mint solana.PublicKey) uint64 {
		k, err := solana.PrivateKeyFromSolanaKeygenFile(filepath.Join(ledger, "demo-keys", name+".json"))
		require.NoError(t, err)
		v, err := c.TokenBalance(ctx, staking.ATA(k.PublicKey(), mint))
		require.NoError(t, err)
		return v
	}
	assert.Greater(t, balance("staker", cfg.IoMint), uint64(1_000*io), "funded 1,000 $IO, delegated under 1, claimed more")
	assert.Greater(t, balance("supplier2", cfg.IoMint), uint64(1_000*io)+cl2.Claimed*9/10, "10,000 funded, 9,000 staked, its rewards less the delegators' 5%")
	assert.Equal(t, 100_000_000-byUSD.Paid-byUSD.Fees, balance("renter", cfg.IosdMint), "the renter paid what it used")
	assert.Equal(t, 50*io-byIO.Paid-byIO.Fees, balance("renter", cfg.IoMint))
	treasuryUSD, err := c.TokenBalance(ctx, hire.TreasuryAddress(cfg.IosdMint))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, treasuryUSD, byUSD.Fees, "the renter's fees and the supplier's")
}

// io is one $IO in base units.
const io = 100_000_000

// restart runs ionet-localnet on ledger again and returns its RPC URL.
func restart(t *testing.T, ledger string) string {
	t.Helper()
	bin, err := localnode.Bin()
	require.NoError(t, err)
	port := freePort(t)
	cmd := exec.Command(bin, "--ledger", ledger, "--rpc-port", strconv.Itoa(port), "--ws-port", strconv.Itoa(port+1))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	for range 300 {
		if exec.Command("curl", "-sf", url+"/health").Run() == nil {
			return url
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the restarted localnet did not answer /health")
	return ""
}
