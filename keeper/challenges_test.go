package keeper_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper"
	"github.com/ionet-network/ionet/keeper/challenge"
	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/report"
	"github.com/ionet-network/ionet/tests/localnode"
	"github.com/ionet-network/ionet/worker/api"
	"github.com/ionet-network/ionet/worker/gemm"
)

// testClass is the localnet's CPU class (classes.LocalnetCPU): a commitment is about
// 10⁹ operations, tens of milliseconds on worker/gemm's kernels, within the 2 s floor
// of the deadline and still a measurable milli-TOPS; testLookup knows it.
var (
	testClass  = classes.LocalnetCPU
	testLookup = classes.LocalnetLookup
)

// testEpochSeconds is the localnet's epoch: room for three challenge windows of
// testWindows after their lead, so each of three keepers challenges every node once.
const testEpochSeconds = 15

// testWindows: a 2 s lead to learn the beacon, 3.5 s windows (0.3 s to send, the
// 2 s deadline at up to 0.2 s of RTT, 1 s to open and verify), and 1 s after the
// last one for its re-checks.
var testWindows = challenge.WindowConfig{PerEpoch: 3, Lead: 2 * time.Second, Length: 3500 * time.Millisecond,
	Spread: 300 * time.Millisecond, MaxRTT: 200 * time.Millisecond, Verify: time.Second, Recheck: time.Second}

// startWorker serves the worker API in-process for a fresh worker key, answering
// testClass on the CPU for the given keepers, with fault.
func startWorker(t *testing.T, keepers []solana.PublicKey, fault api.Fault) (ed25519.PrivateKey, string) {
	t.Helper()
	_, key, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	prover, err := pow.NewProver(pow.ProverConfig{Key: key, Backend: gemm.Backend{Threads: 1}, Lookup: testLookup,
		Workers: 1, Logger: quiet})
	require.NoError(t, err)
	srv, err := api.NewServer(api.Config{
		Key: key, Node: staking.NodeAddress(solana.PublicKeyFromBytes(key.Public().(ed25519.PublicKey))),
		Class: testClass.Name, Lookup: testLookup, Fault: fault, Logger: quiet,
		Devices: []api.Device{{Prover: prover}},
		Keepers: func(k ed25519.PublicKey) bool { return slices.Contains(keepers, solana.PublicKeyFromBytes(k)) },
	})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); _ = srv.Close() })
	return key, hs.URL
}

// registerNode registers and stakes the worker's node (one device of testClass's
// family) at endpoint; it returns the node's address.
func registerNode(t *testing.T, ctx context.Context, node *localnode.Node, worker ed25519.PrivateKey, endpoint string) solana.PublicKey {
	t.Helper()
	address := node.WorkerNode(t, ctx, solana.PrivateKey(worker), testClass.ID, endpoint)
	n, err := staking.New(node.RPCURL).Node(ctx, address)
	require.NoError(t, err)
	assert.Positive(t, staking.OperatorStake(n))
	return address
}

// metricsText is a keeper's GET /metrics.
func metricsText(t *testing.T, k *keeper.Keeper) string {
	t.Helper()
	resp, err := http.Get("http://" + k.Addr() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// metric is one series' value in a Prometheus text exposition (0 when absent).
func metric(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var v float64
			_, _ = fmt.Sscan(rest, &v)
			return v
		}
	}
	return 0
}

