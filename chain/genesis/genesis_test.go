package genesis_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/genesis"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/tests/localnode"
)

func TestDefaultParamsAreTheDesigns(t *testing.T) {
	p := genesis.DefaultParams()
	r := p.Rewards
	assert.EqualValues(t, 3600, r.EpochSeconds)
	assert.EqualValues(t, 17_520, r.HalvingEpochs)
	assert.EqualValues(t, 5_000, r.HalvingRatioBps)
	assert.EqualValues(t, 300_000_000*100_000_000, r.EmissionCap)
	// Σ E0·(1/2)^k·P = 2·E0·P must fit the cap.
	assert.LessOrEqual(t, 2*r.InitialEpochEmission*r.HalvingEpochs, r.EmissionCap)
	assert.Zero(t, r.GenesisTs, "genesis_ts is taken from the chain at genesis")
	assert.EqualValues(t, 100*100_000_000, p.Staking.MinOperatorStake)
}

func TestUpgradeAuthority(t *testing.T) {
	auth := solana.NewWallet().PublicKey()
	data := make([]byte, 45)
	binary.LittleEndian.PutUint32(data, 3)
	data[12] = 1
	copy(data[13:], auth[:])
	got, ok, err := genesis.UpgradeAuthority(data)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, auth, got)

	data[12] = 0
	_, ok, err = genesis.UpgradeAuthority(data[:13])
	require.NoError(t, err)
	assert.False(t, ok, "an immutable program has no upgrade authority")

	binary.LittleEndian.PutUint32(data, 2) // UpgradeableLoaderState::Program
	_, _, err = genesis.UpgradeAuthority(data)
	assert.ErrorContains(t, err, "not a ProgramData account")
	_, _, err = genesis.UpgradeAuthority([]byte{3, 0, 0, 0})
	assert.ErrorContains(t, err, "not a ProgramData account")
}

