package challenge

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/api"
	"github.com/ionet-network/ionet/worker/gemm"
)

// small is a CPU class sized down: a commitment is about 10^9 multiply-adds (tens of
// milliseconds on worker/gemm's kernels, enough for a measurable milli-TOPS), and
// the test device below stretches it to a chosen duration. Its reference time is
// what its sizes give at 70% of its peak, 0.5 s: deadline 1.25 × 0.5 + 2 = 2.625 s.
var small = func() classes.Class {
	c := classes.Class{ID: 199, Name: "challenge-test-small", M: 2048, K: 1024, N: 256, T: 2, Source: "test"}
	c.DensePeakTOPS = c.Ops() / (classes.RefEfficiency * 0.5 * 1e12)
	c.RefTime = time.Duration(c.Ops() / (classes.RefEfficiency * c.DensePeakTOPS * 1e12) * float64(time.Second))
	return c
}()

func lookup(name string) (classes.Class, error) {
	if name == small.Name {
		return small, nil
	}
	return classes.ByName(name)
}

// device is the CPU backend (worker/gemm) made as slow as a real device of the
// class: every row multiplied costs perRow of wall time (the arithmetic's own time
// included). Its GEMMs run while the worker API holds the device lock, so servers
// sharing the lock share the device.
type device struct {
	gemm.Backend
	perRow time.Duration
}

func (d device) NewGEMM(b []int8, k, n int) (pow.GEMM, error) {
	g, err := d.Backend.NewGEMM(b, k, n)
	return slowGEMM{g, d.perRow}, err
}

type slowGEMM struct {
	pow.GEMM
	perRow time.Duration
}

func (g slowGEMM) Mul(c []int32, a []int8, m int) error {
	start := time.Now()
	err := g.GEMM.Mul(c, a, m)
	time.Sleep(time.Duration(m)*g.perRow - time.Since(start))
	return err
}

// perRow is the cost per row that makes one commitment of small take commit.
func perRow(commit time.Duration) time.Duration {
	return commit / time.Duration(small.M*small.T)
}

func key(tag string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(tag))
	return ed25519.NewKeyFromSeed(s[:])
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// worker is a fake worker: the real worker/api handler on httptest.
type worker struct {
	key  ed25519.PrivateKey
	node Node
}

func startWorker(t *testing.T, tag string, dev device, lock sync.Locker, keepers []ed25519.PublicKey, fault api.Fault) worker {
	t.Helper()
	k := key(tag)
	prover, err := pow.NewProver(pow.ProverConfig{Key: k, Backend: dev, Lookup: lookup, Workers: 1, Logger: quiet()})
	require.NoError(t, err)
	srv, err := api.NewServer(api.Config{
		Key: k, Class: small.Name, Lookup: lookup, Fault: fault, Logger: quiet(),
		Devices: []api.Device{{Prover: prover, Lock: lock}},
		Keepers: func(p ed25519.PublicKey) bool { return contains(keepers, p) },
	})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); _ = srv.Close() })
	addr := sha256.Sum256([]byte("node " + tag))
	return worker{key: k, node: Node{Address: solana.PublicKeyFromBytes(addr[:]), Worker: pub(k), Class: small.Name, Endpoint: hs.URL}}
}

type recorded struct {
	epoch uint64
	obs   epochlog.Observation
}

type memRecorder struct {
	mu  sync.Mutex
	all []recorded
}

func (m *memRecorder) Record(epoch uint64, o epochlog.Observation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.all = append(m.all, recorded{epoch, o})
	return nil
}

// of returns the observations of kind about node, in order.
func (m *memRecorder) of(node solana.PublicKey, kind epochlog.Kind) []epochlog.Observation {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []epochlog.Observation
	for _, r := range m.all {
		if r.obs.Node == node && r.obs.Kind == kind {
			out = append(out, r.obs)
		}
	}
	return out
}

// testWindows: windows of 4 s (0.2 s to send, the 2.625 s deadline at up to 0.1 s of
// RTT, 1 s to open and verify).
var testWindows = WindowConfig{PerEpoch: 2, Lead: 300 * time.Millisecond, Length: 4 * time.Second,
	Spread: 200 * time.Millisecond, MaxRTT: 100 * time.Millisecond, Verify: time.Second}

