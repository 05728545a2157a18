package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/network"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/tests/localnode"
)

// TestAdminGenesis: `ionet admin genesis` on a localnet holding only the programs, as
// anchor deploy leaves devnet; bad flags are refused before anything is sent, and the
// network it makes passes `network status`'s supply checks.
func TestAdminGenesis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	dir := t.TempDir()
	deployer := solana.NewWallet().PrivateKey
	deployerFile := localnode.KeypairFile(t, dir, "deployer", deployer)
	node := localnode.Start(t, "--no-genesis", deployer.PublicKey().String())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := rpc.New(node.RPCURL)
	_, err := client.RequestAirdrop(ctx, deployer.PublicKey(), 10*solana.LAMPORTS_PER_SOL, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		b, err := client.GetBalance(ctx, deployer.PublicKey(), rpc.CommitmentConfirmed)
		return err == nil && b.Value > 0
	}, 30*time.Second, 100*time.Millisecond)
	run := buildCLI(t, node)
	ioMint, iosdMint := filepath.Join(dir, "io-mint.json"), filepath.Join(dir, "iosd-mint.json")
	genesis := func(extra ...string) []string {
		return append([]string{"--keypair", deployerFile, "admin", "genesis",
			"--io-mint-keypair", ioMint, "--iosd-mint-keypair", iosdMint}, extra...)
	}

	badParams := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(badParams, []byte(`{"rewards": {"epochSeconds": "hourly"}}`), 0o600))
	for _, c := range []struct {
		args []string
		want string
	}{
		{genesis("--halving-epochs", "0"), "--halving-epochs must be at least 1"},
		{genesis("--epoch-seconds", "0"), "--epoch-seconds must be at least 1"},
		{genesis("--params", filepath.Join(dir, "none.json")), "--params:"},
		{genesis("--params", badParams), "is not a parameters file"},
		{genesis("--iosd-authority", "nope"), "is not a base58 address"},
		{genesis("extra"), "takes 0 argument(s)"},
	} {
		assert.Contains(t, run.fails(t, 2, c.args...), c.want, "%v", c.args)
	}
	// A stranger is not the programs' upgrade authority.
	stranger := localnode.KeypairFile(t, dir, "stranger", solana.NewWallet().PrivateKey)
	errOut := run.fails(t, 1, "--keypair", stranger, "admin", "genesis", "--io-mint-keypair", filepath.Join(dir, "x.json"),
		"--iosd-mint-keypair", filepath.Join(dir, "y.json"))
	assert.Contains(t, errOut, "not the program's upgrade authority")
	_, err = (&rewards.Client{Staking: staking.New(node.RPCURL)}).Config(ctx)
	require.Error(t, err, "nothing was initialized")

	out := run.ok(t, genesis("--halving-epochs", "4", "--epoch-seconds", "60")...)
	assert.Contains(t, out, "genesis done by "+deployer.PublicKey().String())
	assert.Contains(t, out, "(800000000 $IO minted, mint authority revoked)")
	rc, err := (&rewards.Client{Staking: staking.New(node.RPCURL)}).Config(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 4, rc.Params.HalvingEpochs)
	assert.EqualValues(t, 60, rc.Params.EpochSeconds)
	assert.EqualValues(t, 10, rc.Params.CommitWindowSeconds)
	assert.EqualValues(t, 30, rc.Params.VoteWindowSeconds)

	// Again: every step already on chain.
	out = run.ok(t, genesis()...)
	assert.Equal(t, 5, strings.Count(out, "already on chain"), out)

	// The network it made: the supply ledger holds (800M, 300M in the vault).
	st, _, err := network.Read(ctx, node.RPCURL)
	require.NoError(t, err)
	assert.True(t, st.VaultOK && st.SupplyOK, "%+v", st)
	assert.Equal(t, staking.GenesisSupply, st.Supply)
}

// TestDevFundFindsTheFaucet: without --genesis, the dev commands ask the localnet at
// --rpc-url where its faucet is (ionet_genesis); a cluster that does not answer that
// method is refused as no localnet.
func TestDevFundFindsTheFaucet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t)
	run := buildCLI(t, node)
	to := solana.NewWallet().PublicKey()
	out := run.ok(t, "dev", "fund", "--genesis=", "--sol", "2", "--io", "3", to.String())
	assert.Contains(t, out, "3 $IO")
	b, err := rpc.New(node.RPCURL).GetBalance(context.Background(), to, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	assert.EqualValues(t, 2*solana.LAMPORTS_PER_SOL, b.Value)
	// The same request again at once is a second funding, not "already processed",
	// and so is a second identical IOSD mint.
	run.ok(t, "dev", "fund", "--genesis=", "--sol", "2", to.String())
	b, err = rpc.New(node.RPCURL).GetBalance(context.Background(), to, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	assert.EqualValues(t, 4*solana.LAMPORTS_PER_SOL, b.Value)
	run.ok(t, "faucet", "iosd", "5", to.String())
	assert.Contains(t, run.ok(t, "faucet", "iosd", "5", to.String()), "(was 5 IOSD, now 10 IOSD)")

	bare := localnode.Start(t, "--no-genesis", solana.NewWallet().PublicKey().String())
	errOut := run.fails(t, 1, "--rpc-url", bare.RPCURL, "dev", "fund", "--genesis=", "--sol", "1", to.String())
	assert.Contains(t, errOut, "has no genesis yet")
}
