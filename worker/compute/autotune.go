package compute

import (
	"fmt"
	"log/slog"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/cuda"
)

// CUDAOptions say how OpenCUDAWith opens a device.
type CUDAOptions struct {
	// Autotune chooses the GPU classes' GEMM algorithm (K = classes.GPUK,
	// N = classes.GPUN) by its sustained rate after the device opens (cuda.Autotune,
	// about 18 s unless cached). A failure is logged and the heuristic kept.
	Autotune bool
	// CachePath is the autotune cache file ("" for none): with a valid entry a
	// restart takes the cached choice instead of measuring.
	CachePath string
	// Tune overrides the measurement's defaults; its CachePath is ignored.
	Tune cuda.AutotuneConfig
	// Logger is the backend's logger (slog.Default() when nil).
	Logger *slog.Logger
}

// OpenCUDAWith is an OpenGPU that opens the CUDA backend with o.
func OpenCUDAWith(o CUDAOptions) OpenGPU {
	return func(ordinal int) (pow.Backend, error) {
		b, err := cuda.New(cuda.Config{Ordinal: ordinal, Logger: o.Logger})
		if err != nil {
			return nil, err
		}
		if o.Autotune {
			cfg := o.Tune
			cfg.CachePath = o.CachePath
			tuneGEMM(o.Logger, b, ordinal, cfg)
		}
		return b, nil
	}
}

// gemmTuner is what tuneGEMM needs of a backend (*cuda.Backend).
type gemmTuner interface {
	Autotune(k, n int, cfg cuda.AutotuneConfig) (cuda.Tuning, error)
}

// tuneGEMM autotunes the GPU classes' GEMM on b. It never fails: an error, or a panic
// of the tuning code, is logged and the backend keeps cuBLASLt's heuristic, so tuning
// cannot stop a worker from starting. It reports whether a tuning was applied.
func tuneGEMM(logger *slog.Logger, b gemmTuner, ordinal int, cfg cuda.AutotuneConfig) (ok bool) {
	if logger == nil {
		logger = slog.Default()
	}
	defer func() {
		if r := recover(); r != nil {
			logger.Warn("GEMM autotune failed, using cuBLASLt's heuristic", "gpu", ordinal, "error", fmt.Sprint(r))
			ok = false
		}
	}()
	t, err := b.Autotune(classes.GPUK, classes.GPUN, cfg)
	if err != nil {
		logger.Warn("GEMM autotune failed, using cuBLASLt's heuristic", "gpu", ordinal, "error", err)
		return false
	}
	logger.Info("GEMM autotuned", "gpu", ordinal, "chosen", t.Chosen, "gain", fmt.Sprintf("%+.1f%%", 100*t.Gain()),
		"cached", t.Cached, "took", t.Took)
	return true
}
