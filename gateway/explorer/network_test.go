package explorer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/report"
	"github.com/ionet-network/ionet/tests/localnode"
)

// testNet is a small network on a fresh localnet, the demo's story in short: three
// keepers finalize an epoch that attests two nodes' TOPS and pays their rewards, a
// staker delegates to the H100 node, a renter's IOSD order runs on it at its ask, a
// second order's CPU node is reported failed by two keepers (slashed, the slash
// burned), a third order waits for a match, and an A100 node is listed but not
// staked.
//
// The keepers' endpoints are keeperStandIn, an HTTP server speaking ionet-keeper's
// public API (/healthz, /reports/{epoch}, /challenges/{epoch}/{node}) from what the
// test gives it: the final report the keepers' round built, and challenge
// observations. No ionet-keeper runs, so the chain holds still once it is built.
type testNet struct {
	node    *localnode.Node
	genesis *localnet.Genesis
	keepers []solana.PrivateKey
	standIn *keeperStandIn
	// The nodes' addresses: H100 (8 GPUs, US), CPU (localnet-cpu, DE), A100 (unstaked, SG).
	h100, cpu, a100 solana.PublicKey
	final           report.EpochReport
	active, failed  solana.PublicKey // orders
	open            solana.PublicKey
	// challengeEpoch is the epoch of the CPU node's challenges the keepers serve.
	challengeEpoch uint64
}

