package cuda

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
)

// Autotune: cuBLASLt's heuristic ranks algorithms by a model of an unthrottled
// device, but a challenge runs for 20 s at the card's power cap, where the sustained
// rate is what counts. On a 700 W H200 the heuristic's first choice sustained 1,373
// TOPS and the best of its top 8 1,402 TOPS (BenchmarkGEMMAlgorithms). Autotune
// measures the top candidates sustained, at the power cap, and keeps another only if
// it is clearly faster and gives the same bytes.

// AutotuneConfig sets how Autotune measures. Zero fields take the defaults.
type AutotuneConfig struct {
	// Candidates is how many of cuBLASLt's heuristic algorithms are measured, its
	// best ranked first (default 8).
	Candidates int
	// Warmup is how long the heuristic's GEMM runs before any measurement, so the
	// card reaches its power cap and clock (default 2 s).
	Warmup time.Duration
	// Pass is how long each candidate runs back to back in each of the two passes
	// (default 1 s).
	Pass time.Duration
	// Margin is the fraction by which a candidate's rate must beat the heuristic's
	// first choice to be taken instead (default 0.01: 1 %).
	Margin float64
	// CachePath is the JSON cache file (tunecache.go); "" for none.
	CachePath string
}

// Defaults of AutotuneConfig.
const (
	DefaultAutotuneCandidates = 8
	DefaultAutotuneWarmup     = 2 * time.Second
	DefaultAutotunePass       = time.Second
	DefaultAutotuneMargin     = 0.01
)

func (c AutotuneConfig) withDefaults() AutotuneConfig {
	if c.Candidates <= 0 {
		c.Candidates = DefaultAutotuneCandidates
	}
	if c.Warmup <= 0 {
		c.Warmup = DefaultAutotuneWarmup
	}
	if c.Pass <= 0 {
		c.Pass = DefaultAutotunePass
	}
	if c.Margin <= 0 {
		c.Margin = DefaultAutotuneMargin
	}
	return c
}

// Tuning is what Autotune chose for one GEMM shape.
type Tuning struct {
	K, N int // the GEMM: rows of K int8 times a K×N B
	// Rows is the GEMM's rows the choice is for: the device's block for K. A GEMM
	// of other rows (a challenge's last, partial block) uses the heuristic.
	Rows int
	// Chosen indexes Rates: 0 is cuBLASLt's heuristic first choice, which the
	// backend leaves to the heuristic per call.
	Chosen int
	// Algo is the chosen cublasLtMatmulAlgo_t, its eight 64-bit words.
	Algo [8]uint64
	// Rates are the candidates' sustained rates in TOPS (10^12 int8 operations per
	// second), each the mean of its two passes; NaN (0 from the cache) for a
	// candidate that failed.
	Rates []float64
	// Cached is true when the choice came from the cache and nothing was measured.
	Cached bool
	// Rejected is true when a faster candidate gave different row hashes from the
	// heuristic's and was refused.
	Rejected bool
	// Took is Autotune's wall time.
	Took time.Duration
}

// Gain is the chosen candidate's rate over the heuristic's first choice, minus 1
// (0.021 is 2.1 %); 0 when either was not measured.
func (t Tuning) Gain() float64 {
	if len(t.Rates) == 0 || t.Chosen >= len(t.Rates) || !validRate(t.Rates[0]) || !validRate(t.Rates[t.Chosen]) {
		return 0
	}
	return t.Rates[t.Chosen]/t.Rates[0] - 1
}

// tunedAlgo is a Backend's remembered choice for one (k, n).
type tunedAlgo struct {
	rows int
	algo *heuristicResult // nil: the heuristic
}

// tunedLocked is the remembered algorithm for a new GEMM of (k, n) and the rows it
// is for; nil when none. Call with the backend's lock held.
func (b *Backend) tunedLocked(k, n int) (*heuristicResult, int) {
	t, ok := b.tuned[[2]int{k, n}]
	if !ok || t.algo == nil {
		return nil, 0
	}
	return t.algo, t.rows
}

// remember makes algo (nil: the heuristic) the choice of new GEMMs of (k, n) with
// rows rows. GEMMs made before keep theirs.
func (b *Backend) remember(k, n, rows int, algo *[8]uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tuned == nil {
		b.tuned = map[[2]int]tunedAlgo{}
	}
	t := tunedAlgo{rows: rows}
	if algo != nil {
		t.algo = &heuristicResult{algo: *algo}
	}
	b.tuned[[2]int{k, n}] = t
}

// tuningKey is the cache key of (k, n, rows) on this backend's device; ok is false
// when the device, driver or library could not be identified (no caching then).
func (b *Backend) tuningKey(k, n, rows int) (TuningKey, bool) {
	key := TuningKey{Device: b.devName, SMs: b.sms, Driver: b.driver, CublasLt: b.ltVersion,
		Workspace: workspaceBytes, K: k, N: n, Rows: rows}
	return key, key.Device != "" && key.SMs > 0 && key.Driver > 0 && key.CublasLt > 0
}

