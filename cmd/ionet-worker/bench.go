package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/agent"
	"github.com/ionet-network/ionet/worker/compute"
	"github.com/ionet-network/ionet/worker/gemm"
)

func benchFlags() []cli.Flag {
	return []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "class", Usage: "the `CLASS` to rehearse (default: the discovered node class)", EnvVars: []string{"IONET_CLASS"}}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "fraction", Usage: "run this fraction of the challenge's rows, in (0, 1], and extrapolate", EnvVars: []string{"IONET_BENCH_FRACTION"}, Value: 1}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "gemm-autotune", Usage: "on a GPU, choose the GEMM algorithm by its sustained rate first (as run does; cached)", EnvVars: []string{"IONET_GEMM_AUTOTUNE"}, Value: true}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "gemm-autotune-cache", Usage: "the GEMM autotune cache `FILE`", EnvVars: []string{"IONET_GEMM_AUTOTUNE_CACHE"}, DefaultText: "<data-dir>/" + autotuneCacheName}),
		jsonFlag(),
	}
}

// jsonFlag is every command's --json (IONET_JSON, as the ionet CLI's).
func jsonFlag() cli.Flag {
	return altsrc.NewBoolFlag(&cli.BoolFlag{Name: "json", Usage: "print JSON", EnvVars: []string{"IONET_JSON"}})
}

// BenchReport is what `ionet-worker bench` prints: one rehearsed challenge.
type BenchReport struct {
	Class    string  `json:"class"`
	Backend  string  `json:"backend"`
	Rows     int     `json:"rows"`     // rows run: the class's M × fraction
	Fraction float64 `json:"fraction"` // of the class's M
	Block    int     `json:"block"`    // rows per device call
	ElapsedS float64 `json:"elapsedS"` // the rows run, as a keeper times them
	// FixedS is the part of a commitment that does not grow with its rows, fitted
	// from a second run of an eighth of the rows (0 when the whole challenge ran).
	FixedS        float64 `json:"fixedS"`
	ChallengeS    float64 `json:"challengeS"`
	DeadlineS     float64 `json:"deadlineS"` // a keeper's, with a round trip under 1 s
	TOPS          float64 `json:"tops"`
	DensePeakTOPS float64 `json:"densePeakTops"`
	OfPeak        float64 `json:"ofPeak"`
	OpeningBytes  int     `json:"openingBytes"`
	VerifiedS     float64 `json:"verifiedS"`      // the in-process keeper's check of the opening
	Verdict       string  `json:"verdict"`        // pass, late or flagged
	Hint          string  `json:"hint,omitempty"` // what to do about a failing verdict
}

// minBenchRows is the fewest rows a --fraction runs (or the whole challenge where it
// is smaller): an eighth of it is then still 128 rows.
const minBenchRows = 1024

// errBenchFails is bench's error when the machine would fail its class.
var errBenchFails = errors.New("this machine would fail its class's challenges")

// bench rehearses one challenge of the node's class (or --class) on the backend `run`
// would answer with, against an in-process keeper: the commitment timed as a keeper
// times it, then the sample opened and checked. With --fraction < 1 it runs that
// share of the rows, and an eighth of it again, and extrapolates along the line
// through the two (compute.FitLine), so the fixed cost is counted once. Exit status 1
// when the machine would be late or flagged.
func bench(c *cli.Context, h *hooks) error {
	f := c.Float64("fraction")
	if !(f > 0 && f <= 1) {
		return usagef("--fraction %v: want a number in (0, 1]", f)
	}
	e, err := newEnv(c, h)
	if err != nil {
		return err
	}
	var class classes.Class
	if name := c.String("class"); name != "" {
		if class, err = e.lookup(name); err != nil {
			return usagef("--class: %v", err)
		}
	}
	hw, err := e.discover(c.Context)
	if err != nil {
		return err
	}
	if class.Name == "" {
		if e.mock && len(hw.NodeGPUs()) > 0 {
			return usagef("--mock-gpus: mock GPUs compute nothing; give --class to rehearse a class on the CPU")
		}
		if class, err = e.lookup(hw.Class); err != nil {
			return fmt.Errorf("discovered class %q: %w", hw.Class, err)
		}
	}
	var backend pow.Backend = gemm.Backend{Threads: e.threads}
	if gpus := hw.NodeGPUs(); len(gpus) > 0 && !e.mock && class.Name == hw.Class {
		b, err := openGPU(e.log, c.Bool("gemm-autotune"), autotuneCache(e.dataDir, c.String("gemm-autotune-cache")))(gpus[0].Index)
		if err != nil {
			e.log.Warn("GPU backend unavailable, rehearsing on the CPU", "gpu", gpus[0].Index, "error", err)
		} else {
			backend = b
			if cl, ok := b.(io.Closer); ok {
				defer cl.Close()
			}
		}
	}
	run := class
	// At least minBenchRows rows, so the line through the two runs is not noise.
	run.M = max(min(class.M, minBenchRows), int(math.Round(float64(class.M)*f)))
	e.log.Info("rehearsing a challenge against an in-process keeper", "class", class.Name, "backend", backend.Name(),
		"rows", run.M, "of", class.M, "reference_time", class.RefTime)
	m, err := pow.Measure(c.Context, agent.Progress(backend, 5*time.Second, e.log), run,
		pow.MeasureConfig{Workers: e.threads, Verify: true})
	if err != nil && !errors.Is(err, pow.ErrLate) {
		return fmt.Errorf("bench: %w", err)
	}
	challenge, fixed := m.Elapsed, time.Duration(0)
	if run.M < class.M {
		if challenge, fixed, err = extrapolate(c.Context, backend, run, m.Elapsed, class.M, e.threads); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	}
	tops := class.Ops() / challenge.Seconds() / 1e12
	r := BenchReport{Class: class.Name, Backend: backend.Name(), Rows: run.M, Fraction: float64(run.M) / float64(class.M),
		Block: m.Block, ElapsedS: m.Elapsed.Seconds(), FixedS: fixed.Seconds(), ChallengeS: challenge.Seconds(),
		DeadlineS: pow.Deadline(class, 0).Seconds(), TOPS: tops, DensePeakTOPS: class.DensePeakTOPS,
		OfPeak: tops / class.DensePeakTOPS, OpeningBytes: m.Opening, VerifiedS: m.Verified.Seconds(), Verdict: "pass"}
	switch {
	case pow.Flagged(class, tops):
		r.Verdict = "flagged"
	case r.ChallengeS > r.DeadlineS:
		r.Verdict = "late"
	}
	cpu := strings.HasPrefix(class.Name, "cpu-")
	switch {
	case r.Verdict == "late" && cpu && c.String("class") != "":
		r.Hint = "a CPU node: let the worker measure its tier, without --class"
	case r.Verdict == "late" && cpu:
		r.Hint = "the node's CPU tier is faster than this machine is now: measure it again (discover, without --cpu-calibration 0)"
	case r.Verdict == "flagged":
		r.Hint = "the class is too small for this machine"
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		printBench(c.App.Writer, r)
	}
	if r.Verdict != "pass" {
		return fmt.Errorf("%w: %s", errBenchFails, r.Verdict)
	}
	return nil
}