func startNetwork(t *testing.T) *testNet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	n := &testNet{node: localnode.Start(t, "--epoch-seconds", "12"), standIn: newKeeperStandIn(t)}
	var err error
	if n.genesis, err = localnet.ReadGenesis(n.node.Genesis); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		n.keepers = append(n.keepers, n.node.Keeper(t, ctx, n.standIn.url(i)))
	}
	n.h100 = n.registerNode(t, ctx, iostaking.NodeSpec{GpuClass: 1, GpuCount: 8, VramMibPerGpu: 81_920, Vcpus: 64,
		RamGib: 512, BandwidthMbps: 10_000, Location: [2]uint8{'U', 'S'}}, 2_150_000, true)
	n.cpu = n.registerNode(t, ctx, iostaking.NodeSpec{GpuClass: classes.LocalnetCPU.ID, GpuCount: 1, Vcpus: 2,
		RamGib: 4, BandwidthMbps: 100, Location: [2]uint8{'D', 'E'}}, 100_000, true)
	n.a100 = n.registerNode(t, ctx, iostaking.NodeSpec{GpuClass: 2, GpuCount: 8, VramMibPerGpu: 81_920, Vcpus: 32,
		RamGib: 256, BandwidthMbps: 10_000, Location: [2]uint8{'S', 'G'}}, 1_500_000, false)

	// The keepers' round: commit, vote at $2.00 per $IO, claim; the claims attest
	// 100 TOPS for the H100 node and 0.05 TOPS for the CPU node.
	rc := rewards.New(n.node.RPCURL)
	measured := map[solana.PublicKey]uint64{n.h100: 100_000, n.cpu: 50}
	out, err := rc.Run(ctx, rewards.Round{Keepers: n.keepers, Price: 2_000_000, Attempts: 4,
		Measure: func(a rewards.NodeAccount) (rewards.Measured, bool) {
			m, ok := measured[a.Address]
			return rewards.Measured{TOPSMilli: m, UptimeBps: 10_000}, ok
		},
		Wait: func(ctx context.Context, ts int64) error { return localnet.WaitUntil(ctx, rc.Staking, ts) },
	}, n.keepers[0])
	if err != nil {
		t.Fatalf("keepers' round: %v", err)
	}
	n.final = out.Report
	n.standIn.setReport(out.Report)

	// A staker delegates 300 $IO to the H100 node, within its cap now it is attested.
	staker, _ := n.node.Fund(t, ctx, 1_000_000_000, 300*100_000_000)
	ix, err := staking.Delegate(staker.PublicKey(), n.h100, n.genesis.Mints.IO, 300*100_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Staking.Send(ctx, []solana.PrivateKey{staker}, ix); err != nil {
		t.Fatalf("delegate: %v", err)
	}

	// The renter's orders, in IOSD: 2 H100 GPUs × 2 h at most $2.50, matched to the
	// H100 node at its $2.15 ask; 1 CPU × 1 h at most $0.50 on the CPU node, then
	// reported failed; 4 A100 GPUs, which no staked node offers, stay open.
	renter, _ := n.node.Fund(t, ctx, 2_000_000_000, 0)
	faucet, err := n.genesis.Faucet()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Staking.Send(ctx, []solana.PrivateKey{faucet},
		n.genesis.MintIOSDInstructions(faucet.PublicKey(), renter.PublicKey(), 1_000*1_000_000)...); err != nil {
		t.Fatalf("mint IOSD: %v", err)
	}
	n.active = n.order(t, ctx, renter, iohire.OrderSpec{GpuClass: 1, Gpus: 2, Hours: 2, MaxPriceMicroUsd: 2_500_000},
		hire.Part{Node: n.h100, GPUs: 2})
	n.failed = n.order(t, ctx, renter, iohire.OrderSpec{GpuClass: classes.LocalnetCPU.ID, Gpus: 1, Hours: 1,
		MaxPriceMicroUsd: 500_000}, hire.Part{Node: n.cpu, GPUs: 1})
	n.open = n.order(t, ctx, renter, iohire.OrderSpec{GpuClass: 2, Gpus: 4, Hours: 1, MaxPriceMicroUsd: 1_000_000})
	hc := hire.New(n.node.RPCURL)
	for _, k := range n.keepers[:2] {
		ix, err := hire.ReportFailure(k.PublicKey(), n.failed, renter.PublicKey(), n.genesis.Mints.IOSD, n.cpu,
			n.genesis.Mints.IO, [32]byte{1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hc.Send(ctx, []solana.PrivateKey{k}, ix); err != nil {
			t.Fatalf("report_failure by %s: %v", k.PublicKey(), err)
		}
	}
	cpu, err := rc.Staking.Node(ctx, n.cpu)
	if err != nil || cpu.SlashedTotal == 0 {
		t.Fatalf("the failed CPU node was not slashed: %v", err)
	}

	// What the keepers' /challenges serve for the CPU node in the current epoch:
	// keeper 0 measured it twice, keeper 1 saw a deadline missed.
	now, err := rc.Staking.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := rc.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	epoch := rewards.EpochsOf(cfg.Params).At(now)
	n.challengeEpoch = epoch
	at := time.Now().UnixMilli()
	n.standIn.addChallenge(0, epoch, epochlog.Observation{Node: n.cpu, Kind: epochlog.KindChallenge, AtMillis: at - 3000,
		OK: true, TOPSMilli: 48, RTTMicros: 900})
	n.standIn.addChallenge(0, epoch, epochlog.Observation{Node: n.cpu, Kind: epochlog.KindChallenge, AtMillis: at - 1000,
		OK: true, TOPSMilli: 52, RTTMicros: 1_100})
	n.standIn.addChallenge(1, epoch, epochlog.Observation{Node: n.cpu, Kind: epochlog.KindChallenge, AtMillis: at - 2000,
		Reason: epochlog.ReasonDeadline, RTTMicros: 2_000})
	return n
}

// registerNode lists a node of spec at ask (micro-USD) with a fresh operator and
// worker, and stakes io-staking's minimum when staked.
func (n *testNet) registerNode(t *testing.T, ctx context.Context, spec iostaking.NodeSpec, ask uint64, staked bool) solana.PublicKey {
	t.Helper()
	client := staking.New(n.node.RPCURL)
	cfg, err := client.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stake := staking.RequiredOperatorStake(&iostaking.Node{Spec: spec}, cfg.Params)
	operator, _ := n.node.Fund(t, ctx, 1_000_000_000, stake)
	worker := solana.NewWallet().PrivateKey
	ixs := []solana.Instruction{}
	reg, err := staking.RegisterNode(operator.PublicKey(), worker.PublicKey(), n.genesis.Mints.IO,
		iostaking.RegisterNodeArgs{Spec: spec, AskMicroUsd: ask, Endpoint: "http://127.0.0.1:1/worker"})
	if err != nil {
		t.Fatal(err)
	}
	ixs = append(ixs, reg)
	address := staking.NodeAddress(worker.PublicKey())
	if staked {
		st, err := staking.Stake(operator.PublicKey(), address, n.genesis.Mints.IO, stake)
		if err != nil {
			t.Fatal(err)
		}
		ixs = append(ixs, st)
	}
	if _, err := client.Send(ctx, []solana.PrivateKey{operator, worker}, ixs...); err != nil {
		t.Fatalf("register node: %v", err)
	}
	return address
}

// order creates renter's IOSD order for spec and has keeper 0 assign it to parts.
func (n *testNet) order(t *testing.T, ctx context.Context, renter solana.PrivateKey, spec iohire.OrderSpec, parts ...hire.Part) solana.PublicKey {
	t.Helper()
	hc := hire.New(n.node.RPCURL)
	id, err := hc.NextOrderID(ctx, renter.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if spec.Locations == nil {
		spec.Locations = [][2]uint8{}
	}
	ix, err := hire.CreateOrder(renter.PublicKey(), n.genesis.Mints.IOSD, id, spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.Send(ctx, []solana.PrivateKey{renter}, ix); err != nil {
		t.Fatalf("create order: %v", err)
	}
	address := hire.OrderAddress(renter.PublicKey(), id)
	if len(parts) > 0 {
		ix, err := hire.Assign(n.keepers[0].PublicKey(), address, renter.PublicKey(), n.genesis.Mints.IOSD, parts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hc.Send(ctx, []solana.PrivateKey{n.keepers[0]}, ix); err != nil {
			t.Fatalf("assign: %v", err)
		}
	}
	return address
}

// keeperStandIn serves ionet-keeper's public read API for the test's keepers, one
// under each /k{i} prefix.
type keeperStandIn struct {
	srv        *httptest.Server
	mu         sync.Mutex
	reports    map[uint64]report.EpochReport
	challenges map[string][]epochlog.Observation // "i/epoch/node"
}

func newKeeperStandIn(t *testing.T) *keeperStandIn {
	k := &keeperStandIn{reports: map[uint64]report.EpochReport{}, challenges: map[string][]epochlog.Observation{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /keepers/{i}/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeTestJSON(w, map[string]any{"status": "ok", "synced": true})
	})
	mux.HandleFunc("GET /keepers/{i}/reports/{epoch}", func(w http.ResponseWriter, r *http.Request) {
		e, _ := strconv.ParseUint(r.PathValue("epoch"), 10, 64)
		k.mu.Lock()
		rep, ok := k.reports[e]
		k.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"no final report"}`, http.StatusNotFound)
			return
		}
		writeTestJSON(w, rep)
	})
	mux.HandleFunc("GET /keepers/{i}/challenges/{epoch}/{node}", func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		obs := k.challenges[r.PathValue("i")+"/"+r.PathValue("epoch")+"/"+r.PathValue("node")]
		k.mu.Unlock()
		if obs == nil {
			obs = []epochlog.Observation{}
		}
		writeTestJSON(w, obs)
	})
	k.srv = httptest.NewServer(mux)
	t.Cleanup(k.srv.Close)
	return k
}

func (k *keeperStandIn) url(i int) string { return fmt.Sprintf("%s/keepers/%d", k.srv.URL, i) }

func (k *keeperStandIn) setReport(r report.EpochReport) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.reports[r.Epoch] = r
}

func (k *keeperStandIn) addChallenge(i int, epoch uint64, o epochlog.Observation) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key := fmt.Sprintf("%d/%d/%s", i, epoch, solana.PublicKey(o.Node))
	k.challenges[key] = append(k.challenges[key], o)
}

func writeTestJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// getAPI GETs path from the explorer at base and decodes it into v.
func getAPI(t *testing.T, base, path string, v any) {
	t.Helper()
	resp, err := http.Get(strings.TrimRight(base, "/") + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}
