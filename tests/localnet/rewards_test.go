package localnet_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/oracle/report"
)

// requireRewardsError checks that err is io-rewards' error code.
func requireRewardsError(t *testing.T, err error, code uint32) {
	t.Helper()
	require.Error(t, err)
	got, ok := iorewards.DecodeError(err)
	require.True(t, ok, "not an io-rewards error: %v", err)
	require.Equal(t, code, got.Code, "%v", got)
}

// Three keepers commit and vote an epoch report built in Go; two matching votes make
// it final, and a claim with a Go-built proof pays the node, splits the delegators'
// cut into io-staking and refreshes the node's attested capacity.
func TestRewardsEpochFinalizesWithTwoOfThreeVotesAndAClaimPaysTheNode(t *testing.T) {
	m := newMarket(t, 3)
	registeredIn := m.currentEpoch()
	epoch := m.servingEpoch()
	require.Equal(t, registeredIn+1, epoch, "keepers serve from the epoch after they register")

	// A staked node with a delegator. Delegation needs attested capacity: the
	// development-only ionet_attestCapacity gives it one before any report.
	n := m.registerNode(8, 2_000_000, 2_000*ioUnit, 1_000*ioUnit)
	var attested struct {
		Slot uint64 `json:"slot"`
	}
	require.NoError(t, m.client.RPCCallForInto(m.ctx, &attested, "ionet_attestCapacity", []any{n.node.String(),
		map[string]any{"epoch": 0, "class": 1, "topsMilli": 1_000_000, "uptimeBps": 10_000, "epochReward": 0}}))
	m.delegate(n.node, 500*ioUnit)

	// The report every honest keeper builds: our node, a smaller one, and one whose
	// uptime missed the threshold (its share stays in the vault).
	other, missed := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	offline := nodeInput(missed, 0)
	offline.UptimeBps = 9_999
	r := m.buildReport(epoch, []report.NodeInput{
		nodeInput(n.node, 1_500*ioUnit),
		{Node: other, Class: 1, TOPSMilli: 989_500, UptimeBps: 10_000},
		offline,
	})
	rc := m.rewardsConfig()
	require.Equal(t, schedule(rc.Params).EpochEmission(epoch), r.Budget)
	require.Positive(t, r.Forfeited)
	require.LessOrEqual(t, r.EpochEmission+r.Forfeited, r.Budget)
	leaf, proof := m.proofOf(r, n.node)
	require.Positive(t, leaf.EpochReward)

	// Nothing is taken before the epoch ends.
	requireRewardsError(t, m.commit(m.keepers[0], epoch, []byte("early")), iorewards.ErrCodeEpochNotEnded)
	m.warpTo(m.epochEnd(epoch) + 1)
	for i, k := range m.keepers {
		require.NoError(t, m.commit(k, epoch, []byte{'l', 'o', 'g', byte(i)}))
	}

	// One keeper votes another root: two candidates, one vote each, not final.
	good := voteFor(r, 2_000_000)
	bad := voteFor(r, 9_000_000)
	bad.Root[0] ^= 1
	require.NoError(t, m.vote(m.keepers[0], epoch, good))
	require.NoError(t, m.vote(m.keepers[2], epoch, bad))
	er := m.epochReport(epoch)
	require.False(t, er.Finalized)
	require.Len(t, er.Candidates, 2)
	// A second vote by the same keeper is refused (another price, so that it is not
	// the same transaction).
	requireRewardsError(t, m.vote(m.keepers[0], epoch, voteFor(r, 2_000_001)), iorewards.ErrCodeAlreadyVoted)
	// The second matching vote makes the quorum of 2 of 3.
	require.NoError(t, m.vote(m.keepers[1], epoch, voteFor(r, 2_200_000)))

	er = m.epochReport(epoch)
	require.True(t, er.Finalized)
	require.Equal(t, uint32(3), er.KeeperCount)
	require.Equal(t, uint32(2), er.Quorum)
	require.Len(t, er.Commits, 3)
	require.Len(t, er.Voters, 3)
	require.Equal(t, [32]uint8(r.Root), er.Root)
	require.Equal(t, r.EpochEmission, er.EpochEmission)
	require.Equal(t, r.CumulativeEmission, er.CumulativeEmission)
	// The price is the lower median of the quorum's prices (2.0 and 2.2).
	require.Equal(t, uint64(2_000_000), er.IoUsdPrice)
	rc = m.rewardsConfig()
	require.NotNil(t, rc.FinalEpoch)
	require.Equal(t, epoch, *rc.FinalEpoch)
	require.Equal(t, r.CumulativeEmission, rc.ReportedCumulative)
	require.Equal(t, uint64(2_000_000), rc.IoUsdPrice)
	requireRewardsError(t, m.vote(m.keepers[2], epoch, good), iorewards.ErrCodeEpochAlreadyFinal)

	// A forged amount does not verify against the root.
	vault := rewardsPDA(iorewards.REWARDS_VAULT_SEED)
	pot := delegatorRewardsAddr(m.ioMint)
	vaultBefore, opBefore, potBefore := m.balance(vault), m.balance(n.operatorIO), m.balance(pot)
	forged := leaf
	forged.CumulativeReward++
	crank := m.keepers[0]
	requireRewardsError(t, m.send([]solana.PrivateKey{crank}, m.claimIx(crank.PublicKey(), forged, proof, n.operatorIO)),
		iorewards.ErrCodeInvalidProof)

	// Anyone may crank the claim: the operator gets the reward less the delegators' 5%.
	m.mustSend(crank, m.claimIx(crank.PublicKey(), leaf, proof, n.operatorIO))
	cut := leaf.EpochReward * uint64(m.stakingConfig().Params.DelegatorAvailabilityCutBps) / 10_000
	require.Equal(t, uint16(500), m.stakingConfig().Params.DelegatorAvailabilityCutBps)
	require.Equal(t, opBefore+leaf.EpochReward-cut, m.balance(n.operatorIO))
	require.Equal(t, potBefore+cut, m.balance(pot))
	require.Equal(t, vaultBefore-leaf.EpochReward, m.balance(vault))
	require.Equal(t, leaf.EpochReward, m.rewardsConfig().Emitted)

	claims, err := iorewards.ParseAccount_NodeClaims(m.data(nodeClaimsAddr(n.node)))
	require.NoError(t, err)
	require.Equal(t, n.node, claims.Node)
	require.NotNil(t, claims.State.LastEpoch)
	require.Equal(t, epoch, *claims.State.LastEpoch)
	require.Equal(t, leaf.CumulativeReward, claims.State.Claimed)

	// io-staking now holds the leaf's capacity, replacing the development attestation.
	got := m.stakingNode(n.node).Attested
	require.Equal(t, epoch, got.Epoch)
	require.Equal(t, leaf.Class, got.Class)
	require.Equal(t, leaf.TOPSMilli, got.TopsMilli)
	require.Equal(t, leaf.UptimeBps, got.UptimeBps)
	require.Equal(t, leaf.EpochReward, got.EpochReward)

	// What a keeper reads with the filters of docs/rewards.md.
	require.Len(t, m.programAccounts(iorewards.ProgramID, memcmpAt(0, iorewards.Account_Keeper[:])), 3)
	require.Equal(t, []solana.PublicKey{epochReportAddr(epoch)}, m.programAccounts(iorewards.ProgramID,
		memcmpAt(0, iorewards.Account_EpochReport[:]), memcmpAt(8, le64(epoch))))
	require.Equal(t, []solana.PublicKey{nodeClaimsAddr(n.node)}, m.programAccounts(iorewards.ProgramID,
		memcmpAt(0, iorewards.Account_NodeClaims[:]), memcmpAt(8, n.node[:])))

	// The same claim again, cranked by another keeper, pays nothing and succeeds.
	again := m.keepers[1]
	m.mustSend(again, m.claimIx(again.PublicKey(), leaf, proof, n.operatorIO))
	require.Equal(t, opBefore+leaf.EpochReward-cut, m.balance(n.operatorIO))
	require.Equal(t, leaf.EpochReward, m.rewardsConfig().Emitted)
}
