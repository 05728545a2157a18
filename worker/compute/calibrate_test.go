package compute

import (
	"context"
	"io"
	"log/slog"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/gemm"
)

// This machine's calibrated class is one it passes. A tenth of that class's
// challenge (same K, N, T, a tenth of the rows), run and timed as a keeper times it,
// takes what the measured rate predicts, within 35 %; and the whole challenge, as
// predicted, lands inside the class's honest window, above the late bound
// (0.7·RefTime / deadline of its peak) and below the flag bound (pow.FlagFactor).
// The machine is shared with the other test packages (under -race), whose load
// comes and goes between the measurement and the run, so the pair is tried up to
// three times; a calibration that is wrong misses every time.
func TestCalibratedCPUClassIsPassed(t *testing.T) {
	cores := runtime.GOMAXPROCS(0)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var off []float64
	for attempt := 0; attempt < 3; attempt++ {
		c, rate, err := CalibratedCPUClass(context.Background(), gemm.Best(), cores, time.Second, "", log)
		require.NoError(t, err)
		require.Equal(t, cores, rate.Cores)
		back, err := classes.ByName(c.Name)
		require.NoError(t, err)
		require.Equal(t, c, back, "keepers derive the same class from the name")
		lateBound := classes.RefEfficiency * c.RefTime.Seconds() / pow.Deadline(c, 0).Seconds()
		ratio := c.Ops() / rate.Predict(c).Seconds() / 1e12 / c.DensePeakTOPS
		require.Greater(t, ratio, lateBound*1.15)
		require.Less(t, ratio, pow.FlagFactor/1.15)

		tenth := c
		tenth.M = c.M / 10
		tenth.RefTime = time.Hour // timed against the prediction, not a deadline
		res, err := pow.Measure(context.Background(), gemm.Backend{Threads: cores}, tenth, pow.MeasureConfig{Workers: cores})
		require.NoError(t, err)
		t.Logf("%s: %.4g TOPS/core, fixed %v; a tenth of the challenge took %v, predicted %v",
			c.Name, rate.PerCoreTOPS(), rate.Fixed, res.Elapsed, rate.Predict(tenth))
		r := res.Elapsed.Seconds() / rate.Predict(tenth).Seconds()
		if math.Abs(r-1) <= 0.35 {
			return
		}
		off = append(off, r)
	}
	t.Fatalf("a tenth of the calibrated class took %v × the prediction in three tries", off)
}

// CPUTierFor picks, for rates across every tier's span, the class whose predicted
// whole-challenge rate sits within 2^(±1/8) (and a little for Fixed) of its window's
// centre; with Fixed = 0 it agrees with classes.CPUTierFor.
func TestCPUTierForPredictsTheWholeChallenge(t *testing.T) {
	ops := 2 * float64(classes.CPUK) * float64(classes.CPUN) * float64(classes.CPUT)
	for _, isa := range []classes.CPUISA{classes.ISAAVX512VNNI, classes.ISAAVX2, classes.ISAGeneric} {
		lo := classes.CPUTierCentre * classes.TierPeakTOPS(isa, classes.CPUMaxTier)
		hi := classes.CPUTierCentre * classes.TierPeakTOPS(isa, classes.CPUMinTier)
		for perCore := lo; perCore <= hi; perCore *= 1.05 {
			for _, fixed := range []time.Duration{0, 200 * time.Millisecond} {
				r := CPURate{Cores: 16, Fixed: fixed, PerRow: time.Duration(ops / (16 * perCore * 1e12) * 1e9)}
				c, err := CPUTierFor(isa, r)
				require.NoError(t, err)
				ratio := c.Ops() / r.Predict(c).Seconds() / 1e12 / c.DensePeakTOPS
				slack := 1 + fixed.Seconds()/20
				require.GreaterOrEqual(t, ratio, classes.CPUTierCentre*math.Pow(2, -0.5/classes.CPUTiersPerOctave)/slack*(1-1e-6), "%s at %g", c.Name, perCore)
				require.LessOrEqual(t, ratio, classes.CPUTierCentre*math.Pow(2, 0.5/classes.CPUTiersPerOctave)*(1+1e-6), "%s at %g", c.Name, perCore)
				if fixed == 0 {
					want, err := classes.CPUTier(isa, 16, classes.CPUTierFor(isa, r.PerCoreTOPS()))
					require.NoError(t, err)
					if want.Name != c.Name { // only a rate on a boundary between tiers may differ
						wantRatio := want.Ops() / r.Predict(want).Seconds() / 1e12 / want.DensePeakTOPS
						assert.InDelta(t, math.Abs(math.Log(ratio/classes.CPUTierCentre)), math.Abs(math.Log(wantRatio/classes.CPUTierCentre)), 1e-3)
					}
				}
			}
		}
	}
}

func TestMeasureCPURefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		cores int
		d     time.Duration
	}{{0, time.Second}, {-1, time.Second}, {1, 0}, {1, -time.Second}} {
		_, err := MeasureCPU(context.Background(), gemm.Backend{}, tc.cores, tc.d)
		assert.Error(t, err, "%+v", tc)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := CalibratedCPUClass(ctx, gemm.Best(), 1, time.Second, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	assert.ErrorIs(t, err, context.Canceled)
}

// Margin is the factor to the nearer bound of the honest window: 1.3 around the
// centre of a tier, 1 on a bound, below 1 outside.
func TestMargin(t *testing.T) {
	c, err := classes.CPUTier(classes.ISAAVX512VNNI, 16, 4)
	require.NoError(t, err)
	ops := 2 * float64(classes.CPUK) * float64(classes.CPUN) * float64(classes.CPUT)
	at := func(ofPeak float64) CPURate {
		perCore := ofPeak * c.DensePeakTOPS / 16
		return CPURate{Cores: 16, PerRow: time.Duration(ops / (16 * perCore * 1e12) * 1e9)}
	}
	late := classes.RefEfficiency * c.RefTime.Seconds() / pow.Deadline(c, 0).Seconds()
	assert.InDelta(t, math.Sqrt(pow.FlagFactor/late), at(classes.CPUTierCentre).Margin(c), 0.01)
	assert.InDelta(t, 1, at(late).Margin(c), 0.01)
	assert.InDelta(t, 1, at(pow.FlagFactor).Margin(c), 0.01)
	assert.Less(t, at(late/2).Margin(c), 1.0)
	assert.Less(t, at(2*pow.FlagFactor).Margin(c), 1.0)
}

// The previous class is kept while it fits with KeepMargin, whatever tier the
// measurement alone would pick; it is replaced when it no longer fits, and a name of
// another family (other cores, another ISA, not a class) is ignored.
func TestPickCPUClassKeepsAFittingPreviousTier(t *testing.T) {
	isa := classes.ISAAVX512VNNI
	ops := 2 * float64(classes.CPUK) * float64(classes.CPUN) * float64(classes.CPUT)
	rate := func(perCore float64) CPURate {
		return CPURate{Cores: 16, PerRow: time.Duration(ops / (16 * perCore * 1e12) * 1e9), Fixed: 150 * time.Millisecond}
	}
	// A rate at the edge between tiers 4 and 5: either fits; the previous one stays.
	tier4, err := classes.CPUTier(isa, 16, 4)
	require.NoError(t, err)
	tier5, err := classes.CPUTier(isa, 16, 5)
	require.NoError(t, err)
	edge := classes.CPUTierCentre * math.Sqrt(tier4.DensePeakTOPS*tier5.DensePeakTOPS) / 16
	for _, prev := range []classes.Class{tier4, tier5} {
		c, changed, err := PickCPUClass(isa, rate(edge), prev.Name)
		require.NoError(t, err)
		assert.Equal(t, prev.Name, c.Name)
		assert.False(t, changed)
	}
	// 15 % slower than tier 4's centre: still kept (margin above KeepMargin) …
	slower := rate(0.85 * classes.CPUTierCentre * tier4.DensePeakTOPS / 16)
	require.GreaterOrEqual(t, slower.Margin(tier4), KeepMargin)
	c, changed, err := PickCPUClass(isa, slower, tier4.Name)
	require.NoError(t, err)
	assert.Equal(t, tier4.Name, c.Name)
	assert.False(t, changed)
	// … half as fast: replaced, by the tier the rate picks, and said so.
	half := rate(0.5 * classes.CPUTierCentre * tier4.DensePeakTOPS / 16)
	want, err := CPUTierFor(isa, half)
	require.NoError(t, err)
	c, changed, err = PickCPUClass(isa, half, tier4.Name)
	require.NoError(t, err)
	assert.Equal(t, want.Name, c.Name)
	assert.NotEqual(t, tier4.Name, c.Name)
	assert.True(t, changed)
	// Another family's name, or none, is not a previous tier of this machine.
	other, err := classes.CPUTier(isa, 8, 4)
	require.NoError(t, err)
	for _, prev := range []string{other.Name, "cpu-avx2-16", "h100-sxm", "nonsense", ""} {
		c, changed, err := PickCPUClass(isa, rate(edge), prev)
		require.NoError(t, err)
		assert.NotEqual(t, prev, c.Name)
		assert.False(t, changed, prev)
	}
}

func TestFitLine(t *testing.T) {
	fixed, perRow, err := FitLine(100, 1100*time.Millisecond, 900, 3500*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, 3*time.Millisecond, perRow)
	assert.Equal(t, 800*time.Millisecond, fixed)

	// Noise can put the intercept below zero: the fixed part is then 0.
	fixed, perRow, err = FitLine(10, 10*time.Millisecond, 20, 30*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, 2*time.Millisecond, perRow)
	assert.Zero(t, fixed)

	for _, tc := range []struct {
		m0, m  int
		t0, t1 time.Duration
	}{{100, 100, time.Second, 2 * time.Second}, {100, 50, time.Second, 2 * time.Second}, {10, 20, time.Second, time.Second}, {10, 20, 2 * time.Second, time.Second}} {
		_, _, err := FitLine(tc.m0, tc.t0, tc.m, tc.t1)
		assert.ErrorContains(t, err, "no time per row", "%+v", tc)
	}
}