// epochFor is an epoch starting now with room for windows windows.
func epochFor(number uint64, tag string, windows int, keepers []ed25519.PublicKey, nodes ...Node) Epoch {
	return Epoch{Number: number, Beacon: sha256.Sum256([]byte(tag)), Start: time.Now(),
		Length: testWindows.Lead + time.Duration(windows)*testWindows.Length, Keepers: keepers, Nodes: nodes}
}

func newDuty(t *testing.T, k ed25519.PrivateKey, rec Recorder, mod func(*Config)) Duty {
	t.Helper()
	cfg := Config{Key: k, Recorder: rec, Lookup: lookup, Windows: testWindows, KeepersPerNode: 1,
		ProbesIdle: 2, ProbesHired: 6, ProbeWindow: time.Second, Samples: 16, Logger: quiet()}
	if mod != nil {
		mod(&cfg)
	}
	d, err := New(cfg)
	require.NoError(t, err)
	return d
}

// One device behind two registered identities: in every window both are challenged
// at once, the device computes one commitment after the other, and the second comes
// after its deadline. The same two identities on two devices pass every window.
func TestOneDeviceTwoIdentitiesMissesADeadline(t *testing.T) {
	t.Parallel()
	const commit = 1600 * time.Millisecond // within 2.625 s alone, not twice
	keeper := key("keeper")
	keepers := []ed25519.PublicKey{pub(keeper)}
	ws := testWindows.PerEpoch

	// Both setups run at once (the test is mostly waiting for windows).
	type outcome struct {
		a, b   []epochlog.Observation
		counts map[string]int
	}
	run := func(name string, shared bool) outcome {
		dev := device{Backend: gemm.Backend{Threads: 1}, perRow: perRow(commit)}
		lockA, lockB := sync.Locker(&sync.Mutex{}), sync.Locker(&sync.Mutex{})
		if shared {
			lockB = lockA
		}
		a := startWorker(t, name+" a", dev, lockA, keepers, api.FaultNone)
		b := startWorker(t, name+" b", dev, lockB, keepers, api.FaultNone)
		rec := &memRecorder{}
		out := outcome{counts: map[string]int{}}
		var mu sync.Mutex
		d := newDuty(t, keeper, Counting(rec, func(kind epochlog.Kind, reason string) {
			if kind == epochlog.KindChallenge {
				mu.Lock()
				out.counts[reason]++
				mu.Unlock()
			}
		}), func(c *Config) { c.ProbesIdle, c.ProbesHired = 1, 1 })
		assert.NoError(t, d.Run(context.Background(), epochFor(7, name, ws, keepers, a.node, b.node)))
		out.a, out.b = rec.of(a.node.Address, epochlog.KindChallenge), rec.of(b.node.Address, epochlog.KindChallenge)
		return out
	}
	var one, two outcome
	var wg sync.WaitGroup
	wg.Go(func() { one = run("one device", true) })
	wg.Go(func() { two = run("two devices", false) })
	wg.Wait()

	require.Len(t, one.a, ws)
	require.Len(t, one.b, ws)
	for i := range ws {
		late := 0
		for _, o := range []epochlog.Observation{one.a[i], one.b[i]} {
			if o.Reason == epochlog.ReasonDeadline {
				late++
			}
		}
		assert.GreaterOrEqual(t, late, 1, "window %d: %q / %q", i, one.a[i].Reason, one.b[i].Reason)
	}
	assert.GreaterOrEqual(t, one.counts[epochlog.ReasonDeadline], ws, "the counting hook sees the reasons")

	require.Len(t, two.a, ws)
	require.Len(t, two.b, ws)
	for i := range ws {
		for _, o := range []epochlog.Observation{two.a[i], two.b[i]} {
			assert.True(t, o.OK, "window %d: %q", i, o.Reason)
			assert.Positive(t, o.TOPSMilli)
			assert.Len(t, o.Evidence, evidenceLen)
		}
	}
	assert.Equal(t, map[string]int{"": 2 * ws}, two.counts)
}

