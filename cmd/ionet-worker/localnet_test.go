package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper"
	"github.com/ionet-network/ionet/keeper/challenge"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/tests/localnode"
	"github.com/ionet-network/ionet/worker/agent"
	"github.com/ionet-network/ionet/worker/jobs"
	"github.com/ionet-network/ionet/worker/jobs/jobstest"
)

// testEpochSeconds and testWindows are the keeper tests' layout: three challenge
// windows after a 2 s lead, so each of three keepers challenges every node once.
const testEpochSeconds = 15

var testWindows = challenge.WindowConfig{PerEpoch: 3, Lead: 2 * time.Second, Length: 3500 * time.Millisecond,
	Spread: 300 * time.Millisecond, MaxRTT: 200 * time.Millisecond, Verify: time.Second}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// chainEnv is a localnet with its genesis faucet.
type chainEnv struct {
	node   *localnode.Node
	g      *localnet.Genesis
	faucet solana.PrivateKey
	client *staking.Client
}

func newChain(t *testing.T) *chainEnv {
	node := localnode.Start(t, "--epoch-seconds", fmt.Sprint(testEpochSeconds))
	g, err := localnet.ReadGenesis(node.Genesis)
	require.NoError(t, err)
	faucet, err := g.Faucet()
	require.NoError(t, err)
	return &chainEnv{node: node, g: g, faucet: faucet, client: staking.New(node.RPCURL)}
}

// operator funds a new operator with SOL and 10,000 $IO and writes its keypair file.
func (c *chainEnv) operator(t *testing.T, ctx context.Context) (solana.PrivateKey, string) {
	t.Helper()
	op := solana.NewWallet().PrivateKey
	_, err := c.client.Send(ctx, []solana.PrivateKey{c.faucet}, c.g.FundInstructions(c.faucet.PublicKey(), op.PublicKey(), 2_000_000_000, 10_000*100_000_000)...)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "operator.json")
	writeKeypair(t, path, op)
	return op, path
}

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// startKeepers runs three in-process keepers on the sized-down class; claims are
// left to the worker.
func startKeepers(t *testing.T, ctx context.Context, c *chainEnv) ([]*keeper.Keeper, []solana.PrivateKey, func()) {
	t.Helper()
	addrs := make([]string, 3)
	keys := make([]solana.PrivateKey, 3)
	for i := range keys {
		addrs[i] = freeAddr(t)
		keys[i] = c.node.Keeper(t, ctx, "http://"+addrs[i])
	}
	kctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 3)
	var ks []*keeper.Keeper
	for i, key := range keys {
		k, err := keeper.New(keeper.Config{
			Keypair: key, RPCURL: c.node.RPCURL, WSURL: c.node.WSURL, Listen: addrs[i],
			DataDir: filepath.Join(t.TempDir(), fmt.Sprint(i)), PriceMicroUSD: 2_000_000, Claims: false,
			Tick: 200 * time.Millisecond,
			Challenge: challenge.Config{Windows: testWindows, Lookup: testLookup, ProbesIdle: 4, ProbesHired: 4,
				ProbeWindow: 2 * time.Second, Samples: 16},
			Logger: quietLog().With("keeper", i),
		})
		require.NoError(t, err)
		ks = append(ks, k)
		go func() { done <- k.Run(kctx) }()
	}
	return ks, keys, func() {
		cancel()
		for range ks {
			assert.NoError(t, <-done)
		}
	}
}

