package cuda

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"math"
	"os"
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
// the challenge message to the signed root. Without a GPU both say so and skip, so
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
		model = inv.GPUs[0].Name
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
	gen := pow.NewGenerator(seed)
	bm := make([]int8, c.K*c.N)
	t0 := time.Now()
	gen.Rows(pow.MatrixB, 0, c.K, c.N, bm)
	bGen := time.Since(t0)
	t0 = time.Now()
	gm, err := be.NewGEMM(bm, c.K, c.N)
	if err != nil {
		b.Fatal(err)
	}
	defer gm.Close()
	bSetup := bGen + time.Since(t0)
	g := gm.(*gemm)
	b.Logf("B (%d×%d): host generation %v, transpose and upload %v", c.K, c.N, bGen, bSetup-bGen)
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
		// The device's hashes must be the reference chain's (checked on 4 rows).
		want := pow.ChainReference(seed, bm, 0, 4, c.K, c.N, c.T)[c.T-1]
		for r := range 4 {
			if pow.RowHash(r, want[r*c.N:(r+1)*c.N]) != hashes[r] {
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
// pow.Prover, timed like a keeper: challenge message in, signed root out.
func BenchmarkWholeChallenge(b *testing.B) {
	be, c := benchDevice(b)
	defer be.Close()
	keeperKey := ed25519.NewKeyFromSeed(make([]byte, 32))
	workerSeed := sha256.Sum256([]byte("worker"))
	workerKey := ed25519.NewKeyFromSeed(workerSeed[:])
	prover, err := pow.NewProver(pow.ProverConfig{Key: workerKey, Backend: be})
	if err != nil {
		b.Fatal(err)
	}
	msg, err := pow.SealChallenge(keeperKey, pow.Challenge{Params: pow.Params{
		Worker: workerKey.Public().(ed25519.PublicKey), GPUUUID: "GPU-bench", Class: c.Name}})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		t0 := time.Now()
		work, _, err := prover.Commit(context.Background(), msg, keeperKey.Public().(ed25519.PublicKey))
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(t0)
		tops := c.Ops() / took.Seconds() / 1e12
		b.Logf("%s: %v for %.3g ops in blocks of %d rows: %.0f TOPS, %.1f%% of the %.1f TOPS dense peak; reference %v, deadline %v",
			c.Name, took.Round(time.Millisecond), c.Ops(), work.Block(), tops, 100*tops/c.DensePeakTOPS, c.DensePeakTOPS,
			c.RefTime, pow.Deadline(c, 0))
		b.ReportMetric(took.Seconds(), "challenge-s")
		b.ReportMetric(tops/c.DensePeakTOPS, "of-peak")
		work.Close()
	}
}