// A worker whose openings carry a wrong row gets no TOPS for the epoch, with the
// reason wrong-row; an honest worker beside it passes and another keeper's re-check
// of its logged answer passes too, while the faulty one's fails.
func TestWrongRowEarnsNoTOPS(t *testing.T) {
	t.Parallel()
	keeper := key("keeper wrong-row")
	keepers := []ed25519.PublicKey{pub(keeper)}
	dev := device{Backend: gemm.Backend{Threads: 1}, perRow: perRow(time.Second)}
	bad := startWorker(t, "wrong-row", dev, &sync.Mutex{}, keepers, api.FaultWrongRow)
	good := startWorker(t, "honest", dev, &sync.Mutex{}, keepers, api.FaultNone)
	gone := startWorker(t, "gone", dev, &sync.Mutex{}, keepers, api.FaultNone)
	gone.node.Endpoint = "http://127.0.0.1:1" // nothing listens there
	rec := &memRecorder{}
	d := newDuty(t, keeper, rec, nil)
	ep := epochFor(3, "wrong-row", 1, keepers, bad.node, good.node, gone.node)
	require.NoError(t, d.Run(context.Background(), ep))

	log := &epochlog.Log{Epoch: ep.Number, Keeper: [32]byte(pub(keeper))}
	for _, r := range rec.all {
		log.Observations = append(log.Observations, r.obs)
	}
	sum, err := epochlog.Summarize(log)
	require.NoError(t, err)
	byNode := map[[32]byte]epochlog.NodeSummary{}
	for _, n := range sum.Nodes {
		byNode[n.Node] = n
	}
	wrongRow, _ := epochlog.ReasonCode(epochlog.ReasonWrongRow)
	unreachable, _ := epochlog.ReasonCode(epochlog.ReasonUnreachable)

	badObs := rec.of(bad.node.Address, epochlog.KindChallenge)
	require.Len(t, badObs, 1)
	assert.False(t, badObs[0].OK)
	assert.Equal(t, epochlog.ReasonWrongRow, badObs[0].Reason)
	assert.Zero(t, badObs[0].TOPSMilli)
	assert.Zero(t, byNode[bad.node.Address].TOPSMilli)
	assert.Equal(t, []uint8{wrongRow}, byNode[bad.node.Address].Failures)

	assert.Positive(t, byNode[good.node.Address].TOPSMilli)
	assert.Equal(t, uint16(1), byNode[good.node.Address].Passed)
	assert.Equal(t, []uint8{unreachable}, byNode[gone.node.Address].Failures)
	for _, o := range rec.of(gone.node.Address, epochlog.KindProbe) {
		assert.Equal(t, epochlog.ReasonUnreachable, o.Reason)
	}
	for _, w := range []worker{bad, good} {
		probes := rec.of(w.node.Address, epochlog.KindProbe)
		assert.Len(t, probes, 2)
		for _, o := range probes {
			assert.True(t, o.OK, o.Reason)
		}
	}

	// The cross-check another assigned keeper runs on the logged evidence, with its
	// own vector.
	rc := RecheckConfig{Lookup: lookup}
	goodObs := rec.of(good.node.Address, epochlog.KindChallenge)[0]
	require.NoError(t, Recheck(goodObs, pub(keeper), good.node.Worker, rc))
	require.Len(t, badObs[0].Evidence, evidenceLen)
	assert.ErrorIs(t, Recheck(badObs[0], pub(keeper), bad.node.Worker, rc), pow.ErrWrongRow)
	assert.ErrorIs(t, Recheck(goodObs, pub(keeper), bad.node.Worker, rc), ErrEvidence, "another worker's answer")
	assert.Error(t, Recheck(goodObs, pub(key("not the challenger")), good.node.Worker, rc))
	swapped := goodObs
	swapped.Evidence = [][]byte{goodObs.Evidence[0], goodObs.Evidence[1], goodObs.Evidence[2], badObs[0].Evidence[3]}
	assert.Error(t, Recheck(swapped, pub(keeper), good.node.Worker, rc), "openings of another challenge")
	short := goodObs
	short.Evidence = goodObs.Evidence[:2]
	assert.ErrorIs(t, Recheck(short, pub(keeper), good.node.Worker, rc), ErrEvidence)
}