// Three keepers on a localnet challenge and probe two in-process workers registered
// as staked nodes, one honest and one whose openings carry a wrong row. The report
// of the first epoch they all observe finalizes with both nodes covered: the honest
// one with the median of its measured TOPS and full uptime, the faulty one with no
// TOPS and no reward; each keeper challenged each node once (three windows, three
// keepers taking turns) and counts the wrong row in its metrics.
func TestKeepersChallengeAndProbeWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t, "--epoch-seconds", fmt.Sprint(testEpochSeconds))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	addrs := make([]string, 3)
	keys := make([]solana.PrivateKey, 3)
	pubs := make([]solana.PublicKey, 3)
	for i := range keys {
		addrs[i] = freeAddr(t)
		keys[i] = node.Keeper(t, ctx, "http://"+addrs[i])
		pubs[i] = keys[i].PublicKey()
	}
	honestKey, honestURL := startWorker(t, pubs, api.FaultNone)
	faultyKey, faultyURL := startWorker(t, pubs, api.FaultWrongRow)
	honest := registerNode(t, ctx, node, honestKey, honestURL)
	faulty := registerNode(t, ctx, node, faultyKey, faultyURL)

	var keepers []*keeper.Keeper
	done := make(chan error, len(keys))
	for i, key := range keys {
		k, err := keeper.New(keeper.Config{
			Keypair: key, RPCURL: node.RPCURL, WSURL: node.WSURL, Listen: addrs[i],
			DataDir: filepath.Join(t.TempDir(), fmt.Sprint(i)), PriceMicroUSD: 2_000_000, Claims: true,
			Tick: 200 * time.Millisecond,
			Challenge: challenge.Config{Windows: testWindows, Lookup: testLookup, ProbesIdle: 4, ProbesHired: 4,
				ProbeWindow: 2 * time.Second, Samples: 16},
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("keeper", i),
		})
		require.NoError(t, err)
		keepers = append(keepers, k)
		go func() { done <- k.Run(ctx) }()
	}
	for _, k := range keepers {
		require.Eventually(t, func() bool {
			if k.Addr() == "" {
				return false
			}
			code, body := getJSON(t, "http://"+k.Addr()+"/healthz")
			return code == http.StatusOK && body["synced"] == true
		}, time.Minute, 100*time.Millisecond, "keeper not synced")
	}
	// The first epoch that starts after every keeper follows the chain, and that
	// they all serve.
	client := rewards.New(node.RPCURL)
	target := node.ServedEpoch(t, ctx, keys...)
	node.WaitFinal(t, ctx, target, 2*time.Minute)
	rc, err := client.Config(ctx)
	require.NoError(t, err)
	onChain, err := client.EpochReport(ctx, target)
	require.NoError(t, err)
	require.True(t, onChain.Finalized, "epoch %d is final", target)
	require.Len(t, onChain.Commits, 3)

	// Every keeper's committed summary: the honest node's three challenges (its own
	// and the two others' it re-checked), so the same TOPS at every keeper; the
	// faulty node's one wrong row (a challenger's failure is not copied); the probes.
	wrongRow, ok := epochlog.ReasonCode(epochlog.ReasonWrongRow)
	require.True(t, ok)
	var honestTOPS, honestUptime, faultyUptime []uint64
	byKey := map[solana.PublicKey]*keeper.Keeper{}
	for i, k := range keepers {
		byKey[pubs[i]] = k
	}
	for _, c := range onChain.Commits {
		require.Contains(t, byKey, c.Keeper)
		s := summaryOf(t, byKey[c.Keeper], c.LogHash)
		require.Equal(t, target, s.Epoch)
		byNode := map[solana.PublicKey]epochlog.NodeSummary{}
		for _, n := range s.Nodes {
			byNode[solana.PublicKeyFromBytes(n.Node[:])] = n
		}
		h, f := byNode[honest], byNode[faulty]
		assert.Equal(t, uint16(3), h.Passed, "keeper %s: its own challenge and two re-checked", c.Keeper)
		assert.Empty(t, h.Failures, "keeper %s", c.Keeper)
		assert.Positive(t, h.TOPSMilli, "keeper %s", c.Keeper)
		assert.Equal(t, uint32(4), h.Probes, "keeper %s", c.Keeper)
		assert.Zero(t, f.Passed, "keeper %s", c.Keeper)
		assert.Equal(t, []uint8{wrongRow}, f.Failures, "keeper %s challenged the faulty node once", c.Keeper)
		assert.Zero(t, f.TOPSMilli, "keeper %s", c.Keeper)
		assert.Equal(t, uint32(4), f.Probes, "keeper %s", c.Keeper)
		honestTOPS = append(honestTOPS, h.TOPSMilli)
		honestUptime = append(honestUptime, uint64(h.UptimeBps()))
		faultyUptime = append(faultyUptime, uint64(f.UptimeBps()))
	}

	for _, v := range honestTOPS {
		assert.Equal(t, honestTOPS[0], v, "every keeper holds the same three timings")
	}

	// The final report, as a keeper that voted it serves it once it saw it final.
	require.NotEmpty(t, onChain.Voters)
	var body []byte
	require.Eventually(t, func() bool {
		var code int
		code, body = getJSONRaw(t, fmt.Sprintf("http://%s/reports/%d", byKey[onChain.Voters[0]].Addr(), target))
		return code == http.StatusOK
	}, 10*time.Second, 100*time.Millisecond, "final report of epoch %d not served", target)
	var rep report.EpochReport
	require.NoError(t, json.Unmarshal(body, &rep))
	require.Equal(t, onChain.Root, [32]byte(rep.Root))
	leaves := map[solana.PublicKey]report.Leaf{}
	for _, l := range rep.Leaves {
		leaves[l.Node] = l
	}
	require.Contains(t, leaves, honest, "the honest node is covered")
	require.Contains(t, leaves, faulty, "the faulty node is covered (its probes were answered)")
	median := func(v []uint64) uint64 {
		m, ok := report.LowerMedian(v)
		require.True(t, ok)
		return m
	}
	h, f := leaves[honest], leaves[faulty]
	t.Logf("epoch %d: honest node %d milli-TOPS (keepers %v), uptime %d bps, reward %d; faulty node %d milli-TOPS, uptime %d bps",
		target, h.TOPSMilli, honestTOPS, h.UptimeBps, h.EpochReward, f.TOPSMilli, f.UptimeBps)
	assert.Equal(t, testClass.ID, h.Class)
	assert.Positive(t, h.TOPSMilli)
	assert.Equal(t, median(honestTOPS), h.TOPSMilli, "the lower median of the keepers' TOPS")
	assert.Positive(t, h.UptimeBps)
	assert.Equal(t, median(honestUptime), uint64(h.UptimeBps))
	assert.Zero(t, f.TOPSMilli, "a wrong row earns no TOPS")
	assert.Zero(t, f.EpochReward, "no TOPS, no weight")
	assert.Equal(t, median(faultyUptime), uint64(f.UptimeBps))
	if h.UptimeBps >= rc.Params.UptimeThresholdBps {
		assert.Positive(t, h.EpochReward, "the honest node earns the epoch's emission")
	}

	// Each keeper counted the wrong row, and its passed challenge and answered probes.
	for i, k := range keepers {
		text := metricsText(t, k)
		assert.GreaterOrEqual(t, metric(text, `ionet_keeper_challenges_total{reason="wrong-row",result="failed"}`), 1.0, "keeper %d", i)
		assert.GreaterOrEqual(t, metric(text, `ionet_keeper_challenges_total{reason="",result="passed"}`), 1.0, "keeper %d", i)
		assert.GreaterOrEqual(t, metric(text, `ionet_keeper_probes_total{reason="",result="answered"}`), 8.0, "keeper %d", i)
	}
	cancel()
	for range keepers {
		require.NoError(t, <-done)
	}
}

func getJSONRaw(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// summaryOf fetches a summary k committed and decodes it.
func summaryOf(t *testing.T, k *keeper.Keeper, hash [32]byte) *epochlog.Summary {
	t.Helper()
	code, b := getJSONRaw(t, "http://"+k.Addr()+"/summaries/"+hex.EncodeToString(hash[:]))
	require.Equal(t, http.StatusOK, code, string(b))
	s, err := epochlog.DecodeSummary(b)
	require.NoError(t, err)
	return s
}
