package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const generated = `// Builds a "withdraw" instruction.
func NewWithdrawInstruction(
	ownerAccount solanago.PublicKey,
) (solanago.Instruction, error) {
	accounts__ := solanago.AccountMetaSlice{}
	return solanago.NewInstruction(
		ProgramID,
		accounts__,
		nil,
	), nil
}

// Builds a "stake" instruction.
func NewStakeInstruction(
	amountParam uint64,
	operatorAccount solanago.PublicKey,
) (solanago.Instruction, error) {
	buf__ := new(bytes.Buffer)
	accounts__ := solanago.AccountMetaSlice{}
	return solanago.NewInstruction(
		ProgramID,
		accounts__,
		buf__.Bytes(),
	), nil
}
`

func TestRepairGivesArgumentLessBuildersTheirDiscriminator(t *testing.T) {
	out, n := Repair([]byte(generated))
	require.Equal(t, 1, n)
	s := string(out)
	require.Contains(t, s, "accounts__,\n\t\tInstruction_Withdraw[:],\n\t), nil")
	require.Contains(t, s, "accounts__,\n\t\tbuf__.Bytes(),\n")
	require.NotContains(t, s, "\t\tnil,\n")
	// Idempotent: a repaired file is left alone.
	again, n := Repair(out)
	require.Zero(t, n)
	require.Equal(t, s, string(again))
	require.Equal(t, strings.Count(generated, "func New"), strings.Count(s, "func New"))
}
