package keeper_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/keeper"
	"github.com/ionet-network/ionet/tests/localnode"
)

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(b, &body), "%s: %s", url, b)
	return resp.StatusCode, body
}

func TestThreeKeepersFinalizeEpochs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t, "--epoch-seconds", "6")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var keepers []*keeper.Keeper
	done := make(chan error, 3)
	for i := range 3 {
		addr := freeAddr(t)
		key := node.Keeper(t, ctx, "http://"+addr)
		k, err := keeper.New(keeper.Config{
			Keypair: key, RPCURL: node.RPCURL, WSURL: node.WSURL, Listen: addr,
			DataDir: filepath.Join(t.TempDir(), fmt.Sprint(i)), PriceMicroUSD: 2_000_000, Claims: true,
			Tick: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("keeper", i),
		})
		require.NoError(t, err)
		keepers = append(keepers, k)
		go func() { done <- k.Run(ctx) }()
	}
	client := rewards.New(node.RPCURL)
	require.Eventually(t, func() bool {
		rc, err := client.Config(ctx)
		return err == nil && rc.FinalEpoch != nil
	}, 2*time.Minute, 200*time.Millisecond, "no epoch finalized by the keepers")
	rc, err := client.Config(ctx)
	require.NoError(t, err)
	final, err := client.EpochReport(ctx, *rc.FinalEpoch)
	require.NoError(t, err)
	assert.True(t, final.Finalized)
	assert.GreaterOrEqual(t, len(final.Voters), 2)
	assert.Len(t, final.Commits, 3)
	assert.Equal(t, uint64(2_000_000), final.IoUsdPrice)

	code, body := getJSON(t, "http://"+keepers[0].Addr()+"/healthz")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, true, body["synced"])
	code, body = getJSON(t, "http://"+keepers[0].Addr()+"/nope")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Contains(t, body["error"], "no such endpoint")
	code, body = getJSON(t, "http://"+keepers[0].Addr()+"/proofs/not-a-key")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.NotEmpty(t, body["error"])
	cancel()
	for range keepers {
		require.NoError(t, <-done)
	}
}
