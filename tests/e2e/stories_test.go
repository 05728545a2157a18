package e2e

// The network's stories end to end, each on its own chain with the real binaries
// (ionet-localnet, three ionet-keeper daemons, ionet-worker agents, the ionet CLI),
// each checking the money on chain: token accounts, the hire escrow and its books,
// refunds, slashes, and the $IO supply ledger (vault = 300M cap − emitted, supply =
// 800M − burned).

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/report"
	"github.com/ionet-network/ionet/tests/localnode"
	"github.com/ionet-network/ionet/worker/agent"
	"github.com/ionet-network/ionet/worker/api"
	"github.com/ionet-network/ionet/worker/jobs"
)

func story(t *testing.T, within time.Duration) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("starts ionet-localnet, ionet-keeper and ionet-worker processes")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	t.Cleanup(cancel)
	return ctx
}

// docs/hire.md's money math: the renter's fees round down, the supplier's up.
func fee(amount uint64, bps uint16) uint64 { return amount * uint64(bps) / 10_000 }

func feeUp(amount uint64, bps uint16) uint64 {
	return min(amount, (amount*uint64(bps)+9_999)/10_000)
}

// A renter hires two localnet-cpu GPUs for an hour in IOSD; the keepers match the
// order to both CPU nodes (one GPU each, each at its own ask) and return the escrow
// above their streams at once; `ionet hire run` runs a command on both nodes through
// each worker's signed jobs API (a stranger's job is refused by the worker); the hour passes (ionet_warpSlot) and the
// keepers settle both streams: each operator is paid its stream less the supplier's
// fees, the treasury gets the renter's and the supplier's fees, the escrow is empty
// and its books add up. The epochs' availability rewards and the supply ledger hold.
func TestStoryAHireRunsAJobOnTwoNodesAndPaysThem(t *testing.T) {
	ctx := story(t, 7*time.Minute)
	n := startNetwork(t, ctx, setup{asks: []string{"0.10", "0.20"}})
	asks := []uint64{100_000, 200_000}
	const funded = 10 * usd
	renter, keyfile := n.renter(ctx, funded)
	n.WaitAttested(t, ctx, 3*time.Minute, n.workers[0].Node, n.workers[1].Node)
	hc, err := n.hire.Config(ctx)
	require.NoError(t, err)
	p := hc.Params
	iosd := n.g.Mints.IOSD
	treasury := hire.TreasuryAddress(iosd)
	treasuryBefore := n.tokens(ctx, treasury)

	order := n.hireCPU(ctx, keyfile, 2)
	o, as := n.matched(ctx, order, time.Minute)
	rf := p.IosdFeeBps + p.BookingFeeBps
	require.Equal(t, rf, o.RenterFeeBps)
	maxValue := uint64(500_000 * 2) // $0.50 × 2 GPUs × 1 h, IOSD 1:1
	deposit := maxValue + fee(maxValue, rf)
	require.Equal(t, deposit, o.Deposited)
	var streams, renterFees, supplierFees uint64
	for i, w := range n.workers {
		a := as[w.Node]
		require.NotNil(t, a, "node %d is assigned", i)
		assert.Equal(t, uint16(1), a.Gpus)
		assert.Equal(t, asks[i], a.PriceMicroUsd, "each node at its own ask")
		assert.Equal(t, asks[i], a.Value)
		assert.Equal(t, int64(3600), a.Duration)
		assert.Equal(t, fee(asks[i], rf), a.RenterFee)
		streams += a.Value + a.RenterFee
		renterFees += fee(asks[i], rf)
		supplierFees += feeUp(asks[i], p.BookingFeeBps+p.SupplierFeeBps)
	}
	excess := deposit - streams
	assert.Equal(t, excess, o.Refunded, "the escrow above the streams comes back at the assign")
	assert.Equal(t, funded-deposit+excess, n.balance(ctx, renter.PublicKey(), iosd))
	assert.Equal(t, streams, n.tokens(ctx, hire.EscrowAddress(order)))

	// The renter runs one command on both nodes with the CLI (ionet hire run: one
	// signed job per node, ranks 0 and 1 of 2); a stranger's job sent straight to a
	// worker is refused there.
	out := n.ionet(ctx, "--keypair", keyfile, "hire", "run", "--wait", order.String(), "--",
		"sh", "-c", `echo "rank $IONET_RANK of $IONET_WORLD_SIZE on $IONET_NODE"`)
	assert.Equal(t, 2, strings.Count(out, "exited 0"), out)
	runID := strings.Fields(out)[1]
	require.True(t, strings.HasPrefix(runID, "run-"), out)
	runLogs := n.ionet(ctx, "--keypair", keyfile, "hire", "logs", order.String(), runID)
	jc := jobs.Client{Key: ed25519.PrivateKey(renter)}
	stranger := jobs.Client{Key: ed25519.PrivateKey(solana.NewWallet().PrivateKey)}
	ranks := map[string]bool{}
	for _, w := range n.workers {
		_, err := stranger.Submit(ctx, w.URL(), jobs.Spec{Order: order.String(), Node: w.Node.String(),
			Command: []string{"true"}})
		var se *jobs.StatusError
		require.True(t, errors.As(err, &se), "a stranger's job: %v", err)
		assert.Equal(t, 403, se.Status, "only the order's renter runs jobs on its nodes")
		list, err := jc.List(ctx, w.URL())
		require.NoError(t, err)
		require.Len(t, list, 1, "one job on node %s", w.Node)
		st := list[0]
		assert.Equal(t, order.String(), st.Order)
		require.Equal(t, jobs.StateExited, st.State, st.Reason)
		require.NotNil(t, st.ExitCode)
		assert.Zero(t, *st.ExitCode)
		assert.Equal(t, 2, st.WorldSize)
		logs, err := jc.Logs(ctx, w.URL(), st.ID)
		require.NoError(t, err)
		assert.Contains(t, logs, "of 2 on "+w.Node.String())
		assert.Contains(t, out, "node "+w.Node.String()+"  job "+st.ID+"  exited 0")
		assert.Contains(t, runLogs, strings.TrimSpace(logs), "ionet hire logs shows each rank's output")
		ranks[strings.Fields(logs)[1]] = true
	}
	assert.Equal(t, map[string]bool{"0": true, "1": true}, ranks)

	// In an epoch the nodes are hired all through they are probed, not challenged:
	// each one's leaf carries the TOPS of its previous final leaf, so the claim keeps
	// its attested capacity (and the node hireable), and its hired GPU earns no
	// availability reward.
	hired := n.finalAfter(ctx, n.epoch(ctx), 2*time.Minute)
	for i, w := range n.workers {
		_, l := n.leaf(ctx, n.keepers[0], hired, w.Node)
		require.NotNil(t, l, "node %d has a leaf in epoch %d", i, hired)
		assert.Equal(t, uint16(10_000), l.HiredBps, "node %d", i)
		assert.NotZero(t, l.TOPSMilli, "node %d's TOPS carry over while it is hired", i)
		assert.Zero(t, l.EpochReward, "node %d: no availability reward for its hired GPU", i)
		n.claimedThrough(ctx, w.Node, hired)
		node, err := n.staking.Node(ctx, w.Node)
		require.NoError(t, err)
		assert.Equal(t, l.TOPSMilli, node.Attested.TopsMilli, "node %d's attested TOPS after the claim", i)
	}

	// The hour passes; the keepers settle each stream (claim_earnings) and the last
	// one ends the order.
	_, err = localnet.Warp(ctx, n.staking.RPC, n.g.SlotMs, time.Hour+15*time.Second)
	require.NoError(t, err)
	end := n.ended(ctx, order, iohire.EndReason_Completed, 2*time.Minute)
	for i, w := range n.workers {
		assert.Equal(t, asks[i]-feeUp(asks[i], p.BookingFeeBps+p.SupplierFeeBps), n.balance(ctx, w.Operator.PublicKey(), iosd),
			"operator %d: its stream less the booking and supplier fees (no delegators)", i)
		node, err := n.staking.Node(ctx, w.Node)
		require.NoError(t, err)
		assert.Zero(t, node.HiredGpus, "the settle released node %d's GPU", i)
	}
	assert.Equal(t, asks[0]+asks[1], end.Paid)
	assert.Equal(t, renterFees, end.Fees)
	assert.Equal(t, excess, end.Refunded)
	assert.Equal(t, end.Deposited, end.Paid+end.Fees+end.Refunded)
	assert.Zero(t, n.tokens(ctx, hire.EscrowAddress(order)))
	assert.Equal(t, renterFees+supplierFees, n.tokens(ctx, treasury)-treasuryBefore)
	assert.Equal(t, funded-deposit+excess, n.balance(ctx, renter.PublicKey(), iosd), "the renter paid the streams and their fees")

	t.Logf("escrowed %d, refunded %d at the assign; streams %d + renter fees %d; supplier fees %d",
		deposit, excess, end.Paid, end.Fees, supplierFees)
	n.alive()
	n.rewardsPaidOnce(ctx, n.keepers[0])
	s := n.SupplyLedger(t, ctx, bin(t, "ionet"))
	assert.Zero(t, s.Burned)
}