// Two keepers assigned to two nodes take turns challenging (one challenger per node
// and window, the same plan on both), both probe every node, and a hired node is
// probed more often and never challenged.
func TestKeepersRotateAndHiredIsProbed(t *testing.T) {
	t.Parallel()
	k1, k2 := key("keeper one"), key("keeper two")
	keepers := []ed25519.PublicKey{pub(k1), pub(k2)}
	dev := device{Backend: gemm.Backend{Threads: 1}, perRow: perRow(time.Second)}
	idle := startWorker(t, "idle", dev, &sync.Mutex{}, keepers, api.FaultNone)
	hired := startWorker(t, "hired", dev, &sync.Mutex{}, keepers, api.FaultNone)
	hired.node.Hired = true
	ep := epochFor(11, "rotate", 2, keepers, idle.node, hired.node)
	recs := []*memRecorder{{}, {}}
	var wg sync.WaitGroup
	for i, k := range []ed25519.PrivateKey{k1, k2} {
		d := newDuty(t, k, recs[i], func(c *Config) { c.KeepersPerNode = 2 })
		wg.Go(func() { require.NoError(t, d.Run(context.Background(), ep)) })
	}
	wg.Wait()

	for _, w := range []worker{idle, hired} {
		total := 0
		for i, rec := range recs {
			obs := rec.of(w.node.Address, epochlog.KindChallenge)
			assert.Len(t, obs, 1, "keeper %d challenges %s in one of the two windows", i, w.node.Address)
			total += len(obs)
			for _, o := range obs {
				if w.node.Hired {
					assert.Equal(t, epochlog.ReasonHired, o.Reason)
					assert.Empty(t, o.Evidence)
				} else {
					assert.True(t, o.OK, o.Reason)
				}
			}
			probes := rec.of(w.node.Address, epochlog.KindProbe)
			want := map[bool]int{false: 2, true: 6}[w.node.Hired]
			assert.Len(t, probes, want, "keeper %d probes", i)
			for _, o := range probes {
				assert.True(t, o.OK, o.Reason)
			}
		}
		assert.Equal(t, 2, total)
	}
}

func TestNewValidates(t *testing.T) {
	rec := &memRecorder{}
	_, err := New(Config{Key: key("k"), Recorder: rec})
	require.NoError(t, err)
	for name, cfg := range map[string]Config{
		"no key":            {Recorder: rec},
		"no recorder":       {Key: key("k")},
		"hired probed less": {Key: key("k"), Recorder: rec, ProbesIdle: 5, ProbesHired: 1},
		"negative":          {Key: key("k"), Recorder: rec, Workers: -1},
		"bad windows":       {Key: key("k"), Recorder: rec, Windows: WindowConfig{Lead: time.Second}},
	} {
		_, err := New(cfg)
		assert.Error(t, err, name)
	}
	d, err := New(Config{Key: key("k"), Recorder: rec})
	require.NoError(t, err)
	assert.Error(t, d.Run(context.Background(), Epoch{}), "an epoch without a length")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, d.Run(ctx, Epoch{Start: time.Now(), Length: time.Hour}), context.Canceled)
}

// A class whose challenge does not fit the windows (h100-sxm's 25 s deadline in 4 s
// windows) costs the other classes nothing: their nodes are challenged as usual, and
// its nodes are probed, not challenged.
func TestClassTooLargeForTheWindowsIsProbedOnly(t *testing.T) {
	t.Parallel()
	k := key("keeper")
	keepers := []ed25519.PublicKey{pub(k)}
	dev := device{Backend: gemm.Backend{Threads: 1}, perRow: perRow(time.Second)}
	fits := startWorker(t, "fits", dev, &sync.Mutex{}, keepers, api.FaultNone)
	large := startWorker(t, "large", dev, &sync.Mutex{}, keepers, api.FaultNone)
	large.node.Class = "h100-sxm"
	rec := &memRecorder{}
	d := newDuty(t, k, rec, nil)
	require.NoError(t, d.Run(context.Background(), epochFor(12, "too large", 1, keepers, fits.node, large.node)))

	passed := rec.of(fits.node.Address, epochlog.KindChallenge)
	require.Len(t, passed, 1)
	assert.True(t, passed[0].OK, passed[0].Reason)
	assert.Empty(t, rec.of(large.node.Address, epochlog.KindChallenge))
	assert.Len(t, rec.of(large.node.Address, epochlog.KindProbe), 2)
}

// peers serves each keeper's own challenge observations from its recorder, as the
// daemon's GET /challenges/{epoch}/{node} does; tamper, when set, changes what one
// keeper serves.
type peers struct {
	recs   map[string]*memRecorder
	tamper func(o *epochlog.Observation)
}

