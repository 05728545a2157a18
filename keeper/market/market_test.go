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

func TestSettleable(t *testing.T) {
	s := marketSnapshot(solana.PublicKey{1})
	node := addNode(s, 1, 1, nil)
	active := addOrder(s, 1, 0, 1, iohire.OrderStatus_Active)
	ended := addOrder(s, 2, 0, 1, iohire.OrderStatus_Ended)
	s.Assignments[solana.PublicKey{1}] = &iohire.Assignment{Order: active, Node: node, Start: 0, Duration: 100}
	s.Assignments[solana.PublicKey{2}] = &iohire.Assignment{Order: active, Node: node, Start: 0, Duration: 500, Failed: true}
	s.Assignments[solana.PublicKey{3}] = &iohire.Assignment{Order: ended, Node: node, Start: 0, Duration: 40}
	s.Assignments[solana.PublicKey{4}] = &iohire.Assignment{Order: active, Node: solana.PublicKey{9}, Start: 0, Duration: 1}
	addresses := func(now int64) []solana.PublicKey {
		var out []solana.PublicKey
		for _, x := range Settleable(s, now) {
			out = append(out, x.Address)
		}
		return out
	}
	// Running: only the failed one and the one a cancel stopped; the node missing
	// from the snapshot is left alone.
	assert.Equal(t, []solana.PublicKey{{2}, {3}}, addresses(99))
	assert.Equal(t, []solana.PublicKey{{1}, {2}, {3}}, addresses(100))
}

// An assign that fails for another reason than a lost race is not tried again
// every round.
func TestFailedAssignWaitsBeforeTheNextTry(t *testing.T) {
	keeper := solana.NewWallet().PrivateKey.PublicKey()
	s := marketSnapshot(keeper)
	addNode(s, 1, 2_000_000, nil)
	order := addOrder(s, 1, 300, 8, iohire.OrderStatus_Open)
	txs := &fakeSender{err: func(string) error {
		return programerr.ProgramError{Program: "io_hire", Code: 6099, Name: "Other"}
	}}
	chain := &fakeChain{snap: s, now: 400}
	d, err := New(Config{Keeper: keeper}, chain, txs, nil)
	require.NoError(t, err)
	out, err := d.Round(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []solana.PublicKey{order}, out.Failed)
	s2 := *s
	s2.Slot++
	chain.snap = &s2
	out, err = d.Round(context.Background())
	require.NoError(t, err)
	assert.Empty(t, out.Failed)
	assert.Len(t, txs.keys(), 1)
}