// TestRunOnBareLocalnet deploys ionet over JSON-RPC on a localnet that has the programs
// (with the deployer as their upgrade authority) and nothing else, as `anchor deploy`
// leaves a devnet: a stranger is refused, a run stopped half-way resumes, a second run
// changes nothing, and the supply is where docs/design.md §3 puts it.
func TestRunOnBareLocalnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	deployer := solana.NewWallet().PrivateKey
	node := localnode.Start(t, "--no-genesis", deployer.PublicKey().String())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := rpc.New(node.RPCURL)
	sc := &staking.Client{RPC: client}
	stranger := solana.NewWallet().PrivateKey
	for _, k := range []solana.PrivateKey{deployer, stranger} {
		airdrop(t, ctx, client, k.PublicKey())
	}
	ioMint, iosdMint := solana.NewWallet().PrivateKey, solana.NewWallet().PrivateKey
	opts := genesis.Options{Deployer: deployer, IOMint: ioMint, IOSDMint: iosdMint, Params: genesis.DefaultParams()}

	// Not the upgrade authority: refused before anything is sent.
	bad := opts
	bad.Deployer = stranger
	_, err := genesis.Run(ctx, client, bad)
	require.ErrorIs(t, err, genesis.ErrNotUpgradeAuthority)
	assertMissing(t, ctx, client, ioMint.PublicKey(), rewards.ConfigAddress())

	// Stopped after the mints (as a lost connection would stop it)…
	stopCtx, stop := context.WithCancel(ctx)
	stopping := opts
	stopping.Progress = func(step string) {
		if step == "IOSD mint: done" {
			stop()
		}
	}
	_, err = genesis.Run(stopCtx, client, stopping)
	require.ErrorIs(t, err, context.Canceled)
	assertMissing(t, ctx, client, rewards.ConfigAddress(), staking.ConfigAddress(), hire.ConfigAddress())

	// …resumes: the mints are found, the programs initialized.
	r, err := genesis.Run(ctx, client, opts)
	require.NoError(t, err)
	require.Len(t, r.Steps, 5)
	assert.True(t, r.Steps[0].Done && r.Steps[1].Done, "the mints were made by the stopped run")
	for _, s := range r.Steps[2:] {
		assert.False(t, s.Done, s.Name)
		assert.False(t, s.Signature.IsZero(), s.Name)
	}

	// The supply: 800M minted once, the mint authority gone, 300M in io-rewards' vault.
	var mint token.Mint
	require.NoError(t, client.GetAccountDataInto(ctx, ioMint.PublicKey(), &mint))
	assert.EqualValues(t, genesis.IOSupply, mint.Supply)
	assert.Nil(t, mint.MintAuthority, "nobody can mint $IO after genesis")
	assert.EqualValues(t, staking.IODecimals, mint.Decimals)
	var iosd token.Mint
	require.NoError(t, client.GetAccountDataInto(ctx, iosdMint.PublicKey(), &iosd))
	require.NotNil(t, iosd.MintAuthority)
	assert.Equal(t, deployer.PublicKey(), *iosd.MintAuthority)
	assert.EqualValues(t, 6, iosd.Decimals)
	assert.Equal(t, uint64(500_000_000*100_000_000), tokenBalance(t, ctx, client, r.GenesisIO))
	assert.Equal(t, uint64(300_000_000*100_000_000), tokenBalance(t, ctx, client, r.RewardsVault))

	// The configs hold these mints, the deployer as admin, and the parameters given.
	rc, err := (&rewards.Client{Staking: sc}).Config(ctx)
	require.NoError(t, err)
	assert.Equal(t, ioMint.PublicKey(), rc.IoMint)
	assert.Equal(t, deployer.PublicKey(), rc.Admin)
	now, err := sc.Now(ctx)
	require.NoError(t, err)
	assert.InDelta(t, now, rc.Params.GenesisTs, 60, "genesis_ts 0 is the chain's clock at genesis")
	want := opts.Params.Rewards
	want.GenesisTs = rc.Params.GenesisTs
	assert.Equal(t, want, rc.Params)
	stc, err := sc.Config(ctx)
	require.NoError(t, err)
	assert.Equal(t, iosdMint.PublicKey(), stc.IosdMint)
	assert.Equal(t, opts.Params.Staking, stc.Params)
	hc, err := (&hire.Client{Staking: sc}).Config(ctx)
	require.NoError(t, err)
	assert.Equal(t, opts.Params.Hire, hc.Params)

	// Again: every step is found done, nothing is sent, nothing moves.
	r2, err := genesis.Run(ctx, client, opts)
	require.NoError(t, err)
	for _, s := range r2.Steps {
		assert.True(t, s.Done, s.Name)
	}
	assert.Equal(t, uint64(500_000_000*100_000_000), tokenBalance(t, ctx, client, r.GenesisIO))

	// Other mint keypairs: refused, or a second, unused 800M "$IO" would be minted.
	other := opts
	other.IOMint = solana.NewWallet().PrivateKey
	_, err = genesis.Run(ctx, client, other)
	require.ErrorIs(t, err, genesis.ErrOtherMints)
	assertMissing(t, ctx, client, other.IOMint.PublicKey())
	other = opts
	other.IOSDMint = solana.NewWallet().PrivateKey
	_, err = genesis.Run(ctx, client, other)
	require.ErrorIs(t, err, genesis.ErrOtherMints)
	assertMissing(t, ctx, client, other.IOSDMint.PublicKey())
}

func airdrop(t *testing.T, ctx context.Context, client *rpc.Client, to solana.PublicKey) {
	t.Helper()
	sig, err := client.RequestAirdrop(ctx, to, 10*solana.LAMPORTS_PER_SOL, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := client.GetSignatureStatuses(ctx, false, sig)
		return err == nil && len(st.Value) == 1 && st.Value[0] != nil
	}, 30*time.Second, 100*time.Millisecond, "airdrop to %s", to)
}

func assertMissing(t *testing.T, ctx context.Context, client *rpc.Client, addresses ...solana.PublicKey) {
	t.Helper()
	for _, a := range addresses {
		_, err := client.GetAccountInfoWithOpts(ctx, a, &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
		assert.ErrorIs(t, err, rpc.ErrNotFound, "%s must not exist", a)
	}
}

func tokenBalance(t *testing.T, ctx context.Context, client *rpc.Client, account solana.PublicKey) uint64 {
	t.Helper()
	var a token.Account
	require.NoError(t, client.GetAccountDataInto(ctx, account, &a))
	return a.Amount
}