// A hired node's worker stops: the keepers probe it every second, vote report_failure
// after three misses, and at the quorum its stream stops, the unused escrow and its
// fees go back to the renter, and the node is slashed (one hour of its availability
// reward and of its hire fee in $IO, at most its pool), the slash burned and recorded
// in the supply ledger. The renter's late cancel is refused and moves nothing.
func TestStoryAFailedHireIsSlashedAndRefunded(t *testing.T) {
	ctx := story(t, 6*time.Minute)
	n := startNetwork(t, ctx, setup{asks: []string{"0.10"}})
	w := n.workers[0]
	const funded = 5 * usd
	renter, keyfile := n.renter(ctx, funded)
	n.WaitAttested(t, ctx, 3*time.Minute, w.Node)
	hc, err := n.hire.Config(ctx)
	require.NoError(t, err)
	p := hc.Params
	iosd := n.g.Mints.IOSD
	treasury := hire.TreasuryAddress(iosd)
	treasuryBefore := n.tokens(ctx, treasury)

	order := n.hireCPU(ctx, keyfile, 1)
	o, as := n.matched(ctx, order, time.Minute)
	a := as[w.Node]
	require.NotNil(t, a)
	rf := o.RenterFeeBps
	deposit := 500_000 + fee(500_000, rf)
	excess := deposit - a.Value - a.RenterFee
	require.Equal(t, deposit, o.Deposited)

	before, err := n.staking.Node(ctx, w.Node)
	require.NoError(t, err)
	ledger := n.SupplyLedger(t, ctx, bin(t, "ionet"))
	rc, err := n.rewards.Config(ctx)
	require.NoError(t, err)
	stake := staking.OperatorStake(before)
	vault := n.tokens(ctx, staking.StakeVaultAddress(w.Node))
	require.Equal(t, stake, vault)

	w.Kill()
	end := n.ended(ctx, order, iohire.EndReason_NodeFailed, 90*time.Second)
	failedAt, err := n.staking.Now(ctx)
	require.NoError(t, err)

	// The slash: per card one hour of the node's availability reward (its attested
	// epoch reward) and one hour of its hire fee at the keepers' price, capped by
	// the pool: here the whole operator stake.
	after, err := n.staking.Node(ctx, w.Node)
	require.NoError(t, err)
	feePerHour := a.PriceMicroUsd * 100_000_000 / rc.IoUsdPrice
	requested := before.Attested.EpochReward + feePerHour
	slash := after.SlashedTotal - before.SlashedTotal
	if after.Attested.Epoch != before.Attested.Epoch && slash != min(requested, stake) {
		// A claim attested the next epoch between the read and the failure.
		requested = after.Attested.EpochReward + feePerHour
	}
	assert.Equal(t, min(requested, stake), slash)
	assert.Equal(t, stake-slash, staking.OperatorStake(after))
	assert.Equal(t, vault-slash, n.tokens(ctx, staking.StakeVaultAddress(w.Node)), "the slash left the stake vault")
	assert.NotNil(t, after.FrozenAtEpoch, "a slashed node is frozen")
	assert.Zero(t, after.HiredGpus)
	require.Positive(t, slash)
	s := n.SupplyLedger(t, ctx, bin(t, "ionet"))
	assert.Equal(t, slash, s.Burned-ledger.Burned, "the slash is burned and in the ledger")
	assert.Equal(t, ledger.Supply-slash, s.Supply)

	// The renter: the unused stream and its reserved fee come back; the node keeps
	// what it earned until the failure (settled by the keepers, less its fees).
	earned := end.Paid
	require.LessOrEqual(t, earned, a.Value*uint64(failedAt-a.Start)/uint64(a.Duration))
	assert.Equal(t, fee(earned, rf), end.Fees)
	assert.Equal(t, excess+(a.Value-earned)+(a.RenterFee-fee(earned, rf)), end.Refunded)
	assert.Equal(t, end.Deposited, end.Paid+end.Fees+end.Refunded)
	assert.Zero(t, n.tokens(ctx, hire.EscrowAddress(order)))
	assert.Equal(t, funded-deposit+end.Refunded, n.balance(ctx, renter.PublicKey(), iosd))
	supplier := feeUp(earned, p.BookingFeeBps+p.SupplierFeeBps)
	assert.Equal(t, earned-supplier, n.balance(ctx, w.Operator.PublicKey(), iosd))
	assert.Equal(t, end.Fees+supplier, n.tokens(ctx, treasury)-treasuryBefore)

	t.Logf("slashed and burned %d of a %d stake (asked %d); the node earned %d IOSD units before failing, the renter got %d back of %d",
		slash, stake, requested, earned, end.Refunded, deposit)

	// The order is over: the renter's cancel is refused and moves nothing.
	out, err := exec.CommandContext(ctx, bin(t, "ionet"), "--rpc-url", n.RPCURL, "--keypair", keyfile, "hire", "cancel",
		order.String()).CombinedOutput()
	assert.Error(t, err, "cancel of an ended order: %s", out)
	assert.Equal(t, funded-deposit+end.Refunded, n.balance(ctx, renter.PublicKey(), iosd))
	n.SupplyLedger(t, ctx, bin(t, "ionet"))
}

