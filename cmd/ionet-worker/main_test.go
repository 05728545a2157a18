package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"
	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/uptime"
	"github.com/ionet-network/ionet/worker/agent"
	"github.com/ionet-network/ionet/worker/api"
	"github.com/ionet-network/ionet/worker/jobs"
	"github.com/ionet-network/ionet/worker/jobs/jobstest"
)

func TestMain(m *testing.M) {
	jobs.LimitedMain(os.Args)
	jobstest.Main()
	os.Exit(m.Run())
}

// testClass is the localnet's CPU class (classes.LocalnetCPU): a commitment takes
// milliseconds; testLookup knows it.
var (
	testClass  = classes.LocalnetCPU
	testLookup = classes.LocalnetLookup
)

// syncBuffer is a bytes.Buffer safe for the logger and the test to share.
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

// runApp runs ionet-worker with args and returns its exit status and output.
func runApp(t *testing.T, ctx context.Context, h *hooks, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut syncBuffer
	err := newApp(&out, &errOut, h).RunContext(ctx, append([]string{"ionet-worker"}, args...))
	return exitCode(&errOut, err), out.String(), errOut.String()
}

func TestBadUsageExits2NamingTheFlag(t *testing.T) {
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(badConfig, []byte("log-format: xml\n"), 0o600))
	key := filepath.Join(dir, "op.json")
	writeKeypair(t, key, solana.NewWallet().PrivateKey)
	data := filepath.Join(dir, "data")
	cases := []struct {
		args []string
		flag string
	}{
		{[]string{"--bogus", "discover"}, "-bogus"},
		{[]string{"discover", "--bogus"}, "-bogus"},
		{[]string{"--log-level", "loud", "discover"}, "--log-level"},
		{[]string{"--config", badConfig, "discover"}, "--log-format"},
		{[]string{"--config", filepath.Join(dir, "missing.yaml"), "discover"}, "--config"},
		{[]string{"--threads", "-1", "discover"}, "--threads"},
		{[]string{"--mock-gpus", "v100:2", "discover"}, "--mock-gpus"},
		{[]string{"--mock-gpus", "a100:0", "discover"}, "--mock-gpus"},
		{[]string{"register", "--ask", "1", "--location", "DE", "--endpoint", "http://x"}, "--keypair"},
		{[]string{"--keypair", filepath.Join(dir, "nope.json"), "stake"}, "--keypair"},
		{[]string{"--keypair", key, "register", "--ask", "free", "--location", "DE", "--endpoint", "http://x"}, "--ask"},
		{[]string{"--keypair", key, "register", "--location", "DE", "--endpoint", "http://x"}, "--ask is required: the price in USD per GPU-hour, e.g. --ask 2.15"},
		{[]string{"--keypair", key + ".missing", "register", "--ask", "1", "--location", "DE", "--endpoint", "http://x"}, "keypair file " + key + ".missing does not exist"},
		{[]string{"--keypair", key, "register", "--ask", "1", "--location", "de", "--endpoint", "http://x"}, "--location"},
		{[]string{"--keypair", key, "register", "--ask", "1", "--location", "DE"}, "--endpoint"},
		{[]string{"--keypair", key, "register", "--ask", "1", "--location", "DE", "--endpoint", "http://x", "--compliance", "64"}, "--compliance"},
		{[]string{"--keypair", key, "register", "--ask", "1", "--location", "DE", "--endpoint", "http://x", "--class", "h900"}, "--class"},
		{[]string{"--keypair", key, "stake", "--amount", "-3"}, "--amount"},
		{[]string{"run", "--keeper", "not-a-key"}, "--keeper"},
		{[]string{"run", "--keeper-refresh", "0s"}, "--keeper-refresh"},
		{[]string{"run", "--job-runner", "vm"}, "--job-runner"},
		{[]string{"run", "--job-memory", "lots"}, "--job-memory"},
		{[]string{"run", "--class", "h900"}, "--class"},
		{[]string{"run", "--progress", "soon"}, "for flag --progress"},
		{[]string{"run", "extra"}, "unexpected argument"},
		{[]string{"--worker-keypair", filepath.Join(dir, "nope.json"), "discover"}, "--worker-keypair"},
		{[]string{"run", "--fault", "lazy"}, "--fault"},
		{[]string{"run", "--node", "xyz"}, "--node"},
		{[]string{"run", "--class", "localnet-cpu"}, "a localnet class: give --localnet-classes"},
		{[]string{"mine"}, "unknown command"},
		{nil, "a command is required"},
	}
	for _, tc := range cases {
		code, _, stderr := runApp(t, context.Background(), nil, append([]string{"--data-dir", data}, tc.args...)...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		assert.Contains(t, stderr, tc.flag, "%v", tc.args)
	}
	// Bad usage changed nothing: no identity was generated.
	_, err := os.Stat(filepath.Join(data, agent.IdentityFile))
	assert.True(t, os.IsNotExist(err), "bad usage wrote an identity")

	// Environment variables and the config file set flags too.
	t.Setenv("IONET_LOG_FORMAT", "yaml")
	code, _, stderr := runApp(t, context.Background(), nil, "--data-dir", data, "discover")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--log-format "yaml"`)
}

func writeKeypair(t *testing.T, path string, k solana.PrivateKey) {
	t.Helper()
	ints := make([]int, len(k))
	for i, b := range k {
		ints[i] = int(b)
	}
	b, err := json.Marshal(ints)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
}

// discover prints the mock GPUs with their class, or the CPU class without GPUs;
// --json prints the same.
func TestDiscover(t *testing.T) {
	data := t.TempDir()
	code, out, stderr := runApp(t, context.Background(), &hooks{nvml: dgxa100.NewWithGPUs(gpus.Multiple(2, gpus.H100_SXM5_80GB)...)},
		"--data-dir", data, "--log-level", "warn", "discover")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "NVIDIA H100 80GB HBM3")
	assert.Contains(t, out, "h100-sxm")
	assert.Contains(t, out, "node class  h100-sxm (id 1), 2 device(s)")

	code, out, stderr = runApp(t, context.Background(), &hooks{nvml: dgxa100.NewWithGPUs(gpus.Multiple(3, gpus.A100_SXM4_80GB)...)},
		"--data-dir", data, "discover", "--json")
	require.Equal(t, 0, code, stderr)
	var hw agent.Hardware
	require.NoError(t, json.Unmarshal([]byte(out), &hw))
	assert.Equal(t, "a100", hw.Class)
	assert.Equal(t, uint8(2), hw.ClassID)
	assert.Equal(t, 3, hw.Devices)
	require.Len(t, hw.GPUs, 3)
	assert.Equal(t, uint64(81920), hw.GPUs[0].VRAMMiB)
	assert.Positive(t, hw.VCPUs)
	assert.Positive(t, hw.RAMBytes)
	assert.Positive(t, hw.DiskBytes)

	// This machine's NVML (none in CI): the CPU class, at the speed tier of its
	// measured rate; with no measurement, the nominal tier.
	code, out, stderr = runApp(t, context.Background(), nil, "--data-dir", data, "--threads", "2",
		"--cpu-calibration", "500ms", "discover", "--json")
	require.Equal(t, 0, code, stderr)
	hw = agent.Hardware{}
	require.NoError(t, json.Unmarshal([]byte(out), &hw))
	if len(hw.GPUs) == 0 {
		assert.Regexp(t, `^cpu-[a-z0-9]+-2(x[0-9.]+)?$`, hw.Class)
		assert.Equal(t, hw.CPUClass, hw.Class)
		assert.Equal(t, 1, hw.Devices)
		assert.Positive(t, hw.CPUGOPSPerCore)
		assert.Positive(t, hw.CPUChallengeS)
		assert.Contains(t, stderr, "measuring the CPU's proof-of-compute rate")
		kept, err := os.ReadFile(filepath.Join(data, agent.CPUClassFile))
		require.NoError(t, err)
		assert.Equal(t, hw.Class+"\n", string(kept), "kept for the next start")
		c, err := classes.ByName(hw.Class)
		require.NoError(t, err, "keepers read the tiered name")
		assert.Equal(t, hw.ClassID, c.ID)
	}
	code, out, stderr = runApp(t, context.Background(), nil, "--data-dir", data, "--threads", "2",
		"--cpu-calibration", "0", "discover", "--json")
	require.Equal(t, 0, code, stderr)
	hw = agent.Hardware{}
	require.NoError(t, json.Unmarshal([]byte(out), &hw))
	if len(hw.GPUs) == 0 {
		assert.Regexp(t, `^cpu-[a-z0-9]+-2$`, hw.Class)
		assert.Zero(t, hw.CPUGOPSPerCore)
	}
	code, _, stderr = runApp(t, context.Background(), nil, "--data-dir", data, "--cpu-calibration", "-1s", "discover")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--cpu-calibration must not be negative")
}

// runDaemon starts `ionet-worker run` in-process answering testClass for the given
// keepers; it returns the bound address, the stderr log and a stop function that
// returns the exit status.
func runDaemon(t *testing.T, data string, keepers []solana.PublicKey, extra ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	h := &hooks{lookup: testLookup, listened: func(a string) { addr <- a }}
	args := []string{"ionet-worker", "--data-dir", data, "--threads", "1", "run", "--listen", "127.0.0.1:0",
		"--class", testClass.Name, "--job-runner", "process"}
	for _, k := range keepers {
		args = append(args, "--keeper", k.String())
	}
	args = append(args, extra...)
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		err := newApp(&out, &errOut, h).RunContext(ctx, args)
		done <- exitCode(&errOut, err)
	}()
	select {
	case a := <-addr:
		return a, &errOut, func() int { cancel(); return <-done }
	case code := <-done:
		cancel()
		t.Fatalf("run exited %d: %s", code, errOut.String())
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatalf("run did not listen: %s", errOut.String())
	}
	return "", nil, nil
}

func post(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url, api.ContentType, bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// The daemon answers a registered keeper's challenge, openings and probe, refuses
// bad input with a clear 4xx and keeps running, counts all of it in /metrics, says
// it is healthy, keeps its identity across restarts and exits 0 on shutdown.
func TestRunServesKeepersAndRefusesBadInput(t *testing.T) {
	_, keeperKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	_, strangerKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	keeper := solana.PublicKeyFromBytes(keeperKey.Public().(ed25519.PublicKey))
	data := t.TempDir()
	addr, logs, stop := runDaemon(t, data, []solana.PublicKey{keeper}, "--progress", "1ms")
	base := "http://" + addr

	client := api.NewClient(api.ClientConfig{})
	ctx := context.Background()
	info, _, err := client.Info(ctx, base)
	require.NoError(t, err)
	assert.Equal(t, testClass.Name, info.Class)
	assert.Equal(t, 1, info.GPUs)
	assert.Equal(t, version, info.Version)
	worker, err := solana.PublicKeyFromBase58(info.Worker)
	require.NoError(t, err)
	stored, created, err := agent.LoadIdentity(data)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, worker, agent.PublicKey(stored), "the identity generated on first start is the one served")

	// A challenge from the registered keeper passes the keeper's checks.
	params := pow.Params{SlotHash: [32]byte{7}, Worker: ed25519.PublicKey(worker[:]), Class: testClass.Name}
	k, err := pow.NewKeeper(pow.KeeperConfig{Key: keeperKey, Lookup: testLookup, Samples: 8})
	require.NoError(t, err)
	sess, msg, err := k.Challenge(params)
	require.NoError(t, err)
	commitment, err := client.Challenge(ctx, base, msg)
	require.NoError(t, err)
	res, req, err := sess.Commitment(commitment, 0)
	require.NoError(t, err, "in time: %+v", res)
	openings, err := client.Open(ctx, base, req)
	require.NoError(t, err)
	res, err = sess.Openings(openings)
	require.NoError(t, err, "openings verify")
	assert.Positive(t, res.TOPS)

	// Bad input: each a 4xx, and the worker keeps answering.
	code, body := post(t, base+api.PathChallenge, []byte("garbage"))
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, `"error"`)
	other := params
	other.Worker = strangerKey.Public().(ed25519.PublicKey)
	_, wrongWorker, err := k.Challenge(other)
	require.NoError(t, err)
	code, body = post(t, base+api.PathChallenge, wrongWorker)
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, "another worker")
	stranger, err := pow.NewKeeper(pow.KeeperConfig{Key: strangerKey, Lookup: testLookup})
	require.NoError(t, err)
	_, unknown, err := stranger.Challenge(params)
	require.NoError(t, err)
	code, body = post(t, base+api.PathChallenge, unknown)
	assert.Equal(t, http.StatusForbidden, code, body)
	code, body = post(t, base+api.PathChallenge, make([]byte, api.MaxChallengeBody+1))
	assert.Equal(t, http.StatusRequestEntityTooLarge, code, body)
	code, body = post(t, base+api.PathProbe, make([]byte, api.MaxProbeBody+1))
	assert.Equal(t, http.StatusRequestEntityTooLarge, code, body)
	code, body = get(t, base+"/nope")
	assert.Equal(t, http.StatusNotFound, code, body)

	// Probes from the keeper are answered.
	prober, err := uptime.NewProber(uptime.ProberConfig{Key: keeperKey, Node: ed25519.PublicKey(worker[:]), Epoch: 1})
	require.NoError(t, err)
	probe, err := prober.Probe()
	require.NoError(t, err)
	ans, _, err := client.Probe(ctx, base, probe)
	require.NoError(t, err)
	require.NoError(t, prober.Answer(ans))

	// Still serving after the bad input: another challenge passes.
	sess, msg, err = k.Challenge(params)
	require.NoError(t, err)
	commitment, err = client.Challenge(ctx, base, msg)
	require.NoError(t, err)
	_, _, err = sess.Commitment(commitment, 0)
	require.NoError(t, err)

	code, body = get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code)
	var health agent.Health
	require.NoError(t, json.Unmarshal([]byte(body), &health))
	assert.Equal(t, "ok", health.Status)
	assert.Equal(t, 1, health.Keepers)
	assert.Equal(t, worker.String(), health.Worker)
	code, metrics := get(t, base+"/metrics")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, metrics, `ionet_worker_challenges_total{result="answered"} 2`)
	assert.Contains(t, metrics, `ionet_worker_challenges_total{result="refused"} 4`)
	assert.Contains(t, metrics, `ionet_worker_openings_total{result="answered"} 1`)
	assert.Contains(t, metrics, `ionet_worker_probes_total{result="answered"} 1`)
	assert.Contains(t, metrics, `ionet_worker_probes_total{result="refused"} 1`)
	assert.Contains(t, metrics, "ionet_worker_challenge_seconds_count 2")
	assert.Contains(t, metrics, "ionet_worker_challenge_tops ")
	assert.Contains(t, metrics, "ionet_worker_jobs_running 0")
	assert.Contains(t, metrics, "ionet_worker_keepers 1")
	assert.Contains(t, logs.String(), "challenge in progress", "progress is logged")

	assert.Equal(t, 0, stop(), "clean shutdown: %s", logs.String())
	assert.Contains(t, logs.String(), "worker stopped")

	// Restarted on the same data dir: the same identity.
	addr, _, stop = runDaemon(t, data, []solana.PublicKey{keeper})
	info, _, err = client.Info(ctx, "http://"+addr)
	require.NoError(t, err)
	assert.Equal(t, worker.String(), info.Worker)
	assert.Equal(t, 0, stop())
}

// --worker-keypair replaces the generated identity, --localnet-classes knows
// classes.LocalnetCPU, and --fault wrong-row (for keeper tests) corrupts an opened
// row so the keeper's check fails: what the keeper tests' fake worker offers.
func TestRunWithGivenIdentityLocalnetClassAndFault(t *testing.T) {
	dir := t.TempDir()
	workerKey := solana.NewWallet().PrivateKey
	keyFile := filepath.Join(dir, "worker.json")
	writeKeypair(t, keyFile, workerKey)
	_, keeperKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	keeper := solana.PublicKeyFromBytes(keeperKey.Public().(ed25519.PublicKey))
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan int, 1)
	var errOut syncBuffer
	go func() {
		err := newApp(&syncBuffer{}, &errOut, &hooks{listened: func(a string) { addr <- a }}).RunContext(ctx, []string{"ionet-worker",
			"--data-dir", filepath.Join(dir, "data"), "--worker-keypair", keyFile, "--localnet-classes", "--threads", "1",
			"run", "--listen", "127.0.0.1:0", "--class", classes.LocalnetCPU.Name, "--keeper", keeper.String(), "--fault", "wrong-row", "--jobs=false"})
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
	assert.Equal(t, workerKey.PublicKey().String(), info.Worker)
	assert.Equal(t, classes.LocalnetCPU.Name, info.Class)
	_, err = os.Stat(filepath.Join(dir, "data", agent.IdentityFile))
	assert.True(t, os.IsNotExist(err), "no identity generated when one is given")

	k, err := pow.NewKeeper(pow.KeeperConfig{Key: keeperKey, Lookup: classes.LocalnetLookup, Samples: 8})
	require.NoError(t, err)
	sess, msg, err := k.Challenge(pow.Params{Worker: ed25519.PublicKey(workerKey.PublicKey().Bytes()), Class: classes.LocalnetCPU.Name})
	require.NoError(t, err)
	commitment, err := client.Challenge(ctx, base, msg)
	require.NoError(t, err)
	_, req, err := sess.Commitment(commitment, 0)
	require.NoError(t, err)
	openings, err := client.Open(ctx, base, req)
	require.NoError(t, err)
	_, err = sess.Openings(openings)
	assert.ErrorIs(t, err, pow.ErrWrongRow, "a wrong row fails the keeper's check")
	code, body := get(t, base+"/jobs/x")
	assert.Equal(t, http.StatusNotFound, code, "no jobs API with --jobs=false: %s", body)
	cancel()
	assert.Equal(t, 0, <-done, errOut.String())
}

// A restart between the commitment and the opening request loses nothing that was
// committed: the restarted worker computes the journaled commitment again and the
// keeper's opening request, sent to it, verifies. A served opening leaves the
// journal.
func TestRestartMidChallengeKeepsTheCommitment(t *testing.T) {
	_, keeperKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	keeper := solana.PublicKeyFromBytes(keeperKey.Public().(ed25519.PublicKey))
	data := t.TempDir()
	addr, logs, stop := runDaemon(t, data, []solana.PublicKey{keeper})
	client := api.NewClient(api.ClientConfig{})
	ctx := context.Background()
	info, _, err := client.Info(ctx, "http://"+addr)
	require.NoError(t, err)
	worker, err := solana.PublicKeyFromBase58(info.Worker)
	require.NoError(t, err)
	k, err := pow.NewKeeper(pow.KeeperConfig{Key: keeperKey, Lookup: testLookup, Samples: 8})
	require.NoError(t, err)
	sess, msg, err := k.Challenge(pow.Params{SlotHash: [32]byte{9}, Worker: ed25519.PublicKey(worker[:]), Class: testClass.Name})
	require.NoError(t, err)
	commitment, err := client.Challenge(ctx, "http://"+addr, msg)
	require.NoError(t, err)
	_, req, err := sess.Commitment(commitment, 0)
	require.NoError(t, err)
	journal := filepath.Join(data, "commitments")
	entries, err := os.ReadDir(journal)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "the commitment is journaled before it is sent")
	require.Equal(t, 0, stop(), logs.String())

	addr, logs, stop = runDaemon(t, data, []solana.PublicKey{keeper})
	openings, err := client.Open(ctx, "http://"+addr, req)
	require.NoError(t, err, logs.String())
	res, err := sess.Openings(openings)
	require.NoError(t, err, "the restored commitment's openings verify")
	assert.Positive(t, res.TOPS)
	assert.Contains(t, logs.String(), "commitment restored")
	entries, err = os.ReadDir(journal)
	require.NoError(t, err)
	assert.Empty(t, entries, "an opened commitment leaves the journal")
	assert.Equal(t, 0, stop())
}

// run listens on the port of the endpoint register recorded (the chain here has no
// node: its RPC is unreachable); a --listen on another port is kept, with a warning
// that keepers and renters call the endpoint.
func TestRunListensOnTheRegisteredEndpointsPort(t *testing.T) {
	_, keeperKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	keeper := solana.PublicKeyFromBytes(keeperKey.Public().(ed25519.PublicKey))
	start := func(data string, extra ...string) (string, string) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		addr := make(chan string, 1)
		h := &hooks{lookup: testLookup, listened: func(a string) { addr <- a }}
		args := append([]string{"ionet-worker", "--data-dir", data, "--rpc-url", "http://127.0.0.1:1", "--threads", "1", "--log-level", "warn",
			"run", "--class", testClass.Name, "--jobs=false", "--keeper", keeper.String()}, extra...)
		var errOut syncBuffer
		done := make(chan int, 1)
		go func() { done <- exitCode(&errOut, newApp(&syncBuffer{}, &errOut, h).RunContext(ctx, args)) }()
		select {
		case a := <-addr:
			cancel()
			require.Equal(t, 0, <-done, errOut.String())
			return a, errOut.String()
		case code := <-done:
			t.Fatalf("run exited %d: %s", code, errOut.String())
		case <-time.After(20 * time.Second):
			t.Fatalf("run did not listen: %s", errOut.String())
		}
		return "", ""
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, err := net.SplitHostPort(l.Addr().String())
	require.NoError(t, err)
	require.NoError(t, l.Close())
	data := t.TempDir()
	require.NoError(t, agent.SaveEndpoint(data, "http://127.0.0.1:"+port))

	addr, logs := start(data)
	_, got, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	assert.Equal(t, port, got, "no --listen: the registered endpoint's port")
	assert.NotContains(t, logs, "--listen")

	addr, logs = start(data, "--listen", "127.0.0.1:0")
	_, got, err = net.SplitHostPort(addr)
	require.NoError(t, err)
	assert.NotEqual(t, port, got, "an explicit --listen is kept")
	assert.Contains(t, logs, "--listen 127.0.0.1:0 serves port 0, but the node's registered endpoint http://127.0.0.1:"+port+" is port "+port)
}

// A docker client without a daemon cannot run jobs: `--job-runner container` says so
// and names the runtime's own error; `auto` falls back to processes with a warning
// and logs the runner it chose.
func TestRunChecksTheContainerRuntimeAnswers(t *testing.T) {
	bin := t.TempDir()
	docker := "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.'\nexit 1\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "docker"), []byte(docker), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "podman"), []byte("#!/bin/sh\nexit 125\n"), 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	keeper := solana.NewWallet().PublicKey()

	h := &hooks{lookup: testLookup}
	code, _, stderr := runApp(t, context.Background(), h, "--data-dir", t.TempDir(), "--threads", "1", "run",
		"--listen", "127.0.0.1:0", "--class", testClass.Name, "--job-runner", "container", "--keeper", keeper.String())
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "--job-runner container: no container runtime answers")
	assert.Contains(t, stderr, "podman info: exit status 125")
	assert.Contains(t, stderr, "Cannot connect to the Docker daemon")

	_, logs, stop := runDaemon(t, t.TempDir(), []solana.PublicKey{keeper}, "--job-runner", "auto")
	assert.Equal(t, 0, stop())
	assert.Contains(t, logs.String(), "no container runtime answers: jobs run as processes")
	assert.Contains(t, logs.String(), "runner=process")
}

// docs/worker.md: every flag has an IONET_* variable (hidden test-only flags aside).
func TestEveryFlagHasAnEnvironmentVariable(t *testing.T) {
	app := newApp(io.Discard, io.Discard, nil)
	check := func(where string, flags []cli.Flag) {
		for _, f := range flags {
			name := f.Names()[0]
			if name == "help" || name == "version" {
				continue
			}
			if v, ok := f.(cli.VisibleFlag); ok && !v.IsVisible() {
				continue
			}
			env, ok := f.(interface{ GetEnvVars() []string })
			require.True(t, ok, "%s --%s", where, name)
			vars := env.GetEnvVars()
			if assert.NotEmpty(t, vars, "%s --%s has no environment variable", where, name) {
				assert.True(t, strings.HasPrefix(vars[0], "IONET_"), "%s --%s: %v", where, name, vars)
			}
		}
	}
	check("global", app.Flags)
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			check(prefix+c.Name, c.Flags)
			walk(prefix+c.Name+" ", c.Subcommands)
		}
	}
	walk("", app.Commands)
}

func TestMalformedRPCURLIsAUsageError(t *testing.T) {
	code, _, stderr := runApp(t, context.Background(), nil, "--data-dir", t.TempDir(), "--rpc-url", "localhost:8899", "discover")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--rpc-url "localhost:8899": want an http(s)://host:port URL`)
}