func (p peers) Challenges(_ context.Context, keeper ed25519.PublicKey, epoch uint64, node solana.PublicKey) ([]epochlog.Observation, error) {
	rec := p.recs[string(keeper)]
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []epochlog.Observation
	for _, r := range rec.all {
		o := r.obs
		if r.epoch != epoch || o.Node != node || o.Kind != epochlog.KindChallenge || len(o.Evidence) == 0 {
			continue
		}
		if _, err := pow.OpenChallenge(o.Evidence[EvidenceChallenge], keeper); err != nil {
			continue // a re-checked copy of another keeper's challenge
		}
		o.Evidence = slices.Clone(o.Evidence)
		if p.tamper != nil {
			p.tamper(&o)
		}
		out = append(out, o)
	}
	return out, nil
}

// Each of two keepers challenges the node in its own window and re-checks the
// other's answer: both logs end with the same two passed challenges and TOPS. A
// peer serving a forged opening, or a TOPS above the class's peak, gets the
// re-checker's failure instead, with the reason.
func TestAssignedKeepersRecheckEachOthersAnswers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		tamper func(o *epochlog.Observation)
		reason string
	}{
		{"honest", nil, ""},
		{"forged opening", func(o *epochlog.Observation) {
			ops := o.Evidence[EvidenceOpenings]
			ops[len(ops)/2] ^= 1 // inside a signed message: its signature no longer holds
		}, epochlog.ReasonBadSignature},
		{"claimed too fast", func(o *epochlog.Observation) { o.TOPSMilli = uint64(2 * small.DensePeakTOPS * 1000) },
			epochlog.ReasonTooFast},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k1, k2 := key("recheck one "+c.name), key("recheck two "+c.name)
			keepers := []ed25519.PublicKey{pub(k1), pub(k2)}
			dev := device{Backend: gemm.Backend{Threads: 1}, perRow: perRow(500 * time.Millisecond)}
			w := startWorker(t, "recheck "+c.name, dev, &sync.Mutex{}, keepers, api.FaultNone)
			recs := []*memRecorder{{}, {}}
			ps := peers{recs: map[string]*memRecorder{string(pub(k1)): recs[0], string(pub(k2)): recs[1]}}
			if c.tamper != nil {
				// Only the first keeper's answers are tampered with on their way to the second.
				inner := c.tamper
				ps.tamper = func(o *epochlog.Observation) {
					if ch, err := pow.OpenChallenge(o.Evidence[EvidenceChallenge], pub(k1)); err == nil && ch.Class != "" {
						inner(o)
					}
				}
			}
			ep := epochFor(13, "recheck "+c.name, 2, keepers, w.node)
			ep.Length += 2 * time.Second // the windows' re-check time
			var wg sync.WaitGroup
			for i, k := range []ed25519.PrivateKey{k1, k2} {
				d := newDuty(t, k, recs[i], func(cfg *Config) {
					cfg.KeepersPerNode, cfg.Peers = 2, ps
					cfg.Windows.Recheck = 2 * time.Second
				})
				wg.Go(func() { require.NoError(t, d.Run(context.Background(), ep)) })
			}
			wg.Wait()

			own := func(i int) []epochlog.Observation {
				var out []epochlog.Observation
				for _, o := range recs[i].of(w.node.Address, epochlog.KindChallenge) {
					if _, err := pow.OpenChallenge(o.Evidence[EvidenceChallenge], keepers[i]); err == nil {
						out = append(out, o)
					}
				}
				return out
			}
			first, second := own(0), own(1)
			require.Len(t, first, 1, "one window each")
			require.Len(t, second, 1)
			require.True(t, first[0].OK, first[0].Reason)
			require.True(t, second[0].OK, second[0].Reason)
			all := [][]epochlog.Observation{recs[0].of(w.node.Address, epochlog.KindChallenge), recs[1].of(w.node.Address, epochlog.KindChallenge)}
			require.Equal(t, 2, len(all[0]), "its own and the second keeper's, re-checked")
			require.Equal(t, 2, len(all[1]), "its own and the first keeper's, re-checked")
			// The first keeper re-checked the second's honest answer: its TOPS.
			assert.Contains(t, all[0], epochlog.Observation{Node: second[0].Node, Kind: epochlog.KindChallenge, AtMillis: all[0][slices.IndexFunc(all[0], func(o epochlog.Observation) bool { return o.AtMillis != first[0].AtMillis })].AtMillis,
				OK: true, TOPSMilli: second[0].TOPSMilli, RTTMicros: second[0].RTTMicros, Evidence: second[0].Evidence})
			copied := all[1][slices.IndexFunc(all[1], func(o epochlog.Observation) bool {
				_, err := pow.OpenChallenge(o.Evidence[EvidenceChallenge], pub(k1))
				return err == nil
			})]
			if c.reason == "" {
				assert.True(t, copied.OK)
				assert.Equal(t, first[0].TOPSMilli, copied.TOPSMilli)
			} else {
				assert.False(t, copied.OK)
				assert.Equal(t, c.reason, copied.Reason)
				assert.Zero(t, copied.TOPSMilli)
			}
		})
	}
}

