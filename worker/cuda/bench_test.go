package cuda

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/hardware"
)

// The device benchmark of issue 16, one command on any CUDA machine:
//
//	go test -run xxx -bench . -benchtime 1x ./worker/cuda
//
// BenchmarkSteps times each step of CommitRows alone (a synchronize after each) for
// several rows per call and extrapolates the whole challenge of the device's class;
// BenchmarkWholeChallenge runs that challenge end to end through pow.Prover, from
// the challenge message to the signed root, with cuBLASLt's heuristic algorithm and
// again after Autotune (sub-benchmarks heuristic and autotuned); BenchmarkAutotune
// logs what Autotune measured. Without a GPU every benchmark says so and skips, so
// CI (GPU-free) passes.

// benchDevice opens device 0 and finds its class, or skips with the reason.
func benchDevice(b *testing.B) (*Backend, classes.Class) {
	b.Helper()
	be, err := Open(0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "no GPU: %v\n", err)
		b.Skipf("no GPU: %v", err)
	}
	c, model := classes.Class{}, "unknown model"
	if inv, err := hardware.Discover(nvml.New(), nil); err == nil && len(inv.GPUs) > 0 {
		gpu := inv.GPUs[0]
		model = gpu.Name
		gc, gerr := classes.GenericGPU(classes.GPUSpec{ComputeMajor: gpu.ComputeMajor, ComputeMinor: gpu.ComputeMinor,
			SMs: gpu.SMs, MaxSMClockMHz: int(gpu.MaxSMClockMHz), MemoryBytes: gpu.MemoryTotal})
		b.Logf("NVML: %+v; as an unknown model it would get class %q, %.0f TOPS (%v)", gpu, gc.Name, gc.DensePeakTOPS, gerr)
		c, err = hardware.ClassOf(inv.GPUs[0])
		if err != nil {
			b.Logf("%s has no class (%v); extrapolating to h100-sxm", model, err)
		}
	}
	if c.Name == "" {
		c, _ = classes.ByName("h100-sxm")
	}
	b.Logf("device %s (%s), %d SMs, %d bytes free, kernels %v; class %s: M %d, K %d, N %d, T %d, dense peak %.1f TOPS",
		be.Name(), model, be.sms, be.freeMem, be.Kernels(), c.Name, c.M, c.K, c.N, c.T, c.DensePeakTOPS)
	return be, c
}

type stepTimes struct {
	prf, gemm, hash, copy time.Duration // gemm: all links
}

// timeSteps is CommitRows with a synchronize and a clock reading after each step.
func (g *gemm) timeSteps(hashes []merkle.Hash, seed pow.Seed, first, rows, links int) (stepTimes, error) {
	var st stepTimes
	p, err := newPlan(rows, g.k, g.n)
	if err != nil || !chainsOnDevice(p) || g.b.kern == nil {
		return st, fmt.Errorf("steps need the kernels and a chain shape (%v)", err)
	}
	b := g.b
	leave, err := b.enter()
	defer leave()
	if err != nil {
		return st, err
	}
	for _, buf := range []struct {
		ptr  *uint64
		cap  *int
		need int
	}{{&g.y, &g.yCap, p.yLen}, {&g.d, &g.dCap, 4 * p.dLen}, {&g.h, &g.hCap, 32 * rows}, {&g.aes, &g.aesCap, aesParamSize}} {
		if err := g.grow(buf.ptr, buf.cap, buf.need); err != nil {
			return st, err
		}
	}
	params := aesParams(seed)
	if err := cuErr("copy AES params", b.api.cuMemcpyHtoD(g.aes, unsafe.Pointer(&params[0]), uint64(len(params)))); err != nil {
		return st, err
	}
	g.aesLoaded = false
	bufs := [2]uint64{g.y, g.d}
	prf, hash, err := commitSteps(p, bufs, g.h, g.aes, first, links)
	if err != nil {
		return st, err
	}
	sync := func() error { return cuErr("synchronize", b.api.cuCtxSynchronize()) }
	if err := sync(); err != nil {
		return st, err
	}
	t0 := time.Now()
	if err := b.kern.run(prf); err != nil {
		return st, err
	}
	if err := sync(); err != nil {
		return st, err
	}
	t1 := time.Now()
	for t := range links {
		if err := g.matmulInto(p, bufs[t%2], bufs[(t+1)%2]); err != nil {
			return st, err
		}
	}
	if err := sync(); err != nil {
		return st, err
	}
	t2 := time.Now()
	if err := b.kern.run(hash); err != nil {
		return st, err
	}
	if err := sync(); err != nil {
		return st, err
	}
	t3 := time.Now()
	err = cuErr("copy row hashes", b.api.cuMemcpyDtoH(unsafe.Pointer(&hashes[0]), g.h, uint64(32*rows)))
	t4 := time.Now()
	st = stepTimes{prf: t1.Sub(t0), gemm: t2.Sub(t1), hash: t3.Sub(t2), copy: t4.Sub(t3)}
	return st, err
}

