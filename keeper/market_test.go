package keeper_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper"
	"github.com/ionet-network/ionet/keeper/market"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/tests/localnode"
	"github.com/ionet-network/ionet/worker/api"
	"github.com/ionet-network/ionet/worker/gemm"
)

// marketNet is a localnet with registered keepers for the market tests.
type marketNet struct {
	t       *testing.T
	ctx     context.Context
	node    *localnode.Node
	g       *localnet.Genesis
	faucet  solana.PrivateKey
	hire    *hire.Client
	rewards *rewards.Client
	addrs   []string
	keys    []solana.PrivateKey
	pubs    []solana.PublicKey
}

func newMarketNet(t *testing.T, ctx context.Context, keepers int) *marketNet {
	t.Helper()
	node := localnode.Start(t, "--epoch-seconds", "15")
	g, err := localnet.ReadGenesis(node.Genesis)
	require.NoError(t, err)
	faucet, err := g.Faucet()
	require.NoError(t, err)
	m := &marketNet{t: t, ctx: ctx, node: node, g: g, faucet: faucet, hire: hire.New(node.RPCURL), rewards: rewards.New(node.RPCURL)}
	for range keepers {
		addr := freeAddr(t)
		key := node.Keeper(t, ctx, "http://"+addr)
		m.addrs, m.keys, m.pubs = append(m.addrs, addr), append(m.keys, key), append(m.pubs, key.PublicKey())
	}
	// Keepers serve from the next epoch: move the clock there.
	_, err = localnet.Warp(ctx, m.hire.Staking.RPC, g.SlotMs, 15*time.Second)
	require.NoError(t, err)
	return m
}

// start runs keeper i with mc.
func (m *marketNet) start(i int, mc keeper.MarketConfig) *keeper.Keeper {
	m.t.Helper()
	k, err := keeper.New(keeper.Config{
		Keypair: m.keys[i], RPCURL: m.node.RPCURL, WSURL: m.node.WSURL, Listen: m.addrs[i],
		DataDir: filepath.Join(m.t.TempDir(), fmt.Sprint(i)), PriceMicroUSD: 2_000_000, Tick: 200 * time.Millisecond,
		Market: mc,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("keeper", i),
	})
	require.NoError(m.t, err)
	ctx, cancel := context.WithCancel(m.ctx)
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	m.t.Cleanup(func() {
		cancel()
		assert.NoError(m.t, <-done)
	})
	require.Eventually(m.t, func() bool {
		if k.Addr() == "" {
			return false
		}
		code, body := getJSON(m.t, "http://"+k.Addr()+"/healthz")
		return code == http.StatusOK && body["synced"] == true
	}, time.Minute, 100*time.Millisecond, "keeper not synced")
	return k
}

// worker serves the worker API (probes) for a fresh key, for the keepers; closing
// the server takes the node down.
func (m *marketNet) worker() (ed25519.PrivateKey, *httptest.Server) {
	m.t.Helper()
	_, key, err := ed25519.GenerateKey(nil)
	require.NoError(m.t, err)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	prover, err := pow.NewProver(pow.ProverConfig{Key: key, Backend: gemm.Backend{Threads: 1}, Lookup: testLookup,
		Workers: 1, Logger: quiet})
	require.NoError(m.t, err)
	srv, err := api.NewServer(api.Config{
		Key: key, Node: staking.NodeAddress(solana.PublicKeyFromBytes(key.Public().(ed25519.PublicKey))),
		Class: testClass.Name, Lookup: testLookup, Logger: quiet, Devices: []api.Device{{Prover: prover}},
		Keepers: func(k ed25519.PublicKey) bool { return slices.Contains(m.pubs, solana.PublicKeyFromBytes(k)) },
	})
	require.NoError(m.t, err)
	hs := httptest.NewServer(srv)
	m.t.Cleanup(func() { hs.Close(); _ = srv.Close() })
	return key, hs
}