// dropOpenings puts a proxy before w that cuts the connection of the first drops
// requests for openings (as a worker that crashes after sending its commitment and
// restarts does), and returns w with the proxy as its endpoint.
func dropOpenings(t *testing.T, w worker, drops int) worker {
	t.Helper()
	target, err := url.Parse(w.node.Endpoint)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	hs := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == api.PathOpen {
			mu.Lock()
			drop := drops > 0
			drops--
			mu.Unlock()
			if drop {
				conn, _, err := rw.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
		}
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(hs.Close)
	w.node.Endpoint = hs.URL
	return w
}

// A worker unreachable when its openings are asked for is asked again within the
// window, so a worker that restarted from its commitment journal still passes; one
// that never answers fails as unreachable when the window ends.
func TestOpeningsAreAskedAgainWhileTheWorkerIsUnreachable(t *testing.T) {
	t.Parallel()
	keeper := key("keeper reopen")
	keepers := []ed25519.PublicKey{pub(keeper)}
	dev := device{Backend: gemm.Backend{Threads: 1}, perRow: perRow(time.Second)}
	back := dropOpenings(t, startWorker(t, "back", dev, &sync.Mutex{}, keepers, api.FaultNone), 2)
	never := dropOpenings(t, startWorker(t, "never", dev, &sync.Mutex{}, keepers, api.FaultNone), 1<<30)
	rec := &memRecorder{}
	d := newDuty(t, keeper, rec, nil)
	ep := epochFor(4, "reopen", 1, keepers, back.node, never.node)
	// The window ends before the epoch, as the recheck tail has it in production: a
	// challenge still running when the epoch ends is dropped, not recorded.
	ep.Length += time.Second
	require.NoError(t, d.Run(context.Background(), ep))

	obs := rec.of(back.node.Address, epochlog.KindChallenge)
	require.Len(t, obs, 1)
	assert.True(t, obs[0].OK, "asked again after two cut connections: %s", obs[0].Reason)
	assert.Positive(t, obs[0].TOPSMilli)
	obs = rec.of(never.node.Address, epochlog.KindChallenge)
	require.Len(t, obs, 1)
	assert.False(t, obs[0].OK)
	assert.Equal(t, epochlog.ReasonUnreachable, obs[0].Reason)
}

// A class too large for the windows holds every epoch: the keeper warns once per
// class, not once per epoch.
func TestUnfitClassIsWarnedOncePerClass(t *testing.T) {
	var logs bytes.Buffer
	keeper := key("keeper")
	d := newDuty(t, keeper, &memRecorder{}, func(c *Config) {
		c.Lookup = classes.ByName
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}).(*duty)
	node := func(tag, class string) Node {
		return Node{Address: solana.PublicKeyFromBytes(pub(key(tag))), Worker: pub(key(tag + "-w")), Class: class, Endpoint: "http://x"}
	}
	keepers := []ed25519.PublicKey{pub(keeper)}
	for e := range uint64(3) {
		_, err := d.plan(epochFor(e, "unfit", 2, keepers, node("a", "h100-sxm"), node("b", "h100-sxm"), node("c", "a100")))
		require.NoError(t, err)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "class=h100-sxm"), logs.String())
	assert.Equal(t, 1, strings.Count(logs.String(), "class=a100"), logs.String())
}