// With --halving-epochs 2 the emission halves every two 15 s epochs: in two final
// epochs either side of a boundary, where the only node took the whole budget, the
// epoch after emits the halving ratio times the epoch before, in exact base units
// (E0 >> k at the k-th boundary), as the schedule says; the claims paid exactly that
// and the vault holds the cap less what was emitted.
func TestStoryTheEmissionHalvesAtTheBoundary(t *testing.T) {
	ctx := story(t, 6*time.Minute)
	n := startNetwork(t, ctx, setup{localnet: []string{"--halving-epochs", "2"}, asks: []string{"0.10"}})
	w := n.workers[0]
	rc, err := n.rewards.Config(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(2), rc.Params.HalvingEpochs, "--halving-epochs reached io-rewards at genesis")
	require.Equal(t, uint16(5_000), rc.Params.HalvingRatioBps)
	schedule := rewards.Schedule(rc.Params)
	e0 := rc.Params.InitialEpochEmission

	// Walk the final epochs until one before a boundary and the one after it both
	// gave the node (full uptime, measured TOPS) the whole budget.
	full := map[uint64]*iorewards.EpochReport{}
	var boundary uint64
	for e := uint64(1); boundary == 0; e++ {
		require.NoError(t, ctx.Err(), "no two full epochs around a halving boundary")
		n.finalAfter(ctx, e-1, 2*time.Minute)
		onChain, err := n.rewards.EpochReport(ctx, e)
		if err != nil || !onChain.Finalized {
			continue // an epoch without a quorum in its window
		}
		_, l := n.leaf(ctx, n.keepers[0], e, w.Node)
		if l == nil || l.UptimeBps != 10_000 || l.TOPSMilli == 0 || l.EpochReward != onChain.EpochEmission {
			continue
		}
		full[e] = onChain
		if e%2 == 0 && full[e-1] != nil {
			boundary = e
		}
	}
	before, after := full[boundary-1], full[boundary]
	k := boundary / 2
	t.Logf("halving boundary at epoch %d: %d then %d base units", boundary, before.EpochEmission, after.EpochEmission)
	assert.Equal(t, schedule.EpochEmission(boundary-1), before.EpochEmission)
	assert.Equal(t, e0>>(k-1), before.EpochEmission)
	assert.Equal(t, before.EpochEmission*5_000/10_000, after.EpochEmission, "the ratio × the epoch before")
	assert.Equal(t, e0>>k, after.EpochEmission)
	assert.Equal(t, schedule.EpochEmission(boundary), after.EpochEmission)
	assert.Equal(t, before.CumulativeEmission+after.EpochEmission, after.CumulativeEmission)
	assert.LessOrEqual(t, after.CumulativeEmission, schedule.Cumulative(boundary+1))

	n.claimedThrough(ctx, w.Node, boundary)
	paid := n.rewardsPaidOnce(ctx, n.keepers[0])
	assert.GreaterOrEqual(t, paid[0], before.EpochEmission+after.EpochEmission)
	n.SupplyLedger(t, ctx, bin(t, "ionet"))
}