func BenchmarkSteps(b *testing.B) {
	be, c := benchDevice(b)
	defer be.Close()
	seed := pow.Seed(sha256.Sum256([]byte("bench")))
	t0 := time.Now()
	gm, err := be.NewSeededGEMM(seed, c.K, c.N)
	if err != nil {
		b.Fatal(err)
	}
	defer gm.Close()
	bSetup := time.Since(t0)
	g := gm.(*gemm)
	// The reference chain of two rows, on the host while the device is timed: B from
	// the host generator, so the device's B, chain and hashes are all checked.
	const checked = 2
	t0 = time.Now()
	bm := pow.GenerateB(pow.NewGenerator(seed), c.K, c.N, runtime.GOMAXPROCS(0))
	b.Logf("B (%d×%d): on the device (PRF kernel, cuBLASLt transpose) %v; host generation on %d cores %v for comparison",
		c.K, c.N, bSetup, runtime.GOMAXPROCS(0), time.Since(t0))
	wantc := make(chan []merkle.Hash, 1)
	go func() {
		last := pow.ChainReference(seed, bm, 0, checked, c.K, c.N, c.T)[c.T-1]
		want := make([]merkle.Hash, checked)
		for r := range want {
			want[r] = pow.RowHash(r, last[r*c.N:(r+1)*c.N])
		}
		wantc <- want
	}()
	var want []merkle.Hash
	rowOps := 2 * float64(c.K) * float64(c.N)
	b.Logf("%8s %9s %9s %9s %9s %10s %10s %10s %10s %9s",
		"rows", "prf", "gemm/link", "hash", "block", "GEMM TOPS", "A GB/s", "hash GB/s", "challenge", "of peak")
	for _, rows := range []int{256, 2048, 8192, g.BlockRows(), 32768} {
		if uint64(2*rows*c.K) > be.freeMem/2 && be.freeMem > 0 {
			b.Logf("%8d: two chain buffers exceed half of free memory", rows)
			continue
		}
		hashes := make([]merkle.Hash, rows)
		best := stepTimes{prf: math.MaxInt64, gemm: math.MaxInt64, hash: math.MaxInt64, copy: math.MaxInt64}
		for range max(b.N, 3) { // best of 3 or b.N runs, each step timed alone
			st, err := g.timeSteps(hashes, seed, 0, rows, c.T)
			if err != nil {
				b.Fatal(err)
			}
			best = stepTimes{min(best.prf, st.prf), min(best.gemm, st.gemm), min(best.hash, st.hash), min(best.copy, st.copy)}
		}
		// The device's hashes must be the reference chain's (its first rows).
		if want == nil {
			want = <-wantc
		}
		for r := range want {
			if want[r] != hashes[r] {
				b.Fatalf("%d rows: row %d's hash differs from the reference chain", rows, r)
			}
		}
		block := best.prf + best.gemm + best.hash + best.copy
		blocks := (c.M + rows - 1) / rows
		whole := time.Duration(blocks)*block + bSetup
		perLink := best.gemm / time.Duration(c.T)
		gemmTOPS := rowOps * float64(rows) / perLink.Seconds() / 1e12
		aGBs := float64(rows*c.K) / best.prf.Seconds() / 1e9
		hashGBs := float64(rows*4*c.N) / best.hash.Seconds() / 1e9
		frac := c.Ops() / whole.Seconds() / 1e12 / c.DensePeakTOPS
		b.Logf("%8d %9v %9v %9v %9v %10.0f %10.1f %10.1f %10v %8.1f%%",
			rows, best.prf, perLink, best.hash, block, gemmTOPS, aGBs, hashGBs, whole.Round(time.Millisecond), 100*frac)
		if rows == g.BlockRows() {
			b.ReportMetric(whole.Seconds(), "challenge-s")
			b.ReportMetric(frac, "of-peak")
			b.ReportMetric(gemmTOPS, "gemm-TOPS")
		}
	}
	b.Logf("challenge = ⌈M / rows⌉ × block + B set-up; deadline %v; the host tree is built while the device works (BenchmarkWholeChallenge includes it)",
		pow.Deadline(c, 0))
}

