package txm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	rpcErr := func(code int, data any) error {
		return fmt.Errorf("sendTransaction: %w", &jsonrpc.RPCError{Code: code, Message: "whatever the node says", Data: data})
	}
	for _, c := range []struct {
		name string
		err  error
		want ErrorClass
	}{
		{"nil", nil, ClassNone},
		{"canceled", fmt.Errorf("call: %w", context.Canceled), ClassCanceled},
		{"canceled inside url.Error", &url.Error{Op: "Post", URL: "http://x", Err: context.Canceled}, ClassCanceled},
		{"per-call timeout", &url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}, ClassTransport},
		{"connection refused", errRefused, ClassTransport},
		{"dns", &net.DNSError{Err: "no such host", Name: "rpc.example"}, ClassTransport},
		{"url error", &url.Error{Op: "Post", URL: "http://x", Err: io.ErrUnexpectedEOF}, ClassTransport},
		{"http 429", jsonrpc.NewHTTPError(429, errors.New("too many")), ClassRateLimited},
		{"json-rpc 429", rpcErr(429, nil), ClassRateLimited},
		{"json-rpc -32429", rpcErr(-32429, nil), ClassRateLimited},
		{"http 503", jsonrpc.NewHTTPError(503, errors.New("unavailable")), ClassUnavailable},
		{"http 404", jsonrpc.NewHTTPError(404, errors.New("not found")), ClassInvalid},
		{"http 302", jsonrpc.NewHTTPError(302, errors.New("moved")), ClassUnknown},
		{"node unhealthy", rpcErr(-32005, map[string]any{"numSlotsBehind": 42}), ClassUnavailable},
		{"min context slot", rpcErr(-32016, nil), ClassUnavailable},
		{"block status not yet", rpcErr(-32014, nil), ClassUnavailable},
		{"internal", rpcErr(-32603, nil), ClassUnavailable},
		{"blockhash not found", rpcErr(-32002, map[string]any{"err": "BlockhashNotFound", "logs": []any{}}), ClassBlockhashNotFound},
		{"preflight custom", rpcErr(-32002, map[string]any{"err": map[string]any{"InstructionError": []any{0, map[string]any{"Custom": 1}}}}), ClassPreflight},
		{"preflight without data", rpcErr(-32002, nil), ClassPreflight},
		{"invalid params", rpcErr(-32602, nil), ClassInvalid},
		{"method not found", rpcErr(-32601, nil), ClassInvalid},
		{"signature verification", rpcErr(-32003, nil), ClassInvalid},
		{"unsupported version", rpcErr(-32015, nil), ClassInvalid},
		{"unlisted code", rpcErr(-32099, nil), ClassUnknown},
		{"plain error", errors.New("decode failed"), ClassUnknown},
	} {
		assert.Equal(t, c.want, Classify(c.err), c.name)
	}
}

func TestRetryable(t *testing.T) {
	retry := map[ErrorClass]bool{
		ClassTransport: true, ClassRateLimited: true, ClassUnavailable: true, ClassUnknown: true,
		ClassNone: false, ClassCanceled: false, ClassBlockhashNotFound: false, ClassPreflight: false, ClassInvalid: false,
	}
	for class, want := range retry {
		assert.Equal(t, want, class.Retryable(), class)
	}
}

// Classify reads what solana-go's client actually returns.
func TestClassifyThroughSolanaGo(t *testing.T) {
	ctx := context.Background()
	serve := func(status int, body string) *rpc.Client {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(s.Close)
		return rpc.New(s.URL)
	}
	_, err := serve(429, "Too Many Requests").GetBlockHeight(ctx, rpc.CommitmentConfirmed)
	assert.Equal(t, ClassRateLimited, Classify(err), "%v", err)
	_, err = serve(502, "<html>bad gateway</html>").GetBlockHeight(ctx, rpc.CommitmentConfirmed)
	assert.Equal(t, ClassUnavailable, Classify(err), "%v", err)
	_, err = serve(200, `{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"Node is behind by 42 slots","data":{"numSlotsBehind":42}}}`).
		GetBlockHeight(ctx, rpc.CommitmentConfirmed)
	assert.Equal(t, ClassUnavailable, Classify(err), "%v", err)

	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	_, err = rpc.New("http://"+addr).GetBlockHeight(ctx, rpc.CommitmentConfirmed)
	require.Error(t, err)
	assert.Equal(t, ClassTransport, Classify(err), "%v", err)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = rpc.New("http://"+addr).GetBlockHeight(canceled, rpc.CommitmentConfirmed)
	assert.Equal(t, ClassCanceled, Classify(err), "%v", err)
}
