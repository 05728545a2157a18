package programerr_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/programerr"
)

// decode reads JSON the way solana-go does: its JSON-RPC client decodes responses with
// UseNumber (json.Number inside an RPCError's Data), while results re-decoded into typed
// structs such as a signature status leave float64 inside an `any` field.
func decode(t *testing.T, raw string, useNumber bool) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	if useNumber {
		dec.UseNumber()
	}
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

// preflight builds the error SendTransaction returns when preflight simulation fails,
// from the "error" object of the JSON-RPC response, decoded as solana-go decodes it.
func preflight(t *testing.T, raw string) error {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	var e jsonrpc.RPCError
	require.NoError(t, dec.Decode(&e))
	return &e
}

const anchorPreflight = `{
  "code": -32002,
  "message": "Transaction simulation failed: Error processing Instruction 1: custom program error: 0x1771",
  "data": {
    "accounts": null,
    "err": {"InstructionError": [1, {"Custom": 6001}]},
    "logs": [
      "Program HCHAgpZZn2dpct6grSXdQp1uhEgzBbj2WjY5KA2druUM invoke [1]",
      "Program log: AnchorError occurred. Error Code: InvalidCooldown. Error Number: 6001. Error Message: cooldown must be positive.",
      "Program HCHAgpZZn2dpct6grSXdQp1uhEgzBbj2WjY5KA2druUM failed: custom program error: 0x1771"
    ],
    "returnData": null,
    "unitsConsumed": 2512
  }
}`

func TestFromTransactionError(t *testing.T) {
	tests := []struct {
		name      string
		err       any
		wantIndex int
		wantCode  uint32
		wantOK    bool
	}{
		// Signature status, transaction meta and simulation results: float64 numbers.
		{"status err", decode(t, `{"InstructionError":[0,{"Custom":6001}]}`, false), 0, 6001, true},
		{"status err, later instruction", decode(t, `{"InstructionError":[3,{"Custom":6017}]}`, false), 3, 6017, true},
		{"status err, SPL Token custom 1", decode(t, `{"InstructionError":[0,{"Custom":1}]}`, false), 0, 1, true},
		{"status err, json.Number", decode(t, `{"InstructionError":[2,{"Custom":6000}]}`, true), 2, 6000, true},
		{"status err, code 0", decode(t, `{"InstructionError":[0,{"Custom":0}]}`, true), 0, 0, true},
		{"status err, u32 max", decode(t, `{"InstructionError":[0,{"Custom":4294967295}]}`, true), 0, 4294967295, true},
		{"status err, raw JSON", json.RawMessage(`{"InstructionError":[1,{"Custom":101}]}`), 1, 101, true},

		// sendTransaction preflight failures: a *jsonrpc.RPCError, maybe wrapped.
		{"preflight anchor error", preflight(t, anchorPreflight), 1, 6001, true},
		{"preflight wrapped", fmt.Errorf("stake: send: %w", preflight(t, anchorPreflight)), 1, 6001, true},
		{"preflight Anchor fallback", preflight(t, `{"code":-32002,"message":"Transaction simulation failed","data":{"err":{"InstructionError":[0,{"Custom":101}]},"logs":[]}}`), 0, 101, true},
		{"preflight blockhash not found", preflight(t, `{"code":-32002,"message":"Transaction simulation failed: Blockhash not found","data":{"err":"BlockhashNotFound","logs":[]}}`), 0, 0, false},
		{"preflight no data", preflight(t, `{"code":-32602,"message":"invalid transaction"}`), 0, 0, false},
		{"preflight data not an object", preflight(t, `{"code":-32005,"message":"Node is unhealthy","data":{"numSlotsBehind":42}}`), 0, 0, false},
		{"nil RPC error", (*jsonrpc.RPCError)(nil), 0, 0, false},

		// Not an instruction's custom error.
		{"nil", nil, 0, 0, false},
		{"transport error", errors.New("connection refused"), 0, 0, false},
		{"string err", decode(t, `"BlockhashNotFound"`, false), 0, 0, false},
		{"transaction-level error", decode(t, `{"InsufficientFundsForRent":{"account_index":0}}`, false), 0, 0, false},
		{"builtin instruction error", decode(t, `{"InstructionError":[0,"InvalidAccountData"]}`, false), 0, 0, false},
		{"borsh instruction error", decode(t, `{"InstructionError":[0,{"BorshIoError":"Unknown"}]}`, false), 0, 0, false},
		{"short pair", decode(t, `{"InstructionError":[0]}`, false), 0, 0, false},
		{"negative index", decode(t, `{"InstructionError":[-1,{"Custom":6000}]}`, false), 0, 0, false},
		{"index past 255", decode(t, `{"InstructionError":[256,{"Custom":6000}]}`, true), 0, 0, false},
		{"fractional code", decode(t, `{"InstructionError":[0,{"Custom":6000.5}]}`, false), 0, 0, false},
		{"code past u32", decode(t, `{"InstructionError":[0,{"Custom":4294967296}]}`, true), 0, 0, false},
		{"code a string", decode(t, `{"InstructionError":[0,{"Custom":"6000"}]}`, false), 0, 0, false},
		{"bad raw JSON", json.RawMessage(`{"InstructionError":`), 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			index, code, ok := programerr.FromTransactionError(tt.err)
			require.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.wantIndex, index)
			assert.Equal(t, tt.wantCode, code)
		})
	}
}

func TestProgramErrorString(t *testing.T) {
	e := programerr.ProgramError{Program: "io_staking", Code: 6001, Name: "InvalidCooldown", Msg: "cooldown must be positive"}
	assert.Equal(t, "io_staking error 6001 InvalidCooldown: cooldown must be positive", e.Error())
	e.Msg = ""
	assert.Equal(t, "io_staking error 6001 InvalidCooldown", e.Error())
}
