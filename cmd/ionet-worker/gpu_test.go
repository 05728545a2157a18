package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/agent"
	"github.com/ionet-network/ionet/worker/api"
)

// On a machine with a GPU (skipped elsewhere): ionet-worker discovers it through
// NVML, runs on the CUDA backend in the GPU's class, and answers a keeper's
// challenge of that class within the deadline with openings that verify.
func TestGPUChallenge(t *testing.T) {
	data := t.TempDir()
	code, out, stderr := runApp(t, context.Background(), nil, "--data-dir", data, "discover", "--json")
	require.Equal(t, 0, code, stderr)
	var hw agent.Hardware
	require.NoError(t, json.Unmarshal([]byte(out), &hw))
	if len(hw.NodeGPUs()) == 0 {
		t.Skip("no GPU with a class on this machine")
	}
	t.Logf("discovered: %s", out)
	_, keeperKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	keeper := solana.PublicKeyFromBytes(keeperKey.Public().(ed25519.PublicKey))
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan int, 1)
	var errOut syncBuffer
	go func() {
		err := newApp(&syncBuffer{}, &errOut, &hooks{listened: func(a string) { addr <- a }}).RunContext(ctx, []string{"ionet-worker",
			"--data-dir", data, "run", "--listen", "127.0.0.1:0", "--keeper", keeper.String(), "--progress", "5s", "--jobs=false"})
		done <- exitCode(&errOut, err)
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case code := <-done:
		t.Fatalf("run exited %d: %s", code, errOut.String())
	}
	client := api.NewClient(api.ClientConfig{})
	info, _, err := client.Info(ctx, base)
	require.NoError(t, err)
	_, health := get(t, base+"/healthz")
	t.Logf("info %+v; health %s", info, health)
	assert.Contains(t, health, `"backend":"cuda:0`)
	assert.Equal(t, hw.Class, info.Class)
	require.Equal(t, len(hw.NodeGPUs()), info.GPUs)
	class, err := classes.ByName(info.Class)
	require.NoError(t, err)
	worker, err := solana.PublicKeyFromBase58(info.Worker)
	require.NoError(t, err)
	k, err := pow.NewKeeper(pow.KeeperConfig{Key: keeperKey, Workers: 8})
	require.NoError(t, err)
	rtt, err := client.RTT(ctx, base)
	require.NoError(t, err)
	sess, msg, err := k.Challenge(pow.Params{SlotHash: [32]byte{3}, Worker: ed25519.PublicKey(worker[:]), Class: info.Class,
		GPUUUID: info.GPUUUIDs[0], GPUIndex: 0})
	require.NoError(t, err)
	commitment, err := client.Challenge(ctx, base, msg)
	require.NoError(t, err)
	res, req, err := sess.Commitment(commitment, rtt)
	require.NoError(t, err, "in time: %+v", res)
	start := time.Now()
	openings, err := client.Open(ctx, base, req)
	require.NoError(t, err)
	opened := time.Since(start)
	res2, err := sess.Openings(openings)
	require.NoError(t, err)
	t.Logf("class %s: elapsed %v, deadline %v, %.0f TOPS (%.1f%% of %.0f), flagged %v; openings %d bytes in %v",
		class.Name, res.Elapsed, res.Deadline, res.TOPS, 100*res.TOPS/class.DensePeakTOPS, class.DensePeakTOPS, res.Flagged, len(openings), opened)
	assert.False(t, res2.Flagged)
	_, metrics := get(t, base+"/metrics")
	assert.Contains(t, metrics, `ionet_worker_challenges_total{result="answered"} 1`)
	cancel()
	assert.Equal(t, 0, <-done)
	assert.Contains(t, errOut.String(), "challenge in progress")
	t.Log(errOut.String())
}
