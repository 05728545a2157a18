package compute

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/gemm"
)

// DefaultCPUCalibration is how long a CPU worker measures itself at start: long
// enough for the all-core clock to settle, short next to a 20 s challenge.
const DefaultCPUCalibration = 3 * time.Second

// calibrationName names the self-challenge; no keeper knows it.
const calibrationName = "cpu-calibration"

// CPURate is how fast a CPU answers challenges of the CPU classes' shape
// (classes.CPUK, CPUN, CPUT): a commitment of M rows takes Fixed + M × PerRow.
// Fixed is what does not grow with M (B generated and packed, set-up): about 0.2 s
// on the 2-core development machine, 1 % of a 20 s challenge.
type CPURate struct {
	Cores  int
	Fixed  time.Duration
	PerRow time.Duration // the T links of one row: A₀, the products, the row hash
}

// Predict is the time a commitment of class c takes (its M rows).
func (r CPURate) Predict(c classes.Class) time.Duration {
	return r.Fixed + time.Duration(float64(c.M)*float64(r.PerRow))
}

// OfPeak is the whole challenge of class c as r predicts it, as a fraction of c's
// dense peak: the ratio the timing rule bounds (late below 0.519, flagged above 1.05).
func (r CPURate) OfPeak(c classes.Class) float64 {
	return c.Ops() / r.Predict(c).Seconds() / 1e12 / c.DensePeakTOPS
}

// PerCoreTOPS is the rate of the rows alone, per core, in TOPS.
func (r CPURate) PerCoreTOPS() float64 {
	ops := 2 * float64(classes.CPUK) * float64(classes.CPUN) * float64(classes.CPUT)
	return ops / r.PerRow.Seconds() / 1e12 / float64(r.Cores)
}

// MeasureCPU times backend answering self-challenges of the CPU classes' shape on
// `cores` cores, each timed by an in-process keeper as a keeper times one
// (pow.Measure): one of 16 rows per core, mostly Fixed, then runs of twice the rows
// (at least one) until one lasts d/4 and twice the first, then one sized so that
// all of them take about d. The line through the first and the last gives Fixed and
// PerRow. Errors: cores or d not positive, or a commitment's own error (e.g. ctx
// cancelled).
func MeasureCPU(ctx context.Context, backend pow.Backend, cores int, d time.Duration) (CPURate, error) {
	if cores <= 0 || d <= 0 {
		return CPURate{}, fmt.Errorf("measure cpu: %d cores for %v", cores, d)
	}
	const maxRows = 1 << 22 // 128 MiB of leaves
	var spent time.Duration
	run := func(m int) (time.Duration, error) {
		c := classes.Class{ID: classes.CPUGenericID, Name: calibrationName, M: m, K: classes.CPUK, N: classes.CPUN,
			T: classes.CPUT, DensePeakTOPS: math.MaxFloat32, RefTime: 24 * time.Hour, Source: "worker self-measurement"}
		res, err := pow.Measure(ctx, backend, c, pow.MeasureConfig{Workers: cores})
		spent += res.Elapsed
		return res.Elapsed, err
	}
	m0 := 16 * cores
	t0, err := run(m0)
	if err != nil {
		return CPURate{}, err
	}
	m, t := m0, t0
	for m == m0 || ((t < d/4 || t < 2*t0) && m < maxRows) {
		m *= 2
		if t, err = run(m); err != nil {
			return CPURate{}, err
		}
	}
	if perRow := (t - t0).Seconds() / float64(m-m0); perRow > 0 && d-spent > t {
		m = min(maxRows, m+int((d-spent-t).Seconds()/perRow))
		if t, err = run(m); err != nil {
			return CPURate{}, err
		}
	}
	fixed, perRow, err := FitLine(m0, t0, m, t)
	if err != nil {
		return CPURate{}, fmt.Errorf("measure cpu: %w", err)
	}
	return CPURate{Cores: cores, PerRow: perRow, Fixed: fixed}, nil
}

// FitLine is the line through two timed commitments, t0 for m0 rows and t for m > m0
// rows: a commitment of r rows takes fixed + r·perRow (B, the tree's last levels and
// the messages are the fixed part). fixed is clamped at 0, as timing noise can put
// the line's intercept below it. Error: m ≤ m0 or t ≤ t0 (no time per row).
func FitLine(m0 int, t0 time.Duration, m int, t time.Duration) (fixed, perRow time.Duration, err error) {
	if m <= m0 || t <= t0 {
		return 0, 0, fmt.Errorf("%d rows took %v, %d rows %v: no time per row", m0, t0, m, t)
	}
	perRow = time.Duration(float64(t-t0) / float64(m-m0))
	return max(0, t0-time.Duration(m0)*perRow), perRow, nil
}

