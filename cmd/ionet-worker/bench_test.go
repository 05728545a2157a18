package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/worker/compute"
	"github.com/ionet-network/ionet/worker/gemm"
)

// bench rehearses a challenge against an in-process keeper and says whether the
// machine passes, is late or is flagged, with exit status 0, 1, 1; its input errors
// exit 2 before any work.
func TestBench(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	code, out, stderr := runApp(t, ctx, nil, "--data-dir", data, "--localnet-classes", "bench", "--class", classes.LocalnetCPU.Name)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "verdict    passes")
	assert.Contains(t, out, "challenge  ")
	assert.Contains(t, stderr, "rehearsing a challenge against an in-process keeper")

	// The fastest tier on 2 cores is far above this machine: late, measured on a
	// small fraction and extrapolated.
	isa := compute.ISA(gemm.Best())
	fast, err := classes.CPUTier(isa, 2, classes.CPUMinTier)
	require.NoError(t, err)
	code, out, stderr = runApp(t, ctx, nil, "--data-dir", data, "--threads", "2", "bench", "--class", fast.Name,
		"--fraction", "0.005", "--json")
	require.Equal(t, 1, code, stderr)
	var r BenchReport
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, "late", r.Verdict)
	assert.Equal(t, fast.Name, r.Class)
	assert.Greater(t, r.ChallengeS, r.DeadlineS)
	assert.InDelta(t, 0.005, r.Fraction, 0.0001)
	assert.Positive(t, r.OpeningBytes, "the sample was opened and checked")
	assert.Contains(t, stderr, "would fail its class's challenges: late")
	// The fixed part is counted once: the extrapolation is the fitted line at M rows,
	// below scaling the whole run by 1/fraction, and its TOPS is the class's
	// operations over that time.
	assert.GreaterOrEqual(t, r.FixedS, 0.0)
	assert.Less(t, r.FixedS, r.ElapsedS)
	assert.LessOrEqual(t, r.ChallengeS, r.ElapsedS/r.Fraction*1.0001)
	assert.InDelta(t, fast.Ops()/r.ChallengeS/1e12, r.TOPS, r.TOPS*1e-9)

	// The slowest tier is far below it: flagged as too fast.
	slow, err := classes.CPUTier(isa, 2, classes.CPUMaxTier)
	require.NoError(t, err)
	code, out, stderr = runApp(t, ctx, nil, "--data-dir", data, "--threads", "2", "bench", "--class", slow.Name)
	require.Equal(t, 1, code, stderr)
	assert.Contains(t, out, "FLAGGED")
	assert.Contains(t, out, "hint       the class is too small for this machine")
	assert.Contains(t, stderr, "flagged")
	// A tiny share of it runs at least 1,024 rows (here: all of them), so it is
	// flagged too; a run of a handful of rows diluted by its fixed cost passed.
	code, out, stderr = runApp(t, ctx, nil, "--data-dir", data, "--threads", "2", "bench", "--class", slow.Name,
		"--fraction", "0.01", "--json")
	require.Equal(t, 1, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, "flagged", r.Verdict)
	assert.Equal(t, min(slow.M, minBenchRows), r.Rows)

	// A tiny fraction of a large class runs 1,024 rows and extrapolates.
	code, out, _ = runApp(t, ctx, nil, "--data-dir", data, "--threads", "2", "bench", "--class", fast.Name,
		"--fraction", "1e-9")
	require.Equal(t, 1, code)
	assert.Contains(t, out, "ran        1024 rows")
	assert.Contains(t, out, "hint       a CPU node: let the worker measure its tier, without --class")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--fraction", "0"}, "--fraction 0: want a number in (0, 1]"},
		{[]string{"bench", "--fraction", "1.5"}, "--fraction 1.5"},
		{[]string{"bench", "--fraction", "half"}, `invalid value "half" for flag --fraction`},
		{[]string{"bench", "--class", "h900"}, `--class: class "h900"`},
		{[]string{"bench", "--class", "cpu-avx2-2x300"}, "x300 is not a speed tier of avx2 (nearest: x299)"},
		{[]string{"--mock-gpus", "h100-sxm:2", "bench"}, "mock GPUs compute nothing"},
	} {
		code, _, stderr := runApp(t, ctx, nil, append([]string{"--data-dir", data}, tc.args...)...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		assert.Contains(t, stderr, tc.want, tc.args)
	}
}

// A commitment that was itself late is not opened, as a keeper does not ask; the
// report says so instead of printing an empty opening.
func TestPrintBenchOfALateCommitment(t *testing.T) {
	var b strings.Builder
	printBench(&b, BenchReport{Class: "h100-sxm", Backend: "cpu-avx512-vnni", Rows: 3226, Fraction: 0.001, ElapsedS: 55,
		ChallengeS: 55000, DeadlineS: 27, DensePeakTOPS: 1979, Verdict: "late"})
	assert.Contains(t, b.String(), "opening    not asked for: a keeper opens only a commitment in time")
	assert.Contains(t, b.String(), "verdict    LATE by 54973.0 s")
	assert.NotContains(t, b.String(), "hint")
}