// extrapolate times a second commitment of an eighth of run's rows and returns the
// time of m rows along the line through both, with its fixed part; where the two
// cannot be told apart (one row, or timing noise) it scales run's time linearly.
// With a fixed part the line lies below that linear scaling, never above.
func extrapolate(ctx context.Context, backend pow.Backend, run classes.Class, took time.Duration, m, threads int) (challenge, fixed time.Duration, err error) {
	linear := time.Duration(float64(took) * float64(m) / float64(run.M))
	small := run
	small.M = run.M / 8
	if small.M < 1 {
		return linear, 0, nil
	}
	s, err := pow.Measure(ctx, backend, small, pow.MeasureConfig{Workers: threads})
	if err != nil && !errors.Is(err, pow.ErrLate) {
		return 0, 0, err
	}
	fixed, perRow, err := compute.FitLine(small.M, s.Elapsed, run.M, took)
	if err != nil || fixed == 0 { // no fixed part to take out: the longer run's rate is the better one
		return linear, 0, nil
	}
	return fixed + time.Duration(m)*perRow, fixed, nil
}

func printBench(w io.Writer, r BenchReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "class\t%s (dense peak %.4g TOPS)\n", r.Class, r.DensePeakTOPS)
	fmt.Fprintf(tw, "backend\t%s, blocks of %d rows\n", r.Backend, r.Block)
	if r.Fraction < 1 {
		fmt.Fprintf(tw, "ran\t%d rows (%.3g of the challenge) in %.3f s\n", r.Rows, r.Fraction, r.ElapsedS)
		fmt.Fprintf(tw, "challenge\t%.2f s, extrapolated (%.2f s of it fixed, from a second run of an eighth)\n", r.ChallengeS, r.FixedS)
	} else {
		fmt.Fprintf(tw, "challenge\t%.2f s (%d rows)\n", r.ChallengeS, r.Rows)
	}
	fmt.Fprintf(tw, "rate\t%.4g TOPS, %.1f%% of the dense peak\n", r.TOPS, 100*r.OfPeak)
	fmt.Fprintf(tw, "deadline\t%.2f s (a keeper within 1 s round trip)\n", r.DeadlineS)
	if r.OpeningBytes > 0 {
		fmt.Fprintf(tw, "opening\t%d bytes, checked by the keeper in %.3f s\n", r.OpeningBytes, r.VerifiedS)
	} else {
		fmt.Fprintf(tw, "opening\tnot asked for: a keeper opens only a commitment in time\n")
	}
	switch r.Verdict {
	case "pass":
		fmt.Fprintf(tw, "verdict\tpasses, %.1f s to spare\n", r.DeadlineS-r.ChallengeS)
	case "late":
		fmt.Fprintf(tw, "verdict\tLATE by %.1f s: keepers record a failed challenge\n", r.ChallengeS-r.DeadlineS)
	case "flagged":
		fmt.Fprintf(tw, "verdict\tFLAGGED: above %.2f × the class's peak, keepers count no TOPS\n", pow.FlagFactor)
	}
	if r.Hint != "" {
		fmt.Fprintf(tw, "hint\t%s\n", r.Hint)
	}
	tw.Flush()
}
