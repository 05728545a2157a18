// Package e2e runs `make demo`'s script as a user would and checks what it did on the
// chain, so the demo stays integrated and working.
package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
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
	port := freePort(t)
	ledger := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "demo"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "IONET_LOCALNET_BIN="+bin, "IONET_LEDGER="+ledger,
		"IONET_DEMO_PORT="+strconv.Itoa(port), "IONET_DEMO_EXIT=1",
		"IONET_DEMO_KEEPER_PORT="+strconv.Itoa(freePorts(t, 3)), "IONET_DEMO_WORKER_PORT="+strconv.Itoa(freePorts(t, 4)))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "scripts/demo:\n%s", out)
	text := string(out)
	for _, step := range []string{
		"funded ", "registered node ", "staked 1000 $IO", "registered keeper ", "3 keeper(s)", "DEVELOPMENT",
		"finalized by keeper votes", "stand-in for ionet-keeper's epoch duty", "claim paid", "quorum 2",
		"delegated 600 $IO", "room for 400 $IO more", "escrowed     20.5 IOSD", "escrowed     10.05 $IO",
		"stand-in for keeper matching", "refunded     2.87 IOSD", "refunded     1.407 $IO", "warped the localnet's clock",
		"Ended (Cancelled)", "Ended (Completed)", "io-hire treasury", "tickets: 0",
		"class localnet-cpu", "the keepers go live", `ionet_keeper_challenges_total{reason="",result="passed"}`,
		"the keepers' next matching round assigns the cheapest eligible node", "Ended (NodeFailed)",
		"network at slot", "(cap − emitted: checked)", "burned in the ledger (checked)", "the demo is done",
	} {
		assert.Contains(t, text, step)
	}
	assert.NotContains(t, text, "ionet dev attest", "the node's capacity comes from a claimed epoch report")
	assert.NotContains(t, text, "MISMATCH", "the supply ledger adds up")

	// The script stopped its chain on exit; start the same ledger and read what it left.
	_, err = exec.Command("curl", "-sf", "http://127.0.0.1:"+strconv.Itoa(port)+"/health").Output()
	assert.Error(t, err, "the demo's localnet still answers after the script exited")
	nodes := regexp.MustCompile(`registered node (\S+)`).FindAllStringSubmatch(text, -1)
	require.Len(t, nodes, 5, "the H100 node, then the four ionet-worker nodes (the $0.10 CPU node first)")
	node := nodes[0]
	epochMatch := regexp.MustCompile(`epoch (\d+) finalized by keeper votes`).FindStringSubmatch(text)
	require.Len(t, epochMatch, 2)
	epoch, err := strconv.ParseUint(epochMatch[1], 10, 64)
	require.NoError(t, err)
	orders := regexp.MustCompile(`created order (\S+) `).FindAllStringSubmatch(text, -1)
	require.Len(t, orders, 3, "the H100 orders in IOSD and $IO, the CPU node's")
	n := restart(t, ledger)
	c := staking.New(n)
	address := solana.MustPublicKeyFromBase58(node[1])
	got, err := c.Node(ctx, address)
	require.NoError(t, err)
	assert.Equal(t, uint64(1_000*io), staking.OperatorStake(got))
	assert.Equal(t, uint64(600*io), staking.DelegatedStake(got))
	assert.Equal(t, uint32(1), got.Delegations)
	assert.Zero(t, got.HiredGpus, "both orders ended and released the node's GPUs")

	// The epoch report the keepers' votes finalized, at the price they voted, and the
	// claim it paid: all of the epoch's emission to the only node, none to delegators
	// (the staker delegated after the claim), and the node's capacity attested from it.
	r := &rewards.Client{Staking: c}
	er, err := r.EpochReport(ctx, epoch)
	require.NoError(t, err)
	assert.True(t, er.Finalized)
	assert.Equal(t, uint32(3), er.KeeperCount)
	assert.Equal(t, uint32(2), er.Quorum)
	assert.Len(t, er.Commits, 3)
	assert.Len(t, er.Voters, 2)
	assert.Equal(t, uint64(2_000_000), er.IoUsdPrice)
	assert.Positive(t, er.EpochEmission)
	// The claim attested the declared 100 TOPS (step 12 shows it) before the keepers
	// went live; no worker serves the H100 node here, so their later report gives it
	// no TOPS, no uptime and no reward, and their claim of it attests just that.
	assert.Contains(t, text, "attested        epoch "+epochMatch[1]+", h100-sxm, 100 TOPS, uptime 100%")
	claims, err := r.NodeClaims(ctx, address)
	require.NoError(t, err)
	require.NotNil(t, claims.LastEpoch)
	assert.Equal(t, er.EpochEmission, claims.Claimed, "the one epoch that paid it")
	rc, err := r.Config(ctx)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, rc.Emitted, er.EpochEmission, "this epoch's and the keepers' later ones")
	assert.Greater(t, got.Attested.Epoch, epoch)
	assert.Equal(t, got.Attested.Epoch, *claims.LastEpoch)
	assert.Zero(t, got.Attested.TopsMilli)
	assert.Zero(t, got.Attested.UptimeBps)
	assert.Zero(t, got.Attested.EpochReward)

	// The keepers' own epoch: ionet-keeper daemons challenged and probed the CPU node's
	// worker, agreed, finalized a later epoch with three commits and claimed its
	// reward, which attested the TOPS they measured and full uptime.
	cpuNode := solana.MustPublicKeyFromBase58(nodes[1][1])
	cpu, err := c.Node(ctx, cpuNode)
	require.NoError(t, err)
	assert.Greater(t, cpu.Attested.Epoch, epoch)
	assert.Positive(t, cpu.Attested.TopsMilli, "measured, not declared")
	assert.Equal(t, uint16(10_000), cpu.Attested.UptimeBps)
	assert.Positive(t, cpu.Attested.EpochReward)
	kr, err := r.EpochReport(ctx, cpu.Attested.Epoch)
	require.NoError(t, err)
	assert.True(t, kr.Finalized)
	assert.Len(t, kr.Commits, 3, "every keeper committed its observations")
	assert.GreaterOrEqual(t, len(kr.Voters), 2)
	cpuClaims, err := r.NodeClaims(ctx, cpuNode)
	require.NoError(t, err)
	require.NotNil(t, cpuClaims.LastEpoch)
	assert.Equal(t, cpu.Attested.Epoch, *cpuClaims.LastEpoch)
	assert.Positive(t, cpuClaims.Claimed)

	// The keepers matched the renter's order for the CPU node, and when its worker
	// stopped answering their failure votes slashed the node, burned the slash and
	// refunded the renter: every unit of the escrow accounted for.
	h := &hire.Client{Staking: c}
	cpuOrder, err := h.Order(ctx, solana.MustPublicKeyFromBase58(orders[2][1]))
	require.NoError(t, err)
	assert.Equal(t, iohire.OrderStatus_Ended, cpuOrder.Status)
	require.NotNil(t, cpuOrder.EndReason)
	assert.Equal(t, iohire.EndReason_NodeFailed, *cpuOrder.EndReason)
	assert.Equal(t, cpuOrder.Deposited, cpuOrder.Paid+cpuOrder.Fees+cpuOrder.Refunded, "the escrow is empty")
	assert.Greater(t, cpuOrder.Refunded, cpuOrder.Deposited*9/10, "refunded all but the seconds it ran")
	cpu, err = c.Node(ctx, cpuNode)
	require.NoError(t, err)
	assert.Positive(t, cpu.SlashedTotal)
	assert.Zero(t, cpu.HiredGpus)
	supply, err := r.Config(ctx)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, supply.Burned, cpu.SlashedTotal, "the slash is burned, in the supply ledger")

	// Both orders' end states and books. IOSD: $20.50 escrowed for 4 GPUs × 2 h at
	// $2.50 with 2.5% fees; the node's $2.15 ask refunded $2.87 at assignment; it
	// served an hour (8.6 IOSD) before the cancel refunded the rest pro rata.
	byUSD, err := h.Order(ctx, solana.MustPublicKeyFromBase58(orders[0][1]))
	require.NoError(t, err)
	assert.Equal(t, iohire.OrderStatus_Ended, byUSD.Status)
	require.NotNil(t, byUSD.EndReason)
	assert.Equal(t, iohire.EndReason_Cancelled, *byUSD.EndReason)
	assert.Equal(t, uint64(20_500_000), byUSD.Deposited)
	assert.GreaterOrEqual(t, byUSD.Paid, uint64(8_600_000))
	assert.Less(t, byUSD.Paid, uint64(8_600_000+60*17_200_000/7_200), "more than a minute's worth past the hour")
	assert.Equal(t, byUSD.Deposited, byUSD.Paid+byUSD.Fees+byUSD.Refunded, "the escrow is empty")
	assert.Greater(t, byUSD.Refunded, uint64(2_870_000), "a pro-rata refund on top of the assignment's")
	assert.Equal(t, byUSD.Paid*250/10_000, byUSD.Fees)
	// $IO at the final $2.00: 10.05 $IO escrowed, 1.407 refunded at assignment, the
	// whole 8.6 $IO stream paid.
	byIO, err := h.Order(ctx, solana.MustPublicKeyFromBase58(orders[1][1]))
	require.NoError(t, err)
	assert.Equal(t, iohire.OrderStatus_Ended, byIO.Status)
	require.NotNil(t, byIO.EndReason)
	assert.Equal(t, iohire.EndReason_Completed, *byIO.EndReason)
	assert.Equal(t, uint64(2_000_000), byIO.IoUsdPrice)
	assert.Equal(t, uint64(1_005*io/100), byIO.Deposited)
	assert.Equal(t, uint64(86*io/10), byIO.Paid)
	assert.Equal(t, uint64(1_407*io/1_000), byIO.Refunded)
	assert.Equal(t, byIO.Deposited, byIO.Paid+byIO.Fees+byIO.Refunded)
	for _, o := range orders {
		left, err := c.TokenBalance(ctx, hire.EscrowAddress(solana.MustPublicKeyFromBase58(o[1])))
		require.NoError(t, err)
		assert.Zero(t, left)
	}

	// Balances: the renter paid what the orders used; the operator got the epoch's
	// reward and both streams less the supplier's 1.5% and the delegators' 1%; the
	// treasury holds every fee.
	cfg, err := h.Config(ctx)
	require.NoError(t, err)
	renter, err := solana.PrivateKeyFromSolanaKeygenFile(filepath.Join(ledger, "demo-keys", "renter.json"))
	require.NoError(t, err)
	balance := func(owner, mint solana.PublicKey) uint64 {
		v, err := c.TokenBalance(ctx, staking.ATA(owner, mint))
		require.NoError(t, err)
		return v
	}
	assert.Equal(t, 100_000_000-byUSD.Paid-byUSD.Fees-cpuOrder.Paid-cpuOrder.Fees, balance(renter.PublicKey(), cfg.IosdMint),
		"the renter paid what its three orders used")
	assert.Equal(t, 50*io-byIO.Paid-byIO.Fees, balance(renter.PublicKey(), cfg.IoMint))
	opIO, opUSD := balance(got.Operator, cfg.IoMint), balance(got.Operator, cfg.IosdMint)
	assert.Greater(t, opIO, 4_000*io+claims.Claimed, "the epoch's reward and the $IO stream")
	assert.Less(t, opIO, 4_000*io+claims.Claimed+byIO.Paid)
	assert.Positive(t, opUSD)
	assert.Less(t, opUSD, byUSD.Paid)
	treasuryUSD, err := c.TokenBalance(ctx, hire.TreasuryAddress(cfg.IosdMint))
	require.NoError(t, err)
	assert.Greater(t, treasuryUSD, byUSD.Fees, "the renter's fees and the supplier's")
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
