package hire

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/staking"
)

func TestAmountsAndLocations(t *testing.T) {
	v, err := ParseUSD("2.15")
	require.NoError(t, err)
	assert.Equal(t, uint64(2_150_000), v)
	_, err = ParseUSD("2.1500001")
	assert.ErrorIs(t, err, staking.ErrAmount)
	assert.Equal(t, "20.5 IOSD", Format(20_500_000, false))
	assert.Equal(t, "10.05 $IO", Format(1_005_000_000, true))
	loc, err := Location("US")
	require.NoError(t, err)
	assert.Equal(t, [2]uint8{'U', 'S'}, loc)
	for _, bad := range []string{"", "U", "us", "USA", "U1"} {
		_, err := Location(bad)
		assert.Error(t, err, bad)
	}
}

func TestOrderAddressesAreThePDAs(t *testing.T) {
	renter := solana.NewWallet().PublicKey()
	assert.NotEqual(t, OrderAddress(renter, 1), OrderAddress(renter, 2))
	a, _, err := solana.FindProgramAddress([][]byte{[]byte("order"), renter[:], {1, 0, 0, 0, 0, 0, 0, 0}}, iohire.ProgramID)
	require.NoError(t, err)
	assert.Equal(t, a, OrderAddress(renter, 1))
	mint := solana.NewWallet().PublicKey()
	tr, _, err := solana.FindProgramAddress([][]byte{[]byte("treasury-vault"), mint[:]}, iohire.ProgramID)
	require.NoError(t, err)
	assert.Equal(t, tr, TreasuryAddress(mint))
}

// assign takes (node, assignment) pairs after its accounts, cancel (assignment, node)
// pairs, as io-hire reads them.
func TestRemainingAccountsPairs(t *testing.T) {
	keeper, renter, mint := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	order := OrderAddress(renter, 1)
	a, b := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	ix, err := Assign(keeper, order, renter, mint, []Part{{a, 3}, {b, 1}})
	require.NoError(t, err)
	metas := ix.Accounts()
	require.Len(t, metas, 13+4)
	assert.Equal(t, staking.ATA(renter, mint), metas[7].PublicKey, "the refund goes to the renter's account")
	tail := metas[13:]
	assert.Equal(t, []solana.PublicKey{a, AssignmentAddress(order, a), b, AssignmentAddress(order, b)},
		[]solana.PublicKey{tail[0].PublicKey, tail[1].PublicKey, tail[2].PublicKey, tail[3].PublicKey})
	for _, m := range tail {
		assert.True(t, m.IsWritable)
	}
	data, err := ix.Data()
	require.NoError(t, err)
	assert.Equal(t, iohire.Instruction_Assign[:], data[:8])
	assert.Equal(t, []byte{2, 0, 0, 0, 3, 0, 1, 0}, data[8:], "the GPUs per node, a Vec<u16>")

	ix, err = Cancel(renter, order, mint, []solana.PublicKey{a})
	require.NoError(t, err)
	metas = ix.Accounts()
	assert.Equal(t, []solana.PublicKey{AssignmentAddress(order, a), a},
		[]solana.PublicKey{metas[len(metas)-2].PublicKey, metas[len(metas)-1].PublicKey})

	ixs, err := ClaimEarnings(keeper, order, a, renter, mint, keeper)
	require.NoError(t, err)
	require.Len(t, ixs, 2)
	claim := ixs[1].Accounts()
	assert.Equal(t, AssignmentAddress(order, a), claim[4].PublicKey)
	assert.Equal(t, TreasuryAddress(mint), claim[9].PublicKey)
	assert.Equal(t, keeper, claim[12].PublicKey, "the rent goes back to the keeper that paid it")
}
