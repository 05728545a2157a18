package staking

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/programerr"
)

// A custom code is named by the table of the program whose instruction failed: the
// same number means different errors in different programs.
func TestNamedLooksUpTheFailingInstructionsProgram(t *testing.T) {
	other := solana.NewWallet().PublicKey()
	otherErr := programerr.ProgramError{Program: "other", Code: 6000, Name: "OtherError"}
	decoders := Decoders{
		iostaking.ProgramID: iostaking.DecodeError,
		other: func(err any) (programerr.ProgramError, bool) {
			_, code, ok := programerr.FromTransactionError(err)
			return otherErr, ok && code == 6000
		},
	}
	k := solana.NewWallet().PublicKey()
	ixs := []solana.Instruction{
		CreateATAIdempotent(k, k, k),
		solana.NewInstruction(iostaking.ProgramID, nil, nil),
		solana.NewInstruction(other, nil, nil),
	}
	status := func(index int, code uint32) any {
		var v map[string]any
		require.NoError(t, json.Unmarshal(fmt.Appendf(nil, `{"InstructionError":[%d,{"Custom":%d}]}`, index, code), &v))
		return v
	}
	var pe programerr.ProgramError
	err := named(status(2, 6000), decoders, ixs)
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, otherErr, pe)
	err = named(status(1, 6000), decoders, ixs)
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "io_staking", pe.Program)
	err = named(status(0, 1), decoders, ixs)
	assert.False(t, errors.As(err, &pe), "the ATA program's codes are not ours: %v", err)
	err = named(status(7, 6000), decoders, ixs)
	assert.False(t, errors.As(err, &pe), "no such instruction")
}