// hiredNode registers and stakes a 1-GPU node of testClass asking ask (micro-USD)
// at endpoint, and attests it now with an epoch reward of 10 $IO (what a slash
// burns per GPU).
func (m *marketNet) hiredNode(worker ed25519.PrivateKey, endpoint string, ask uint64) solana.PublicKey {
	m.t.Helper()
	ctx, client := m.ctx, m.hire.Staking
	cfg, err := client.Config(ctx)
	require.NoError(m.t, err)
	spec := iostaking.NodeSpec{GpuClass: testClass.ID, GpuCount: 1, Vcpus: 2, RamGib: 4, BandwidthMbps: 100,
		Location: [2]uint8{'D', 'E'}}
	stake := staking.RequiredOperatorStake(&iostaking.Node{Spec: spec}, cfg.Params)
	operator := solana.NewWallet().PrivateKey
	_, err = client.Send(ctx, []solana.PrivateKey{m.faucet}, m.g.FundInstructions(m.faucet.PublicKey(), operator.PublicKey(), 1_000_000_000, stake)...)
	require.NoError(m.t, err)
	wk := solana.PrivateKey(worker)
	reg, err := staking.RegisterNode(operator.PublicKey(), wk.PublicKey(), m.g.Mints.IO,
		iostaking.RegisterNodeArgs{Spec: spec, AskMicroUsd: ask, Endpoint: endpoint})
	require.NoError(m.t, err)
	address := staking.NodeAddress(wk.PublicKey())
	st, err := staking.Stake(operator.PublicKey(), address, m.g.Mints.IO, stake)
	require.NoError(m.t, err)
	_, err = client.Send(ctx, []solana.PrivateKey{operator, wk}, reg, st)
	require.NoError(m.t, err)
	m.attest(address)
	return address
}

// attest writes a fresh attestation of node at the current epoch.
func (m *marketNet) attest(node solana.PublicKey) {
	m.t.Helper()
	rc, err := m.rewards.Config(m.ctx)
	require.NoError(m.t, err)
	now, err := m.hire.Staking.Now(m.ctx)
	require.NoError(m.t, err)
	_, err = localnet.AttestCapacity(m.ctx, m.hire.Staking.RPC, node, localnet.Capacity{
		Epoch: rewards.EpochsOf(rc.Params).At(now), Class: testClass.ID, TopsMilli: 1_000, UptimeBps: 10_000,
		EpochReward: 10 * 100_000_000})
	require.NoError(m.t, err)
}

// renter is a wallet with SOL and 100 IOSD.
func (m *marketNet) renter() solana.PrivateKey {
	m.t.Helper()
	r := solana.NewWallet().PrivateKey
	ixs := append(m.g.FundInstructions(m.faucet.PublicKey(), r.PublicKey(), 1_000_000_000, 0),
		m.g.MintIOSDInstructions(m.faucet.PublicKey(), r.PublicKey(), 100_000_000)...)
	_, err := m.hire.Send(m.ctx, []solana.PrivateKey{m.faucet}, ixs...)
	require.NoError(m.t, err)
	return r
}

func (m *marketNet) iosd(owner solana.PublicKey) uint64 {
	m.t.Helper()
	b, err := m.hire.Staking.TokenBalance(m.ctx, staking.ATA(owner, m.g.Mints.IOSD))
	require.NoError(m.t, err)
	return b
}

// order creates renter's IOSD order id for gpus of testClass for an hour at up to
// $3 per GPU-hour.
func (m *marketNet) order(renter solana.PrivateKey, id uint64, gpus uint16) solana.PublicKey {
	m.t.Helper()
	ix, err := hire.CreateOrder(renter.PublicKey(), m.g.Mints.IOSD, id, iohire.OrderSpec{GpuClass: testClass.ID,
		Gpus: gpus, Hours: 1, MaxPriceMicroUsd: 3_000_000})
	require.NoError(m.t, err)
	_, err = m.hire.Send(m.ctx, []solana.PrivateKey{renter}, ix)
	require.NoError(m.t, err)
	return hire.OrderAddress(renter.PublicKey(), id)
}

// cluster is GET /clusters/{id} on k.
func cluster(t *testing.T, k *keeper.Keeper, id solana.PublicKey) (int, keeper.Cluster) {
	t.Helper()
	resp, err := http.Get("http://" + k.Addr() + "/clusters/" + id.String())
	require.NoError(t, err)
	defer resp.Body.Close()
	var c keeper.Cluster
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.Unmarshal(b, &c), "%s", b)
	}
	return resp.StatusCode, c
}

