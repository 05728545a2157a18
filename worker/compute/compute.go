// Package compute chooses the worker's proof-of-compute backend at run time: CUDA
// when a GPU was discovered and the CUDA libraries load, the CPU GEMM otherwise.
package compute

import (
	"log/slog"

	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/cuda"
	"github.com/ionet-network/ionet/worker/gemm"
	"github.com/ionet-network/ionet/worker/hardware"
)

// OpenGPU opens a GPU backend for a device ordinal.
type OpenGPU func(ordinal int) (pow.Backend, error)

// OpenCUDA is the production OpenGPU.
func OpenCUDA(ordinal int) (pow.Backend, error) {
	b, err := cuda.Open(ordinal)
	if err != nil {
		return nil, err
	}
	return b, nil
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

// ForInventory picks the backend for the first discovered GPU, or the CPU.
func ForInventory(logger *slog.Logger, inv hardware.Inventory) pow.Backend {
	if len(inv.GPUs) == 0 {
		return Choose(logger, -1, nil)
	}
	return Choose(logger, inv.GPUs[0].Index, OpenCUDA)
}
