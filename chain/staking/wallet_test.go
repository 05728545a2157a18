package staking

import (
	"testing"

	bin "github.com/gagliardetto/binary"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

func TestCooldownShares(t *testing.T) {
	// 1,000 $IO for 500 shares: a share is worth 2 $IO.
	n := &iostaking.Node{Pool: iostaking.Pool{Tokens: 1_000 * io, OperatorShares: U128(450 * io), DelegatedShares: U128(50 * io)}}
	held := U128(50 * io)

	s, err := CooldownShares(n, held, 60*io, false)
	require.NoError(t, err)
	assert.Equal(t, U128(30*io), s)
	s, err = CooldownShares(n, held, 0, true)
	require.NoError(t, err)
	assert.Equal(t, held, s)

	_, err = CooldownShares(n, held, 101*io, false)
	assert.ErrorContains(t, err, "101 $IO is worth more than the 100 $IO held")
	_, err = CooldownShares(n, held, 1, false)
	assert.ErrorContains(t, err, "less than one share")
	_, err = CooldownShares(n, bin.Uint128{}, 0, true)
	assert.ErrorContains(t, err, "no shares to move")

	wiped := &iostaking.Node{Pool: iostaking.Pool{DelegatedShares: held}}
	_, err = CooldownShares(wiped, held, io, false)
	assert.ErrorContains(t, err, "slashed to zero")
	s, err = CooldownShares(wiped, held, 0, true)
	require.NoError(t, err)
	assert.Equal(t, held, s)
}
