package staking

import (
	"math/big"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

const io = 100_000_000

func TestPoolPrices(t *testing.T) {
	empty := iostaking.Pool{}
	s, ok := SharesFor(empty, 5*io)
	require.True(t, ok)
	assert.Equal(t, int64(5*io), s.Int64(), "1:1 in an empty pool")
	assert.Zero(t, ValueOf(empty, U128(0)))

	// 1,000 shares backed by 900 tokens after a slash: a share is worth 0.9.
	p := iostaking.Pool{Tokens: 900 * io, OperatorShares: U128(600 * io), DelegatedShares: U128(300 * io), CoolingShares: U128(100 * io)}
	assert.Equal(t, uint64(90*io), ValueOf(p, U128(100*io)))
	s, ok = SharesFor(p, 90*io)
	require.True(t, ok)
	assert.Equal(t, int64(100*io), s.Int64())
	s, _ = SharesFor(p, 1) // ⌊1 × 1000 / 900⌋
	assert.Equal(t, int64(1), s.Int64())

	_, ok = SharesFor(iostaking.Pool{OperatorShares: U128(1)}, 1)
	assert.False(t, ok, "a wiped pool has no price")
}

func TestCapsAndEligibility(t *testing.T) {
	params := iostaking.StakingParams{MinOperatorStake: 100 * io, MinStakePerGpu: 10 * io, IoPerTops: 10 * io, MaxDelegationRatioBps: 100_000}
	n := &iostaking.Node{Spec: iostaking.NodeSpec{GpuCount: 2}, Pool: iostaking.Pool{Tokens: 1_000 * io, OperatorShares: U128(1_000 * io)}}
	n.Attested.TopsMilli = 100_000 // 100 TOPS
	c := NodeCaps(n, params)
	assert.Equal(t, Caps{ByCapacity: 1_000 * io, ByOperatorStake: 10_000 * io}, c)
	assert.Equal(t, uint64(400*io), c.Room(600*io))
	assert.Zero(t, c.Room(2_000*io))
	assert.Equal(t, uint64(120*io), RequiredOperatorStake(n, params))
	assert.True(t, IsStaked(n, params))
	n.Pool = iostaking.Pool{Tokens: 119 * io, OperatorShares: U128(119 * io)}
	assert.False(t, IsStaked(n, params))
	n.Attested.TopsMilli = 0
	assert.Zero(t, NodeCaps(n, params).ByCapacity, "no delegation before the first attestation")
}

func TestPendingReward(t *testing.T) {
	n := &iostaking.Node{}
	d := &iostaking.Delegation{Shares: U128(3 * io)}
	// 1 base unit per share since the snapshot, scaled by 10^12, plus 5 pending.
	n.Rewards[RewardIO].PerShare = U128(3_000_000_000_000)
	d.Rewards[RewardIO] = iostaking.RewardCursor{Snapshot: U128(2_000_000_000_000), Pending: 5}
	assert.Equal(t, uint64(3*io+5), PendingReward(n, d, RewardIO))
	assert.Zero(t, PendingReward(n, d, RewardIOSD))
}

func TestU128FromBig(t *testing.T) {
	v := new(big.Int).Lsh(big.NewInt(3), 64)
	v.Add(v, big.NewInt(7))
	u, ok := U128FromBig(v)
	require.True(t, ok)
	assert.Equal(t, v, u.BigInt())
	_, ok = U128FromBig(new(big.Int).Lsh(big.NewInt(1), 128))
	assert.False(t, ok)
	_, ok = U128FromBig(big.NewInt(-1))
	assert.False(t, ok)
}

func TestBuildersDeriveTheFixtureAccounts(t *testing.T) {
	// The addresses harness/tests/fixtures.rs used (testdata/fixtures/io_staking.json).
	worker := solana.MustPublicKeyFromBase58("oapfTk8FG2np1vSoGANkbijWiQApHZMFAytSdCoass9")
	owner := solana.MustPublicKeyFromBase58("FezWPm3UEFa4nbF76D45V3gg9eZzhSxfw3tUES1Gr3o1")
	node := NodeAddress(worker)
	assert.Equal(t, "4wdgk3LxxfHitCaEzvMS9g3bDMbDCW1FmhcHGr6M2vdb", node.String())
	assert.Equal(t, "3qaudFiGJbxHU56NEimDZx39XhArgnDPaaLLAJ5GPN4v", ConfigAddress().String())
	assert.Equal(t, "9KBmdqGDNT7XXtfqa6zVmKuXhrFuphv6raH5e1aPyrYU", WorkerBindingAddress(worker).String())
	assert.Equal(t, "DuAU31jkn4qWkmmei5wivEfyv7j4JiWSqFT5dfU51hip", StakeVaultAddress(node).String())
	assert.Equal(t, "G6M7K4RECziif1x76fxAAGHC1BDe7MgAM3cmCADzWMB6", DelegationAddress(node, owner).String())
	assert.Equal(t, "AG7TX6X4jWb3Upp8sxATEJzZGRzkmLtfbkekzAskJRE7", TicketAddress(node, owner, 7).String())

	mint := solana.MustPublicKeyFromBase58("7EWrbxU7YpHthanStG9yF6KyHS77LBPH6f52ANJmL9rs")
	ix, err := Delegate(owner, node, mint, 600*io)
	require.NoError(t, err)
	// The fixture's delegate, except that the source here is the owner's ATA.
	want := []string{owner.String(), ConfigAddress().String(), node.String(), "G6M7K4RECziif1x76fxAAGHC1BDe7MgAM3cmCADzWMB6",
		"DuAU31jkn4qWkmmei5wivEfyv7j4JiWSqFT5dfU51hip", ATA(owner, mint).String(), solana.TokenProgramID.String(), solana.SystemProgramID.String()}
	var got []string
	for _, m := range ix.Accounts() {
		got = append(got, m.PublicKey.String())
	}
	assert.Equal(t, want, got)
}

func TestArgumentlessInstructionsCarryTheirDiscriminator(t *testing.T) {
	k := solana.NewWallet().PublicKey()
	w, err := Withdraw(k, k, k, k)
	require.NoError(t, err)
	data, err := w[1].Data()
	require.NoError(t, err)
	assert.Equal(t, iostaking.Instruction_Withdraw[:], data)
	c, err := Claim(k, k, k, k)
	require.NoError(t, err)
	data, err = c[1].Data()
	require.NoError(t, err)
	assert.Equal(t, iostaking.Instruction_ClaimDelegatorRewards[:], data)
	create, err := c[0].Data()
	require.NoError(t, err)
	assert.Equal(t, []byte{1}, create, "CreateIdempotent")
}