// BenchmarkWholeChallenge answers one challenge of the device's class through
// pow.Prover, timed by a pow.Keeper on the same host as a keeper times it (challenge
// sent → signed root received, RTT 0), then opens the keeper's sample and has the
// keeper verify it, so the figure is for a commitment that passes. It does so three
// times: "heuristic" with cuBLASLt's heuristic per call; "autotuned" after Autotune;
// "autotuned-T32", the same operations as a chain of 2T links over half the rows
// (half the A₀ generation and row hashing per operation, an opening of 48 MB at
// h100-sxm: the candidate of docs/proof-of-compute.md, "Choosing T").
func BenchmarkWholeChallenge(b *testing.B) {
	be, c := benchDevice(b)
	defer be.Close()
	keeperKey := ed25519.NewKeyFromSeed(make([]byte, 32))
	keeperPub := keeperKey.Public().(ed25519.PublicKey)
	workerSeed := sha256.Sum256([]byte("worker"))
	workerKey := ed25519.NewKeyFromSeed(workerSeed[:])
	params := pow.Params{Worker: workerKey.Public().(ed25519.PublicKey), GPUUUID: "GPU-bench", Class: c.Name}
	pair := func(c classes.Class) (*pow.Keeper, *pow.Prover) {
		lookup := func(string) (classes.Class, error) { return c, nil }
		keeper, err := pow.NewKeeper(pow.KeeperConfig{Key: keeperKey, Lookup: lookup, Workers: runtime.GOMAXPROCS(0)})
		if err != nil {
			b.Fatal(err)
		}
		prover, err := pow.NewProver(pow.ProverConfig{Key: workerKey, Backend: be, Lookup: lookup})
		if err != nil {
			b.Fatal(err)
		}
		return keeper, prover
	}
	keeper, prover := pair(c)
	// The heuristic first, then the same challenge after Autotune (no cache): the
	// prover's GEMMs are made per challenge, so the second picks up the choice.
	b.Run("heuristic", func(b *testing.B) { wholeChallenge(b, c, prover, keeper, keeperPub, params) })
	b.Run("autotuned", func(b *testing.B) {
		tu, err := be.Autotune(c.K, c.N, AutotuneConfig{})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("autotune: chosen %d of %d, %.0f against %.0f TOPS sustained (%+.1f%%), rejected %v, took %v",
			tu.Chosen, len(tu.Rates), tu.Rates[tu.Chosen], tu.Rates[0], 100*tu.Gain(), tu.Rejected, tu.Took.Round(time.Millisecond))
		wholeChallenge(b, c, prover, keeper, keeperPub, params)
	})
	c2 := c
	c2.T, c2.M = 2*c.T, (c.M+1)/2
	keeper2, prover2 := pair(c2)
	b.Run(fmt.Sprintf("autotuned-T%d", c2.T), func(b *testing.B) { wholeChallenge(b, c2, prover2, keeper2, keeperPub, params) })
}

