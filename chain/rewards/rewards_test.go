package rewards

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/report"
)

const io = 100_000_000

func TestEpochs(t *testing.T) {
	e := Epochs{GenesisTs: 1_000, EpochSeconds: 4}
	for now, want := range map[int64]uint64{0: 0, 999: 0, 1_000: 0, 1_003: 0, 1_004: 1, 1_041: 10} {
		assert.Equal(t, want, e.At(now), "now %d", now)
	}
	assert.Equal(t, int64(1_004), e.End(0))
	assert.Equal(t, int64(1_044), e.End(10))
	assert.Equal(t, e.End(e.At(1_041)), int64(1_044), "the current epoch ends after now")
}

func TestNodeInputTakesStakeHiredShareAndClaims(t *testing.T) {
	n := &iostaking.Node{Spec: iostaking.NodeSpec{GpuClass: 1, GpuCount: 8}, HiredGpus: 2,
		Pool: iostaking.Pool{Tokens: 1_600 * io, OperatorShares: staking.U128(1_000 * io), DelegatedShares: staking.U128(600 * io)}}
	k := solana.NewWallet().PublicKey()
	in := NodeInput(k, n, Measured{TOPSMilli: 100_000, UptimeBps: 9_990}, 7)
	assert.Equal(t, report.NodeInput{Node: k, Class: 1, TOPSMilli: 100_000, UptimeBps: 9_990, HiredBps: 2_500,
		Stake: 1_600 * io, PrevCumulativeReward: 7}, in)
	n.Spec.GpuCount = 0
	assert.Zero(t, NodeInput(k, n, Measured{}, 0).HiredBps, "no GPUs, no hired share")
}

func TestProofsVerifyAgainstTheRoot(t *testing.T) {
	mint := solana.NewWallet().PublicKey()
	rc := &iorewards.RewardsConfig{IoMint: mint, Params: iorewards.RewardsParams{
		InitialEpochEmission: 856_164_383_561, HalvingEpochs: 17_520, HalvingRatioBps: 5_000,
		EmissionCap: 300_000_000 * io, UptimeThresholdBps: 10_000,
	}}
	var nodes []report.NodeInput
	for i := range 5 {
		nodes = append(nodes, report.NodeInput{Node: solana.NewWallet().PublicKey(), Class: 1,
			TOPSMilli: uint64(100_000 * (i + 1)), UptimeBps: 10_000, Stake: uint64(i) * 100 * io})
	}
	r, err := BuildReport(3, rc, iostaking.StakingParams{IoPerTops: 10 * io}, nodes)
	require.NoError(t, err)
	require.Len(t, r.Leaves, 5)
	assert.Equal(t, Schedule(rc.Params).EpochEmission(3), r.Budget)
	proofs, err := Proofs(r, mint)
	require.NoError(t, err)
	for i, l := range r.Leaves {
		proof := make([]merkle.Hash, len(proofs[i]))
		for j := range proofs[i] {
			proof[j] = proofs[i][j]
		}
		assert.True(t, merkle.Verify(r.Root, merkle.LeafHash(l.Encode(iorewards.ProgramID, mint)), proof), "leaf %d", i)
		assert.False(t, merkle.Verify(r.Root, merkle.LeafHash(l.Encode(iorewards.ProgramID, solana.NewWallet().PublicKey())), proof),
			"a leaf of another mint does not verify")
	}
	_, err = Proofs(r, solana.NewWallet().PublicKey())
	assert.Error(t, err, "the tree of another deployment has another root")
	none, err := Proofs(report.EpochReport{}, mint)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestBuildersFillTheAccounts(t *testing.T) {
	keeper, operator, mint := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	ix, err := RegisterKeeper(keeper, mint, "http://127.0.0.1:7071")
	require.NoError(t, err)
	assert.Equal(t, []solana.PublicKey{keeper, ConfigAddress(), KeeperAddress(keeper), staking.ATA(keeper, mint),
		KeeperBondsAddress(), solana.TokenProgramID, solana.SystemProgramID}, keys(ix))
	ix, err = Commit(keeper, 9, []byte("log"))
	require.NoError(t, err)
	assert.Equal(t, EpochAddress(9), keys(ix)[3])
	assert.NotEqual(t, EpochAddress(9), EpochAddress(10))

	node := solana.NewWallet().PublicKey()
	ixs, err := Claim(keeper, operator, mint, report.Leaf{Node: node, Epoch: 9}, nil)
	require.NoError(t, err)
	require.Len(t, ixs, 2)
	data, err := ixs[0].Data()
	require.NoError(t, err)
	assert.Equal(t, []byte{1}, data, "the operator's $IO account is created first when missing")
	k := keys(ixs[1])
	assert.Equal(t, []solana.PublicKey{keeper, ConfigAddress(), EpochAddress(9), NodeClaimsAddress(node), node,
		staking.ConfigAddress(), VaultAddress(), VaultAuthority(), staking.ATA(operator, mint),
		staking.DelegatorRewardsVault(mint), mint, AttestorAddress()}, k[:12])
}

func keys(ix solana.Instruction) []solana.PublicKey {
	var out []solana.PublicKey
	for _, m := range ix.Accounts() {
		out = append(out, m.PublicKey)
	}
	return out
}
