package explorer

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/network"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/report"
)

// TestExplorerOnALocalnet builds the small network once and checks the API against
// the chain (api), the background sampling (run), then the page in headless
// Chromium (browser, browser_test.go).
func TestExplorerOnALocalnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	n := startNetwork(t)
	x := New(Config{RPCURL: n.node.RPCURL, CacheTTL: 500 * time.Millisecond})
	srv := httptest.NewServer(x.Handler())
	defer srv.Close()
	t.Run("api", func(t *testing.T) { checkAPI(t, n, srv.URL) })
	// run before browser: it fetches the challenges of the current and the previous
	// epoch, which must still include the one the stand-in serves.
	t.Run("run", func(t *testing.T) { checkRun(t, n) })
	t.Run("browser", func(t *testing.T) { checkBrowser(t, n, srv.URL) })
}

// Run samples the chain on its own: the supply ledger, the keepers' final reports
// and, on a network this small, every node's challenges, with no page open.
func checkRun(t *testing.T, n *testNet) {
	x := New(Config{RPCURL: n.node.RPCURL, PollEvery: 200 * time.Millisecond, CacheTTL: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.Run(ctx) }()
	require.Eventually(t, func() bool {
		x.keepers.mu.Lock()
		defer x.keepers.mu.Unlock()
		return len(x.keepers.challenged[n.cpu][n.challengeEpoch]) == 2
	}, 30*time.Second, 100*time.Millisecond, "the two keepers' challenges of the CPU node were not fetched")
	cancel()
	require.NoError(t, <-done)
	assert.Equal(t, len(n.final.Leaves), x.keepers.leafCount(n.final.Epoch), "the final report was fetched")
	s, _ := chainView(t, n)
	samples := x.hist.samples()
	require.NotEmpty(t, samples)
	assert.Equal(t, Amount(s.Burned), samples[len(samples)-1].Burned)
	x.keepers.mu.Lock()
	defer x.keepers.mu.Unlock()
	assert.Len(t, x.keepers.challenged[n.cpu][n.challengeEpoch][n.keepers[0].PublicKey().String()], 2)
	assert.Empty(t, x.keepers.challenged[n.h100][n.challengeEpoch], "no keeper served challenges of the H100 node")
}

// chainView reads what the API must show, straight from the chain.
func chainView(t *testing.T, n *testNet) (*network.Status, *follower.Snapshot) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, snap, err := network.Read(ctx, n.node.RPCURL)
	require.NoError(t, err)
	return s, snap
}