// One of three keepers votes a wrong root (ionet-keeper's hidden --lie): the two
// honest keepers' root is final, the liar's vote stays on chain as a candidate of
// one, and no money moves by it: the claims pay the honest leaves and nothing else,
// a leaf inflated beyond the final root is refused (InvalidProof) and moves nothing,
// and the liar's bond stays as it was (keepers are not slashed). The second honest
// keeper starts once the first epoch's votes are open, so the liar's vote is on
// chain before the quorum (all started at once, the liar, which fetches the final
// report it disagreed with before each vote, loses the race epoch after epoch).
func TestStoryALyingKeeperIsOutvoted(t *testing.T) {
	ctx := story(t, 6*time.Minute)
	n := startNetwork(t, ctx, setup{keepers: [][]string{{"--lie"}, nil, nil}, asks: []string{"0.10"}, hold: 1})
	liar, honest, late := n.keepers[0], n.keepers[1], n.keepers[2]
	w := n.workers[0]
	e := n.ServedEpoch(t, ctx, liar.Key, honest.Key, late.Key)
	rc, err := n.rewards.Config(ctx)
	require.NoError(t, err)
	epochs := rewards.EpochsOf(rc.Params)
	require.True(t, localnode.Until(func() bool {
		now, err := n.staking.Now(ctx)
		require.NoError(t, err)
		return now >= epochs.End(e)+rc.Params.CommitWindowSeconds+1
	}, 2*time.Minute, 100*time.Millisecond), "epoch %d's votes never opened", e)
	late.Start()
	n.finalAfter(ctx, e-1, time.Minute)
	r, err := n.rewards.EpochReport(ctx, e)
	require.NoError(t, err)
	require.True(t, r.Finalized, "epoch %d is final", e)
	require.Equal(t, uint32(3), r.KeeperCount)
	require.Len(t, r.Candidates, 2, "the honest root and the liar's")
	assert.Len(t, r.Voters, 3, "every keeper's vote is on chain")
	assert.Contains(t, r.Voters, liar.Key.PublicKey())
	for _, c := range r.Candidates {
		if c.Root == r.Root {
			assert.Len(t, c.Prices, 2, "the two honest keepers' root reached the quorum")
		} else {
			assert.Len(t, c.Prices, 1, "the liar's root has its own vote only")
		}
	}
	rep, l := n.leaf(ctx, honest, e, w.Node)
	require.NotNil(t, l, "the final report covers the node")
	require.Equal(t, [32]byte(rep.Root), r.Root, "the final root is the honest keepers'")
	assert.Contains(t, r.Voters, late.Key.PublicKey())
	assert.Positive(t, liar.Metric("ionet_keeper_report_disagreements_total"))

	// A claim of the node's leaf inflated by 1,000 $IO, with the honest proof.
	proofs, err := rewards.Proofs(rep, n.g.Mints.IO)
	require.NoError(t, err)
	i := slices.IndexFunc(rep.Leaves, func(x report.Leaf) bool { return x.Node == w.Node })
	forged := *l
	forged.EpochReward += 1_000 * io
	forged.CumulativeReward += 1_000 * io
	payer, _ := n.Fund(t, ctx, 1_000_000_000, 0)
	ixs, err := rewards.Claim(payer.PublicKey(), w.Operator.PublicKey(), n.g.Mints.IO, forged, proofs[i])
	require.NoError(t, err)
	n.claimedThrough(ctx, w.Node, e)
	paidBefore := n.rewardsPaidOnce(ctx, honest)
	_, err = n.staking.Send(ctx, []solana.PrivateKey{payer}, ixs...)
	assert.ErrorContains(t, err, "InvalidProof")

	paid := n.rewardsPaidOnce(ctx, honest)
	assert.GreaterOrEqual(t, paid[0], paidBefore[0])
	assert.GreaterOrEqual(t, paid[0], l.CumulativeReward, "the honest leaf was claimed")
	rc, err = n.rewards.Config(ctx)
	require.NoError(t, err)
	k, err := n.rewards.Keeper(ctx, liar.Key.PublicKey())
	require.NoError(t, err)
	assert.Equal(t, rc.Params.KeeperBond, k.Bond, "the liar's bond")
	assert.Equal(t, 3*rc.Params.KeeperBond, n.tokens(ctx, rewards.KeeperBondsAddress()))
	n.SupplyLedger(t, ctx, bin(t, "ionet"))
}

