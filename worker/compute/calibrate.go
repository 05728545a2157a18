package compute

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"runtime"
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

// PerCoreTOPS is the rate of the rows alone, per core, in TOPS.
func (r CPURate) PerCoreTOPS() float64 {
	ops := 2 * float64(classes.CPUK) * float64(classes.CPUN) * float64(classes.CPUT)
	return ops / r.PerRow.Seconds() / 1e12 / float64(r.Cores)
}

// MeasureCPU times backend answering self-challenges of the CPU classes' shape on
// `cores` cores, each timed by an in-process keeper as a keeper times one
// (pow.Measure): one of 16 rows per core, mostly Fixed, then runs of twice the rows
// (at least one) until one lasts d/4 and twice the first, then one sized to last about d. The line through the first
// and the last gives Fixed and PerRow. Errors: cores or d not positive, or a
// commitment's own error (e.g. ctx cancelled).
func MeasureCPU(ctx context.Context, backend pow.Backend, cores int, d time.Duration) (CPURate, error) {
	if cores <= 0 || d <= 0 {
		return CPURate{}, fmt.Errorf("measure cpu: %d cores for %v", cores, d)
	}
	const maxRows = 1 << 22 // 128 MiB of leaves
	run := func(m int) (time.Duration, error) {
		c := classes.Class{ID: classes.CPUGenericID, Name: calibrationName, M: m, K: classes.CPUK, N: classes.CPUN,
			T: classes.CPUT, DensePeakTOPS: math.MaxFloat32, RefTime: 24 * time.Hour, Source: "worker self-measurement"}
		res, err := pow.Measure(ctx, backend, c, pow.MeasureConfig{Workers: cores})
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
	if perRow := (t - t0).Seconds() / float64(m-m0); perRow > 0 && t < d {
		m = min(maxRows, m+int((d-t).Seconds()/perRow))
		if t, err = run(m); err != nil {
			return CPURate{}, err
		}
	}
	if m == m0 || t <= t0 {
		return CPURate{}, fmt.Errorf("measure cpu: %d rows took %v, %d rows %v: no time per row", m0, t0, m, t)
	}
	perRow := time.Duration(float64(t-t0) / float64(m-m0))
	return CPURate{Cores: cores, PerRow: perRow, Fixed: max(0, t0-time.Duration(m0)*perRow)}, nil
}

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
		ratio := c.Ops() / r.Predict(c).Seconds() / 1e12 / c.DensePeakTOPS
		if dist := math.Abs(math.Log(ratio / classes.CPUTierCentre)); dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best, nil
}

// CalibratedCPUClass is the class this machine answers on the CPU: CPUClass's ISA
// and cores at the speed tier of its measured rate (CPUTierFor), after about d of
// measurement on the GEMM kernel k. cores ≤ 0 means GOMAXPROCS.
func CalibratedCPUClass(ctx context.Context, k gemm.Kernel, cores int, d time.Duration, log *slog.Logger) (classes.Class, CPURate, error) {
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
	c, err := CPUTierFor(ISA(k), rate)
	if err != nil {
		return classes.Class{}, CPURate{}, err
	}
	log.Info("CPU class", "class", c.Name, "tops_per_core", fmt.Sprintf("%.4g", rate.PerCoreTOPS()),
		"fixed", rate.Fixed.Round(time.Millisecond), "challenge", rate.Predict(c).Round(time.Millisecond),
		"deadline", pow.Deadline(c, 0))
	return c, rate, nil
}