func wholeChallenge(b *testing.B, c classes.Class, prover *pow.Prover, keeper *pow.Keeper, keeperPub ed25519.PublicKey, params pow.Params) {
	for b.Loop() {
		sess, msg, err := keeper.Challenge(params)
		if err != nil {
			b.Fatal(err)
		}
		s := sampleGPU()
		work, commit, err := prover.Commit(context.Background(), msg, keeperPub)
		if err != nil {
			b.Fatal(err)
		}
		res, req, err := sess.Commitment(commit, 0)
		b.Logf("during the commitment: %s", s.Stop())
		if err != nil {
			b.Fatalf("keeper refused the commitment after %v (deadline %v): %v", res.Elapsed, res.Deadline, err)
		}
		t0 := time.Now()
		openings, err := work.Open(req, keeperPub)
		if err != nil {
			b.Fatal(err)
		}
		opened := time.Since(t0)
		t0 = time.Now()
		if err := sess.Prepare(); err != nil {
			b.Fatal(err)
		}
		if _, err := sess.Openings(openings); err != nil {
			b.Fatalf("keeper rejected the openings: %v", err)
		}
		verified := time.Since(t0)
		b.Logf("%s (T %d): %v for %.3g ops in blocks of %d rows: %.0f TOPS, %.1f%% of the %.1f TOPS dense peak; deadline %v, flagged %v",
			c.Name, c.T, res.Elapsed.Round(time.Millisecond), c.Ops(), work.Block(), res.TOPS, 100*res.TOPS/c.DensePeakTOPS,
			c.DensePeakTOPS, res.Deadline, res.Flagged)
		b.Logf("opening of %d rows: %d bytes, answered in %v; keeper verified it in %v on %d cores",
			pow.DefaultSamples, len(openings), opened.Round(time.Millisecond), verified.Round(time.Millisecond), runtime.GOMAXPROCS(0))
		b.ReportMetric(res.Elapsed.Seconds(), "challenge-s")
		b.ReportMetric(res.TOPS/c.DensePeakTOPS, "of-peak")
		work.Close()
	}
}

// gpuSampler reads device 0's SM clock and power through NVML every 100 ms while a
// benchmark runs: a sustained int8 GEMM on a 700 W H200 is power-capped, so the
// clock it holds explains its TOPS. Every NVML call is gated behind a successful Init.
type gpuSampler struct {
	stop chan struct{}
	done chan struct{}
	mhz  []float64
	watt []float64
}

func sampleGPU() *gpuSampler {
	s := &gpuSampler{stop: make(chan struct{}), done: make(chan struct{})}
	lib := nvml.New()
	if lib.Init() != nvml.SUCCESS {
		close(s.done)
		return s
	}
	dev, ret := lib.DeviceGetHandleByIndex(0)
	if ret != nvml.SUCCESS {
		lib.Shutdown()
		close(s.done)
		return s
	}
	go func() {
		defer close(s.done)
		defer lib.Shutdown()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				if mhz, r := dev.GetClockInfo(nvml.CLOCK_SM); r == nvml.SUCCESS {
					s.mhz = append(s.mhz, float64(mhz))
				}
				if mw, r := dev.GetPowerUsage(); r == nvml.SUCCESS {
					s.watt = append(s.watt, float64(mw)/1000)
				}
			}
		}
	}()
	return s
}

// Stop ends sampling and describes it: mean and minimum SM clock, mean power.
func (s *gpuSampler) Stop() string {
	select {
	case <-s.done:
	default:
		close(s.stop)
		<-s.done
	}
	if len(s.mhz) == 0 {
		return "no NVML samples"
	}
	mean := func(v []float64) float64 {
		t := 0.0
		for _, x := range v {
			t += x
		}
		return t / float64(max(1, len(v)))
	}
	return fmt.Sprintf("SM clock mean %.0f MHz (min %.0f) over %d samples, power mean %.0f W",
		mean(s.mhz), slices.Min(s.mhz), len(s.mhz), mean(s.watt))
}

