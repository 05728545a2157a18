package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/gateway/actions"
	"github.com/ionet-network/ionet/internal/cliapp"
	"github.com/ionet-network/ionet/tests/localnode"
)

func runArgs(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := newApp(&stdout, &stderr).RunContext(context.Background(), append([]string{"ionet-gateway"}, args...))
	return cliapp.ExitCode(&stderr, "ionet-gateway", err), stderr.String()
}

func TestBadUsageExitsTwoWithAClearMessage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--rpc-url", "ftp://x"}, "--rpc-url"},
		{[]string{"--rpc-url", "localhost:8899"}, "--rpc-url"},
		{[]string{"--public-url", "gateway.example"}, "--public-url"},
		{[]string{"--public-url", "https://gateway.example/some/path"}, "--public-url"},
		{[]string{"--listen", "8080"}, "--listen"},
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--log-format", "xml"}, "--log-format"},
		{[]string{"stray"}, "stray"},
		{[]string{"--no-such-flag"}, "no-such-flag"},
	} {
		code, stderr := runArgs(t, c.args...)
		assert.Equal(t, 2, code, "%v: %s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
	}
}

// The one mux serves the actions, /metrics and /healthz, and leaves every other path
// to a handler on "/" (the explorer's place).
func TestRoutesLeaveTheRootForTheExplorer(t *testing.T) {
	registry := prometheus.NewRegistry()
	mux, err := routes(actions.Config{RPCURL: "http://127.0.0.1:1", ChainID: "solana:test"}, registry)
	require.NoError(t, err)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "explorer") })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path string) (*http.Response, string) {
		res, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res, string(b)
	}
	res, body := get("/actions.json")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "solana:test", res.Header.Get("X-Blockchain-Ids"))
	var rules actions.Rules
	require.NoError(t, json.Unmarshal([]byte(body), &rules))
	assert.Equal(t, []actions.Rule{{PathPattern: "/api/actions/**", APIPath: "/api/actions/**"}}, rules.Rules)

	res, body = get("/api/actions/icon.svg")
	assert.Equal(t, "image/svg+xml", res.Header.Get("Content-Type"))
	assert.Contains(t, body, "<svg")

	_, body = get("/healthz")
	assert.Equal(t, "ok\n", body)
	_, body = get("/metrics")
	assert.Contains(t, body, `ionet_gateway_action_requests_total{action="rules",code="200",method="GET"} 1`)
	assert.Contains(t, body, `ionet_gateway_action_requests_total{action="icon",code="200",method="GET"} 1`)

	_, body = get("/")
	assert.Equal(t, "explorer", body)
	_, body = get("/nodes/abc")
	assert.Equal(t, "explorer", body)
	res, body = get("/api/actions/nope")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.JSONEq(t, `{"message":"no action at /api/actions/nope"}`, body)
}

// The binary serves until its context ends (SIGTERM), then exits 0.
func TestServesUntilStopped(t *testing.T) {
	addr := localnode.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		err := newApp(io.Discard, &stderr).RunContext(ctx, []string{"ionet-gateway", "--listen", addr,
			"--rpc-url", "http://127.0.0.1:1", "--chain-id", "solana:test", "--log-level", "warn"})
		done <- cliapp.ExitCode(&stderr, "ionet-gateway", err)
	}()
	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond)
	res, err := http.Get("http://" + addr + "/actions.json")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, "solana:test", res.Header.Get("X-Blockchain-Ids"))
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatal("ionet-gateway did not stop")
	}
}
