package compute

import (
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/gemm"
	"github.com/ionet-network/ionet/worker/hardware"
)

type fakeGPU struct{ pow.ReferenceBackend }

func (fakeGPU) Name() string { return "fake-gpu" }

func TestChoose(t *testing.T) {
	if b := Choose(nil, -1, nil); b.Name() != (gemm.Backend{}).Name() {
		t.Fatalf("no GPU: %s", b.Name())
	}
	failing := func(int) (pow.Backend, error) { return nil, errors.New("libcuda.so.1: not found") }
	if b := Choose(nil, 0, failing); b.Name() != (gemm.Backend{}).Name() {
		t.Fatalf("failed open: %s", b.Name())
	}
	working := func(int) (pow.Backend, error) { return fakeGPU{}, nil }
	if b := Choose(nil, 0, working); b.Name() != "fake-gpu" {
		t.Fatalf("working open: %s", b.Name())
	}
}

// A GPU reported by NVML but without loadable CUDA libraries (this machine and CI
// have neither) ends on the CPU backend; where CUDA loads, on CUDA.
func TestForInventoryFallsBackToCPU(t *testing.T) {
	want := (gemm.Backend{}).Name()
	if probe, err := OpenCUDA(0); err == nil {
		want = probe.Name()
		probe.(io.Closer).Close()
	}
	inv := hardware.Inventory{GPUs: []hardware.GPU{{Index: 0, Name: "NVIDIA H100 80GB HBM3"}}}
	b := ForInventory(nil, inv)
	if b.Name() != want {
		t.Fatalf("backend %s, want %s", b.Name(), want)
	}
	if c, ok := b.(io.Closer); ok {
		c.Close()
	}
	if b := ForInventory(nil, hardware.Inventory{}); b.Name() != (gemm.Backend{}).Name() {
		t.Fatalf("backend %s", b.Name())
	}
}

func TestCPUClassFollowsKernelAndCores(t *testing.T) {
	for k, want := range map[gemm.Kernel]string{
		gemm.KernelVNNI: "cpu-avx512vnni-16", gemm.KernelAVX2: "cpu-avx2-16", gemm.KernelGeneric: "cpu-generic-16",
	} {
		c, err := CPUClass(k, 16)
		require.NoError(t, err)
		assert.Equal(t, want, c.Name)
	}
	c, err := CPUClass(gemm.Best(), 0)
	require.NoError(t, err)
	assert.Equal(t, float64(runtime.GOMAXPROCS(0))*classes.PerCorePeakTOPS(ISA(gemm.Best())), c.DensePeakTOPS)
	// The CPU GEMM sizes the prover's blocks from its threads.
	g, err := (gemm.Backend{Threads: 3}).NewGEMM(make([]int8, 8*2), 8, 2)
	require.NoError(t, err)
	assert.Equal(t, 768, g.(pow.BlockSizer).BlockRows())
}