// BenchmarkSustainedGEMM runs the chain's GEMM alone, back to back for about 6 s per
// case at the device's block, with B drawn from narrower ranges: the dense int8
// rate a power-capped device holds depends on how many bits its operands toggle.
func BenchmarkSustainedGEMM(b *testing.B) {
	be, c := benchDevice(b)
	defer be.Close()
	seed := pow.Seed(sha256.Sum256([]byte("sustained")))
	full := pow.GenerateB(pow.NewGenerator(seed), c.K, c.N, runtime.GOMAXPROCS(0))
	rows := be.blockRows(c.K)
	for _, bits := range []int{8, 4, 2} {
		bm := make([]int8, len(full))
		for i, v := range full {
			bm[i] = v >> (8 - bits) // uniform over the signed range of `bits` bits
		}
		gm, err := be.NewGEMM(bm, c.K, c.N)
		if err != nil {
			b.Fatal(err)
		}
		g := gm.(*gemm)
		p, err := newPlan(rows, c.K, c.N)
		if err != nil {
			b.Fatal(err)
		}
		hashes := make([]merkle.Hash, rows)
		if err := g.CommitRows(hashes, seed, 0, rows, 2); err != nil { // grows the buffers, writes A
			b.Fatal(err)
		}
		s := sampleGPU()
		links, took, err := sustain(g, p, 6*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		tops := 2 * float64(c.K) * float64(c.N) * float64(rows) * float64(links) / took.Seconds() / 1e12
		b.Logf("B in %d bits: %d links of %d rows in %v: %.0f TOPS (%.1f%% of %.0f); %s",
			bits, links, rows, took.Round(time.Millisecond), tops, 100*tops/c.DensePeakTOPS, c.DensePeakTOPS, s.Stop())
		g.Close()
	}
}

// BenchmarkGEMMAlgorithms runs each of cuBLASLt's best algorithms for the chain's
// GEMM at the device's block for about 3 s, back to back, as BenchmarkSustainedGEMM
// does: the heuristic ranks algorithms by a model of an unthrottled device, and the
// sustained rate under the power cap is what a challenge gets.
func BenchmarkGEMMAlgorithms(b *testing.B) {
	be, c := benchDevice(b)
	defer be.Close()
	seed := pow.Seed(sha256.Sum256([]byte("algorithms")))
	gm, err := be.NewSeededGEMM(seed, c.K, c.N)
	if err != nil {
		b.Fatal(err)
	}
	defer gm.Close()
	g := gm.(*gemm)
	rows := g.BlockRows()
	hashes := make([]merkle.Hash, rows)
	if err := g.CommitRows(hashes, seed, 0, rows, 2); err != nil { // grows the buffers, writes A
		b.Fatal(err)
	}
	p, err := newPlan(rows, c.K, c.N)
	if err != nil {
		b.Fatal(err)
	}
	leave, err := be.enter()
	if err != nil {
		leave()
		b.Fatal(err)
	}
	algos, err := g.algorithms(p, 8)
	leave()
	if err != nil {
		b.Fatal(err)
	}
	g.algoRows = rows
	for i := range algos {
		g.algo = &algos[i]
		s := sampleGPU()
		links, took, err := sustain(g, p, 3*time.Second)
		if err != nil {
			b.Logf("algorithm %d (%x): %v", i, algos[i].algo[:2], err)
			s.Stop()
			continue
		}
		tops := 2 * float64(c.K) * float64(c.N) * float64(rows) * float64(links) / took.Seconds() / 1e12
		b.Logf("algorithm %d (id %x, workspace %d, waves %.2f): %.0f TOPS (%.1f%% of %.0f); %s",
			i, algos[i].algo[0], algos[i].workspace, algos[i].waves, tops, 100*tops/c.DensePeakTOPS, c.DensePeakTOPS, s.Stop())
	}
	g.algo, g.algoRows = nil, 0
}

// BenchmarkAutotune runs Autotune with its defaults (no cache) on the class's GEMM and
// logs every candidate's sustained rate, the choice and the time it took.
func BenchmarkAutotune(b *testing.B) {
	be, c := benchDevice(b)
	defer be.Close()
	for b.Loop() {
		s := sampleGPU()
		tu, err := be.Autotune(c.K, c.N, AutotuneConfig{})
		b.Logf("during autotune: %s", s.Stop())
		if err != nil {
			b.Fatal(err)
		}
		for i, r := range tu.Rates {
			b.Logf("candidate %d: %.0f TOPS (%.1f%% of %.0f)", i, r, 100*r/c.DensePeakTOPS, c.DensePeakTOPS)
		}
		b.Logf("chosen %d (id %x) at %d rows: %.0f TOPS against %.0f for the heuristic's first choice, %+.1f%%; rejected as inexact %v; took %v",
			tu.Chosen, tu.Algo[0], tu.Rows, tu.Rates[tu.Chosen], tu.Rates[0], 100*tu.Gain(), tu.Rejected, tu.Took.Round(time.Millisecond))
		b.ReportMetric(tu.Rates[tu.Chosen], "chosen-TOPS")
		b.ReportMetric(tu.Rates[0], "heuristic-TOPS")
		b.ReportMetric(tu.Took.Seconds(), "tune-s")
	}
}
