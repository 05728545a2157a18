package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/uptime"
	"github.com/ionet-network/ionet/worker/api"
)

var tiny = func() classes.Class {
	c := classes.Class{ID: 202, Name: "fakeworker-test-tiny", M: 300, K: 32, N: 8, T: 2, DensePeakTOPS: 1e-6, Source: "test"}
	c.RefTime = time.Duration(c.Ops() / (classes.RefEfficiency * c.DensePeakTOPS * 1e12) * float64(time.Second))
	return c
}()

func lookup(name string) (classes.Class, error) {
	if name == tiny.Name {
		return tiny, nil
	}
	return classes.ByName(name)
}

func key(tag string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(tag))
	return ed25519.NewKeyFromSeed(s[:])
}

// keypairFile writes k as a Solana CLI keypair file.
func keypairFile(t *testing.T, k ed25519.PrivateKey) string {
	t.Helper()
	ints := make([]int, len(k))
	for i, b := range k {
		ints[i] = int(b)
	}
	b, err := json.Marshal(ints)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "worker.json")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestUsage(t *testing.T) {
	kp := keypairFile(t, key("worker"))
	keeper := solana.PublicKeyFromBytes(key("keeper").Public().(ed25519.PublicKey)).String()
	for name, args := range map[string][]string{
		"no keypair":       {"--keeper", keeper},
		"missing keypair":  {"--keypair", "/nonexistent.json", "--keeper", keeper},
		"no keepers":       {"--keypair", kp},
		"both sources":     {"--keypair", kp, "--keeper", keeper, "--rpc-url", "http://127.0.0.1:1"},
		"bad keeper":       {"--keypair", kp, "--keeper", "not-base58!"},
		"bad fault":        {"--keypair", kp, "--keeper", keeper, "--fault", "explode"},
		"unknown class":    {"--keypair", kp, "--keeper", keeper, "--class", "abacus"},
		"bad node":         {"--keypair", kp, "--keeper", keeper, "--node", "x"},
		"bad log level":    {"--keypair", kp, "--keeper", keeper, "--log-level", "loud"},
		"unknown flag":     {"--keypair", kp, "--keeper", keeper, "--frobnicate"},
		"stray argument":   {"--keypair", kp, "--keeper", keeper, "extra"},
		"negative threads": {"--keypair", kp, "--keeper", keeper, "--threads", "-1"},
	} {
		var out, errOut bytes.Buffer
		err := newApp(&out, &errOut, &hooks{lookup: lookup}).RunContext(context.Background(), append([]string{"ionet-fakeworker"}, args...))
		assert.Equal(t, 2, exitCode(&errOut, err), "%s: %v", name, err)
	}
}

// start runs the fake worker in-process until the test ends and returns its URL.
func start(t *testing.T, worker, keeper ed25519.PrivateKey, extra ...string) string {
	t.Helper()
	addr := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &syncBuffer{}
	args := append([]string{"ionet-fakeworker", "--keypair", keypairFile(t, worker), "--listen", "127.0.0.1:0",
		"--keeper", solana.PublicKeyFromBytes(keeper.Public().(ed25519.PublicKey)).String(), "--class", tiny.Name}, extra...)
	go func() {
		done <- newApp(logs, logs, &hooks{lookup: lookup, listened: func(a string) { addr <- a }}).RunContext(ctx, args)
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		assert.Contains(t, logs.String(), "fake worker stopped")
	})
	select {
	case a := <-addr:
		return "http://" + a
	case err := <-done:
		t.Fatalf("fake worker exited: %v\n%s", err, logs.String())
	case <-time.After(10 * time.Second):
		t.Fatal("fake worker did not listen")
	}
	return ""
}

func challenge(t *testing.T, url string, worker, keeper ed25519.PrivateKey) (*pow.Session, []byte, time.Duration) {
	t.Helper()
	pk, err := pow.NewKeeper(pow.KeeperConfig{Key: keeper, Lookup: lookup})
	require.NoError(t, err)
	sess, msg, err := pk.Challenge(pow.Params{SlotHash: sha256.Sum256([]byte("slot")), Worker: worker.Public().(ed25519.PublicKey), Class: tiny.Name})
	require.NoError(t, err)
	start := time.Now()
	c, err := api.NewClient(api.ClientConfig{}).Challenge(context.Background(), url, msg)
	require.NoError(t, err)
	return sess, c, time.Since(start)
}

func TestServes(t *testing.T) {
	ctx := context.Background()
	worker, keeper := key("worker"), key("keeper")
	client := api.NewClient(api.ClientConfig{})

	t.Run("honest", func(t *testing.T) {
		url := start(t, worker, keeper)
		info, _, err := client.Info(ctx, url)
		require.NoError(t, err)
		wpub := solana.PublicKeyFromBytes(worker.Public().(ed25519.PublicKey))
		assert.Equal(t, wpub.String(), info.Worker)
		assert.Equal(t, staking.NodeAddress(wpub).String(), info.Node, "the node registered with the worker key")
		assert.Equal(t, tiny.Name, info.Class)
		assert.Equal(t, 1, info.GPUs)

		sess, c, _ := challenge(t, url, worker, keeper)
		_, req, err := sess.Commitment(c, time.Millisecond)
		require.NoError(t, err)
		o, err := client.Open(ctx, url, req)
		require.NoError(t, err)
		_, err = sess.Openings(o)
		require.NoError(t, err)

		prober, err := uptime.NewProber(uptime.ProberConfig{Key: keeper, Node: worker.Public().(ed25519.PublicKey), Epoch: 1})
		require.NoError(t, err)
		p, err := prober.Probe()
		require.NoError(t, err)
		a, _, err := client.Probe(ctx, url, p)
		require.NoError(t, err)
		require.NoError(t, prober.Answer(a))

		stranger := key("stranger")
		_, msg, err := func() (*pow.Session, []byte, error) {
			pk, err := pow.NewKeeper(pow.KeeperConfig{Key: stranger, Lookup: lookup})
			require.NoError(t, err)
			return pk.Challenge(pow.Params{Worker: worker.Public().(ed25519.PublicKey), Class: tiny.Name})
		}()
		require.NoError(t, err)
		_, err = client.Challenge(ctx, url, msg)
		var se *api.StatusError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, 403, se.Status, "only --keeper keys are accepted")
	})
	t.Run("wrong-row", func(t *testing.T) {
		url := start(t, worker, keeper, "--fault", "wrong-row")
		sess, c, _ := challenge(t, url, worker, keeper)
		_, req, err := sess.Commitment(c, time.Millisecond)
		require.NoError(t, err)
		o, err := client.Open(ctx, url, req)
		require.NoError(t, err)
		_, err = sess.Openings(o)
		assert.ErrorIs(t, err, pow.ErrWrongRow)
	})
	t.Run("slow", func(t *testing.T) {
		url := start(t, worker, keeper, "--fault", "slow", "--slow-delay", "300ms")
		_, _, took := challenge(t, url, worker, keeper)
		assert.GreaterOrEqual(t, took, 300*time.Millisecond)
	})
}
