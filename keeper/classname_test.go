package keeper

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/worker/api"
)

// The class a node is challenged for: a fixed class straight from its on-chain id
// (the worker is not asked); a derived family's member from the worker's info, only
// if it belongs to the on-chain family and the endpoint is the node's worker; the
// last accepted name when the info call fails; otherwise none (probed only).
func TestClassNameFromTheChainAndTheWorker(t *testing.T) {
	worker := solana.NewWallet().PublicKey()
	avx2, err := classes.CPU(classes.ISAAVX2, 4)
	require.NoError(t, err)
	var info atomic.Pointer[api.Info]
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		i := info.Load()
		if i == nil {
			http.Error(w, `{"error":"down"}`, http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(i)
	}))
	defer srv.Close()
	c := &challenges{
		k:      &Keeper{cfg: Config{FetchTimeout: time.Second}, log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		client: api.NewClient(api.ClientConfig{}), lookup: classes.ByName, names: map[solana.PublicKey]className{},
	}
	node := func(id uint8) *iostaking.Node {
		return &iostaking.Node{Worker: worker, Spec: iostaking.NodeSpec{GpuClass: id}, Endpoint: srv.URL}
	}
	address := solana.NewWallet().PublicKey()
	ctx := context.Background()

	h100, err := classes.ByName("h100-sxm")
	require.NoError(t, err)
	info.Store(&api.Info{Worker: worker.String(), Class: "rtx4090"})
	assert.Equal(t, "h100-sxm", c.className(ctx, address, node(h100.ID)), "a fixed class: the chain's")
	assert.Zero(t, calls.Load(), "no info call for a fixed class")

	info.Store(&api.Info{Worker: worker.String(), Class: avx2.Name})
	assert.Equal(t, avx2.Name, c.className(ctx, address, node(classes.CPUAVX2ID)))
	info.Store(nil)
	assert.Equal(t, avx2.Name, c.className(ctx, address, node(classes.CPUAVX2ID)), "the worker is down: the last name")
	assert.Empty(t, c.className(ctx, address, node(classes.CPUVNNIID)), "the last name is of another family")
	assert.Empty(t, c.className(ctx, solana.NewWallet().PublicKey(), node(classes.CPUAVX2ID)), "no name known")

	info.Store(&api.Info{Worker: worker.String(), Class: avx2.Name})
	assert.Empty(t, c.className(ctx, solana.NewWallet().PublicKey(), node(classes.CPUVNNIID)),
		"a member of another family than the chain's")
	info.Store(&api.Info{Worker: solana.NewWallet().PublicKey().String(), Class: avx2.Name})
	assert.Empty(t, c.className(ctx, solana.NewWallet().PublicKey(), node(classes.CPUAVX2ID)), "another worker")
	info.Store(&api.Info{Worker: worker.String(), Class: "cpu-avx2-nope"})
	assert.Empty(t, c.className(ctx, solana.NewWallet().PublicKey(), node(classes.CPUAVX2ID)), "an unknown class")

	// A CPU speed tier the worker measured is a member of its family too; a suffix
	// that is no tier's is not.
	slow, err := classes.CPUTier(classes.ISAAVX2, 4, 6)
	require.NoError(t, err)
	info.Store(&api.Info{Worker: worker.String(), Class: slow.Name})
	assert.Equal(t, "cpu-avx2-4x74.7", c.className(ctx, solana.NewWallet().PublicKey(), node(classes.CPUAVX2ID)))
	info.Store(&api.Info{Worker: worker.String(), Class: "cpu-avx2-4x75"})
	assert.Empty(t, c.className(ctx, solana.NewWallet().PublicKey(), node(classes.CPUAVX2ID)), "no such tier")
}
