package programerr_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	solana "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/programerr"
)

// fakeNode answers each JSON-RPC method with a canned response body, as a validator
// does when an io_staking instruction (the second of the transaction) fails with 6001.
func fakeNode(t *testing.T) *rpc.Client {
	t.Helper()
	answers := map[string]string{
		"sendTransaction": `{"jsonrpc":"2.0","id":1,"error":` + anchorPreflight + `}`,
		"simulateTransaction": `{"jsonrpc":"2.0","id":1,"result":{"context":{"slot":7},"value":{
			"err":{"InstructionError":[1,{"Custom":6001}]},"logs":[],"accounts":null,"unitsConsumed":2512}}}`,
		"getSignatureStatuses": `{"jsonrpc":"2.0","id":1,"result":{"context":{"slot":7},"value":[{
			"slot":7,"confirmations":null,"err":{"InstructionError":[1,{"Custom":6001}]},
			"status":{"Err":{"InstructionError":[1,{"Custom":6001}]}},"confirmationStatus":"finalized"}]}}`,
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if !assert.NoError(t, err) {
			return
		}
		var req struct {
			Method string `json:"method"`
		}
		if !assert.NoError(t, json.Unmarshal(body, &req)) {
			return
		}
		answer, ok := answers[req.Method]
		if !assert.True(t, ok, "unexpected method %s", req.Method) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(server.Close)
	return rpc.New(server.URL)
}

// The classifier reads what solana-go itself hands back, not only hand-built values.
func TestFromTransactionErrorThroughSolanaGo(t *testing.T) {
	ctx := context.Background()
	client := fakeNode(t)

	_, err := client.SendEncodedTransaction(ctx, "AAAA")
	require.Error(t, err)
	index, code, ok := programerr.FromTransactionError(err)
	require.True(t, ok, "preflight error %v", err)
	assert.Equal(t, 1, index)
	assert.Equal(t, uint32(6001), code)

	sim, err := client.SimulateRawTransactionWithOpts(ctx, []byte{0}, nil)
	require.NoError(t, err)
	index, code, ok = programerr.FromTransactionError(sim.Value.Err)
	require.True(t, ok, "simulation err %#v", sim.Value.Err)
	assert.Equal(t, 1, index)
	assert.Equal(t, uint32(6001), code)

	statuses, err := client.GetSignatureStatuses(ctx, false, solana.Signature{})
	require.NoError(t, err)
	require.Len(t, statuses.Value, 1)
	index, code, ok = programerr.FromTransactionError(statuses.Value[0].Err)
	require.True(t, ok, "status err %#v", statuses.Value[0].Err)
	assert.Equal(t, 1, index)
	assert.Equal(t, uint32(6001), code)
}