// identify reads the device name and the driver and cuBLASLt versions for the
// autotune cache key; a failure leaves them empty and is logged.
func (b *Backend) identify(dev int32) {
	a := b.api
	var name [256]byte
	if err := cuErr("device name", a.cuDeviceGetName(&name[0], int32(len(name)), dev)); err != nil {
		b.log.Warn("cuda: no device name", "gpu", b.ordinal, "error", err)
	} else {
		for i, c := range name {
			if c == 0 {
				b.devName = string(name[:i])
				break
			}
		}
	}
	var v int32
	if err := cuErr("driver version", a.cuDriverGetVersion(&v)); err != nil {
		b.log.Warn("cuda: no driver version", "gpu", b.ordinal, "error", err)
	} else {
		b.driver = int(v)
	}
	b.ltVersion = a.cublasLtGetVersion()
}

// calibrationSeed is the fixed seed of Autotune's GEMM: B and A₀ as a challenge's,
// so the operands toggle as many bits (the power they draw sets the clock).
var calibrationSeed = pow.Seed(sha256.Sum256([]byte("ionet gemm autotune")))

// checkLinks is the links of the exactness check: the second link's operands are
// the first's int32 output bytes, full-range int8 as in a challenge.
const checkLinks = 2

// Autotune chooses the cuBLASLt algorithm of the chain GEMM of (k, n) at the device's
// block rows by its sustained rate, and makes it the algorithm of every GEMM of
// (k, n) made afterwards (NewGEMM, NewSeededGEMM), for blocks of exactly those rows.
//
// With a cache entry for this device, driver, cuBLASLt and shape it takes the
// cached choice after checking it is exact, without measuring. Otherwise it runs a
// GEMM of a fixed seed: the heuristic for cfg.Warmup, so the card reaches its power
// cap, then each of the heuristic's cfg.Candidates best algorithms for cfg.Pass in
// ascending order and again in descending order, rating each by the mean of its two
// passes. Another algorithm than the heuristic's first choice is taken only if it
// beats it by cfg.Margin and a block of row hashes computed with it is byte for byte
// the heuristic's. It needs the PTX kernels (the chain stays on the device). About
// cfg.Warmup + 2 × cfg.Candidates × cfg.Pass: 18 s by default.
//
// On an error the backend keeps the heuristic; the error says why.
func (b *Backend) Autotune(k, n int, cfg AutotuneConfig) (Tuning, error) {
	cfg = cfg.withDefaults()
	t0 := time.Now()
	rows := b.blockRows(k)
	tu := Tuning{K: k, N: n, Rows: rows}
	log := b.log.With("gpu", b.ordinal, "k", k, "n", n, "rows", rows)
	if b.kern == nil {
		return tu, errors.New("cuda autotune: needs the PTX kernels")
	}
	p, err := newPlan(rows, k, n)
	if err != nil {
		return tu, err
	}
	if !chainsOnDevice(p) {
		return tu, fmt.Errorf("cuda autotune: %d×%d is not a chain shape (K = 4N)", k, n)
	}
	gm, err := b.NewSeededGEMM(calibrationSeed, k, n)
	if err != nil {
		return tu, err
	}
	g := gm.(*gemm)
	defer g.Close()
	g.algo, g.algoRows = nil, rows
	// The heuristic's row hashes, the reference of the exactness check; this also
	// grows the chain buffers and fills them for the measurements.
	ref := make([]merkle.Hash, rows)
	if err := g.CommitRows(ref, calibrationSeed, 0, rows, checkLinks); err != nil {
		return tu, fmt.Errorf("cuda autotune: heuristic block: %w", err)
	}
	exact := func(algo [8]uint64) error {
		hashes := make([]merkle.Hash, rows)
		g.algo = &heuristicResult{algo: algo}
		defer func() { g.algo = nil }()
		if err := g.CommitRows(hashes, calibrationSeed, 0, rows, checkLinks); err != nil {
			return err
		}
		for r := range hashes {
			if hashes[r] != ref[r] {
				return fmt.Errorf("row %d's hash differs from the heuristic's", r)
			}
		}
		return nil
	}

	key, keyed := b.tuningKey(k, n, rows)
	if cfg.CachePath != "" && !keyed {
		log.Warn("gemm autotune: device, driver or cuBLASLt unidentified, not caching", "device", key.Device,
			"driver", key.Driver, "cublaslt", key.CublasLt)
	}
	if cfg.CachePath != "" && keyed {
		e, found, err := LoadTuning(cfg.CachePath, key)
		switch {
		case err != nil:
			log.Warn("gemm autotune: cache unusable, tuning again", "path", cfg.CachePath, "error", err)
		case found && e.Chosen != 0:
			if err := exact(e.Algo); err != nil {
				log.Warn("gemm autotune: cached algorithm fails its check, tuning again", "path", cfg.CachePath, "error", err)
				break
			}
			fallthrough
		case found:
			tu.Chosen, tu.Algo, tu.Rates, tu.Cached = e.Chosen, e.Algo, e.Rates, true
			b.rememberTuning(tu)
			tu.Took = time.Since(t0)
			log.Info("gemm autotune: cached choice", "path", cfg.CachePath, "chosen", tu.Chosen, "tops", tu.Rates,
				"gain", fmt.Sprintf("%+.1f%%", 100*tu.Gain()), "took", tu.Took.Round(time.Millisecond))
			return tu, nil
		}
	}

	leave, err := b.enter()
	if err != nil {
		leave()
		return tu, err
	}
	algos, err := g.algorithms(p, cfg.Candidates)
	leave()
	if err != nil {
		return tu, err
	}
	log.Info("gemm autotune: start", "candidates", len(algos), "warmup", cfg.Warmup, "pass", cfg.Pass,
		"margin", cfg.Margin, "estimate", cfg.Warmup+time.Duration(2*len(algos))*cfg.Pass)
	if _, _, err := sustain(g, p, cfg.Warmup); err != nil {
		return tu, fmt.Errorf("cuda autotune: warm-up: %w", err)
	}
	ops := 2 * float64(k) * float64(n) * float64(rows)
	rates := measurePasses(len(algos), func(i int) (float64, error) {
		g.algo = &algos[i]
		defer func() { g.algo = nil }()
		links, took, err := sustain(g, p, cfg.Pass)
		if err != nil {
			return 0, err
		}
		return ops * float64(links) / took.Seconds() / 1e12, nil
	}, func(i int, err error) {
		log.Warn("gemm autotune: candidate failed", "candidate", i, "id", algos[i].algo[0], "error", err)
	})
	for i, r := range rates {
		log.Info("gemm autotune: candidate", "candidate", i, "id", algos[i].algo[0], "workspace", algos[i].workspace,
			"waves", algos[i].waves, "tops", math.Round(r*10)/10)
	}
	tu.Rates = rates
	chosen, err := chooseAlgorithm(rates, cfg.Margin)
	if err != nil {
		return tu, err
	}
	tu.Chosen, tu.Algo = chosen, algos[chosen].algo
	if chosen != 0 {
		if err := exact(tu.Algo); err != nil {
			log.Warn("gemm autotune: faster candidate rejected, keeping the heuristic", "candidate", chosen, "error", err)
			tu.Chosen, tu.Algo, tu.Rejected = 0, algos[0].algo, true
		}
	}
	b.rememberTuning(tu)
	if cfg.CachePath != "" && keyed {
		e := TuningEntry{Key: key, Chosen: tu.Chosen, Algo: tu.Algo, Rates: rates, TunedAt: time.Now().UTC()}
		if err := SaveTuning(cfg.CachePath, e); err != nil {
			log.Warn("gemm autotune: cache not written", "path", cfg.CachePath, "error", err)
		}
	}
	tu.Took = time.Since(t0)
	log.Info("gemm autotune: chosen", "chosen", tu.Chosen, "id", tu.Algo[0], "tops", math.Round(rates[tu.Chosen]*10)/10,
		"heuristic_tops", math.Round(rates[0]*10)/10, "gain", fmt.Sprintf("%+.1f%%", 100*tu.Gain()),
		"rejected", tu.Rejected, "took", tu.Took.Round(time.Millisecond))
	return tu, nil
}

// rememberTuning makes t the choice of new GEMMs: its algorithm, or the heuristic
// when t chose index 0.
func (b *Backend) rememberTuning(t Tuning) {
	if t.Chosen == 0 {
		b.remember(t.K, t.N, t.Rows, nil)
		return
	}
	b.remember(t.K, t.N, t.Rows, &t.Algo)
}

// sustain runs g's chain GEMM as planned by p back to back for about d (the buffers
// grown and A₀ written by the caller), with the algorithm g.algoFor(p.m), and returns
// the links run and the time taken. The device is taken for the whole run.
func sustain(g *gemm, p plan, d time.Duration) (int, time.Duration, error) {
	leave, err := g.b.enter()
	defer leave()
	if err != nil {
		return 0, 0, err
	}
	bufs := [2]uint64{g.y, g.d}
	t0, links := time.Now(), 0
	for time.Since(t0) < d {
		for range 50 {
			if err := g.matmulInto(p, bufs[links%2], bufs[(links+1)%2]); err != nil {
				return 0, 0, err
			}
			links++
		}
		if err := cuErr("synchronize", g.b.api.cuCtxSynchronize()); err != nil {
			return 0, 0, err
		}
	}
	return links, time.Since(t0), nil
}
