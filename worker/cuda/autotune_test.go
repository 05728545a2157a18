package cuda

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
)

func TestChooseAlgorithm(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name   string
		rates  []float64
		margin float64
		want   int
		err    bool
	}{
		{"heuristic only", []float64{1373}, 0.01, 0, false},
		{"heuristic best", []float64{1402, 1373, 1057}, 0.01, 0, false},
		{"H200 measured: best beats by 2.1 %", []float64{1373, 1390, 1402, 1057}, 0.01, 2, false},
		{"within the margin keeps the heuristic", []float64{1373, 1385}, 0.01, 0, false},
		{"exactly the margin wins", []float64{1000, 1010}, 0.01, 1, false},
		{"zero margin, any gain wins", []float64{1000, 1000.5}, 0, 1, false},
		{"ties keep the lower index", []float64{1000, 1100, 1100}, 0.01, 1, false},
		{"failed candidates ignored", []float64{1000, nan, -5, 0, inf, 1005}, 0.01, 0, false},
		{"failed candidate cannot win", []float64{1000, inf}, 0.01, 0, false},
		{"heuristic failed: best valid", []float64{nan, 900, 950, nan}, 0.01, 2, false},
		{"heuristic failed at zero: best valid even if small", []float64{0, 10}, 0.01, 1, false},
		{"none valid", []float64{nan, 0, -1}, 0.01, 0, true},
		{"no candidates", nil, 0.01, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := chooseAlgorithm(tc.rates, tc.margin)
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestMeasurePasses(t *testing.T) {
	// Candidate i's rate drifts down by 1 per run; candidate 2 fails in its first
	// run and is not run again; candidate 3 returns a NaN rate in its second run.
	var order []int
	calls := map[int]int{}
	var failed []int
	rates := measurePasses(4, func(i int) (float64, error) {
		order = append(order, i)
		calls[i]++
		switch {
		case i == 2:
			return 0, errors.New("not supported")
		case i == 3 && calls[i] == 2:
			return math.NaN(), nil
		}
		return 100 - float64(len(order)), nil
	}, func(i int, _ error) { failed = append(failed, i) })
	require.Equal(t, []int{0, 1, 2, 3, 3, 1, 0}, order, "ascending, then descending without the failed one")
	require.Equal(t, []int{2, 3}, failed)
	require.Len(t, rates, 4)
	// Run numbers: 0 at 1 and 7, 1 at 2 and 6: drift cancels, both means are 96.
	require.InDelta(t, 96, rates[0], 1e-9)
	require.InDelta(t, 96, rates[1], 1e-9)
	require.True(t, math.IsNaN(rates[2]))
	require.True(t, math.IsNaN(rates[3]))

	require.Empty(t, measurePasses(0, func(int) (float64, error) { panic("not called") }, nil))
}

func TestAutotuneConfigDefaults(t *testing.T) {
	c := AutotuneConfig{}.withDefaults()
	require.Equal(t, AutotuneConfig{Candidates: 8, Warmup: 2 * time.Second, Pass: time.Second, Margin: 0.01}, c)
	set := AutotuneConfig{Candidates: 3, Warmup: time.Millisecond, Pass: 2 * time.Millisecond, Margin: 0.05, CachePath: "x"}
	require.Equal(t, set, set.withDefaults())
}

func TestTuningGain(t *testing.T) {
	require.InDelta(t, 0.0211, Tuning{Chosen: 2, Rates: []float64{1373, 1390, 1402}}.Gain(), 1e-4)
	require.Zero(t, Tuning{Chosen: 0, Rates: []float64{1373}}.Gain())
	require.Zero(t, Tuning{Chosen: 1, Rates: []float64{0, 1400}}.Gain(), "heuristic failed: no gain to state")
	require.Zero(t, Tuning{}.Gain())
}

// The tuned algorithm is used only for GEMMs of the rows it was tuned at.
func TestAlgoForRows(t *testing.T) {
	h := &heuristicResult{algo: [8]uint64{7}}
	g := &gemm{algo: h, algoRows: 16384}
	require.Same(t, h, g.algoFor(16384))
	require.Nil(t, g.algoFor(16383), "a challenge's last, partial block gets the heuristic")
	require.Nil(t, g.algoFor(32768))
	require.Nil(t, (&gemm{algoRows: 16384}).algoFor(16384))
}

func TestRememberTuning(t *testing.T) {
	b := &Backend{}
	algo, rows := b.tunedLocked(32768, 8192)
	require.Nil(t, algo)
	require.Zero(t, rows)

	b.rememberTuning(Tuning{K: 32768, N: 8192, Rows: 16384, Chosen: 2, Algo: [8]uint64{1, 2, 3}})
	algo, rows = b.tunedLocked(32768, 8192)
	require.NotNil(t, algo)
	require.Equal(t, [8]uint64{1, 2, 3}, algo.algo)
	require.Equal(t, 16384, rows)
	algo, _ = b.tunedLocked(8192, 2048)
	require.Nil(t, algo, "another shape keeps the heuristic")

	b.rememberTuning(Tuning{K: 32768, N: 8192, Rows: 16384, Chosen: 0, Algo: [8]uint64{9}})
	algo, rows = b.tunedLocked(32768, 8192)
	require.Nil(t, algo, "index 0 is the heuristic, per call")
	require.Zero(t, rows)
}

func testKey() TuningKey {
	return TuningKey{Device: "NVIDIA H200", SMs: 132, Driver: 13000, CublasLt: 130100, Workspace: workspaceBytes,
		K: 32768, N: 8192, Rows: 16384}
}

func testEntry() TuningEntry {
	return TuningEntry{Key: testKey(), Chosen: 2, Algo: [8]uint64{0x1f, 0xffffffffffffffff, 3, 0, 0, 0, 0, 1 << 63},
		Rates: []float64{1373, 1390, 1402, 1057}, TunedAt: time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)}
}

func TestTuningCacheRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "gemm-autotune.json")
	_, found, err := LoadTuning(path, testKey())
	require.NoError(t, err, "a missing file is a miss, not an error")
	require.False(t, found)

	e := testEntry()
	require.NoError(t, SaveTuning(path, e))
	got, found, err := LoadTuning(path, testKey())
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, e, got, "every algo word, all 64 bits, survives JSON")

	// No temporary file is left beside it.
	names, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, names, 1)
	require.Equal(t, "gemm-autotune.json", names[0].Name())
}

func TestTuningCacheKeyMismatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gemm-autotune.json")
	require.NoError(t, SaveTuning(path, testEntry()))
	for _, tc := range []struct {
		name string
		edit func(*TuningKey)
	}{
		{"device", func(k *TuningKey) { k.Device = "NVIDIA H100 80GB HBM3" }},
		{"sms", func(k *TuningKey) { k.SMs = 114 }},
		{"driver", func(k *TuningKey) { k.Driver = 12080 }},
		{"cublaslt", func(k *TuningKey) { k.CublasLt = 120902 }},
		{"workspace", func(k *TuningKey) { k.Workspace = 4 << 20 }},
		{"k", func(k *TuningKey) { k.K = 8192 }},
		{"n", func(k *TuningKey) { k.N = 2048 }},
		{"rows", func(k *TuningKey) { k.Rows = 8192 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := testKey()
			tc.edit(&key)
			_, found, err := LoadTuning(path, key)
			require.NoError(t, err)
			require.False(t, found)
		})
	}
}

func TestTuningCacheUnusable(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
	}{
		{"empty", ""},
		{"truncated", `{"version":1,"entries":[{"key":`},
		{"not json", "\x00\x01garbage"},
		{"wrong type", `{"version":"one"}`},
		{"other version", `{"version":2,"entries":[]}`},
		{"chosen out of range", `{"version":1,"entries":[{"key":{"device":"NVIDIA H200","sms":132,"driver":13000,"cublaslt":130100,"workspace_bytes":33554432,"k":32768,"n":8192,"rows":16384},"chosen":5,"rates_tops":[1,2]}]}`},
		{"no rates", `{"version":1,"entries":[{"key":{"device":"NVIDIA H200","sms":132,"driver":13000,"cublaslt":130100,"workspace_bytes":33554432,"k":32768,"n":8192,"rows":16384},"chosen":0}]}`},
		{"chosen without algorithm", `{"version":1,"entries":[{"key":{"device":"NVIDIA H200","sms":132,"driver":13000,"cublaslt":130100,"workspace_bytes":33554432,"k":32768,"n":8192,"rows":16384},"chosen":1,"rates_tops":[1,2]}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "gemm-autotune.json")
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o644))
			_, found, err := LoadTuning(path, testKey())
			require.ErrorIs(t, err, errTuningCorrupt)
			require.False(t, found)

			// Saving over it replaces it with a good file.
			require.NoError(t, SaveTuning(path, testEntry()))
			got, found, err := LoadTuning(path, testKey())
			require.NoError(t, err)
			require.True(t, found)
			require.Equal(t, testEntry(), got)
		})
	}
}

func TestTuningCacheUnreadable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gemm-autotune.json")
	require.NoError(t, os.Mkdir(path, 0o755)) // a directory, not a file
	_, found, err := LoadTuning(path, testKey())
	require.Error(t, err)
	require.False(t, found)
	require.Error(t, SaveTuning(path, testEntry()), "cannot rename over a directory")
	names, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, names, 1, "the temporary file is removed after a failed write")
}

func TestTuningCacheKeepsOtherEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gemm-autotune.json")
	a := testEntry()
	b := testEntry()
	b.Key.Device, b.Chosen = "NVIDIA H100 80GB HBM3", 0
	require.NoError(t, SaveTuning(path, a))
	require.NoError(t, SaveTuning(path, b))

	a2 := a
	a2.Chosen, a2.Rates = 1, []float64{1000, 1100}
	require.NoError(t, SaveTuning(path, a2)) // replaces a, keeps b

	got, found, err := LoadTuning(path, a.Key)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, a2, got)
	got, found, err = LoadTuning(path, b.Key)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, b, got)
	f, err := readTuningFile(path)
	require.NoError(t, err)
	require.Len(t, f.Entries, 2)
}

func TestTuningCacheFailedRates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gemm-autotune.json")
	e := testEntry()
	e.Rates = []float64{1373, math.NaN(), 1402, math.Inf(1), -1}
	require.NoError(t, SaveTuning(path, e), "NaN cannot be JSON: failed candidates are stored as 0")
	got, found, err := LoadTuning(path, e.Key)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, []float64{1373, 0, 1402, 0, 0}, got.Rates)

	bad := testEntry()
	bad.Chosen = 9
	require.ErrorIs(t, SaveTuning(path, bad), errTuningCorrupt, "an entry that could not be loaded is not written")
}

// TestAutotune, on a device only: Autotune's choice computes the same row hashes as
// the heuristic (and as the host's reference chain), new GEMMs take it, and a second
// Autotune with the cache returns the cached choice without measuring.
func TestAutotune(t *testing.T) {
	be, err := Open(0)
	if err != nil {
		t.Skipf("no GPU: %v", err)
	}
	defer be.Close()
	if !be.Kernels() {
		t.Skip("the PTX kernels did not load: Autotune needs them")
	}
	k, n := classes.GPUK, classes.GPUN
	cache := filepath.Join(t.TempDir(), "gemm-autotune.json")
	cfg := AutotuneConfig{Warmup: time.Second, Pass: 500 * time.Millisecond, CachePath: cache}
	tu, err := be.Autotune(k, n, cfg)
	require.NoError(t, err)
	t.Logf("rates %v TOPS, chosen %d (%+.1f%%), rejected %v, took %v", tu.Rates, tu.Chosen, 100*tu.Gain(), tu.Rejected, tu.Took)
	require.False(t, tu.Cached)
	require.Equal(t, be.blockRows(k), tu.Rows)
	require.NotEmpty(t, tu.Rates)

	// A new GEMM takes the choice; its hashes equal the heuristic's and the host's.
	seed := pow.Seed{1, 2, 3}
	gm, err := be.NewSeededGEMM(seed, k, n)
	require.NoError(t, err)
	defer gm.Close()
	g := gm.(*gemm)
	if tu.Chosen == 0 {
		require.Nil(t, g.algo)
	} else {
		require.NotNil(t, g.algo)
		require.Equal(t, tu.Algo, g.algo.algo)
		require.Equal(t, tu.Rows, g.algoRows)
	}
	rows := tu.Rows
	tuned := make([]merkle.Hash, rows)
	require.NoError(t, g.CommitRows(tuned, seed, 0, rows, checkLinks))
	algo := g.algo
	g.algo = nil
	heuristic := make([]merkle.Hash, rows)
	require.NoError(t, g.CommitRows(heuristic, seed, 0, rows, checkLinks))
	g.algo = algo
	require.Equal(t, heuristic, tuned)
	bm := pow.GenerateB(pow.NewGenerator(seed), k, n, runtime.GOMAXPROCS(0))
	last := pow.ChainReference(seed, bm, 0, 2, k, n, checkLinks)[checkLinks-1]
	for r := range 2 {
		require.Equal(t, pow.RowHash(r, last[r*n:(r+1)*n]), tuned[r], "row %d against the host's chain", r)
	}

	// The cache: the same choice, nothing measured (well under one pass per candidate).
	again, err := be.Autotune(k, n, cfg)
	require.NoError(t, err)
	require.True(t, again.Cached)
	require.Equal(t, tu.Chosen, again.Chosen)
	require.Equal(t, tu.Algo, again.Algo)
	require.Less(t, again.Took, cfg.Warmup, "a cached choice is not measured")
}
