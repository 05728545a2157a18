package market

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/programerr"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/keeper/match"
	"github.com/ionet-network/ionet/keeper/txm"
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

// A stream another keeper settled first (its assignment account is gone while the
// follower's snapshot still shows it) counts as done: nothing is sent for it when it
// is gone before the round, and a failed settle is not a failure when it is gone
// after. Neither is tried again on the next snapshot. A settle that fails with the
// assignment still there stays a failure and is tried again.
func TestSettleOfAClosedAssignmentCountsAsDone(t *testing.T) {
	keeper := solana.NewWallet().PrivateKey.PublicKey()
	s := marketSnapshot(keeper)
	order := addOrder(s, 1, 0, 4, iohire.OrderStatus_Active)
	stream := func(b byte) solana.PublicKey {
		node := addNode(s, b, 1, nil)
		a := hire.AssignmentAddress(order, node)
		s.Assignments[a] = &iohire.Assignment{Order: order, Node: node, Gpus: 1, Start: 0, Duration: 100}
		return a
	}
	closedBefore, closedDuring, broken, open := stream(1), stream(2), stream(3), stream(4)
	chain := &fakeChain{snap: s, now: 200, closed: map[solana.PublicKey]bool{closedBefore: true}}
	settleKey := func(a solana.PublicKey, slot uint64) string { return fmt.Sprintf("settle/%s/%d", a, slot) }
	txs := &fakeSender{err: func(key string) error {
		switch {
		case strings.HasPrefix(key, "settle/"+closedDuring.String()):
			// Another keeper's settle landed between the check and this one.
			chain.mu.Lock()
			chain.closed[closedDuring] = true
			chain.mu.Unlock()
			return fmt.Errorf("%w: {\"InstructionError\":[0,{\"Custom\":3012}]} (logs: AnchorError caused by account: order. Error Code: AccountNotInitialized.)", txm.ErrSimulationFailed)
		case strings.HasPrefix(key, "settle/"+broken.String()):
			return fmt.Errorf("%w: io_hire error 6099", txm.ErrSimulationFailed)
		}
		return nil
	}}
	metrics := NewMetrics(nil)
	d, err := New(Config{Keeper: keeper, NoExpire: true}, chain, txs, metrics)
	require.NoError(t, err)

	out, err := d.Round(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []solana.PublicKey{open}, out.Settled)
	assert.ElementsMatch(t, []string{settleKey(closedDuring, 100), settleKey(broken, 100), settleKey(open, 100)}, txs.keys(),
		"nothing is sent for the assignment already gone")
	assert.Equal(t, 2.0, counter(t, metrics.Settled, "lost"))
	assert.Equal(t, 1.0, counter(t, metrics.Settled, "failed"))
	assert.Equal(t, 1.0, counter(t, metrics.Settled, "landed"))

	// The follower still lags on the next slot: only the real failure is tried again.
	s2 := *s
	s2.Slot++
	chain.snap = &s2
	_, err = d.Round(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{settleKey(broken, 101)}, txs.keys()[3:])
	assert.Equal(t, 2.0, counter(t, metrics.Settled, "lost"))
	assert.Equal(t, 2.0, counter(t, metrics.Settled, "failed"))

	// When the RPC cannot tell whether the assignment exists, a failed settle stays
	// a failure.
	s3 := s2
	s3.Slot++
	chain.snap = &s3
	chain.noAccounts = true
	_, err = d.Round(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{settleKey(broken, 102)}, txs.keys()[4:])
	assert.Equal(t, 3.0, counter(t, metrics.Settled, "failed"))
}

func counter(t *testing.T, v *prometheus.CounterVec, label string) float64 {
	t.Helper()
	var m dto.Metric
	require.NoError(t, v.WithLabelValues(label).Write(&m))
	return m.GetCounter().GetValue()
}

// The serving keepers take turns settling a stream, in an order each computes
// alike: the first sends at once; a later one waits its turn, then sends nothing
// when the stream is gone (the first settled it), or settles it when it is not
// (the first is down).
func TestKeepersTakeTurnsToSettle(t *testing.T) {
	a, b := solana.NewWallet().PrivateKey.PublicKey(), solana.NewWallet().PrivateKey.PublicKey()
	c := solana.NewWallet().PrivateKey.PublicKey()
	s := marketSnapshot(a)
	s.Keepers[rewards.KeeperAddress(b)] = &iorewards.Keeper{Authority: b, Endpoint: "http://b"}
	s.Keepers[rewards.KeeperAddress(c)] = &iorewards.Keeper{Authority: c, Endpoint: "http://c"}
	order := addOrder(s, 1, 0, 1, iohire.OrderStatus_Active)
	node := addNode(s, 1, 1, nil)
	stream := hire.AssignmentAddress(order, node)
	s.Assignments[stream] = &iohire.Assignment{Order: order, Node: node, Gpus: 1, Start: 0, Duration: 100}

	serving := []solana.PublicKey{a, b, c}
	ranks := map[int]solana.PublicKey{}
	for _, k := range serving {
		ranks[SettleRank(stream, k, serving)] = k
	}
	require.Len(t, ranks, 3, "one turn per keeper")
	assert.Equal(t, 3, SettleRank(stream, solana.PublicKey{9}, serving), "a keeper not serving comes last")

	const stagger = 200 * time.Millisecond
	round := func(keeper solana.PublicKey, chain *fakeChain) (*fakeSender, *Metrics) {
		txs, m := &fakeSender{}, NewMetrics(nil)
		d, err := New(Config{Keeper: keeper, NoExpire: true, SettleStagger: stagger}, chain, txs, m)
		require.NoError(t, err)
		_, err = d.Round(context.Background())
		require.NoError(t, err)
		if keeper != ranks[0] {
			assert.Empty(t, txs.keys(), "not yet this keeper's turn")
			time.Sleep(stagger)
			_, err = d.Round(context.Background())
			require.NoError(t, err)
		}
		return txs, m
	}
	txs, _ := round(ranks[0], &fakeChain{snap: s, now: 200})
	assert.Len(t, txs.keys(), 1, "the first keeper settles at once")

	// The first keeper settled it: the second's turn comes, and it sends nothing.
	txs, m := round(ranks[1], &fakeChain{snap: s, now: 200, closed: map[solana.PublicKey]bool{stream: true}})
	assert.Empty(t, txs.keys())
	assert.Equal(t, 1.0, counter(t, m.Settled, "lost"))
	assert.Zero(t, counter(t, m.Settled, "failed"))

	// The first keeper is down: the second settles it in its turn.
	txs, m = round(ranks[1], &fakeChain{snap: s, now: 200})
	assert.Len(t, txs.keys(), 1)
	assert.Equal(t, 1.0, counter(t, m.Settled, "landed"))
}