// coversNode: keeper k's report of final epoch e has a leaf for node.
func (n *network) coversNode(ctx context.Context, k *localnode.Keeper, e uint64, node solana.PublicKey) bool {
	n.t.Helper()
	_, l := n.leaf(ctx, k, e, node)
	return l != nil && l.EpochReward > 0
}

// A keeper killed with SIGKILL mid-epoch and started again on its data directory
// resumes: the epochs after it are final with its commit and vote, none of its
// transactions is refused as a repeat, and the node's rewards are paid once: what
// io-rewards recorded as claimed is what reached the operator and the latest leaf's
// cumulative.
func TestStoryAKeeperRestartsAndNothingIsPaidTwice(t *testing.T) {
	ctx := story(t, 6*time.Minute)
	n := startNetwork(t, ctx, setup{asks: []string{"0.10"}})
	w := n.workers[0]
	n.WaitAttested(t, ctx, 3*time.Minute, w.Node)
	paidBefore := n.rewardsPaidOnce(ctx, n.keepers[1])

	n.midEpoch(ctx)
	victim := n.keepers[0]
	victim.Kill()
	victim.Start()
	restarted := n.epoch(ctx)
	var last uint64
	for last <= restarted+1 {
		last = n.finalAfter(ctx, last, 2*time.Minute)
	}
	r, err := n.rewards.EpochReport(ctx, last)
	require.NoError(t, err)
	var committers []solana.PublicKey
	for _, c := range r.Commits {
		committers = append(committers, c.Keeper)
	}
	assert.Contains(t, committers, victim.Key.PublicKey(), "the restarted keeper commits again")
	log := victim.Output()
	// and takes part in agreeing on the epochs after it: its vote lands, or, with a
	// quorum of 2 of 3, the other two finalize first (its vote is late, or it finds
	// the epoch final before voting and adopts the report: under load it commits a
	// little after the others every epoch).
	voted := false
	for e := restarted + 1; e <= last; e++ {
		voted = voted || regexp.MustCompile(fmt.Sprintf(`key=vote/%d\b|"adopted a final report from another keeper" epoch=%d\b`, e, e)).MatchString(log)
	}
	assert.True(t, voted, "the restarted keeper votes or adopts the final report in an epoch of %d–%d", restarted+1, last)
	assert.Zero(t, victim.Metric(`ionet_keeper_votes_total{result="failed"}`))
	assert.Zero(t, victim.Metric(`ionet_keeper_commits_total{result="failed"}`))
	assert.NotContains(t, log, "AlreadyVoted")
	assert.NotContains(t, log, "AlreadyCommitted")

	require.True(t, n.coversNode(ctx, victim, last, w.Node), "the restarted keeper serves the final report with the node")
	n.claimedThrough(ctx, w.Node, last)
	paid := n.rewardsPaidOnce(ctx, victim)
	assert.Greater(t, paid[0], paidBefore[0], "the node kept earning")
	n.SupplyLedger(t, ctx, bin(t, "ionet"))
}

