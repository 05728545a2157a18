package staking

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

func TestCheckDelegationPredictsTheCaps(t *testing.T) {
	const io = 100_000_000
	params := iostaking.StakingParams{IoPerTops: 10 * io, MaxDelegationRatioBps: 100_000}
	n := &iostaking.Node{Pool: iostaking.Pool{Tokens: 1000 * io, OperatorShares: U128(1000 * io)}}
	n.Attested.TopsMilli = 100_000 // 100 TOPS: a 1,000 $IO cap

	require.NoError(t, CheckDelegation(n, params, 1000*io))
	err := CheckDelegation(n, params, 1000*io+1)
	require.ErrorIs(t, err, ErrOverCap)
	assert.Contains(t, err.Error(), "above its attested-capacity cap of 1000 $IO (100 TOPS × 10 $IO per TOPS); room for 1000 $IO")
	assert.Contains(t, err.Error(), "OverCapacityCap")

	// Some delegated already: the room is what is left.
	after, shares, ok := Deposit(n.Pool, 600*io, true)
	require.True(t, ok)
	assert.Equal(t, int64(600*io), shares.Int64())
	assert.Equal(t, uint64(1600*io), after.Tokens)
	n2 := *n
	n2.Pool = after
	require.NoError(t, CheckDelegation(&n2, params, 400*io))
	assert.ErrorContains(t, CheckDelegation(&n2, params, 401*io), "room for 400 $IO")

	// Not attested yet: the capacity cap is 0.
	n3 := *n
	n3.Attested.TopsMilli = 0
	assert.ErrorContains(t, CheckDelegation(&n3, params, 1), "0 until a final epoch report attests the node's TOPS")

	// Lots of TOPS, little operator stake: the ratio cap binds.
	n4 := &iostaking.Node{Pool: iostaking.Pool{Tokens: 100 * io, OperatorShares: U128(100 * io)}}
	n4.Attested.TopsMilli = 1_000_000_000
	require.NoError(t, CheckDelegation(n4, params, 1000*io))
	err = CheckDelegation(n4, params, 1001*io)
	require.ErrorIs(t, err, ErrOverCap)
	assert.Contains(t, err.Error(), "operator-ratio cap of 1000 $IO (10 × the operator's 100 $IO)")
	assert.Contains(t, err.Error(), "OverOperatorRatioCap")

	// A wiped pool takes nothing.
	wiped := &iostaking.Node{Pool: iostaking.Pool{OperatorShares: U128(5)}}
	assert.ErrorContains(t, CheckDelegation(wiped, params, 1), "PoolWiped")
}

// Deposit keeps the program's rounding: shares at the current price, backed by what
// they are worth, the rest dust.
func TestDepositRoundsIntoDust(t *testing.T) {
	p := iostaking.Pool{Tokens: 3, OperatorShares: U128(2)} // 1.5 tokens per share
	after, shares, ok := Deposit(p, 2, true)
	require.True(t, ok)
	assert.Equal(t, int64(1), shares.Int64()) // ⌊2 × 2 / 3⌋
	assert.Equal(t, uint64(4), after.Tokens)  // backed by ⌊1 × 3 / 2⌋ = 1
	assert.Equal(t, uint64(1), after.Dust)
	assert.Equal(t, U128(1), after.DelegatedShares)
	empty, shares, ok := Deposit(iostaking.Pool{}, 7, false)
	require.True(t, ok)
	assert.Equal(t, int64(7), shares.Int64())
	assert.Equal(t, U128(7), empty.OperatorShares)
	assert.Equal(t, uint64(7), empty.Tokens)
}