// Margin is how far, as a factor, the whole challenge r predicts for class c lies
// inside c's honest window on its nearer side: above the late bound (a keeper's
// deadline with a round trip under 1 s) and below the flag bound (pow.FlagFactor).
// 1.3 means 30 % from the nearer bound; below 1 the class would fail.
func (r CPURate) Margin(c classes.Class) float64 {
	ratio := r.OfPeak(c)
	late := classes.RefEfficiency * c.RefTime.Seconds() / pow.Deadline(c, 0).Seconds()
	return math.Min(ratio/late, pow.FlagFactor/ratio)
}

// KeepMargin is the margin a CPU node's previous class must keep under a new
// measurement to be kept: 1, that is while the measurement says the previous tier
// still passes. The rate measured at start varies, on the shared development VM by
// up to 2× (188–373 GOPS per core over eleven starts, a fresh user's trial), as much
// as the whole honest window; a stricter rule moved the node between neighbouring
// tiers. A machine that has really changed (another clock, fewer free cores) still
// gets a tier that fits it, with the change logged.
const KeepMargin = 1.0

// CPUTierFor is the CPU class of isa and r.Cores whose honest window's centre
// (classes.CPUTierCentre of its peak) is nearest, in ratio, to the rate r predicts
// for that class's whole challenge, Fixed included.
func CPUTierFor(isa classes.CPUISA, r CPURate) (classes.Class, error) {
	var best classes.Class
	bestDist := math.Inf(1)
	for j := classes.CPUMinTier; j <= classes.CPUMaxTier; j++ {
		c, err := classes.CPUTier(isa, r.Cores, j)
		if err != nil {
			return classes.Class{}, err
		}
		if dist := math.Abs(math.Log(r.OfPeak(c) / classes.CPUTierCentre)); dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best, nil
}

// CalibratedCPUClass is the class this machine answers on the CPU: CPUClass's ISA
// and cores at the speed tier of its measured rate (CPUTierFor), after about d of
// measurement on the GEMM kernel k. previous, when it names a class of the same ISA
// and cores whose Margin under this measurement is at least KeepMargin, is kept
// instead, so the tier does not flip between starts. cores ≤ 0 means GOMAXPROCS.
func CalibratedCPUClass(ctx context.Context, k gemm.Kernel, cores int, d time.Duration, previous string, log *slog.Logger) (classes.Class, CPURate, error) {
	if cores <= 0 {
		cores = runtime.GOMAXPROCS(0)
	}
	if log == nil {
		log = slog.Default()
	}
	log.Info("measuring the CPU's proof-of-compute rate for its speed tier", "kernel", k, "cores", cores, "for", d)
	rate, err := MeasureCPU(ctx, gemm.Backend{Threads: cores, Kernel: k}, cores, d)
	if err != nil {
		return classes.Class{}, CPURate{}, err
	}
	c, changed, err := PickCPUClass(ISA(k), rate, previous)
	if err != nil {
		return classes.Class{}, CPURate{}, err
	}
	if changed {
		log.Warn("the CPU's speed tier changed: the previous one does not fit this measurement", "from", previous, "to", c.Name)
	}
	log.Info("CPU class", "class", c.Name, "gops_per_core", fmt.Sprintf("%.1f", 1e3*rate.PerCoreTOPS()),
		"fixed", rate.Fixed.Round(time.Millisecond), "challenge", rate.Predict(c).Round(time.Millisecond),
		"deadline", pow.Deadline(c, 0), "margin", fmt.Sprintf("%.2f", rate.Margin(c)))
	return c, rate, nil
}

// PickCPUClass is the CPU class for isa at rate r: previous when it names a class of
// isa on r.Cores cores whose Margin under r is at least KeepMargin, else the tier
// CPUTierFor picks. changed reports a previous class of this machine's family that
// was replaced (a previous name of another family, e.g. after a change of --threads,
// is replaced silently).
func PickCPUClass(isa classes.CPUISA, r CPURate, previous string) (c classes.Class, changed bool, err error) {
	if p, err := classes.ByName(previous); err == nil && sameCPUFamily(p, isa, r.Cores) {
		if r.Margin(p) >= KeepMargin {
			return p, false, nil
		}
		changed = true
	}
	c, err = CPUTierFor(isa, r)
	return c, changed && c.Name != previous, err
}

// sameCPUFamily reports whether c is a CPU class of isa on cores cores, at any tier.
func sameCPUFamily(c classes.Class, isa classes.CPUISA, cores int) bool {
	base, err := classes.CPU(isa, cores)
	return err == nil && (c.Name == base.Name || strings.HasPrefix(c.Name, base.Name+"x"))
}