// Two keepers race to assign the same order from the same snapshot: one
// assignment lands, the other keeper loses harmlessly. An order no node can fill
// stays PROVISIONING with the count of nodes refused for each reason, and once past
// the unmatched timeout a keeper expires it and the renter gets every unit back.
func TestKeepersRaceToAssignAndExpireUnmatched(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	m := newMarketNet(t, ctx, 2)
	wkey, ws := m.worker()
	node := m.hiredNode(wkey, ws.URL, 1_000_000)
	// Manual rounds only, so both keepers match the same snapshot.
	mc := keeper.MarketConfig{Disabled: true}
	k0, k1 := m.start(0, mc), m.start(1, mc)

	renter := m.renter()
	order := m.order(renter, 1, 1)
	for _, k := range []*keeper.Keeper{k0, k1} {
		require.Eventually(t, func() bool {
			code, c := cluster(t, k, order)
			return code == http.StatusOK && c.Status == keeper.StatusProvisioning
		}, 30*time.Second, 100*time.Millisecond)
	}
	var (
		wg       sync.WaitGroup
		outcomes [2]market.RoundOutcome
	)
	for i, k := range []*keeper.Keeper{k0, k1} {
		wg.Go(func() {
			out, err := k.MatchRound(ctx)
			assert.NoError(t, err)
			outcomes[i] = out
		})
	}
	wg.Wait()
	assert.Len(t, append(outcomes[0].Assigned, outcomes[1].Assigned...), 1, "exactly one keeper's assign landed")
	assert.Len(t, append(outcomes[0].Lost, outcomes[1].Lost...), 1, "the other lost the race")
	assignments, err := m.hire.Assignments(ctx, order)
	require.NoError(t, err)
	require.Len(t, assignments, 1)
	assert.Equal(t, node, assignments[0].Assignment.Node)
	o, err := m.hire.Order(ctx, order)
	require.NoError(t, err)
	assert.Equal(t, iohire.OrderStatus_Active, o.Status)

	// Without a local keypair the cluster API returns the renter's transaction
	// unsigned; the renter's wallet signs and sends it.
	wallet := m.renter()
	code, out := post(t, k0, map[string]any{"num_gpus": 1, "gpu_model": fmt.Sprint(testClass.ID),
		"duration_hours": 2, "max_price_per_gpu_hour": 1.5, "renter": wallet.PublicKey().String()})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	assert.Empty(t, out["signature"])
	raw, err := base64.StdEncoding.DecodeString(out["transaction"].(string))
	require.NoError(t, err)
	tx, err := solana.TransactionFromBytes(raw)
	require.NoError(t, err)
	assert.Equal(t, wallet.PublicKey(), tx.Message.AccountKeys[0], "the renter pays")
	_, err = tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &wallet })
	require.NoError(t, err)
	_, err = m.hire.Staking.RPC.SendTransaction(ctx, tx)
	require.NoError(t, err)
	unsigned := solana.MustPublicKeyFromBase58(out["id"].(string))
	assert.Equal(t, hire.OrderAddress(wallet.PublicKey(), 1), unsigned)
	require.Eventually(t, func() bool {
		code, c := cluster(t, k0, unsigned)
		return code == http.StatusOK && c.Status == keeper.StatusProvisioning && c.MaxPrice == "1.5"
	}, 30*time.Second, 100*time.Millisecond)

	// The only GPU is hired now: a second order stays unmatched, and says why.
	before := m.iosd(renter.PublicKey())
	waiting := m.order(renter, 2, 1)
	require.Eventually(t, func() bool {
		_, err := k0.MatchRound(ctx)
		require.NoError(t, err)
		_, c := cluster(t, k0, waiting)
		return c.Unmatched != nil && c.Unmatched.Refused["not-enough-free-gpus"] == 1
	}, 30*time.Second, 200*time.Millisecond)
	_, c := cluster(t, k0, waiting)
	assert.Equal(t, keeper.StatusProvisioning, c.Status)
	assert.Equal(t, "not-enough-eligible-gpus", c.Unmatched.Reason)
	assert.Zero(t, c.Unmatched.Eligible)
	deposited := before - m.iosd(renter.PublicKey())
	assert.Equal(t, c.Deposited, deposited)

	// Past the unmatched timeout (6 h), the next round expires it: a full refund.
	hc, err := m.hire.Config(ctx)
	require.NoError(t, err)
	_, err = localnet.Warp(ctx, m.hire.Staking.RPC, m.g.SlotMs, time.Duration(hc.Params.UnmatchedTimeoutSeconds+15)*time.Second)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		out, err := k0.MatchRound(ctx)
		require.NoError(t, err)
		return slices.Contains(out.Expired, waiting)
	}, 30*time.Second, 200*time.Millisecond)
	o, err = m.hire.Order(ctx, waiting)
	require.NoError(t, err)
	require.NotNil(t, o.EndReason)
	assert.Equal(t, iohire.EndReason_ExpiredUnmatched, *o.EndReason)
	assert.Equal(t, o.Deposited, o.Refunded)
	assert.Equal(t, before, m.iosd(renter.PublicKey()), "refunded in full")
}

