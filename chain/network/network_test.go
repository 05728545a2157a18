package network_test

import (
	"context"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/network"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/tests/localnode"
)

// The status of a fresh localnet, then with a keeper and a staked node: the supply
// ledger checks out at genesis and the counts follow the accounts.
func TestStatusFollowsTheAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	n := localnode.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, snap, err := network.Read(ctx, n.RPCURL)
	require.NoError(t, err)
	require.NotNil(t, snap.RewardsConfig)
	assert.Equal(t, staking.GenesisSupply, s.Supply)
	assert.Equal(t, uint64(0), s.Burned)
	assert.Equal(t, uint64(0), s.Emitted)
	assert.Equal(t, snap.RewardsConfig.Params.EmissionCap, s.Vault, "the vault holds the whole cap")
	assert.True(t, s.VaultOK)
	assert.True(t, s.SupplyOK)
	assert.Empty(t, s.Classes)
	assert.Empty(t, s.Orders)
	assert.Zero(t, s.Keepers)
	assert.Nil(t, s.FinalEpoch)
	now, err := staking.New(n.RPCURL).Now(ctx)
	require.NoError(t, err)
	assert.Equal(t, rewards.EpochsOf(snap.RewardsConfig.Params).At(now), s.Epoch)

	n.Keeper(t, ctx, "http://127.0.0.1:1")
	n.WorkerNode(t, ctx, solana.NewWallet().PrivateKey, classes.LocalnetCPU.ID, "http://127.0.0.1:2")
	s, _, err = network.Read(ctx, n.RPCURL)
	require.NoError(t, err)
	assert.Equal(t, 1, s.Keepers)
	assert.Equal(t, []network.ClassCount{{Class: network.ClassName(classes.LocalnetCPU.ID), Nodes: 1, Staked: 1, GPUs: 1}},
		s.Classes)
	assert.True(t, s.VaultOK)
	assert.True(t, s.SupplyOK)
}

func TestNames(t *testing.T) {
	assert.Equal(t, "h100-sxm", network.ClassName(1))
	assert.Equal(t, "cpu-generic-* (id 242)", network.ClassName(classes.LocalnetCPU.ID))
	assert.Equal(t, "class 0", network.ClassName(0))
	assert.Equal(t, "localnet-cpu", network.ClassNameOn(classes.LocalnetCPU.ID, true))
	assert.Equal(t, "cpu-generic-* (id 242)", network.ClassNameOn(classes.LocalnetCPU.ID, false))
	assert.Equal(t, "h100-sxm", network.ClassNameOn(1, true))
}
