package staking

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

// An address of another io-staking account is named by its kind, not by the bytes
// of its discriminator; the right kind parses as before.
func TestParseKindNamesTheAccountGiven(t *testing.T) {
	addr := solana.NewWallet().PublicKey()
	ticket := append(iostaking.Account_Ticket[:], make([]byte, 200)...)
	_, err := parseKind(addr, ticket, "node", iostaking.ParseAccount_Node)
	require.ErrorIs(t, err, ErrWrongKind)
	assert.EqualError(t, err, addr.String()+" is an io-staking unstake ticket, not a node: another kind of account")

	position := append(iostaking.Account_Delegation[:], make([]byte, 200)...)
	_, err = parseKind(addr, position, "unstake ticket", iostaking.ParseAccount_Ticket)
	assert.ErrorContains(t, err, "is an io-staking delegation position, not an unstake ticket")

	// Unknown bytes are left to the parser, which names its discriminator.
	_, err = parseKind(addr, make([]byte, 64), "node", iostaking.ParseAccount_Node)
	assert.ErrorContains(t, err, "expected discriminator")
	assert.NotErrorIs(t, err, ErrWrongKind)
}
