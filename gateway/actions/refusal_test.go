package actions

import (
	"encoding/json"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
)

// statusErr is a simulation's err as the RPC client decodes it.
func statusErr(t *testing.T, raw string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(raw), &v))
	return v
}

// A simulation the chain refuses becomes a message: the named error of the program
// whose instruction failed, SPL Token's insufficient funds, or the chain's own error.
func TestRefusalNamesWhatTheChainSaid(t *testing.T) {
	owner, node, mint := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	delegate, err := staking.Delegate(owner, node, mint, 1)
	require.NoError(t, err)
	claim, err := staking.Claim(owner, owner, node, mint) // [CreateIdempotent, claim_delegator_rewards]
	require.NoError(t, err)

	assert.Equal(t, "the chain refuses it: OverCapacityCap: delegation over the node's cap: attested TOPS × $IO per TOPS",
		refusal(statusErr(t, `{"InstructionError":[0,{"Custom":6019}]}`), nil, []solana.Instruction{delegate}))
	// The code is looked up in the table of the failing instruction's program.
	hireErr, ok := iohire.ErrorByCode(6000)
	require.True(t, ok)
	stakingErr, ok := iostaking.ErrorByCode(6000)
	require.True(t, ok)
	assert.Contains(t, refusal(statusErr(t, `{"InstructionError":[1,{"Custom":6000}]}`), nil, claim), stakingErr.Name)
	assert.NotEqual(t, hireErr.Name, stakingErr.Name)
	// SPL Token's custom error 1 inside a CPI: the logs say insufficient funds.
	assert.Equal(t, "no funds: the wallet's token account holds less than the transaction moves",
		refusal(statusErr(t, `{"InstructionError":[0,{"Custom":1}]}`), []string{"Program log: Error: insufficient funds"},
			[]solana.Instruction{solana.NewInstruction(solana.TokenProgramID, nil, nil)}))
	assert.Equal(t, "the chain refuses it: instruction 0 failed with custom error 7",
		refusal(statusErr(t, `{"InstructionError":[0,{"Custom":7}]}`), nil, []solana.Instruction{solana.NewInstruction(solana.TokenProgramID, nil, nil)}))
	assert.Equal(t, "no funds: the wallet has no SOL to pay the fee", refusal(statusErr(t, `"AccountNotFound"`), nil, nil))
	assert.Equal(t, "no funds: the wallet has too little SOL for the rent of the accounts it opens",
		refusal(statusErr(t, `{"InsufficientFundsForRent":{"account_index":1}}`), nil, nil))
	assert.Equal(t, `the chain refuses it: {"InstructionError":[0,"InvalidAccountData"]}`,
		refusal(statusErr(t, `{"InstructionError":[0,"InvalidAccountData"]}`), nil, []solana.Instruction{delegate}))
}
