package txbatch

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeRPC answers the five methods Sender calls. A transaction whose number (1, 2, …
// in the order sent) is in drop is accepted and never lands, as a node that lost it;
// valid says whether a blockhash is still valid (nil: isBlockhashValid fails).
type fakeRPC struct {
	mu     sync.Mutex
	drop   map[int]bool
	valid  func(sent int) *bool
	sent   []solana.Signature
	landed map[solana.Signature]bool
	hashes int
}

func (f *fakeRPC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params []json.RawMessage
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ctx := map[string]any{"slot": 1}
	var result any
	switch req.Method {
	case "getLatestBlockhash":
		f.hashes++
		result = map[string]any{"context": ctx, "value": map[string]any{
			"blockhash": solana.Hash{byte(f.hashes)}.String(), "lastValidBlockHeight": 150}}
	case "sendTransaction":
		var b64 string
		_ = json.Unmarshal(req.Params[0], &b64)
		tx, err := solana.TransactionFromBase64(b64)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.sent = append(f.sent, tx.Signatures[0])
		if !f.drop[len(f.sent)] {
			f.landed[tx.Signatures[0]] = true
		}
		result = tx.Signatures[0].String()
	case "getSignatureStatuses":
		var sigs []solana.Signature
		_ = json.Unmarshal(req.Params[0], &sigs)
		statuses := make([]any, len(sigs))
		for i, s := range sigs {
			if f.landed[s] {
				statuses[i] = map[string]any{"slot": 1, "confirmations": nil, "err": nil, "confirmationStatus": "confirmed"}
			}
		}
		result = map[string]any{"context": ctx, "value": statuses}
	case "isBlockhashValid":
		v := f.valid(len(f.sent))
		if v == nil {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID,
				"error": map[string]any{"code": -32601, "message": "Method not found"}})
			return
		}
		result = map[string]any{"context": ctx, "value": *v}
	default:
		http.Error(w, "unexpected "+req.Method, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": result})
}

func twoBatches(t *testing.T, payer solana.PrivateKey) []Batch {
	var out []Batch
	for i := range 2 {
		ix, err := system.NewTransferInstruction(uint64(1000+i), payer.PublicKey(), solana.NewWallet().PublicKey()).ValidateAndBuild()
		require.NoError(t, err)
		out = append(out, Batch{First: i, End: i + 1, Instructions: []solana.Instruction{ix}})
	}
	return out
}

// A transaction the node accepted but lost never lands; once its blockhash is no
// longer valid the batch is signed again and sent once more, and the flow goes on.
func TestSenderResignsALostTransactionOnceItsBlockhashExpired(t *testing.T) {
	no := false
	f := &fakeRPC{drop: map[int]bool{2: true}, landed: map[solana.Signature]bool{}, valid: func(int) *bool { return &no }}
	srv := httptest.NewServer(f)
	defer srv.Close()
	payer := solana.NewWallet().PrivateKey
	var progress lockedLines
	s := &Sender{RPC: rpc.New(srv.URL), Signers: []solana.PrivateKey{payer}, Progress: &progress, Poll: time.Millisecond}
	st, err := s.Send(context.Background(), twoBatches(t, payer), nil)
	require.NoError(t, err)
	require.Len(t, f.sent, 3, "batch 1, batch 2 lost, batch 2 again")
	assert.False(t, f.landed[f.sent[1]])
	assert.Equal(t, f.sent[2], st.Batches[1].Signature)
	assert.NotEqual(t, f.sent[1], f.sent[2], "signed again with another blockhash")
	assert.True(t, st.Batches[0].Confirmed && st.Batches[1].Confirmed)
	assert.Contains(t, progress.String(), "transaction 2 of 2: blockhash expired before "+f.sent[1].String()+" landed; signing it again")
}

// While the blockhash may still be valid (here: the node cannot tell), a lost
// transaction is not sent again: after MaxWait the batch fails and its state keeps
// the signature for a later run to look up.
func TestSenderDoesNotResendWhileTheBlockhashMayBeValid(t *testing.T) {
	f := &fakeRPC{drop: map[int]bool{1: true}, landed: map[solana.Signature]bool{}, valid: func(int) *bool { return nil }}
	srv := httptest.NewServer(f)
	defer srv.Close()
	payer := solana.NewWallet().PrivateKey
	s := &Sender{RPC: rpc.New(srv.URL), Signers: []solana.PrivateKey{payer}, Poll: time.Millisecond, MaxWait: 50 * time.Millisecond}
	batches := twoBatches(t, payer)
	st, err := s.Send(context.Background(), batches, nil)
	require.ErrorIs(t, err, ErrBatch)
	assert.Contains(t, err.Error(), "it may still land, so it is not sent again")
	require.Len(t, f.sent, 1)
	assert.Equal(t, f.sent[0], st.Batches[0].Signature)
	assert.False(t, st.Batches[0].Confirmed)

	// A later run finds it landed after all: it is confirmed, not sent again.
	f.mu.Lock()
	f.landed[f.sent[0]] = true
	f.mu.Unlock()
	st, err = s.Send(context.Background(), batches, &st)
	require.NoError(t, err)
	require.Len(t, f.sent, 2, "only batch 2 was sent")
	assert.True(t, st.Batches[0].Confirmed && st.Batches[1].Confirmed)
}

func TestSenderRefusesAStateOfAnotherFlow(t *testing.T) {
	payer := solana.NewWallet().PrivateKey
	s := &Sender{Signers: []solana.PrivateKey{payer}}
	_, err := s.Send(context.Background(), twoBatches(t, payer), &State{Batches: make([]BatchState, 3)})
	require.ErrorContains(t, err, "the state has 3 batches, the flow 2")
	_, err = (&Sender{}).Send(context.Background(), twoBatches(t, payer), nil)
	require.ErrorContains(t, err, "no signers")
}