func checkAPI(t *testing.T, n *testNet, base string) {
	s, snap := chainView(t, n)

	var net Network
	getAPI(t, base, "/api/network", &net)
	assert.LessOrEqual(t, net.Epoch-s.Epoch, uint64(1), "the chain's epoch (or the next, at a boundary)")
	require.NotNil(t, net.FinalEpoch)
	assert.Equal(t, n.final.Epoch, *net.FinalEpoch)
	assert.Equal(t, Amount(2_000_000), net.IOUSDMicro, "the price the keepers voted")
	assert.Equal(t, 3, net.Nodes)
	assert.Equal(t, 1, net.StakedNodes, "the H100 node; the CPU node's slash took it below the minimum stake")
	assert.Equal(t, 17, net.GPUs)
	assert.Equal(t, 2, net.HiredGPUs, "the running order's 2 H100 GPUs; the failed node's GPU is released")
	assert.Equal(t, Amount(100_050), net.TOPSMilli)
	assert.Equal(t, Amount(300*100_000_000), net.Delegated)
	var stake uint64
	for _, node := range snap.Nodes {
		stake += staking.OperatorStake(node)
	}
	assert.Equal(t, Amount(stake), net.Stake)
	// chain/network's classes, the generic-CPU family named localnet-cpu on a localnet
	// as the CLI names it.
	want := []network.ClassCount{}
	for _, c := range s.Classes {
		if c.Class == network.ClassName(classes.LocalnetCPU.ID) {
			c.Class = "localnet-cpu"
		}
		want = append(want, c)
	}
	assert.Equal(t, want, net.Classes)
	assert.Contains(t, net.Classes, network.ClassCount{Class: "localnet-cpu", Nodes: 1, Staked: 0, GPUs: 1})
	assert.Equal(t, s.Orders, net.Orders)
	assert.Equal(t, map[string]int{"Active": 2, "Open": 1}, net.Orders, "the failed node's order runs on, without it")
	assert.Equal(t, []LocationCount{{"DE", 1, 1}, {"SG", 1, 8}, {"US", 1, 8}}, net.Locations)
	assert.Equal(t, SupplyLedger{Genesis: Amount(staking.GenesisSupply), Supply: Amount(s.Supply), Burned: Amount(s.Burned),
		Emitted: Amount(s.Emitted), EmissionCap: Amount(s.EmissionCap), Vault: Amount(s.Vault), VaultOK: true, SupplyOK: true},
		net.Supply)
	assert.NotZero(t, net.Supply.Burned, "the CPU node's slash was burned")
	assert.NotZero(t, net.Supply.Emitted, "the claims paid rewards")
	require.Len(t, net.Keepers, 3)
	for i, k := range net.Keepers {
		assert.True(t, k.Reachable, "keeper %d: %s", i, k.Error)
		assert.True(t, k.Serving)
		assert.Equal(t, Amount(10_000*100_000_000), k.Bond)
	}

	var nodes []NodeView
	getAPI(t, base, "/api/nodes", &nodes)
	require.Len(t, nodes, 3)
	for _, v := range nodes {
		addr := solana.MustPublicKeyFromBase58(v.Address)
		c := snap.Nodes[addr]
		require.NotNil(t, c, v.Address)
		assert.Equal(t, Amount(staking.OperatorStake(c)), v.Stake, v.Address)
		assert.Equal(t, Amount(staking.DelegatedStake(c)), v.Delegated, v.Address)
		assert.Equal(t, Amount(c.Attested.TopsMilli), v.TOPSMilli, v.Address)
		assert.Equal(t, c.Attested.UptimeBps, v.UptimeBps, v.Address)
		assert.Equal(t, Amount(c.SlashedTotal), v.Slashed, v.Address)
		if c.Spec.GpuClass != classes.LocalnetCPU.ID {
			assert.Equal(t, network.ClassName(c.Spec.GpuClass), v.Class)
		}
	}
	byAddr := map[string]NodeView{}
	for _, v := range nodes {
		byAddr[v.Address] = v
	}
	assert.Equal(t, "h100-sxm", byAddr[n.h100.String()].Class)
	assert.Equal(t, "US", byAddr[n.h100.String()].Location)
	assert.Equal(t, Amount(100_000), byAddr[n.h100.String()].TOPSMilli)
	assert.Equal(t, uint16(10_000), byAddr[n.h100.String()].UptimeBps)
	assert.Equal(t, Amount(300*100_000_000), byAddr[n.h100.String()].Delegated)
	assert.False(t, byAddr[n.a100.String()].Staked)
	assert.Equal(t, "localnet-cpu", byAddr[n.cpu.String()].Class, "on a localnet, as ionet-worker and the CLI name it")

	// The CPU node's page: slashed, its rewards, its final leaf, its challenges.
	var cpu NodeDetail
	getAPI(t, base, "/api/nodes/"+n.cpu.String(), &cpu)
	chainCPU := snap.Nodes[n.cpu]
	assert.NotZero(t, cpu.Slashed)
	assert.Equal(t, Amount(chainCPU.SlashedTotal), cpu.Slashed)
	claims := snap.NodeClaims[rewards.NodeClaimsAddress(n.cpu)]
	require.NotNil(t, claims)
	assert.Equal(t, Amount(claims.State.Claimed), cpu.Claimed)
	assert.NotZero(t, cpu.Claimed, "the round's claim paid the node")
	require.NotNil(t, cpu.LastClaimedEpoch)
	assert.Equal(t, n.final.Epoch, *cpu.LastClaimedEpoch)
	i := slices.IndexFunc(n.final.Leaves, func(l report.Leaf) bool { return l.Node == n.cpu })
	require.GreaterOrEqual(t, i, 0)
	leaf := n.final.Leaves[i]
	assert.Equal(t, []NodeEpoch{{Epoch: n.final.Epoch, TOPSMilli: 50, UptimeBps: 10_000, HiredBps: leaf.HiredBps,
		EpochReward: Amount(leaf.EpochReward), Cumulative: Amount(leaf.CumulativeReward)}}, cpu.Epochs,
		"the node's leaf in the report the keepers serve")
	require.Len(t, cpu.Challenges, 1)
	assert.Equal(t, n.challengeEpoch, cpu.Challenges[0].Epoch)
	got := cpu.Challenges[0].Challenges
	require.Len(t, got, 3, "keeper 0's two challenges and keeper 1's one, in time order")
	assert.Equal(t, n.keepers[0].PublicKey().String(), got[0].Keeper)
	assert.Equal(t, Amount(48), got[0].TOPSMilli)
	assert.True(t, got[0].OK)
	assert.Equal(t, n.keepers[1].PublicKey().String(), got[1].Keeper)
	assert.False(t, got[1].OK)
	assert.Equal(t, "deadline", got[1].Reason)
	assert.Equal(t, Amount(52), got[2].TOPSMilli)

	// The H100 node's page: its running hire at its ask.
	var h100 NodeDetail
	getAPI(t, base, "/api/nodes/"+n.h100.String(), &h100)
	require.Len(t, h100.Hires, 1)
	assert.Equal(t, n.active.String(), h100.Hires[0].Order)
	assert.Equal(t, Amount(2_150_000), h100.Hires[0].PriceMicro)
	assert.Equal(t, uint16(2), h100.Hires[0].GPUs)
	assert.Equal(t, "Active", h100.Hires[0].Status)
	assert.Empty(t, h100.Challenges)

	var hires []Hire
	getAPI(t, base, "/api/hires", &hires)
	require.Len(t, hires, 3)
	assert.Equal(t, []string{"Active", "Active", "Open"}, []string{hires[0].Status, hires[1].Status, hires[2].Status},
		"running orders first")
	byOrder := map[string]Hire{}
	for _, h := range hires {
		byOrder[h.Address] = h
	}
	active := byOrder[n.active.String()]
	assert.Equal(t, "IOSD", active.Mint)
	require.Len(t, active.Assignments, 1)
	assert.Equal(t, n.h100.String(), active.Assignments[0].Node)
	assert.Equal(t, Amount(2_150_000), active.Assignments[0].PriceMicro, "matched at the node's ask")
	assert.False(t, active.Assignments[0].Failed)
	failed := byOrder[n.failed.String()]
	require.Len(t, failed.Assignments, 1)
	assert.Equal(t, n.cpu.String(), failed.Assignments[0].Node)
	assert.Equal(t, Amount(100_000), failed.Assignments[0].PriceMicro)
	assert.True(t, failed.Assignments[0].Failed, "two keepers reported it")
	assert.Equal(t, 2, failed.Assignments[0].FailureVotes)
	assert.Equal(t, "Open", byOrder[n.open.String()].Status)
	assert.Equal(t, "a100", byOrder[n.open.String()].Class)
	assert.Empty(t, byOrder[n.open.String()].Assignments)
	for _, h := range hires {
		o := snap.Orders[solana.MustPublicKeyFromBase58(h.Address)]
		require.NotNil(t, o)
		assert.Equal(t, Amount(o.Deposited), h.Deposited)
		assert.Equal(t, Amount(o.Refunded), h.Refunded)
		assert.Equal(t, Amount(o.Spec.MaxPriceMicroUsd), h.MaxPrice)
	}

	var epochs []Epoch
	getAPI(t, base, "/api/epochs", &epochs)
	require.NotEmpty(t, epochs)
	for _, e := range epochs {
		r := snap.EpochReports[rewards.EpochAddress(e.Epoch)]
		require.NotNil(t, r, "epoch %d", e.Epoch)
		assert.Equal(t, r.Finalized, e.Finalized)
		assert.Equal(t, len(r.Voters), len(e.Voters))
	}
	fi := slices.IndexFunc(epochs, func(e Epoch) bool { return e.Finalized })
	require.GreaterOrEqual(t, fi, 0)
	fe := epochs[fi]
	chainFinal := snap.EpochReports[rewards.EpochAddress(fe.Epoch)]
	assert.Equal(t, n.final.Epoch, fe.Epoch)
	assert.Equal(t, hex.EncodeToString(chainFinal.Root[:]), fe.Root)
	assert.Equal(t, Amount(2_000_000), fe.IOUSDMicro)
	assert.Equal(t, Amount(chainFinal.EpochEmission), fe.Emission)
	assert.Equal(t, Amount(chainFinal.CumulativeEmission), fe.Cumulative)
	assert.Len(t, fe.Voters, 2, "a quorum of 2 of 3 finalized it")
	assert.Len(t, fe.Committed, 3)
	assert.Equal(t, len(n.final.Leaves), fe.Leaves, "the keepers served the report, its root checked against the chain")

	var em Emission
	getAPI(t, base, "/api/emission", &em)
	rc := snap.RewardsConfig
	sched := rewards.Schedule(rc.Params)
	assert.Equal(t, Amount(rc.Params.InitialEpochEmission), em.InitialEpochEmission)
	assert.Equal(t, rc.Params.HalvingEpochs, em.HalvingEpochs)
	assert.Equal(t, Amount(rc.Emitted), em.Emitted)
	assert.Len(t, em.Halvings, horizonPeriods)
	assert.Equal(t, rc.Params.HalvingEpochs, em.Halvings[0].Epoch)
	assert.Equal(t, Amount(sched.Cumulative(em.Epoch+1)), em.ScheduledNow)
	require.Len(t, em.Epochs, 1)
	assert.Equal(t, EmissionPoint{Epoch: n.final.Epoch, Scheduled: Amount(sched.Cumulative(n.final.Epoch + 1)),
		Cumulative: Amount(chainFinal.CumulativeEmission), Emission: Amount(chainFinal.EpochEmission)}, em.Epochs[0])
	// The burns read back from the chain's transactions: the CPU node's slash, from
	// genesis.
	require.Len(t, em.Burns, 1)
	assert.True(t, em.BurnsComplete)
	assert.Equal(t, Amount(s.Burned), em.Burns[0].Total)
	assert.Equal(t, Amount(s.Burned), em.Burns[0].Amount)
	assert.Equal(t, Amount(snap.Nodes[n.cpu].SlashedTotal), em.Burns[0].Amount, "the slash was burned whole")
	assert.NotZero(t, em.Burns[0].Time)
	require.GreaterOrEqual(t, len(em.Burned), 2)
	assert.Equal(t, SupplySample{Time: rc.Params.GenesisTs, Supply: Amount(staking.GenesisSupply)}, em.Burned[0],
		"the ledger starts at genesis with nothing burned")
	require.Len(t, em.SoFar, int(em.Epoch)+1, "every epoch so far (fewer than 240)")
	for i, p := range em.SoFar {
		assert.Equal(t, SchedulePoint{Epoch: uint64(i), Cumulative: Amount(sched.Cumulative(uint64(i) + 1))}, p)
	}
	assert.Equal(t, Amount(s.Burned), em.Burned[len(em.Burned)-1].Burned, "the latest sample is the ledger's burned")

	// Bad and unknown nodes.
	for path, code := range map[string]int{
		"/api/nodes/not-a-key":                                  http.StatusBadRequest,
		"/api/nodes/" + solana.NewWallet().PublicKey().String(): http.StatusNotFound,
	} {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, code, resp.StatusCode, path)
	}
}
