package market

import (
	"context"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/programerr"
	"github.com/ionet-network/ionet/keeper/match"
)

func TestRoundAssignsExpiresAndExplains(t *testing.T) {
	keeper := solana.NewWallet().PrivateKey.PublicKey()
	s := marketSnapshot(keeper)
	addNode(s, 1, 2_000_000, nil)
	fits := addOrder(s, 1, 300, 8, iohire.OrderStatus_Open)
	tooBig := addOrder(s, 2, 310, 16, iohire.OrderStatus_Open)
	old := addOrder(s, 3, 0, 1, iohire.OrderStatus_Open)
	addOrder(s, 4, 320, 1, iohire.OrderStatus_Active) // not open: not matched
	chain := &fakeChain{snap: s, now: 700}
	txs := &fakeSender{}
	d, err := New(Config{Keeper: keeper}, chain, txs, nil)
	require.NoError(t, err)

	out, err := d.Round(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []solana.PublicKey{fits}, out.Assigned)
	assert.Equal(t, []solana.PublicKey{old}, out.Expired)
	assert.ElementsMatch(t, []string{AssignKey(fits, 100), "expire/" + old.String() + "/100"}, txs.keys())

	u, ok := d.Unmatched(tooBig)
	require.True(t, ok)
	assert.Equal(t, match.ReasonNotEnoughGPUs, u.Reason)
	// Against the snapshot (its hires, not the round's), the only node fits with its
	// 8 GPUs: too few for 16.
	u, ok = d.Explain(tooBig)
	require.True(t, ok)
	assert.Equal(t, match.ReasonNotEnoughGPUs, u.Reason)
	assert.Equal(t, 1, u.Eligible)
	assert.Equal(t, 8, u.EligibleGPUs)
	assert.True(t, u.Complete)
	_, ok = d.Unmatched(fits)
	assert.False(t, ok)

	// The follower lags: the next round on the same snapshot sends nothing again.
	_, err = d.Round(context.Background())
	require.NoError(t, err)
	assert.Len(t, txs.keys(), 2)
}

func TestLostRaceAndNotServing(t *testing.T) {
	keeper := solana.NewWallet().PrivateKey.PublicKey()
	s := marketSnapshot(keeper)
	addNode(s, 1, 2_000_000, nil)
	order := addOrder(s, 1, 300, 8, iohire.OrderStatus_Open)
	txs := &fakeSender{err: func(string) error {
		return programerr.ProgramError{Program: "io_hire", Code: iohire.ErrCodeOrderNotOpen, Name: "OrderNotOpen"}
	}}
	d, err := New(Config{Keeper: keeper}, &fakeChain{snap: s, now: 400}, txs, nil)
	require.NoError(t, err)
	out, err := d.Round(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []solana.PublicKey{order}, out.Lost)
	assert.Empty(t, out.Assigned)

	other := solana.NewWallet().PrivateKey.PublicKey()
	d, err = New(Config{Keeper: other}, &fakeChain{snap: s, now: 400}, &fakeSender{}, nil)
	require.NoError(t, err)
	_, err = d.Round(context.Background())
	require.ErrorIs(t, err, errNotServing)
}

// An assign with match.DefaultMaxNodesPerOrder nodes fits a legacy transaction
// (1,232 bytes) signed by the keeper.
func TestAssignOfMaxNodesFitsATransaction(t *testing.T) {
	keeper := solana.NewWallet().PrivateKey
	var parts []hire.Part
	for i := range match.DefaultMaxNodesPerOrder {
		parts = append(parts, hire.Part{Node: solana.NewWallet().PrivateKey.PublicKey(), GPUs: uint16(i + 1)})
	}
	ix, err := hire.Assign(keeper.PublicKey(), solana.NewWallet().PrivateKey.PublicKey(),
		solana.NewWallet().PrivateKey.PublicKey(), iosdMint, parts)
	require.NoError(t, err)
	tx, err := solana.NewTransaction([]solana.Instruction{ix}, solana.Hash{1}, solana.TransactionPayer(keeper.PublicKey()))
	require.NoError(t, err)
	_, err = tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &keeper })
	require.NoError(t, err)
	b, err := tx.MarshalBinary()
	require.NoError(t, err)
	assert.LessOrEqual(t, len(b), 1232)
	t.Logf("assign with %d nodes: %d bytes", len(parts), len(b))
}