// The whole life of a node on a localnet through the CLI: discover, register (then
// again: unchanged; with a new ask: updated), stake (then again: unchanged), run;
// three keepers challenge and probe it, it passes, the epoch is final, and `claim`
// pays its availability reward with a keeper's proof, which attests its capacity on
// chain; a second claim pays nothing.
func TestWorkerOnLocalnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	c := newChain(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	op, opFile := c.operator(t, ctx)
	data := t.TempDir()
	listen := freeAddr(t)
	endpoint := "http://" + listen
	h := &hooks{lookup: testLookup}
	common := []string{"--data-dir", data, "--rpc-url", c.node.RPCURL, "--keypair", opFile, "--threads", "1", "--log-level", "warn"}
	cli := func(args ...string) string {
		t.Helper()
		code, out, stderr := runApp(t, ctx, h, append(append([]string{}, common...), args...)...)
		require.Equal(t, 0, code, "%v: %s", args, stderr)
		return out
	}

	var hw agent.Hardware
	require.NoError(t, json.Unmarshal([]byte(cli("discover", "--json")), &hw))
	assert.Equal(t, hw.CPUClass, hw.Class)

	register := []string{"register", "--class", testClass.Name, "--ask", "1.25", "--location", "DE",
		"--compliance", "0,3", "--bandwidth-mbps", "1000", "--endpoint", endpoint}
	out := cli(register...)
	assert.Contains(t, out, "registered node ")
	assert.Contains(t, out, "no GPU memory")
	assert.Contains(t, out, "on chain   the family cpu-generic-*; keepers read "+testClass.Name+" from the worker")
	key, created, err := agent.LoadIdentity(data)
	require.NoError(t, err)
	require.False(t, created)
	nodeAddr := staking.NodeAddress(agent.PublicKey(key))
	assert.Contains(t, out, nodeAddr.String())
	assert.Contains(t, cli(register...), "unchanged node ")
	register[4] = "1.5"
	assert.Contains(t, cli(register...), "updated node ")
	n, err := c.client.Node(ctx, nodeAddr)
	require.NoError(t, err)
	assert.Equal(t, testClass.ID, n.Spec.GpuClass)
	assert.Equal(t, uint16(1), n.Spec.GpuCount)
	assert.Equal(t, uint64(1_500_000), n.AskMicroUsd)
	assert.Equal(t, endpoint, n.Endpoint)
	assert.Equal(t, uint64(0b1001), n.Spec.Compliance)
	assert.Equal(t, uint32(1000), n.Spec.BandwidthMbps)
	assert.Equal(t, [2]uint8{'D', 'E'}, n.Spec.Location)
	assert.Equal(t, op.PublicKey(), n.Operator)
	assert.Equal(t, uint16(hw.VCPUs), n.Spec.Vcpus)

	assert.Contains(t, cli("stake"), "staked: node ")
	assert.Contains(t, cli("stake"), "unchanged: node ")
	cfg, err := c.client.Config(ctx)
	require.NoError(t, err)
	n, err = c.client.Node(ctx, nodeAddr)
	require.NoError(t, err)
	require.True(t, staking.IsStaked(n, cfg.Params))
	assert.Equal(t, staking.RequiredOperatorStake(n, cfg.Params), staking.OperatorStake(n))

	// The keepers register before the worker starts: it reads them from io-rewards.
	keepers, keeperKeys, stopKeepers := startKeepers(t, ctx, c)
	runCtx, stopRun := context.WithCancel(ctx)
	listened := make(chan string, 1)
	runDone := make(chan int, 1)
	var runErr syncBuffer
	go func() {
		rh := &hooks{lookup: testLookup, listened: func(a string) { listened <- a }}
		err := newApp(&syncBuffer{}, &runErr, rh).RunContext(runCtx, append(append([]string{"ionet-worker"}, common...),
			"--log-level", "info", "run", "--class", testClass.Name, "--job-runner", "process", "--keeper-refresh", "1s"))
		runDone <- exitCode(&runErr, err)
	}()
	// Without --listen, run serves the registered endpoint's port.
	select {
	case addr := <-listened:
		_, port, err := net.SplitHostPort(addr)
		require.NoError(t, err)
		_, want, err := net.SplitHostPort(listen)
		require.NoError(t, err)
		require.Equal(t, want, port, "run listens on the port of the endpoint %s", endpoint)
	case code := <-runDone:
		t.Fatalf("run exited %d: %s", code, runErr.String())
	}
	rewardsClient := rewards.New(c.node.RPCURL)
	target := c.node.ServedEpoch(t, ctx, keeperKeys...)
	c.node.WaitFinal(t, ctx, target, 3*time.Minute)
	rc, err := rewardsClient.Config(ctx)
	require.NoError(t, err)

	// claim: the availability reward with a keeper's proof (retried until the keeper
	// has stored the final report).
	before, err := c.client.TokenBalance(ctx, staking.ATA(op.PublicKey(), cfg.IoMint))
	require.NoError(t, err)
	keeperURL := "http://" + keepers[0].Addr()
	var paid []agent.Paid
	require.Eventually(t, func() bool {
		code, out, _ := runApp(t, ctx, h, append(append([]string{}, common...), "claim", "--keeper-url", keeperURL, "--json")...)
		if code != 0 {
			return false
		}
		paid = nil
		return json.Unmarshal([]byte(out), &paid) == nil && len(paid) > 0
	}, 30*time.Second, 300*time.Millisecond, "no availability claim paid")
	require.Len(t, paid, 1)
	assert.Equal(t, "availability", paid[0].Kind)
	assert.GreaterOrEqual(t, paid[0].Epoch, target)
	after, err := c.client.TokenBalance(ctx, staking.ATA(op.PublicKey(), cfg.IoMint))
	require.NoError(t, err)
	assert.Equal(t, paid[0].Amount, after-before, "what claim printed reached the operator")
	n, err = c.client.Node(ctx, nodeAddr)
	require.NoError(t, err)
	t.Logf("attested: epoch %d, class %d, %d milli-TOPS, uptime %d bps, reward %d", n.Attested.Epoch, n.Attested.Class,
		n.Attested.TopsMilli, n.Attested.UptimeBps, n.Attested.EpochReward)
	assert.Equal(t, paid[0].Epoch, n.Attested.Epoch, "the claim attested the node")
	assert.Equal(t, testClass.ID, n.Attested.Class)
	assert.Positive(t, n.Attested.TopsMilli, "the node passed its challenges")
	assert.Positive(t, n.Attested.UptimeBps, "the node answered its probes")
	if n.Attested.UptimeBps >= rc.Params.UptimeThresholdBps {
		assert.Positive(t, paid[0].Amount)
	}
	// Text output of a claim with nothing left.
	out = cli("claim", "--keeper-url", keeperURL)
	assert.Contains(t, out, "nothing to claim")

	code, metrics := get(t, endpoint+"/metrics")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, metrics, `ionet_worker_challenges_total{result="answered"}`)
	assert.Contains(t, metrics, `ionet_worker_probes_total{result="answered"}`)
	assert.Contains(t, metrics, "ionet_worker_keepers 3")

	stopRun()
	assert.Equal(t, 0, <-runDone, runErr.String())
	assert.Contains(t, runErr.String(), "challenge answered")
	stopKeepers()
}

