package localnet_test

import (
	"bytes"
	"context"
	"testing"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/staking"
)

const oneIO = 100_000_000 // 1 $IO in base units

// TestStakingThroughTheBindings registers a node, stakes, attests, delegates and
// undelegates through the generated bindings, then reads it all back with exactly the
// getProgramAccounts filters of docs/staking.md, typed here from the doc's table.
func TestStakingThroughTheBindings(t *testing.T) {
	ctx := ctxFor(t)
	c := shared.client
	operator := fundedWallet(t, ctx, shared, 5)
	staker := fundedWallet(t, ctx, shared, 5)
	worker := solana.NewWallet().PrivateKey
	mint := solana.MustPublicKeyFromBase58(shared.genesis.Mints.IO)
	opIO, err := giveIO(ctx, shared, operator.PublicKey(), 2_000*oneIO)
	require.NoError(t, err)
	stIO, err := giveIO(ctx, shared, staker.PublicKey(), 3_000*oneIO)
	require.NoError(t, err)

	config := staking.ConfigAddress()
	node := staking.NodeAddress(worker.PublicKey())
	vault := staking.StakeVaultAddress(node)
	spec := iostaking.NodeSpec{GpuClass: 1, GpuCount: 8, VramMibPerGpu: 81_920, Vcpus: 96, RamGib: 1_024,
		BandwidthMbps: 10_000, Location: [2]uint8{'N', 'L'}, Compliance: 1, Nvlink: true}
	register, err := iostaking.NewRegisterNodeInstruction(
		iostaking.RegisterNodeArgs{Spec: spec, AskMicroUsd: 2_150_000, Endpoint: "http://10.9.8.7:7070"},
		operator.PublicKey(), worker.PublicKey(), config, node, staking.WorkerBindingAddress(worker.PublicKey()),
		vault, mint, solana.TokenProgramID, solana.SystemProgramID)
	require.NoError(t, err)
	stake, err := iostaking.NewStakeInstruction(1_000*oneIO, operator.PublicKey(), config, node, vault, opIO, solana.TokenProgramID)
	require.NoError(t, err)
	_, err = send(ctx, c, []solana.PrivateKey{operator, worker}, register, stake)
	require.NoError(t, err)

	// 100 TOPS at the default 10 $IO per TOPS: room for 1,000 $IO of delegation.
	_, err = localnet.AttestCapacity(ctx, c, node, localnet.Capacity{Epoch: 1, Class: 1, TopsMilli: 100_000, UptimeBps: 9_900})
	require.NoError(t, err)

	position := staking.DelegationAddress(node, staker.PublicKey())
	delegate := func(amount uint64) solana.Instruction {
		ix, err := iostaking.NewDelegateInstruction(amount, staker.PublicKey(), config, node, position, vault, stIO,
			solana.TokenProgramID, solana.SystemProgramID)
		require.NoError(t, err)
		return ix
	}
	_, err = send(ctx, c, []solana.PrivateKey{staker}, delegate(600*oneIO))
	require.NoError(t, err)
	ticket := staking.TicketAddress(node, staker.PublicKey(), 7)
	undelegate, err := iostaking.NewUndelegateInstruction(iostaking.CooldownArgs{Shares: bin.Uint128{Lo: 200 * oneIO}, TicketId: 7},
		staker.PublicKey(), config, node, position, ticket, solana.SystemProgramID)
	require.NoError(t, err)
	_, err = send(ctx, c, []solana.PrivateKey{staker}, undelegate)
	require.NoError(t, err)

	// A delegation over the capacity cap (400 delegated + 700 > 1,000) is refused with
	// its named error and changes nothing.
	nodeBefore := accountData(t, ctx, node)
	balBefore := tokenAmount(t, ctx, stIO)
	_, err = send(ctx, c, []solana.PrivateKey{staker}, delegate(700*oneIO))
	require.Error(t, err)
	named, ok := iostaking.DecodeError(err)
	require.True(t, ok, "not a program error: %v", err)
	assert.Equal(t, iostaking.ErrCodeOverCapacityCap, named.Code)
	assert.Equal(t, "OverCapacityCap", named.Name)
	assert.Equal(t, nodeBefore, accountData(t, ctx, node), "a refused delegation changed the node")
	assert.Equal(t, balBefore, tokenAmount(t, ctx, stIO), "a refused delegation moved tokens")

	// Every row of docs/staking.md's table.
	b58 := func(b []byte) solana.Base58 { return solana.Base58(b) }
	memcmp := func(offset uint64, b []byte) rpc.RPCFilter {
		return rpc.RPCFilter{Memcmp: &rpc.RPCFilterMemcmp{Offset: offset, Bytes: b58(b)}}
	}
	op, st := operator.PublicKey(), staker.PublicKey()
	list := func(filters ...rpc.RPCFilter) rpc.GetProgramAccountsResult {
		out, err := c.GetProgramAccountsWithOpts(ctx, iostaking.ProgramID, &rpc.GetProgramAccountsOpts{Filters: filters})
		require.NoError(t, err)
		return out
	}
	holds := func(out rpc.GetProgramAccountsResult, want solana.PublicKey) []byte {
		for _, a := range out {
			if a.Pubkey.Equals(want) {
				return a.Account.Data.GetBinary()
			}
		}
		t.Fatalf("%s is not among the %d accounts listed", want, len(out))
		return nil
	}

	everyNode := list(memcmp(0, iostaking.Account_Node[:]))
	n, err := iostaking.ParseAccount_Node(holds(everyNode, node))
	require.NoError(t, err)
	for _, a := range everyNode {
		_, err := iostaking.ParseAccount_Node(a.Account.Data.GetBinary())
		require.NoError(t, err, "every node filter listed a non-node %s", a.Pubkey)
	}
	assert.Equal(t, op, n.Operator)
	assert.Equal(t, worker.PublicKey(), n.Worker)
	assert.Equal(t, worker.PublicKey(), n.NodeId)
	assert.Equal(t, spec, n.Spec)
	assert.Equal(t, uint64(2_150_000), n.AskMicroUsd)
	assert.Equal(t, "http://10.9.8.7:7070", n.Endpoint)
	assert.Equal(t, uint64(1_600*oneIO), n.Pool.Tokens)
	assert.Equal(t, "100000000000", n.Pool.OperatorShares.String())
	assert.Equal(t, "40000000000", n.Pool.DelegatedShares.String())
	assert.Equal(t, "20000000000", n.Pool.CoolingShares.String())
	assert.Equal(t, uint32(1), n.Delegations)
	assert.Equal(t, iostaking.AttestedCapacity{Epoch: 1, Class: 1, TopsMilli: 100_000, UptimeBps: 9_900}, n.Attested)
	assert.Equal(t, uint64(1_000*oneIO), staking.NodeCaps(n, mustConfig(t, ctx).Params).ByCapacity)

	operatorNodes := list(memcmp(0, iostaking.Account_Node[:]), memcmp(40, op[:]))
	require.Len(t, operatorNodes, 1)
	assert.Equal(t, node, operatorNodes[0].Pubkey)

	wk := worker.PublicKey()
	byWorker := list(memcmp(0, iostaking.Account_Node[:]), memcmp(72, wk[:]))
	require.Len(t, byWorker, 1)
	assert.Equal(t, node, byWorker[0].Pubkey)
	binding, err := c.GetAccountInfo(ctx, staking.WorkerBindingAddress(wk))
	require.NoError(t, err)
	wb, err := iostaking.ParseAccount_WorkerBinding(binding.Value.Data.GetBinary())
	require.NoError(t, err)
	assert.Equal(t, node, wb.Node)

	nodePositions := list(memcmp(0, iostaking.Account_Delegation[:]), memcmp(8, node[:]))
	require.Len(t, nodePositions, 1)
	walletPositions := list(memcmp(0, iostaking.Account_Delegation[:]), memcmp(40, st[:]))
	require.Len(t, walletPositions, 1)
	for _, out := range []rpc.GetProgramAccountsResult{nodePositions, walletPositions} {
		d, err := iostaking.ParseAccount_Delegation(holds(out, position))
		require.NoError(t, err)
		assert.Equal(t, node, d.Node)
		assert.Equal(t, st, d.Owner)
		assert.Equal(t, "40000000000", d.Shares.String())
		assert.Equal(t, uint64(400*oneIO), staking.ValueOf(n.Pool, d.Shares))
	}

	tickets := list(memcmp(0, iostaking.Account_Ticket[:]), memcmp(40, st[:]))
	require.Len(t, tickets, 1)
	tk, err := iostaking.ParseAccount_Ticket(holds(tickets, ticket))
	require.NoError(t, err)
	assert.Equal(t, node, tk.Node)
	assert.Equal(t, st, tk.Owner)
	assert.Equal(t, uint64(7), tk.Id)
	assert.Equal(t, "20000000000", tk.Shares.String())
	now, err := staking.New(shared.rpcURL).Now(ctx)
	require.NoError(t, err)
	assert.Greater(t, tk.UnlocksAt, now, "the ticket is in its cooldown")
	assert.LessOrEqual(t, tk.UnlocksAt, now+mustConfig(t, ctx).Params.CooldownSeconds)

	// The operator holds no positions or tickets; the staker no nodes.
	assert.Empty(t, list(memcmp(0, iostaking.Account_Delegation[:]), memcmp(40, op[:])))
	assert.Empty(t, list(memcmp(0, iostaking.Account_Ticket[:]), memcmp(40, op[:])))
	assert.Empty(t, list(memcmp(0, iostaking.Account_Node[:]), memcmp(40, st[:])))
	// The vault holds the pool.
	assert.Equal(t, uint64(1_600*oneIO), tokenAmount(t, ctx, vault))
	assert.Equal(t, uint64(2_400*oneIO), tokenAmount(t, ctx, stIO))
}

func mustConfig(t *testing.T, ctx context.Context) *iostaking.StakingConfig {
	t.Helper()
	cfg, err := staking.New(shared.rpcURL).Config(ctx)
	require.NoError(t, err)
	return cfg
}

func accountData(t *testing.T, ctx context.Context, a solana.PublicKey) []byte {
	t.Helper()
	out, err := shared.client.GetAccountInfo(ctx, a)
	require.NoError(t, err)
	return bytes.Clone(out.Value.Data.GetBinary())
}

func tokenAmount(t *testing.T, ctx context.Context, a solana.PublicKey) uint64 {
	t.Helper()
	v, err := staking.New(shared.rpcURL).TokenBalance(ctx, a)
	require.NoError(t, err)
	return v
}
