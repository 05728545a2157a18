package gemm

import (
	"bufio"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cpuMHz reads the clock the kernel reports in /proc/cpuinfo ("cpu MHz").
func cpuMHz(tb testing.TB) float64 {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		tb.Fatalf("read clock: %v", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == "cpu MHz" {
			mhz, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return mhz
			}
		}
	}
	tb.Fatal("no cpu MHz in /proc/cpuinfo")
	return 0
}

// vnniPorts is how many 512-bit VPDPBUSDs a Sapphire Rapids / Ice Lake server core
// issues per cycle (ports 0 and 5).
const vnniPorts = 2

// vnniPerCycle measures how many 512-bit VPDPBUSDs one core issues per cycle of the
// /proc/cpuinfo clock (24 independent chains, so latency never limits). Above
// vnniPorts it means the core runs faster than the reported clock (turbo).
func vnniPerCycle(tb testing.TB, mhz float64) float64 {
	const iters = 2_000_000
	best := time.Duration(1 << 62)
	for range 5 {
		t0 := time.Now()
		vnniThroughput(iters)
		best = min(best, time.Since(t0))
	}
	perNs := float64(iters*24) / float64(best.Nanoseconds())
	return perNs / (mhz / 1000)
}

func benchMul(b *testing.B, kern Kernel, threads, m, k, n int) {
	if !Supported(kern) {
		b.Skipf("kernel %s not supported here", kern)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	a, bm := randInt8(rng, m*k), randInt8(rng, k*n)
	mat, err := Prepare(kern, bm, k, n, threads)
	if err != nil {
		b.Fatal(err)
	}
	c := make([]int32, m*n)
	b.ResetTimer()
	for b.Loop() {
		if err := mat.Mul(c, a, m); err != nil {
			b.Fatal(err)
		}
	}
	ops := 2 * float64(m) * float64(k) * float64(n)
	gops := ops * float64(b.N) / b.Elapsed().Seconds() / 1e9
	b.ReportMetric(gops, "GOPS")
	if kern == KernelVNNI {
		mhz := cpuMHz(b)
		measured := vnniPerCycle(b, mhz)
		// 512-bit VPDPBUSD: 64 int8 multiply-adds = 128 ops per instruction.
		peak := float64(threads) * mhz / 1000 * vnniPorts * 128
		// The same with the issue rate measured on this core, which includes turbo.
		issuePeak := float64(threads) * mhz / 1000 * measured * 128
		b.ReportMetric(100*gops/peak, "%peak")
		b.ReportMetric(100*gops/issuePeak, "%measured-peak")
		b.Logf("peak = %d cores × %.0f MHz (/proc/cpuinfo) × %d VNNI/cycle × 128 ops = %.0f GOPS; "+
			"measured issue rate %.2f VNNI per cpuinfo cycle gives %.0f GOPS; reached %.0f GOPS = %.1f%% / %.1f%%",
			threads, mhz, vnniPorts, peak, measured, issuePeak, gops, 100*gops/peak, 100*gops/issuePeak)
	}
}

// The CPU class's shape (K = N = 4096) in row blocks of 1024.
func BenchmarkMulVNNI2Threads(b *testing.B) {
	benchMul(b, KernelVNNI, min(2, runtime.NumCPU()), 1024, 4096, 4096)
}
func BenchmarkMulVNNI1Thread(b *testing.B) { benchMul(b, KernelVNNI, 1, 1024, 4096, 4096) }
func BenchmarkMulGeneric1Thread(b *testing.B) {
	benchMul(b, KernelGeneric, 1, 64, 4096, 4096)
}
func BenchmarkMulAVX21Thread(b *testing.B) { benchMul(b, KernelAVX2, 1, 256, 4096, 4096) }
