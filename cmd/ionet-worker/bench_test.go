package main

import (
	"context"
	"encoding/json"
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
		"--fraction", "0.002", "--json")
	require.Equal(t, 1, code, stderr)
	var r BenchReport
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, "late", r.Verdict)
	assert.Equal(t, fast.Name, r.Class)
	assert.Greater(t, r.ChallengeS, r.DeadlineS)
	assert.InDelta(t, 0.002, r.Fraction, 0.0001)
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
	assert.Contains(t, stderr, "flagged")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--fraction", "0"}, "--fraction 0: want a number in (0, 1]"},
		{[]string{"bench", "--fraction", "1.5"}, "--fraction 1.5"},
		{[]string{"bench", "--fraction", "half"}, `invalid value "half" for flag -fraction`},
		{[]string{"bench", "--class", "h900"}, `--class: class "h900"`},
		{[]string{"bench", "--class", "cpu-avx2-2x300"}, "x300 is not a speed tier of avx2 (nearest: x299)"},
		{[]string{"--mock-gpus", "h100-sxm:2", "bench"}, "mock GPUs compute nothing"},
	} {
		code, _, stderr := runApp(t, ctx, nil, append([]string{"--data-dir", data}, tc.args...)...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		assert.Contains(t, stderr, tc.want, tc.args)
	}
}
