package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/gateway/actions"
)

// The explorer and the actions share the gateway's mux: the page at /, its assets
// and API beside the actions, each answering its own paths.
func TestTheExplorerIsMountedBesideTheActions(t *testing.T) {
	cfg := actions.Config{RPCURL: "http://127.0.0.1:1", ChainID: "solana:test"}
	mux, err := routes(cfg, prometheus.NewRegistry())
	require.NoError(t, err)
	withExplorer(mux, cfg)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) (int, string, string) {
		res, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	code, ctype, body := get("/")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, ctype, "text/html")
	assert.Contains(t, body, "ionet explorer")
	code, _, _ = get("/static/explorer/vendor/uplot/uPlot.iife.min.js")
	assert.Equal(t, http.StatusOK, code)
	code, _, body = get("/api/network")
	assert.Equal(t, http.StatusBadGateway, code, "no chain at the RPC URL")
	assert.Contains(t, body, `"error"`)
	code, _, _ = get("/actions.json")
	assert.Equal(t, http.StatusOK, code)
	code, _, _ = get("/api/actions/icon.svg")
	assert.Equal(t, http.StatusOK, code)
	code, _, _ = get("/healthz")
	assert.Equal(t, http.StatusOK, code)
}