// post is POST /clusters with body on k.
func post(t *testing.T, k *keeper.Keeper, body any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	resp, err := http.Post("http://"+k.Addr()+"/clusters", "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// Three keepers run the market duties on their own. Through the cluster API (the
// keeper signing with a local renter keypair) a renter's cluster is matched in the
// next round, goes PROVISIONING → READY with the node's endpoint, and a second one
// is cancelled with its refund. Then the first cluster's worker goes down: the
// keepers' probes miss, they vote report_failure with their probe logs as evidence,
// the quorum slashes the node (the burn is in io-rewards' supply ledger), the
// renter is refunded and the cluster is FAILED.
func TestClusterAPIAndFailedNodeSlashed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	m := newMarketNet(t, ctx, 3)
	renter := m.renter()
	keyA, wsA := m.worker()
	keyB, wsB := m.worker()
	nodeA := m.hiredNode(keyA, wsA.URL, 1_000_000)
	nodeB := m.hiredNode(keyB, wsB.URL, 2_000_000)
	var keepers []*keeper.Keeper
	for i := range 3 {
		mc := keeper.MarketConfig{Every: 300 * time.Millisecond, HireProbeEvery: 300 * time.Millisecond,
			FailureMisses: 3, FailureSpan: time.Second, ProbeTimeout: time.Second}
		if i == 0 {
			mc.RenterKeypair = renter
		}
		keepers = append(keepers, m.start(i, mc))
	}
	k := keepers[0]

	// Bad requests: JSON 4xx with the reason.
	good := map[string]any{"cluster_name": "train-1", "num_gpus": 1, "gpu_model": fmt.Sprint(testClass.ID),
		"duration_hours": 1, "max_price_per_gpu_hour": "3", "payment": "IOSD"}
	with := func(key string, v any) map[string]any {
		b := map[string]any{}
		for k, x := range good {
			b[k] = x
		}
		b[key] = v
		return b
	}
	for name, body := range map[string]map[string]any{
		"unknown model":  with("gpu_model", "tpu-v9"),
		"zero GPUs":      with("num_gpus", 0),
		"price":          with("max_price_per_gpu_hour", "cheap"),
		"more than have": with("num_gpus", 3),
		"payment":        with("payment", "BTC"),
	} {
		code, out := post(t, k, body)
		assert.Equal(t, http.StatusBadRequest, code, name)
		assert.NotEmpty(t, out["error"], name)
	}

	for url, want := range map[string]int{
		"/clusters/not-a-key":                                  http.StatusBadRequest,
		"/clusters?renter=nope":                                http.StatusBadRequest,
		"/clusters/" + solana.NewWallet().PublicKey().String(): http.StatusNotFound,
	} {
		code, out := getJSON(t, "http://"+k.Addr()+url)
		assert.Equal(t, want, code, url)
		assert.NotEmpty(t, out["error"], url)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://"+k.Addr()+"/clusters", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	// Matched in the next round: READY with the cheaper node A and its endpoint.
	code, out := post(t, k, good)
	require.Equal(t, http.StatusCreated, code, "%v", out)
	assert.NotEmpty(t, out["signature"])
	first := solana.MustPublicKeyFromBase58(out["id"].(string))
	var c keeper.Cluster
	require.Eventually(t, func() bool {
		_, c = cluster(t, k, first)
		return c.Status == keeper.StatusReady
	}, 30*time.Second, 100*time.Millisecond)
	assert.Equal(t, "train-1", c.Name)
	require.Len(t, c.Nodes, 1)
	assert.Equal(t, nodeA.String(), c.Nodes[0].Node)
	assert.Equal(t, wsA.URL, c.Nodes[0].Endpoint)

	// A second cluster goes to node B; cancelled, it ends with the unused escrow back.
	code, out = post(t, k, with("cluster_name", "train-2"))
	require.Equal(t, http.StatusCreated, code, "%v", out)
	second := solana.MustPublicKeyFromBase58(out["id"].(string))
	require.Eventually(t, func() bool {
		_, c = cluster(t, k, second)
		return c.Status == keeper.StatusReady
	}, 30*time.Second, 100*time.Millisecond)
	assert.Equal(t, nodeB.String(), c.Nodes[0].Node)
	req, err = http.NewRequestWithContext(ctx, http.MethodDelete, "http://"+k.Addr()+"/clusters/"+second.String(), nil)
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Eventually(t, func() bool {
		_, c = cluster(t, k, second)
		return c.Status == keeper.StatusEnded
	}, 30*time.Second, 100*time.Millisecond)
	assert.Equal(t, "Cancelled", c.EndReason)
	assert.Positive(t, c.Refunded)
	assert.LessOrEqual(t, c.Paid+c.Fees+c.Refunded, c.Deposited)
	// The keepers settle the stopped stream at once: node B is paid to the cancel
	// and its assignment closes.
	require.Eventually(t, func() bool {
		open, err := m.hire.Assignments(ctx, second)
		return err == nil && len(open) == 0
	}, 30*time.Second, 200*time.Millisecond, "the cancelled stream was not settled")

	// The renter lists both.
	code, list := getJSON(t, "http://"+k.Addr()+"/clusters?renter="+renter.PublicKey().String())
	require.Equal(t, http.StatusOK, code)
	assert.Len(t, list["clusters"], 2)

	// Node A's worker goes down during the hire.
	rc, err := m.rewards.Config(ctx)
	require.NoError(t, err)
	burnedBefore := rc.Burned
	wsA.Close()
	require.Eventually(t, func() bool {
		n, err := m.hire.Staking.Node(ctx, nodeA)
		return err == nil && n.SlashedTotal > 0
	}, time.Minute, 200*time.Millisecond, "node A not slashed")
	n, err := m.hire.Staking.Node(ctx, nodeA)
	require.NoError(t, err)
	assert.NotNil(t, n.FrozenAtEpoch)
	rc, err = m.rewards.Config(ctx)
	require.NoError(t, err)
	assert.Equal(t, burnedBefore+n.SlashedTotal, rc.Burned, "the slash is burned and recorded in the supply ledger")
	o, err := m.hire.Order(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, uint16(1), o.Failures)
	assert.Positive(t, o.Refunded, "the renter's unused escrow is refunded")
	votes := m.failureVotes(hire.AssignmentAddress(first, nodeA))
	assert.GreaterOrEqual(t, len(votes), 2, "a quorum of keepers voted")
	require.Eventually(t, func() bool {
		_, c = cluster(t, k, first)
		return c.Status == keeper.StatusFailed
	}, 30*time.Second, 100*time.Millisecond)
	// The failed stream is settled at once: its one assignment closes and the order
	// ends, NodeFailed; the cluster stays FAILED with its refund.
	require.Eventually(t, func() bool {
		o, err := m.hire.Order(ctx, first)
		return err == nil && o.EndReason != nil
	}, 30*time.Second, 200*time.Millisecond, "the failed stream was not settled")
	o, err = m.hire.Order(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, iohire.EndReason_NodeFailed, *o.EndReason)
	assert.Equal(t, o.Deposited, o.Paid+o.Fees+o.Refunded, "the escrow is empty: paid, fees and refunds add up")
	require.Eventually(t, func() bool {
		_, c = cluster(t, k, first)
		return c.Status == keeper.StatusFailed && c.EndReason == "NodeFailed"
	}, 30*time.Second, 100*time.Millisecond)
	assert.Positive(t, c.Refunded)

	// Each vote's evidence is its keeper's signed probe log, served by its hash.
	for _, v := range votes {
		i := slices.Index(m.pubs, v.keeper)
		require.GreaterOrEqual(t, i, 0)
		resp, err := http.Get("http://" + keepers[i].Addr() + "/observations/" + hex.EncodeToString(v.evidence[:]))
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, v.evidence, sha256.Sum256(b))
		var signed market.SignedProbeLog
		require.NoError(t, json.Unmarshal(b, &signed))
		var log market.ProbeLog
		require.NoError(t, json.Unmarshal(signed.Log, &log))
		assert.Equal(t, nodeA, log.Node)
		assert.Equal(t, v.keeper, log.Keeper)
		assert.True(t, ed25519.Verify(ed25519.PublicKey(v.keeper.Bytes()), signed.Log, signed.Signature))
		assert.Equal(t, "missed", log.Entries[len(log.Entries)-1].Outcome)
	}
}

// vote is one landed report_failure.
type vote struct {
	keeper   solana.PublicKey
	evidence [32]byte
}

// failureVotes reads the landed report_failure transactions of an assignment from
// the chain's history (the assignment itself closes once its stream is settled).
func (m *marketNet) failureVotes(assignment solana.PublicKey) []vote {
	m.t.Helper()
	client := m.hire.Staking.RPC
	sigs, err := client.GetSignaturesForAddress(m.ctx, assignment)
	require.NoError(m.t, err)
	var out []vote
	for _, s := range sigs {
		if s.Err != nil {
			continue
		}
		v := uint64(0)
		res, err := client.GetTransaction(m.ctx, s.Signature, &rpc.GetTransactionOpts{
			Encoding: solana.EncodingBase64, MaxSupportedTransactionVersion: &v})
		require.NoError(m.t, err)
		tx, err := res.Transaction.GetTransaction()
		require.NoError(m.t, err)
		for _, ix := range tx.Message.Instructions {
			program, err := tx.Message.Program(ix.ProgramIDIndex)
			require.NoError(m.t, err)
			if !program.Equals(iohire.ProgramID) || !bytes.HasPrefix(ix.Data, iohire.Instruction_ReportFailure[:]) {
				continue
			}
			var e [32]byte
			copy(e[:], ix.Data[8:])
			out = append(out, vote{keeper: tx.Message.AccountKeys[ix.Accounts[0]], evidence: e})
		}
	}
	return out
}

// cutProber is a keeper's network that a test can cut: probes fail and the
// keeper's own checks fail with them.
type cutProber struct {
	inner *api.Client
	cut   atomic.Bool
}

func (p *cutProber) Probe(ctx context.Context, endpoint string, probe []byte) ([]byte, time.Duration, error) {
	if p.cut.Load() {
		return nil, 0, fmt.Errorf("%w: network is unreachable", api.ErrUnreachable)
	}
	return p.inner.Probe(ctx, endpoint, probe)
}

func (p *cutProber) selfCheck(context.Context) error {
	if p.cut.Load() {
		return errors.New("network is unreachable")
	}
	return nil
}

// One of three keepers loses its network during a hire for many times the failure
// span: its probes go unanswered, but it records them as unknown, votes nothing, and
// nobody is slashed; once back, its probes are answered again.
func TestKeeperNetworkCutDuringAHireSlashesNobody(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	m := newMarketNet(t, ctx, 3)
	wkey, ws := m.worker()
	node := m.hiredNode(wkey, ws.URL, 1_000_000)
	cut := &cutProber{inner: api.NewClient(api.ClientConfig{})}
	var keepers []*keeper.Keeper
	for i := range 3 {
		mc := keeper.MarketConfig{Every: 300 * time.Millisecond, HireProbeEvery: 300 * time.Millisecond,
			FailureMisses: 3, FailureSpan: time.Second, ProbeTimeout: time.Second}
		if i == 0 {
			mc.Prober, mc.SelfCheck = cut, cut.selfCheck
		}
		keepers = append(keepers, m.start(i, mc))
	}
	renter := m.renter()
	order := m.order(renter, 1, 1)
	require.Eventually(t, func() bool {
		o, err := m.hire.Order(ctx, order)
		return err == nil && o.Status == iohire.OrderStatus_Active
	}, 30*time.Second, 100*time.Millisecond)
	probes := func(outcome string) float64 {
		return metric(metricsText(t, keepers[0]), `ionet_keeper_hire_probes_total{outcome="`+outcome+`"}`)
	}
	require.Eventually(t, func() bool { return probes("answered") > 0 }, 30*time.Second, 100*time.Millisecond)

	cut.cut.Store(true)
	time.Sleep(8 * time.Second) // 8 failure spans, ~25 probes
	cut.cut.Store(false)
	assert.Greater(t, probes("unknown"), 10.0)
	assert.Zero(t, probes("missed"))
	answered := probes("answered")
	require.Eventually(t, func() bool { return probes("answered") > answered }, 30*time.Second, 100*time.Millisecond)

	for _, k := range keepers {
		assert.Zero(t, metric(metricsText(t, k), `ionet_keeper_failure_votes_total{result="landed"}`))
	}
	n, err := m.hire.Staking.Node(ctx, node)
	require.NoError(t, err)
	assert.Zero(t, n.SlashedTotal)
	assert.Nil(t, n.FrozenAtEpoch)
	o, err := m.hire.Order(ctx, order)
	require.NoError(t, err)
	assert.Equal(t, iohire.OrderStatus_Active, o.Status)
	assert.Zero(t, o.Failures)
}
