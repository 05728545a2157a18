// Package compute chooses the worker's proof-of-compute backend at run time: CUDA
// when a GPU was discovered and the CUDA libraries load, the CPU GEMM otherwise.
package compute

import (
	"log/slog"
	"runtime"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/gemm"
	"github.com/ionet-network/ionet/worker/hardware"
)

// OpenGPU opens a GPU backend for a device ordinal.
type OpenGPU func(ordinal int) (pow.Backend, error)

// OpenCUDA is the default OpenGPU: the CUDA backend with its GEMM algorithm
// autotuned, without a cache (ionet-worker passes OpenCUDAWith with its cache file).
func OpenCUDA(ordinal int) (pow.Backend, error) {
	return OpenCUDAWith(CUDAOptions{Autotune: true})(ordinal)
}

// Choose returns the GPU backend for gpu (an index from discovery) if it opens, and
// the CPU backend otherwise; gpu < 0 means no GPU was found.
func Choose(logger *slog.Logger, gpu int, open OpenGPU) pow.Backend {
	if logger == nil {
		logger = slog.Default()
	}
	cpu := gemm.Backend{}
	if gpu < 0 || open == nil {
		logger.Info("proof-of-compute backend", "backend", cpu.Name(), "reason", "no GPU")
		return cpu
	}
	b, err := open(gpu)
	if err != nil {
		logger.Warn("GPU backend unavailable, falling back to CPU", "gpu", gpu, "error", err, "backend", cpu.Name())
		return cpu
	}
	logger.Info("proof-of-compute backend", "backend", b.Name())
	return b
}

// ISA maps a CPU GEMM kernel to the CPU class tier it runs.
func ISA(k gemm.Kernel) classes.CPUISA {
	switch k {
	case gemm.KernelVNNI:
		return classes.ISAAVX512VNNI
	case gemm.KernelAVX2:
		return classes.ISAAVX2
	}
	return classes.ISAGeneric
}

// CPUClass is the proof-of-compute class of a worker without a GPU: its fastest GEMM
// kernel and the cores the GEMM runs on (GOMAXPROCS when cores ≤ 0).
func CPUClass(k gemm.Kernel, cores int) (classes.Class, error) {
	if cores <= 0 {
		cores = runtime.GOMAXPROCS(0)
	}
	return classes.CPU(ISA(k), cores)
}

// ForInventory picks the backend for the first discovered GPU, or the CPU.
func ForInventory(logger *slog.Logger, inv hardware.Inventory) pow.Backend {
	if len(inv.GPUs) == 0 {
		return Choose(logger, -1, nil)
	}
	return Choose(logger, inv.GPUs[0].Index, OpenCUDA)
}