// Nodes with go-nvml mock GPUs of two classes register with the right class, count
// and VRAM; then, hired together by one order, they run the renter's 2-node job:
// rank 0 collects a value from rank 1 through IONET_PEERS and the renter reads it
// from the job's logs; a job still running when the renter cancels is stopped.
func TestMockGPUNodesRegisterAndRunAHiredJob(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	c := newChain(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	type mockNode struct {
		model    string
		classID  uint8
		data     string
		listen   string
		node     solana.PublicKey
		operator solana.PrivateKey
		opFile   string
	}
	nodes := []*mockNode{{model: "h100-sxm", classID: 1}, {model: "a100", classID: 2}}
	rewardsClient := rewards.New(c.node.RPCURL)
	rc, err := rewardsClient.Config(ctx)
	require.NoError(t, err)
	now, err := c.client.Now(ctx)
	require.NoError(t, err)
	epoch := rewards.EpochsOf(rc.Params).At(now)
	for _, m := range nodes {
		m.data, m.listen = t.TempDir(), freeAddr(t)
		m.operator, m.opFile = c.operator(t, ctx)
		common := []string{"--data-dir", m.data, "--rpc-url", c.node.RPCURL, "--keypair", m.opFile, "--log-level", "warn",
			"--mock-gpus", m.model + ":2"}
		code, out, stderr := runApp(t, ctx, nil, append(common, "register", "--ask", "2", "--location", "US",
			"--endpoint", "http://"+m.listen)...)
		require.Equal(t, 0, code, stderr)
		require.Contains(t, out, "registered node ")
		code, _, stderr = runApp(t, ctx, nil, append(common, "stake")...)
		require.Equal(t, 0, code, stderr)
		key, _, err := agent.LoadIdentity(m.data)
		require.NoError(t, err)
		m.node = staking.NodeAddress(agent.PublicKey(key))
		n, err := c.client.Node(ctx, m.node)
		require.NoError(t, err)
		cl, err := classes.ByID(n.Spec.GpuClass)
		require.NoError(t, err)
		assert.Equal(t, m.model, cl.Name)
		assert.Equal(t, m.classID, n.Spec.GpuClass)
		assert.Equal(t, uint16(2), n.Spec.GpuCount)
		assert.Equal(t, uint32(81920), n.Spec.VramMibPerGpu)
		// A keeper-free attestation (the localnet's development shortcut), so the
		// nodes may be matched without running epochs.
		_, err = localnet.AttestCapacity(ctx, c.client.RPC, m.node, localnet.Capacity{Epoch: epoch, Class: n.Spec.GpuClass, TopsMilli: 1000, UptimeBps: 10_000})
		require.NoError(t, err)
	}
	// One keeper, serving from the next epoch, to assign the order.
	keeperKey := c.node.Keeper(t, ctx, "http://"+freeAddr(t))
	kk, err := rewardsClient.Keeper(ctx, keeperKey.PublicKey())
	require.NoError(t, err)
	require.NoError(t, localnet.WaitUntil(ctx, c.client, rewards.EpochsOf(rc.Params).Start(kk.ActiveFrom)))

	// The workers run with jobs on (their keeper set is the one keeper).
	for _, m := range nodes {
		runCtx, stop := context.WithCancel(ctx)
		listened := make(chan string, 1)
		done := make(chan int, 1)
		var errs syncBuffer
		go func() {
			h := &hooks{lookup: testLookup, listened: func(a string) { listened <- a }}
			err := newApp(&syncBuffer{}, &errs, h).RunContext(runCtx, []string{"ionet-worker", "--data-dir", m.data,
				"--rpc-url", c.node.RPCURL, "--log-level", "warn", "--mock-gpus", m.model + ":2", "--threads", "1",
				"run", "--listen", m.listen, "--class", testClass.Name, "--job-runner", "process", "--job-poll", "200ms"})
			done <- exitCode(&errs, err)
		}()
		select {
		case <-listened:
		case code := <-done:
			t.Fatalf("run exited %d: %s", code, errs.String())
		}
		t.Cleanup(func() {
			stop()
			assert.Equal(t, 0, <-done, errs.String())
		})
	}

	// The renter's order for 2 GPUs in IOSD, assigned one GPU on each node.
	renter := solana.NewWallet().PrivateKey
	_, err = c.client.Send(ctx, []solana.PrivateKey{c.faucet}, append(c.g.FundInstructions(c.faucet.PublicKey(), renter.PublicKey(), 1_000_000_000, 0),
		c.g.MintIOSDInstructions(c.faucet.PublicKey(), renter.PublicKey(), 1_000_000_000)...)...)
	require.NoError(t, err)
	hc := hire.New(c.node.RPCURL)
	order := hire.OrderAddress(renter.PublicKey(), 1)
	create, err := hire.CreateOrder(renter.PublicKey(), c.g.Mints.IOSD, 1, iohire.OrderSpec{Gpus: 2, Hours: 1, MaxPriceMicroUsd: 3_000_000})
	require.NoError(t, err)
	_, err = hc.Send(ctx, []solana.PrivateKey{renter}, create)
	require.NoError(t, err)
	parts := []hire.Part{{Node: nodes[0].node, GPUs: 1}, {Node: nodes[1].node, GPUs: 1}}
	assign, err := hire.Assign(keeperKey.PublicKey(), order, renter.PublicKey(), c.g.Mints.IOSD, parts)
	require.NoError(t, err)
	_, err = hc.Send(ctx, []solana.PrivateKey{keeperKey}, assign)
	require.NoError(t, err)

	// Rank by node key.
	rank0, rank1 := nodes[0], nodes[1]
	if strings.Compare(string(rank0.node[:]), string(rank1.node[:])) > 0 {
		rank0, rank1 = rank1, rank0
	}
	client := jobs.Client{Key: ed25519Key(renter)}
	self, err := os.Executable()
	require.NoError(t, err)
	base := 20000 + int(time.Now().UnixNano()%20000)
	value := fmt.Sprintf("value-from-rank-1-%d", time.Now().UnixNano())
	spec := func(m *mockNode) jobs.Spec {
		return jobs.Spec{Order: order.String(), Node: m.node.String(), Command: []string{self},
			Env: map[string]string{jobstest.Env: jobstest.Peer, "PEER_PORT_BASE": fmt.Sprint(base), "VALUE": value}}
	}
	// Another renter may not use the order.
	_, err = jobs.Client{Key: ed25519Key(solana.NewWallet().PrivateKey)}.Submit(ctx, "http://"+rank1.listen, spec(rank1))
	var se *jobs.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusForbidden, se.Status)

	s1, err := client.Submit(ctx, "http://"+rank1.listen, spec(rank1))
	require.NoError(t, err)
	s0, err := client.Submit(ctx, "http://"+rank0.listen, spec(rank0))
	require.NoError(t, err)
	assert.Equal(t, 0, s0.Rank)
	assert.Equal(t, 1, s1.Rank)
	assert.Equal(t, 2, s0.WorldSize)
	assert.Equal(t, []string{"127.0.0.1"}, s0.Peers)
	var st jobs.Status
	require.Eventually(t, func() bool {
		st, err = client.Job(ctx, "http://"+rank0.listen, s0.ID)
		return err == nil && st.State != jobs.StateRunning
	}, time.Minute, 100*time.Millisecond)
	logs, err := client.Logs(ctx, "http://"+rank0.listen, s0.ID)
	require.NoError(t, err)
	require.Equal(t, jobs.StateExited, st.State, logs)
	assert.Contains(t, logs, "collected "+value+" from rank 1 at 127.0.0.1:")
	assert.Contains(t, logs, "order "+order.String())

	// A long job, then the renter cancels: the worker stops it.
	sleeper := spec(rank0)
	sleeper.Env = map[string]string{jobstest.Env: jobstest.Sleep}
	sl, err := client.Submit(ctx, "http://"+rank0.listen, sleeper)
	require.NoError(t, err)
	require.Equal(t, jobs.StateRunning, sl.State)
	// Ten minutes of the hire pass on the chain's clock, then the renter cancels.
	_, err = localnet.Warp(ctx, c.client.RPC, c.g.SlotMs, 10*time.Minute)
	require.NoError(t, err)
	cancelIx, err := hire.Cancel(renter.PublicKey(), order, c.g.Mints.IOSD, []solana.PublicKey{nodes[0].node, nodes[1].node})
	require.NoError(t, err)
	_, err = hc.Send(ctx, []solana.PrivateKey{renter}, cancelIx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err = client.Job(ctx, "http://"+rank0.listen, sl.ID)
		return err == nil && st.Ended != nil
	}, 30*time.Second, 100*time.Millisecond)
	assert.Equal(t, jobs.StateStopped, st.State)
	assert.Contains(t, st.Reason, "the hire ended")
	// The operators claim what the cancelled order paid their nodes: the hire part is
	// paid and printed even though no keeper serves a proof (exit status 1 for that).
	for _, m := range nodes {
		iosd := staking.ATA(m.operator.PublicKey(), c.g.Mints.IOSD)
		before, err := c.client.TokenBalance(ctx, iosd)
		require.NoError(t, err)
		code, out, stderr := runApp(t, ctx, nil, "--data-dir", m.data, "--rpc-url", c.node.RPCURL, "--keypair", m.opFile,
			"--mock-gpus", m.model+":2", "--log-level", "warn", "claim", "--keeper-url", "http://"+freeAddr(t))
		assert.Equal(t, 1, code, "no keeper answered: %s", stderr)
		after, err := c.client.TokenBalance(ctx, iosd)
		require.NoError(t, err)
		require.Greater(t, after, before, "the hire earnings reached the operator: %s %s", out, stderr)
		assert.Contains(t, out, fmt.Sprintf("paid %s IOSD for order %s", staking.FormatAmount(after-before, staking.USDDecimals), order))
		assert.Contains(t, stderr, "no keeper served a proof")
	}
	// And no new job is accepted for the ended order.
	again := spec(rank1)
	again.Nonce = "after-cancel"
	_, err = client.Submit(ctx, "http://"+rank1.listen, again)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusConflict, se.Status)
}

func ed25519Key(k solana.PrivateKey) ed25519.PrivateKey { return ed25519.PrivateKey(k) }
