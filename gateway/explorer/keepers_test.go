package explorer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A keeper's endpoint is whatever it registered on chain: the explorer follows only
// http(s), no redirect, reads a bounded answer, and never shows an answer's body.
func TestKeeperEndpointsAreReadWithCare(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/err/healthz", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "internal secret", http.StatusInternalServerError)
	})
	mux.HandleFunc("/moved/healthz", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok/healthz", http.StatusFound)
	})
	mux.HandleFunc("/ok/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"status":"ok","synced":true,"epoch":7}`))
	})
	mux.HandleFunc("/big/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"status":"` + string(make([]byte, smallAnswer)) + `"}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	x := New(Config{RPCURL: "http://127.0.0.1:1"})
	ctx := context.Background()
	var h struct {
		Synced bool    `json:"synced"`
		Epoch  *uint64 `json:"epoch"`
	}
	require.NoError(t, x.getJSON(ctx, srv.URL+"/ok/", "/healthz", smallAnswer, &h), "a trailing slash is fine")
	assert.True(t, h.Synced)
	require.NotNil(t, h.Epoch)
	assert.Equal(t, uint64(7), *h.Epoch)

	err := x.getJSON(ctx, srv.URL+"/err", "/healthz", smallAnswer, &h)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "500")
	assert.NotContains(t, err.Error(), "secret")
	err = x.getJSON(ctx, srv.URL+"/moved", "/healthz", smallAnswer, &h)
	require.Error(t, err, "a redirect is not followed")
	assert.Contains(t, err.Error(), "302")
	assert.Error(t, x.getJSON(ctx, srv.URL+"/big", "/healthz", smallAnswer, &h), "an answer over the limit")
	for _, base := range []string{"file:///etc", "gopher://x", "", "127.0.0.1:80"} {
		assert.Error(t, x.getJSON(ctx, base, "/healthz", smallAnswer, &h), base)
	}
}