// A worker killed with SIGKILL mid-challenge, with a commitment sent and still in
// its journal, and started again on its data directory restores the commitment and
// answers its opening: the challenging keeper's signed request (the test signs it with
// that keeper's key: ionet-keeper asks an unreachable worker again only until its
// window ends, sooner than a killed worker is restarted here) gets
// rows that prove against the root sent before the crash; another keeper's request is
// refused and a replay finds nothing. The worker answers the next challenges and
// probes, keeps earning, and is paid once: its own claim after the keepers' claims
// pays nothing twice.
func TestStoryAWorkerRestartsFromItsJournal(t *testing.T) {
	ctx := story(t, 6*time.Minute)
	n := startNetwork(t, ctx, setup{asks: []string{"0.10"}})
	w := n.workers[0]
	n.WaitAttested(t, ctx, 3*time.Minute, w.Node)
	paidBefore := n.rewardsPaidOnce(ctx, n.keepers[0])

	// The journal holds a commitment from just before it is sent until its opening
	// is served (milliseconds): watch for one and kill the worker then.
	journal := filepath.Join(w.Data, "commitments")
	pending := func() []string {
		names, err := filepath.Glob(filepath.Join(journal, "*.commitment"))
		require.NoError(t, err)
		return names
	}
	var entries []string
	for try := 0; len(entries) == 0; try++ {
		require.Less(t, try, 5, "the worker never died with a commitment in its journal")
		if try > 0 {
			w.Start() // the opening was served between the look and the kill
		}
		require.True(t, localnode.Until(func() bool {
			if len(pending()) == 0 {
				return false
			}
			w.Kill()
			return true
		}, time.Minute, time.Millisecond), "no challenge reached the worker")
		entries = pending()
	}
	killedIn := n.epoch(ctx)

	// The journal's entry: the challenging keeper, and the commitment it was sent.
	jr, err := agent.OpenJournal(journal)
	require.NoError(t, err)
	pendings, err := jr.Entries(api.DefaultPendingTTL, time.Now())
	require.NoError(t, err)
	require.NotEmpty(t, pendings)
	entry := pendings[0]
	workerKey, err := solana.PrivateKeyFromSolanaKeygenFile(filepath.Join(w.Data, "worker-key.json"))
	require.NoError(t, err)
	workerPub := ed25519.PublicKey(workerKey.PublicKey().Bytes())
	commitment, err := pow.OpenCommitment(entry.Commitment, workerPub)
	require.NoError(t, err)
	var challenger, other *localnode.Keeper
	for _, k := range n.keepers {
		if bytes.Equal(k.Key.PublicKey().Bytes(), entry.Keeper) {
			challenger = k
		} else {
			other = k
		}
	}
	require.NotNil(t, challenger, "a keeper's challenge")
	w.Start()
	require.True(t, localnode.Until(func() bool {
		w.Alive()
		return w.Metric(`ionet_worker_keepers`) == 3
	}, 30*time.Second, 50*time.Millisecond), "the restarted worker serves")

	// The keeper's opening request for the journaled commitment (the rows are the
	// keeper's choice): another keeper's is refused and leaves it pending, the
	// challenger's is answered with rows that prove against the root sent before the
	// crash, and a replay finds nothing pending.
	rows := []uint64{0, commitment.M / 2, commitment.M - 1}
	rows = slices.Compact(rows)
	open := func(k *localnode.Keeper) (int, []byte) {
		req := pow.SealOpeningRequest(ed25519.PrivateKey(k.Key), pow.OpeningRequest{Seed: entry.Seed, Rows: rows})
		resp, err := http.Post(w.URL()+api.PathOpen, api.ContentType, bytes.NewReader(req))
		require.NoError(t, err)
		defer resp.Body.Close()
		var body bytes.Buffer
		_, err = body.ReadFrom(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, body.Bytes()
	}
	status, _ := open(other)
	assert.Equal(t, http.StatusForbidden, status, "another keeper's opening request")
	status, body := open(challenger)
	require.Equal(t, http.StatusOK, status, "the challenger's opening request: %s", body)
	openings, err := pow.OpenOpenings(body, workerPub)
	require.NoError(t, err)
	assert.Equal(t, entry.Seed, openings.Seed)
	require.Len(t, openings.Openings, len(rows))
	for i, op := range openings.Openings {
		assert.Equal(t, rows[i], op.Row)
		require.NotEmpty(t, op.Links)
		assert.True(t, merkle.Verify(commitment.Root, pow.RowHash(int(op.Row), op.Links[len(op.Links)-1]), op.Proof),
			"row %d proves against the root committed before the crash", op.Row)
	}
	status, _ = open(challenger)
	assert.Equal(t, http.StatusNotFound, status, "a replayed opening request")

	// And it goes on: the next challenges and probes are answered.
	const answered = `ionet_worker_challenges_total{result="answered"}`
	require.True(t, localnode.Until(func() bool {
		w.Alive()
		return w.Metric(answered) >= 1 && w.Metric(`ionet_worker_probes_total{result="answered"}`) >= 1
	}, time.Minute, 100*time.Millisecond), "the restarted worker answers no challenge")
	assert.NotContains(t, w.Output(), "commitment not restored")

	// It keeps earning: a final epoch after the restart's gives it a reward.
	var e uint64
	require.True(t, localnode.Until(func() bool {
		e = n.finalAfter(ctx, max(e, killedIn), 2*time.Minute)
		return n.coversNode(ctx, n.keepers[0], e, w.Node)
	}, 3*time.Minute, time.Second), "no reward after the restart")
	n.claimedThrough(ctx, w.Node, e)
	paid := n.rewardsPaidOnce(ctx, n.keepers[0])
	assert.Greater(t, paid[0], paidBefore[0])

	// The operator's own claim after the keepers': nothing is paid twice.
	out, err := exec.CommandContext(ctx, bin(t, "ionet-worker"), "--data-dir", w.Data, "--keypair", w.Keypair,
		"--rpc-url", n.RPCURL, "--localnet-classes", "claim").CombinedOutput()
	require.NoError(t, err, "ionet-worker claim: %s", out)
	t.Logf("ionet-worker claim: %s", strings.TrimSpace(string(out)))
	n.rewardsPaidOnce(ctx, n.keepers[0])
	n.SupplyLedger(t, ctx, bin(t, "ionet"))
}
